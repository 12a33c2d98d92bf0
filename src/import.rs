//! `lifecycle-workflows import users FILE`: a tenant's users from a CSV file (a
//! header row of Graph's property names, then a user a row) or from JSON Lines
//! (a user object a line). Every row is read as `POST /users` reads its body,
//! before anything is written; the users are then inserted in batches, each in
//! one transaction, so that a refused row leaves nothing of its batch behind.

use crate::db::transaction::Writer;
use crate::db::users::{self, Refused, USER_FIELDS};
use crate::db::Pool;
use crate::domain::json;
use crate::domain::user::{NewUser, UserBody};
use crate::error::GraphError;
use crate::odata::FieldKind;
use crate::tenant::Tenant;
use serde_json::{Map, Value};
use std::path::Path;
use uuid::Uuid;

/// Users a transaction inserts.
pub const BATCH: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A header row of property names, then one user a row.
    Csv,
    /// One JSON object a line, as `POST /users` takes it.
    Jsonl,
}

impl Format {
    /// The format a file's extension names: `.csv`, or `.jsonl` / `.ndjson`.
    pub fn of(path: &Path) -> Option<Self> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read the file: {0}")]
    Read(String),
    /// A row the API would refuse, by its line in the file.
    #[error("line {line}: {message}")]
    Invalid { line: u64, message: String },
    #[error("the database refused the import: {0}")]
    Database(String),
}

/// A user read from the file, with the line it is on.
pub struct Row {
    pub line: u64,
    pub user: NewUser,
}

/// Reads and checks every user of `text`; the first refused row is the error.
pub fn read(text: &str, format: Format) -> Result<Vec<Row>, ImportError> {
    let objects = match format {
        Format::Csv => csv_objects(text)?,
        Format::Jsonl => text
            .lines()
            .zip(1..)
            .filter(|(line, _)| !line.trim().is_empty())
            .map(|(line, number)| (number, line.to_owned()))
            .collect(),
    };
    objects
        .into_iter()
        .map(|(line, object)| {
            let invalid = |error: GraphError| ImportError::Invalid {
                line,
                message: error.message,
            };
            let body = json::decode::<UserBody>(object.as_bytes()).map_err(invalid)?;
            let user = body.into_domain().map_err(|error| invalid(error.into()))?;
            Ok(Row { line, user })
        })
        .collect()
}

/// The rows of a CSV file as JSON objects, by line: each cell under its
/// header's property, typed as the property is (an empty cell is left out).
fn csv_objects(text: &str) -> Result<Vec<(u64, String)>, ImportError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|error| ImportError::Read(error.to_string()))?
        .clone();
    let mut objects = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| ImportError::Read(error.to_string()))?;
        let line = record.position().map_or(0, |position| position.line());
        let mut object = Map::new();
        for (property, cell) in headers.iter().zip(record.iter()) {
            if cell.is_empty() {
                continue;
            }
            let value = cell_value(property, cell).map_err(|message| ImportError::Invalid {
                line,
                message: format!("Invalid value for property '{property}': {message}."),
            })?;
            object.insert(property.to_owned(), value);
        }
        objects.push((line, Value::Object(object).to_string()));
    }
    Ok(objects)
}

/// A CSV cell as the JSON value of its property: a boolean as `true` or
/// `false`, anything else as text, which the body's decoding then reads.
fn cell_value(property: &str, cell: &str) -> Result<Value, String> {
    let kind = USER_FIELDS
        .iter()
        .find(|field| field.name == property)
        .map(|field| field.kind);
    match kind {
        Some(FieldKind::Boolean) => match cell.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("'{cell}' is neither true nor false")),
        },
        _ => Ok(Value::String(cell.to_owned())),
    }
}

/// Inserts `rows` into `tenant`'s directory in batches of [`BATCH`], each in
/// one transaction; `progress` hears the running count. The users inserted.
pub async fn insert(
    pool: &Pool,
    tenant: Tenant,
    rows: Vec<Row>,
    progress: &dyn Fn(u64),
) -> Result<u64, ImportError> {
    let writer = Writer::Pool(pool.clone());
    let mut imported = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<Row> = rows.by_ref().take(BATCH).collect();
        let users: Vec<(Uuid, NewUser)> = batch
            .iter()
            .map(|row| (Uuid::now_v7(), row.user.clone()))
            .collect();
        let mut refused = None;
        let inserted = writer
            .run(async |connection| {
                users::create_all(connection, tenant, &users).await.map_err(
                    |Refused { index, error }| {
                        refused = Some(index);
                        error
                    },
                )
            })
            .await;
        if let Err(error) = inserted {
            let refusal = GraphError::from(error);
            return Err(match refused {
                Some(index) if refusal.status.is_client_error() => ImportError::Invalid {
                    line: batch[index].line,
                    message: refusal.message,
                },
                _ => ImportError::Database(refusal.message),
            });
        }
        imported += batch.len() as u64;
        progress(imported);
    }
    Ok(imported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_take_their_property_s_type() {
        let rows = read(
            "displayName,userPrincipalName,accountEnabled,employeeHireDate,department\n\
             Adele Vance,adelev@contoso.com,FALSE,2027-01-04T08:00:00Z,\n\
             \"Vance, Alex\",alexv@contoso.com,true,,Sales\n",
            Format::Csv,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].line, rows[1].line), (2, 3));
        assert!(!rows[0].user.account_enabled);
        assert!(rows[0].user.employee_hire_date.is_some());
        assert_eq!(rows[0].user.department, None);
        assert_eq!(rows[1].user.display_name, "Vance, Alex");
    }

    #[test]
    fn a_bad_row_is_named_by_line_and_property() {
        let message = |text: &str, format| read(text, format).err().unwrap().to_string();
        let csv = "displayName,userPrincipalName,accountEnabled\nA,a@b,true\nB,b@c,maybe\n";
        let refused = message(csv, Format::Csv);
        assert!(
            refused.starts_with("line 3:") && refused.contains("'accountEnabled'"),
            "{refused}"
        );
        let csv = "displayName,userPrincipalName,colour\nA,a@b,red\n";
        let refused = message(csv, Format::Csv);
        assert!(
            refused.starts_with("line 2:") && refused.contains("colour"),
            "{refused}"
        );
        let jsonl = "{\"displayName\": \"A\", \"userPrincipalName\": \"a@b\"}\n\n{\"displayName\": \"B\", \"userPrincipalName\": \"b\"}\n";
        let refused = message(jsonl, Format::Jsonl);
        assert!(
            refused.starts_with("line 3:") && refused.contains("'userPrincipalName'"),
            "{refused}"
        );
    }

    #[test]
    fn the_extension_names_the_format() {
        assert_eq!(Format::of(Path::new("users.CSV")), Some(Format::Csv));
        assert_eq!(Format::of(Path::new("a/users.jsonl")), Some(Format::Jsonl));
        assert_eq!(Format::of(Path::new("users.txt")), None);
    }
}
