//! `$orderby`: one or more filterable scalar properties, each `asc` (the default)
//! or `desc`. Ties, and the order without `$orderby`, are broken by id, so that
//! keyset paging stays exact under any ordering.

use super::criteria::{Field, FieldKind};
use crate::error::GraphError;

/// The most sort keys a request may give.
pub const MAX_KEYS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// A column to sort by. Nulls sort last ascending and first descending, as
/// Postgres does by default; the SQL says so explicitly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderKey {
    pub column: &'static str,
    pub kind: FieldKind,
    pub direction: Direction,
}

impl OrderKey {
    pub fn sql(&self) -> String {
        match self.direction {
            Direction::Asc => format!("{} asc nulls last", self.column),
            Direction::Desc => format!("{} desc nulls first", self.column),
        }
    }
}

/// Parses `$orderby` against a resource's filterable properties.
pub fn parse(text: &str, fields: &[Field]) -> Result<Vec<OrderKey>, GraphError> {
    let error = |problem: String| {
        GraphError::invalid_request(format!("The query option '$orderby' {problem}."))
    };
    let items: Vec<&str> = text.split(',').map(str::trim).collect();
    if items.len() > MAX_KEYS {
        return Err(error(format!(
            "has {} keys; at most {MAX_KEYS} are accepted",
            items.len()
        )));
    }
    items
        .into_iter()
        .map(|item| {
            let mut words = item.split_whitespace();
            let name = words
                .next()
                .ok_or_else(|| error("has an empty key".to_owned()))?;
            let direction = match words.next() {
                None | Some("asc") => Direction::Asc,
                Some("desc") => Direction::Desc,
                Some(other) => {
                    return Err(error(format!(
                        "has '{other}' after '{name}': expected asc or desc"
                    )))
                }
            };
            if let Some(extra) = words.next() {
                return Err(error(format!("has '{extra}' after '{item}'")));
            }
            let field = fields
                .iter()
                .find(|field| field.name == name)
                .ok_or_else(|| {
                    error(format!(
                        "names '{name}', which is not a property this collection can be sorted by"
                    ))
                })?;
            Ok(OrderKey {
                column: field.column,
                kind: field.kind,
                direction,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[Field] = &[
        Field::new("at", "t.at", FieldKind::DateTime),
        Field::new("status", "t.status", FieldKind::String),
    ];

    #[test]
    fn parses_keys_and_directions() {
        let keys = parse("at desc, status", FIELDS).unwrap();
        assert_eq!(
            keys.iter().map(OrderKey::sql).collect::<Vec<_>>(),
            ["t.at desc nulls first", "t.status asc nulls last"]
        );
    }

    #[test]
    fn refuses_unknown_keys_and_directions() {
        for text in [
            "colour",
            "at sideways",
            "at desc now",
            "",
            "at,,status",
            "at,at,at,at,at",
        ] {
            let error = parse(text, FIELDS).unwrap_err();
            assert!(
                error.message.contains("$orderby"),
                "{text}: {}",
                error.message
            );
        }
    }
}
