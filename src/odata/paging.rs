//! Keyset paging: a page ends at an item, and the next page starts after it. The
//! `$skiptoken` that says where is opaque to clients (base64url of JSON).

use crate::error::GraphError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where the next page starts: after the item with this id, whose sort keys
/// (under `$orderby`) had these values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "after")]
    pub after_id: Uuid,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<serde_json::Value>,
}

impl Cursor {
    pub fn encode(&self) -> String {
        // Serialising a struct of a UUID cannot fail.
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(token: &str) -> Result<Self, GraphError> {
        URL_SAFE_NO_PAD
            .decode(token.trim())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| {
                GraphError::invalid_request(
                    "The query option '$skiptoken' is not a token this service issued: follow @odata.nextLink as given.",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        let cursor = Cursor {
            after_id: Uuid::now_v7(),
            keys: vec![serde_json::json!("failed"), serde_json::Value::Null],
        };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        assert!(Cursor::decode("bm90IGpzb24").is_err());
    }
}
