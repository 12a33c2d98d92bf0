//! Request bodies: `application/json` only, bounded in size, decoded so that every
//! error names the property at fault.

use crate::domain::objects;
use crate::error::GraphError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use serde_json::error::Category;
use utoipa::ToSchema;
use uuid::Uuid;

/// `{"id": …}`: a reference to an entity, as Graph writes navigation properties.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = idReference)]
pub struct IdRef {
    pub id: Uuid,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "@odata.type")]
    _odata_type: Option<IgnoredAny>,
}

/// A JSON request body decoded into `T`.
pub struct GraphJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for GraphJson<T> {
    type Error = GraphError;
    type Future = LocalBoxFuture<'static, Result<Self, GraphError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = check_content_type(request);
        let limit = request
            .app_data::<web::Data<AppState>>()
            .map_or(0, |state| state.max_body_bytes);
        let bytes = web::Bytes::from_request(request, payload);
        Box::pin(async move {
            content_type?;
            let bytes = bytes.await.map_err(|error| read_error(&error, limit))?;
            decode(&bytes).map(GraphJson)
        })
    }
}

/// Why a body could not be read: too large for `limit`, or cut short.
pub fn read_error(error: &actix_web::Error, limit: usize) -> GraphError {
    if error.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
        GraphError::too_large(limit)
    } else {
        GraphError::invalid_request(format!("The request body could not be read: {error}"))
    }
}

fn check_content_type(request: &HttpRequest) -> Result<(), GraphError> {
    match request.mime_type() {
        Ok(Some(mime)) if mime.essence_str() == mime::APPLICATION_JSON.essence_str() => Ok(()),
        Ok(Some(mime)) => Err(GraphError::unsupported_media_type(format!(
            "The Content-Type '{mime}' is not supported: send application/json."
        ))),
        Ok(None) => Err(GraphError::unsupported_media_type(
            "The request has no Content-Type: send application/json.",
        )),
        Err(_) => Err(GraphError::unsupported_media_type(
            "The Content-Type header is not a media type: send application/json.",
        )),
    }
}

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
