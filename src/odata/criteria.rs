//! Which rows a list keeps: a `$filter` checked against a resource's whitelist of
//! filterable properties, and `$search`. Checking turns every literal into a typed
//! value bound to a known column, so pushing the SQL cannot fail and user text
//! only ever reaches Postgres as a bound parameter.

use super::filter::{self, Filter, Literal, Operator, Value};
use super::order::{self, OrderKey};
use super::ListOptions;
use crate::error::GraphError;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

/// The type of a filterable property, which decides its operators and literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Guid,
    String,
    Boolean,
    DateTime,
    Integer,
    /// A string enum with these members.
    Enum(&'static [&'static str]),
    /// Graph's flags string: some of these members, comma-separated, in this
    /// order. It takes `has` only.
    Flags(&'static [&'static str]),
}

/// A filterable property: its name on the wire and its column in SQL.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub column: &'static str,
    pub kind: FieldKind,
}

impl Field {
    pub const fn new(name: &'static str, column: &'static str, kind: FieldKind) -> Self {
        Self { name, column, kind }
    }
}

/// A checked filter: the same shape, with columns and typed values.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Or(Box<Condition>, Box<Condition>),
    And(Box<Condition>, Box<Condition>),
    Not(Box<Condition>),
    Compare(&'static str, Operator, Bound),
    In(&'static str, Vec<Bound>),
    StartsWith(&'static str, Bound),
}

/// A literal ready to bind.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    Text(String),
    Guid(Uuid),
    DateTime(DateTime<Utc>),
    Integer(i64),
    Boolean(bool),
    Null,
}

/// What a list keeps, beyond its scope.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Criteria {
    pub filter: Option<Condition>,
    /// `(column, text)`: rows whose column contains the text, ignoring case.
    pub search: Option<(&'static str, String)>,
    /// `$orderby`, before the id that breaks ties.
    pub order: Vec<OrderKey>,
}

impl Criteria {
    /// Checks the request's `$filter` and `$search` against a resource's fields
    /// and searchable column.
    pub fn check(
        options: &ListOptions,
        fields: &[Field],
        searchable: Option<&'static str>,
    ) -> Result<Self, GraphError> {
        let order = match &options.orderby {
            Some(text) => order::parse(text, fields)?,
            None => Vec::new(),
        };
        let filter = options
            .filter
            .as_deref()
            .map(|text| {
                let parsed =
                    filter::parse(text).map_err(|error| option_error("$filter", &error.0))?;
                check(&parsed, fields).map_err(|problem| option_error("$filter", &problem))
            })
            .transpose()?;
        let search = match (options.search.as_deref(), searchable) {
            (None, _) => None,
            (Some(text), Some(column)) => Some((column, search_text(text)?)),
            (Some(_), None) => {
                return Err(GraphError::invalid_request(
                    "The query option '$search' is not supported on this collection.",
                ))
            }
        };
        Ok(Self {
            filter,
            search,
            order,
        })
    }

    /// Whether the filter names a column of the table or join known as `alias`.
    pub fn filters_on(&self, alias: &str) -> bool {
        fn names(condition: &Condition, alias: &str) -> bool {
            match condition {
                Condition::Or(left, right) | Condition::And(left, right) => {
                    names(left, alias) || names(right, alias)
                }
                Condition::Not(inner) => names(inner, alias),
                Condition::Compare(column, ..)
                | Condition::In(column, _)
                | Condition::StartsWith(column, _) => column
                    .strip_prefix(alias)
                    .is_some_and(|rest| rest.starts_with('.')),
            }
        }
        self.filter
            .as_ref()
            .is_some_and(|condition| names(condition, alias))
    }

    /// Appends ` and …` for each criterion to a query whose WHERE clause is open.
    pub fn push(&self, builder: &mut QueryBuilder<'_, Postgres>) {
        if let Some(condition) = &self.filter {
            builder.push(" and ");
            push_condition(builder, condition);
        }
        if let Some((column, text)) = &self.search {
            let pattern = format!(
                "%{}%",
                text.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            builder
                .push(format_args!(" and {column} ilike "))
                .push_bind(pattern);
        }
    }
}

fn option_error(option: &str, problem: &str) -> GraphError {
    GraphError::invalid_request(format!("The query option '{option}' {problem}."))
}

/// `$search="text"`: the quoted form Graph uses.
fn search_text(text: &str) -> Result<String, GraphError> {
    text.trim()
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .filter(|inner| !inner.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            option_error(
                "$search",
                "must be a quoted text, as in $search=\"displayName text\"",
            )
        })
}

/// A scope rule (`ruleBasedSubjectSet.rule`): a filter over `fields` that takes
/// eq, ne, in and startsWith only, with and, or and not. The error is the
/// problem, naming its position.
pub fn check_rule(text: &str, fields: &[Field]) -> Result<Condition, String> {
    let parsed = filter::parse(text).map_err(|error| error.0)?;
    check_rule_operators(&parsed)?;
    check(&parsed, fields)
}

fn check_rule_operators(filter: &Filter) -> Result<(), String> {
    match filter {
        Filter::Or(left, right) | Filter::And(left, right) => {
            check_rule_operators(left)?;
            check_rule_operators(right)
        }
        Filter::Not(inner) => check_rule_operators(inner),
        Filter::Compare(property, operator, _)
            if !matches!(operator, Operator::Eq | Operator::Ne) =>
        {
            Err(format!(
                "is not valid at position {}: a rule compares with eq, ne, in and startsWith, not {}",
                property.position,
                operator.as_str()
            ))
        }
        Filter::Compare(..) | Filter::In(..) | Filter::StartsWith(..) => Ok(()),
    }
}

fn check(filter: &Filter, fields: &[Field]) -> Result<Condition, String> {
    Ok(match filter {
        Filter::Or(left, right) => Condition::Or(
            Box::new(check(left, fields)?),
            Box::new(check(right, fields)?),
        ),
        Filter::And(left, right) => Condition::And(
            Box::new(check(left, fields)?),
            Box::new(check(right, fields)?),
        ),
        Filter::Not(inner) => Condition::Not(Box::new(check(inner, fields)?)),
        Filter::Compare(property, operator, literal) => {
            let field = field(fields, &property.path, property.position)?;
            check_operator(field, operator.as_str(), property.position)?;
            // Only eq and ne compare with null.
            if !matches!(operator, Operator::Eq | Operator::Ne) && literal.value == Value::Null {
                return Err(literal_error(field, literal));
            }
            Condition::Compare(field.column, *operator, bind(field, literal)?)
        }
        Filter::In(property, literals) => {
            let field = field(fields, &property.path, property.position)?;
            check_operator(field, "in", property.position)?;
            let values = literals
                .iter()
                .map(|literal| bind(field, literal))
                .collect::<Result<Vec<_>, _>>()?;
            if values.contains(&Bound::Null) {
                return Err("cannot use null in an 'in' list: use eq null".to_owned());
            }
            Condition::In(field.column, values)
        }
        Filter::StartsWith(property, literal) => {
            let field = field(fields, &property.path, property.position)?;
            check_operator(field, "startsWith", property.position)?;
            match bind(field, literal)? {
                Bound::Null => return Err(literal_error(field, literal)),
                prefix => Condition::StartsWith(field.column, prefix),
            }
        }
    })
}

/// A 400 unless a field of its kind takes `operator`: every kind eq, ne and
/// in, dates and integers also the orderings, and a flags string has alone.
fn check_operator(field: &Field, operator: &str, position: usize) -> Result<(), String> {
    let supported = match field.kind {
        FieldKind::DateTime | FieldKind::Integer => {
            ["eq", "ne", "gt", "ge", "lt", "le", "in"].as_slice()
        }
        FieldKind::Flags(_) => ["has"].as_slice(),
        FieldKind::String => ["eq", "ne", "in", "startsWith"].as_slice(),
        _ => ["eq", "ne", "in"].as_slice(),
    };
    if supported.contains(&operator) {
        return Ok(());
    }
    let names = match supported {
        [only] => (*only).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => String::new(),
    };
    Err(format!(
        "is not valid at position {position}: '{}' supports only {names}, not {operator}",
        field.name
    ))
}

fn field<'f>(fields: &'f [Field], path: &str, position: usize) -> Result<&'f Field, String> {
    fields.iter().find(|field| field.name == path).ok_or_else(|| {
        let names: Vec<&str> = fields.iter().map(|field| field.name).collect();
        format!(
            "is not valid at position {position}: '{path}' is not a filterable property here (filterable: {})",
            names.join(", ")
        )
    })
}

