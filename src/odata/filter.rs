//! `$filter`: a grammar (built with `peg`) for the part of OData's expression
//! language the service supports, parsed into an AST with positions, so that an
//! error can say where the expression went wrong. Nothing here knows SQL.

use crate::domain::timestamp;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The longest `$filter` accepted, in characters.
pub const MAX_LENGTH: usize = 4096;
/// The deepest nesting of parentheses accepted.
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Or(Box<Filter>, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Compare(Property, Operator, Literal),
    In(Property, Vec<Literal>),
    /// `startsWith(property, 'prefix')`.
    StartsWith(Property, Literal),
}

/// A property path as written (`processingStatus`, `subject/id`), and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub path: String,
    pub position: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    /// A flags property holds a member.
    Has,
}

impl Operator {
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "eq",
            Operator::Ne => "ne",
            Operator::Gt => "gt",
            Operator::Ge => "ge",
            Operator::Lt => "lt",
            Operator::Le => "le",
            Operator::Has => "has",
        }
    }
}

/// A literal and where it starts (1-based, in characters).
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    pub value: Value,
    pub position: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(String),
    Guid(Uuid),
    DateTime(DateTime<Utc>),
    Integer(i64),
    Boolean(bool),
    Null,
    /// Text shaped like a literal of the named kind that is not a valid one.
    Invalid(&'static str, String),
}

impl Value {
    /// How the literal's type is named in errors.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Guid(_) => "a GUID",
            Value::DateTime(_) => "a date-time",
            Value::Integer(_) => "an integer",
            Value::Boolean(_) => "a boolean",
            Value::Null => "null",
            Value::Invalid(..) => "an invalid literal",
        }
    }
}

peg::parser! {
    grammar odata() for str {
        rule _() = quiet!{[' ' | '\t']*}
        rule __() = quiet!{[' ' | '\t']+}
        rule word_end() = !['a'..='z' | 'A'..='Z' | '0'..='9' | '_']

        pub rule filter() -> Filter = _ e:or() _ { e }

        rule or() -> Filter
            = first:and() rest:(__ "or" word_end() _ e:and() { e })* {
                rest.into_iter().fold(first, |left, right| Filter::Or(Box::new(left), Box::new(right)))
            }

        rule and() -> Filter
            = first:unary() rest:(__ "and" word_end() _ e:unary() { e })* {
                rest.into_iter().fold(first, |left, right| Filter::And(Box::new(left), Box::new(right)))
            }

        rule unary() -> Filter
            = "not" word_end() _ e:unary() { Filter::Not(Box::new(e)) }
            / primary()

        rule primary() -> Filter
            = "(" _ e:or() _ ")" { e }
            / starts_with()
            / comparison()

        rule starts_with() -> Filter
            = "startsWith" _ "(" _ p:property() _ "," _ v:literal() _ ")" { Filter::StartsWith(p, v) }

        rule comparison() -> Filter
            = p:property() _ quiet!{"in"} _ "(" _ values:(literal() ++ (_ "," _)) _ ")" { Filter::In(p, values) }
            / p:property() _ o:operator() _ v:literal() { Filter::Compare(p, o, v) }

        rule operator() -> Operator
            = quiet!{
                o:$("eq" / "ne" / "gt" / "ge" / "lt" / "le" / "has") word_end() {
                    match o {
                        "eq" => Operator::Eq,
                        "ne" => Operator::Ne,
                        "gt" => Operator::Gt,
                        "ge" => Operator::Ge,
                        "lt" => Operator::Lt,
                        "le" => Operator::Le,
                        _ => Operator::Has,
                    }
                }
            }
            / expected!("an operator (eq, ne, gt, ge, lt, le, has or in)")

        rule property() -> Property
            = start:position!() path:$(quiet!{identifier() ("/" identifier())*}) {
                Property { path: path.to_owned(), position: start + 1 }
            }
            / expected!("a property name")

        rule identifier() = ['a'..='z' | 'A'..='Z' | '_'] ['a'..='z' | 'A'..='Z' | '0'..='9' | '_']*

        rule literal() -> Literal
            = start:position!() value:(string() / guid() / datetime() / integer() / keyword()) {
                Literal { value, position: start + 1 }
            }
            / expected!("a literal")

        rule string() -> Value
            = "'" chars:quiet!{(("''" { '\'' }) / c:[^ '\''] { c })*} ("'" / expected!("a closing quote")) {
                Value::String(chars.into_iter().collect())
            }

        rule hex() = ['0'..='9' | 'a'..='f' | 'A'..='F']

        rule guid() -> Value
            = text:$(hex()*<8> "-" hex()*<4> "-" hex()*<4> "-" hex()*<4> "-" hex()*<12>) word_end() {?
                Uuid::parse_str(text).map(Value::Guid).or(Err("a GUID"))
            }

        rule datetime() -> Value
            = text:$(['0'..='9']*<4> "-" ['0'..='9']*<2> "-" ['0'..='9']*<2> "T"
                     quiet!{['0'..='9' | ':' | '.' | '+' | '-' | 'Z' | 'z']+}) {
                timestamp::parse(text).map_or_else(|_| Value::Invalid("date-time", text.to_owned()), Value::DateTime)
            }

        rule integer() -> Value
            = text:$("-"? ['0'..='9']+) word_end() {
                text.parse().map_or_else(|_| Value::Invalid("64-bit integer", text.to_owned()), Value::Integer)
            }

        rule keyword() -> Value
            = "true" word_end() { Value::Boolean(true) }
            / "false" word_end() { Value::Boolean(false) }
            / "null" word_end() { Value::Null }
    }
}

