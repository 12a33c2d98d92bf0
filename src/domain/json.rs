//! Decoding a JSON object into a type, so that every error names the property
//! at fault: request bodies, and the rows of an import.

use super::objects;
use crate::error::GraphError;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::error::Category;

/// Decodes a JSON object into `T`. Errors say which property is wrong and why.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, GraphError> {
    match bytes.iter().find(|byte| !byte.is_ascii_whitespace()) {
        Some(b'{') => {}
        Some(_) => {
            return Err(GraphError::invalid_request(
                "The request body must be a JSON object.",
            ))
        }
        None => {
            return Err(GraphError::invalid_request(
                "The request body is empty: send a JSON object.",
            ))
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| describe(error, bytes))?;
    deserializer.end().map_err(|error| {
        GraphError::invalid_request(format!("The request body is not valid JSON: {error}."))
    })?;
    Ok(value)
}

fn describe(error: serde_path_to_error::Error<serde_json::Error>, bytes: &[u8]) -> GraphError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    // A syntax error of well-formed JSON is a value the type read only in part;
    // it belongs to the property, not to the JSON.
    let category = match inner.classify() {
        Category::Syntax if path != "." && is_json(bytes) => Category::Data,
        category => category,
    };
    match category {
        Category::Data => {
            let full = inner.to_string();
            // serde_json appends the position; the property path says more.
            let reason = full
                .rsplit_once(" at line ")
                .map_or(full.as_str(), |(reason, _)| reason);
            // A value inside a polymorphic object carries its path within it.
            let (path, reason) = match objects::nested_path(reason) {
                Some((nested, reason)) if path == "." => (nested.to_owned(), reason),
                Some((nested, reason)) => (format!("{path}.{nested}"), reason),
                None => (path, reason),
            };
            if path == "." {
                GraphError::invalid_request(format!("Invalid request body: {reason}."))
            } else {
                GraphError::invalid_request(format!(
                    "Invalid value for property '{path}': {reason}."
                ))
            }
        }
        Category::Syntax | Category::Eof | Category::Io => {
            GraphError::invalid_request(format!("The request body is not valid JSON: {inner}."))
        }
    }
}

fn is_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<IgnoredAny>(bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        display_name: String,
        nested: Option<Nested>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Nested {
        count: u8,
    }

    fn message(input: &str) -> String {
        decode::<Body>(input.as_bytes()).unwrap_err().message
    }

    #[test]
    fn errors_name_the_property() {
        assert!(message(r#"{"displayName": 5}"#).contains("'displayName'"));
        assert!(
            message(r#"{"displayName": "x", "nested": {"count": "a"}}"#).contains("'nested.count'")
        );
        assert!(message(r#"{"displayName": null}"#).contains("'displayName'"));
        assert!(message(r#"{}"#).contains("displayName"));
        assert!(message(r#"{"displayName": "x", "colour": 1}"#).contains("colour"));
    }

    #[test]
    fn a_value_read_in_part_is_the_property_s_fault_not_the_json_s() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Pair {
            pair: (u8, u8),
        }
        let message = decode::<Pair>(br#"{"pair": [1, 2, 3]}"#)
            .unwrap_err()
            .message;
        assert!(message.contains("property 'pair'"), "{message}");
        assert!(!message.contains("not valid JSON"), "{message}");
        let broken = decode::<Pair>(br#"{"pair": [1, 2"#).unwrap_err().message;
        assert!(broken.contains("not valid JSON"), "{broken}");
    }

    #[test]
    fn refuses_what_is_not_one_json_object() {
        for input in [
            "[]",
            "\"text\"",
            "42",
            "",
            "   ",
            "{",
            r#"{"displayName": "x"} {}"#,
        ] {
            assert!(decode::<Body>(input.as_bytes()).is_err(), "{input}");
        }
    }
}