fn literal_error(field: &Field, literal: &Literal) -> String {
    let expected = match field.kind {
        FieldKind::Guid => "a GUID".to_owned(),
        FieldKind::String => "a string".to_owned(),
        FieldKind::Boolean => "true or false".to_owned(),
        FieldKind::DateTime => "a date-time".to_owned(),
        FieldKind::Integer => "an integer".to_owned(),
        FieldKind::Enum(members) | FieldKind::Flags(members) => {
            format!("one of '{}'", members.join("', '"))
        }
    };
    format!(
        "is not valid at position {}: '{}' takes {expected}, not {}",
        literal.position,
        field.name,
        literal.value.kind()
    )
}

/// The literal as a value of the field's type, or an error naming both.
fn bind(field: &Field, literal: &Literal) -> Result<Bound, String> {
    let bound = match (field.kind, &literal.value) {
        (_, Value::Null) => Bound::Null,
        (FieldKind::Guid, Value::Guid(id)) => Bound::Guid(*id),
        // Graph writes ids quoted too.
        (FieldKind::Guid, Value::String(text)) => {
            Bound::Guid(Uuid::parse_str(text).map_err(|_| literal_error(field, literal))?)
        }
        (_, Value::String(text)) if text.contains('\0') => {
            return Err(format!(
                "is not valid at position {}: a string cannot contain U+0000",
                literal.position
            ))
        }
        (FieldKind::String, Value::String(text)) => Bound::Text(text.clone()),
        (FieldKind::Enum(members) | FieldKind::Flags(members), Value::String(text))
            if members.contains(&text.as_str()) =>
        {
            Bound::Text(text.clone())
        }
        (FieldKind::Boolean, Value::Boolean(value)) => Bound::Boolean(*value),
        (FieldKind::DateTime, Value::DateTime(at)) => Bound::DateTime(*at),
        (FieldKind::Integer, Value::Integer(value)) => Bound::Integer(*value),
        _ => return Err(literal_error(field, literal)),
    };
    Ok(bound)
}