/// Why a `$filter` did not parse: a message that names the position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError(pub String);

/// Parses a `$filter` expression.
pub fn parse(text: &str) -> Result<Filter, SyntaxError> {
    let length = text.chars().count();
    if length > MAX_LENGTH {
        return Err(SyntaxError(format!(
            "is {length} characters long; at most {MAX_LENGTH} are accepted"
        )));
    }
    if let Some(position) = too_deep(text) {
        return Err(SyntaxError(format!(
            "nests parentheses deeper than {MAX_DEPTH} at position {position}"
        )));
    }
    let filter = odata::filter(text).map_err(|error| {
        let position = text[..error.location.offset.min(text.len())]
            .chars()
            .count()
            + 1;
        let found = text[error.location.offset.min(text.len())..].chars().next();
        let found = found.map_or("the end".to_owned(), |c| format!("'{c}'"));
        let mut expected: Vec<&str> = error
            .expected
            .tokens()
            .map(|token| if token == "EOF" { "the end" } else { token })
            .collect();
        expected.sort_unstable();
        expected.dedup();
        SyntaxError(format!(
            "is not valid at position {position}: found {found}, expected {}",
            expected.join(" or ")
        ))
    })?;
    match first_invalid(&filter) {
        Some(Literal {
            value: Value::Invalid(kind, text),
            position,
        }) => Err(SyntaxError(format!(
            "is not valid at position {position}: '{text}' is not a valid {kind}"
        ))),
        _ => Ok(filter),
    }
}

fn first_invalid(filter: &Filter) -> Option<&Literal> {
    match filter {
        Filter::Or(left, right) | Filter::And(left, right) => {
            first_invalid(left).or_else(|| first_invalid(right))
        }
        Filter::Not(inner) => first_invalid(inner),
        Filter::Compare(_, _, literal) => {
            Some(literal).filter(|literal| matches!(literal.value, Value::Invalid(..)))
        }
        Filter::In(_, literals) => literals
            .iter()
            .find(|literal| matches!(literal.value, Value::Invalid(..))),
        Filter::StartsWith(_, literal) => {
            Some(literal).filter(|literal| matches!(literal.value, Value::Invalid(..)))
        }
    }
}

