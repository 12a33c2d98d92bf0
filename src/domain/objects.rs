//! Nested objects of request bodies, as JSON objects only.
//!
//! serde's derived structs also accept a JSON array, read by position
//! (`"subject": ["8c4a…"]` would be `{"id": "8c4a…"}`), and an array longer than
//! the struct surfaced as "trailing characters", as if the JSON were broken. Graph
//! takes objects there, and so does the service: fields of a struct type go
//! through these functions (`#[serde(deserialize_with = "objects::one")]`), which
//! accept a JSON object and nothing else.

use super::patch::Patch;
use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map))
    }
}

/// A `T` written as a JSON object.
pub fn one<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_map(ObjectVisitor(PhantomData))
}

/// A `T` written as a JSON object, or `null`. Use with `#[serde(default)]`.
pub fn optional<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    struct OptionVisitor<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for OptionVisitor<T> {
        type Value = Option<T>;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("a JSON object or null")
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            one(deserializer).map(Some)
        }
    }

    deserializer.deserialize_option(OptionVisitor(PhantomData))
}

/// As [`optional`], telling a property sent as `null` from one left out. Use
/// with `#[serde(default)]`.
pub fn patch<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Patch<T>, D::Error> {
    optional(deserializer).map(|value| value.map_or(Patch::Null, Patch::Value))
}

/// A JSON array of `T`s, each written as a JSON object.
pub fn many<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    struct Element<T>(T);

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for Element<T> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            one(deserializer).map(Element)
        }
    }

    struct ArrayVisitor<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for ArrayVisitor<T> {
        type Value = Vec<T>;

        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("a JSON array of objects")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            // A bounded first allocation: the length is the client's to choose.
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(32));
            while let Some(Element(item)) = seq.next_element::<Element<T>>()? {
                items.push(item);
            }
            Ok(items)
        }
    }

    deserializer.deserialize_seq(ArrayVisitor(PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Pair {
        name: String,
        value: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        #[serde(default, deserialize_with = "optional")]
        first: Option<Pair>,
        #[serde(default, deserialize_with = "many")]
        rest: Vec<Pair>,
    }

    #[derive(Debug, Deserialize)]
    struct Required {
        #[serde(deserialize_with = "one")]
        pair: Pair,
    }

    fn parse(json: &str) -> Result<Body, String> {
        serde_json::from_str(json).map_err(|error| error.to_string())
    }

    #[test]
    fn objects_are_read_as_before() {
        let body = parse(
            r#"{"first": {"name": "a", "value": null}, "rest": [{"name": "b", "value": "c"}]}"#,
        )
        .unwrap();
        assert_eq!(body.first.unwrap().name, "a");
        assert_eq!(body.rest[0].value.as_deref(), Some("c"));
        assert!(parse(r#"{"first": null, "rest": []}"#)
            .unwrap()
            .first
            .is_none());
        assert!(parse("{}").unwrap().rest.is_empty());
    }

    #[test]
    fn arrays_in_place_of_objects_are_refused() {
        for json in [
            r#"{"first": ["a", "b"]}"#,
            r#"{"first": ["a", "b", null]}"#,
            r#"{"rest": [["a", "b"]]}"#,
            r#"{"rest": {"name": "a", "value": null}}"#,
            r#"{"first": "a"}"#,
        ] {
            let error = parse(json).unwrap_err();
            assert!(error.contains("invalid type"), "{json}: {error}");
        }
        let required = |json| serde_json::from_str::<Required>(json).map(|body| body.pair);
        assert_eq!(
            required(r#"{"pair": {"name": "a", "value": null}}"#).unwrap(),
            Pair {
                name: "a".to_owned(),
                value: None
            }
        );
        assert!(required(r#"{"pair": ["a", null]}"#).is_err());
    }
}