/// Appends the condition, parenthesized.
pub fn push_condition(builder: &mut QueryBuilder<'_, Postgres>, condition: &Condition) {
    match condition {
        Condition::Or(left, right) | Condition::And(left, right) => {
            let joiner = if matches!(condition, Condition::Or(..)) {
                " or "
            } else {
                " and "
            };
            builder.push("(");
            push_condition(builder, left);
            builder.push(joiner);
            push_condition(builder, right);
            builder.push(")");
        }
        Condition::Not(inner) => {
            builder.push("(not ");
            push_condition(builder, inner);
            builder.push(")");
        }
        // OData's null semantics: eq null is "is null", and ne matches nulls.
        Condition::Compare(column, Operator::Eq, Bound::Null) => {
            builder.push(format_args!("({column} is null)"));
        }
        Condition::Compare(column, Operator::Ne, Bound::Null) => {
            builder.push(format_args!("({column} is not null)"));
        }
        Condition::Compare(column, operator, value) => {
            let sql = match operator {
                Operator::Eq => "=",
                Operator::Ne => "is distinct from",
                Operator::Gt => ">",
                Operator::Ge => ">=",
                Operator::Lt => "<",
                Operator::Le => "<=",
                // A member of a flags string.
                Operator::Has => {
                    builder.push("(");
                    push_value(builder, value);
                    builder.push(format_args!(" = any(string_to_array({column}, ',')))"));
                    return;
                }
            };
            builder.push(format_args!("({column} {sql} "));
            push_value(builder, value);
            builder.push(")");
        }
        Condition::StartsWith(column, prefix) => {
            builder.push(format_args!("starts_with({column}, "));
            push_value(builder, prefix);
            builder.push(")");
        }
        Condition::In(column, values) => {
            builder.push(format_args!("({column} in ("));
            for (index, value) in values.iter().enumerate() {
                if index > 0 {
                    builder.push(", ");
                }
                push_value(builder, value);
            }
            builder.push("))");
        }
    }
}

fn push_value(builder: &mut QueryBuilder<'_, Postgres>, value: &Bound) {
    match value {
        Bound::Text(text) => builder.push_bind(text.clone()),
        Bound::Guid(id) => builder.push_bind(*id),
        Bound::DateTime(at) => builder.push_bind(*at),
        Bound::Integer(value) => builder.push_bind(*value),
        Bound::Boolean(value) => builder.push_bind(*value),
        Bound::Null => builder.push("null"),
    };
}