/// The position of the first parenthesis nested deeper than [`MAX_DEPTH`],
/// outside string literals.
fn too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut in_string) = (0usize, false);
    for (index, c) in text.chars().enumerate() {
        match c {
            '\'' => in_string = !in_string,
            '(' if !in_string => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(index + 1);
                }
            }
            ')' if !in_string => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compare(path: &str, position: usize, operator: Operator, value: Value, at: usize) -> Filter {
        Filter::Compare(
            Property {
                path: path.to_owned(),
                position,
            },
            operator,
            Literal {
                value,
                position: at,
            },
        )
    }

    #[test]
    fn parses_comparisons_with_typed_literals() {
        assert_eq!(
            parse("failureReason eq 'it''s'").unwrap(),
            compare(
                "failureReason",
                1,
                Operator::Eq,
                Value::String("it's".to_owned()),
                18
            )
        );
        assert_eq!(
            parse("subject/id ne 8c4a1b6e-0a3f-4a77-9d41-3b0c1f1d2e3f").unwrap(),
            compare(
                "subject/id",
                1,
                Operator::Ne,
                Value::Guid(Uuid::parse_str("8c4a1b6e-0a3f-4a77-9d41-3b0c1f1d2e3f").unwrap()),
                15
            )
        );
        let Filter::Compare(
            _,
            Operator::Ge,
            Literal {
                value: Value::DateTime(at),
                ..
            },
        ) = parse("createdDateTime ge 2026-01-01T01:00:00+01:00").unwrap()
        else {
            panic!("not a date-time comparison")
        };
        assert_eq!(timestamp::render(&at), "2026-01-01T00:00:00Z");
        assert!(matches!(
            parse("version lt -3").unwrap(),
            Filter::Compare(
                _,
                Operator::Lt,
                Literal {
                    value: Value::Integer(-3),
                    ..
                }
            )
        ));
        assert!(matches!(
            parse("isEnabled eq true").unwrap(),
            Filter::Compare(
                _,
                _,
                Literal {
                    value: Value::Boolean(true),
                    ..
                }
            )
        ));
        assert!(matches!(
            parse("completedDateTime eq null").unwrap(),
            Filter::Compare(
                _,
                _,
                Literal {
                    value: Value::Null,
                    ..
                }
            )
        ));
    }

    #[test]
    fn and_binds_tighter_than_or_and_not_applies_to_one_term() {
        let parsed = parse("not a eq 1 or b eq 2 and (c eq 3)").unwrap();
        let Filter::Or(left, right) = parsed else {
            panic!("{parsed:?}")
        };
        assert!(matches!(*left, Filter::Not(_)));
        assert!(matches!(*right, Filter::And(_, _)));
        assert!(
            matches!(parse("status in ('a', 'b')").unwrap(), Filter::In(_, values) if values.len() == 2)
        );
    }

    #[test]
    fn errors_name_the_position() {
        for (text, position) in [
            ("status eq", 10),
            ("status equals 'a'", 8),
            ("status eq 'open", 16),
            ("(status eq 'a'", 15),
            ("status eq 'a' xor b eq 1", 15),
            ("status eq 2026-13-45T00:00:00Z", 11),
            ("eq 'a'", 4),
            ("status eq 99999999999999999999", 11),
        ] {
            let SyntaxError(message) = parse(text).unwrap_err();
            assert!(
                message.contains(&format!("position {position}")),
                "{text}: {message}"
            );
        }
    }

    #[test]
    fn refuses_deep_nesting_and_long_input_before_parsing() {
        let deep = format!("{}a eq 1{}", "(".repeat(1000), ")".repeat(1000));
        assert!(parse(&deep).unwrap_err().0.contains("deeper"));
        let long = format!("a eq '{}'", "x".repeat(MAX_LENGTH));
        assert!(parse(&long).unwrap_err().0.contains("characters"));
        let quoted = format!("a eq '{}'", "(".repeat(100));
        assert!(parse(&quoted).is_ok());
    }
}