impl Bound {
    /// The value as it travels in a `$skiptoken`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Bound::Text(text) => serde_json::Value::from(text.as_str()),
            Bound::Guid(id) => serde_json::Value::from(id.to_string()),
            Bound::DateTime(at) => serde_json::Value::from(at.to_rfc3339()),
            Bound::Integer(value) => serde_json::Value::from(*value),
            Bound::Boolean(value) => serde_json::Value::from(*value),
            Bound::Null => serde_json::Value::Null,
        }
    }

    /// A value read back from a `$skiptoken`, as a value of `kind`.
    pub fn from_json(kind: FieldKind, value: &serde_json::Value) -> Option<Self> {
        use serde_json::Value as Json;
        Some(match (kind, value) {
            (_, Json::Null) => Bound::Null,
            (FieldKind::Guid, Json::String(text)) => Bound::Guid(Uuid::parse_str(text).ok()?),
            (FieldKind::String | FieldKind::Enum(_) | FieldKind::Flags(_), Json::String(text)) => {
                Bound::Text(text.clone())
            }
            (FieldKind::DateTime, Json::String(text)) => {
                Bound::DateTime(DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc))
            }
            (FieldKind::Integer, Json::Number(number)) => Bound::Integer(number.as_i64()?),
            (FieldKind::Boolean, Json::Bool(value)) => Bound::Boolean(*value),
            _ => return None,
        })
    }
}

/// Appends the keyset condition "after this row": rows that sort after
/// `(keys…, id)` in the order of `order`, then `id`.
pub fn push_after(
    builder: &mut QueryBuilder<'_, Postgres>,
    order: &[OrderKey],
    keys: &[Bound],
    id_column: &str,
    id: Uuid,
) {
    match (order.split_first(), keys.split_first()) {
        (Some((key, order)), Some((value, keys))) => {
            builder.push("(");
            push_beyond(builder, key, value);
            builder.push(" or (");
            if *value == Bound::Null {
                builder.push(format_args!("{} is null", key.column));
            } else {
                builder.push(format_args!("{} = ", key.column));
                push_value(builder, value);
            }
            builder.push(" and ");
            push_after(builder, order, keys, id_column, id);
            builder.push("))");
        }
        _ => {
            builder.push(format_args!("{id_column} > ")).push_bind(id);
        }
    }
}

/// Rows whose `key` sorts strictly after `value`: nulls sort last ascending and
/// first descending.
fn push_beyond(builder: &mut QueryBuilder<'_, Postgres>, key: &OrderKey, value: &Bound) {
    let column = key.column;
    match (key.direction, value) {
        (order::Direction::Asc, Bound::Null) => {
            builder.push("false");
        }
        (order::Direction::Asc, value) => {
            builder.push(format_args!("({column} > "));
            push_value(builder, value);
            builder.push(format_args!(" or {column} is null)"));
        }
        (order::Direction::Desc, Bound::Null) => {
            builder.push(format_args!("({column} is not null)"));
        }
        (order::Direction::Desc, value) => {
            builder.push(format_args!("({column} < "));
            push_value(builder, value);
            builder.push(")");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[Field] = &[
        Field::new("id", "t.id", FieldKind::Guid),
        Field::new("status", "t.status", FieldKind::Enum(&["queued", "failed"])),
        Field::new("reason", "t.reason", FieldKind::String),
        Field::new("at", "t.at", FieldKind::DateTime),
        Field::new("enabled", "t.enabled", FieldKind::Boolean),
        Field::new("kind", "t.kind", FieldKind::Flags(&["joiner", "leaver"])),
    ];

    fn options(filter: Option<&str>, search: Option<&str>) -> ListOptions {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(filter) = filter {
            query.append_pair("$filter", filter);
        }
        if let Some(search) = search {
            query.append_pair("$search", search);
        }
        ListOptions::parse(&query.finish()).unwrap()
    }

    fn sql(filter: &str) -> String {
        let criteria = Criteria::check(&options(Some(filter), None), FIELDS, None).unwrap();
        let mut builder = QueryBuilder::new("select 1 where true");
        criteria.push(&mut builder);
        builder.sql().to_owned()
    }

    #[test]
    fn user_text_only_reaches_sql_as_parameters() {
        assert_eq!(
            sql("reason eq 'x''); drop table t; --' or not (status in ('queued', 'failed'))"),
            "select 1 where true and ((t.reason = $1) or (not (t.status in ($2, $3))))"
        );
        assert_eq!(
            sql("reason ne 'x'"),
            "select 1 where true and (t.reason is distinct from $1)"
        );
        assert_eq!(
            sql("at eq null and at ge 2026-01-01T00:00:00Z"),
            "select 1 where true and ((t.at is null) and (t.at >= $1))"
        );
        assert_eq!(
            sql("kind has 'leaver'"),
            "select 1 where true and ($1 = any(string_to_array(t.kind, ',')))"
        );
    }

    #[test]
    fn type_errors_unknown_properties_and_wrong_operators_name_the_position() {
        for (filter, fragment) in [
            ("at eq 'abc'", "position 7"),
            ("enabled gt 3", "position 1"),
            ("colour eq 'red'", "position 1"),
            ("status eq 'done'", "position 11"),
            ("status eq 'Failed'", "'queued', 'failed'"),
            ("id eq 'not-a-guid'", "position 7"),
            ("reason lt 'm'", "not lt"),
            ("at gt null", "position 7"),
            ("status in ('queued', null)", "null"),
            ("kind has 'mover'", "'joiner', 'leaver'"),
            ("kind eq 'leaver'", "supports only has"),
            ("kind in ('leaver')", "supports only has"),
            ("status has 'queued'", "not has"),
            ("at has 2026-01-01T00:00:00Z", "not has"),
        ] {
            let error = Criteria::check(&options(Some(filter), None), FIELDS, None).unwrap_err();
            assert!(
                error.message.contains("$filter"),
                "{filter}: {}",
                error.message
            );
            assert!(
                error.message.contains(fragment),
                "{filter}: {}",
                error.message
            );
        }
    }

    /// Property names (some not filterable), operators and literals, adversarial
    /// ones included, put together into expressions that are often valid.
    fn expression() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let property = prop::sample::select(vec![
            "id",
            "status",
            "reason",
            "at",
            "enabled",
            "kind",
            "colour",
            "subject/id",
        ]);
        let operator = prop::sample::select(vec!["eq", "ne", "gt", "ge", "lt", "le", "has"]);
        let literal = prop_oneof![
            any::<String>().prop_map(|text| format!("'{}'", text.replace('\'', "''"))),
            Just("'x''); drop table t; --'".to_owned()),
            Just("null".to_owned()),
            Just("true".to_owned()),
            any::<i64>().prop_map(|n| n.to_string()),
            Just("2026-01-01T00:00:00Z".to_owned()),
            Just("8c4a1b6e-0a3f-4a77-9d41-3b0c1f1d2e3f".to_owned()),
        ];
        let leaf = (property, operator, literal).prop_map(|(p, o, l)| format!("{p} {o} {l}"));
        leaf.prop_recursive(4, 32, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
                inner.prop_map(|a| format!("not ({a})")),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let _ = Criteria::check(&options(Some(&text), None), FIELDS, None);
        }

        #[test]
        fn checked_filters_put_no_user_text_in_sql(filter in expression()) {
            if let Ok(criteria) = Criteria::check(&options(Some(&filter), None), FIELDS, None) {
                let mut builder = QueryBuilder::new("select 1 where true");
                criteria.push(&mut builder);
                let mut rest = builder.sql().to_owned();
                for token in ["t.id", "t.status", "t.reason", "t.at", "t.enabled", "is distinct from", "is not null",
                              "is null", " and ", " or ", "not ", " in ", "select 1 where true", ">=", "<=", "=", ">", "<"] {
                    rest = rest.replace(token, " ");
                }
                let rest: String = rest.chars().filter(|c| !matches!(c, '(' | ')' | ',' | ' ' | '$' | '0'..='9')).collect();
                proptest::prop_assert!(rest.is_empty(), "{} left {:?}", builder.sql(), rest);
            }
        }
    }

    #[test]
    fn search_needs_quotes_and_a_searchable_collection() {
        let criteria =
            Criteria::check(&options(None, Some("\"50%_off\"")), FIELDS, Some("t.name")).unwrap();
        assert_eq!(criteria.search, Some(("t.name", "50%_off".to_owned())));
        assert!(Criteria::check(&options(None, Some("bare")), FIELDS, Some("t.name")).is_err());
        assert!(Criteria::check(&options(None, Some("\"x\"")), FIELDS, None).is_err());
    }
}
