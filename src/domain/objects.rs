//! Nested objects of request bodies, as JSON objects only.
//!
//! serde's derived structs also accept a JSON array, read by position
//! (`"subject": ["8c4a…"]` would be `{"id": "8c4a…"}`), and an array longer than
//! the struct surfaced as "trailing characters", as if the JSON were broken. Graph
//! takes objects there, and so does the service: fields of a struct type go
//! through these functions (`#[serde(deserialize_with = "objects::one")]`), which
//! accept a JSON object and nothing else.
//!
//! Polymorphic objects, told apart by `@odata.type`, are decoded by
//! [`tagged!`]: serde's own tagged enums decode the variant from a buffer and
//! lose the path to a bad value inside it, which [`variant`] keeps. Objects of
//! one type that carry their `@odata.type` all the same, as Graph writes them,
//! hold it in an [`OdataType`].

use super::patch::Patch;
use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;

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

/// Marks an error message that carries the path, within a polymorphic object,
/// of the value at fault: `{MARK}{path}{MARK}{message}`. The body decoder puts
/// the path after the property's own (`json::decode`).
const NESTED_PATH_MARK: char = '\u{1f}';

/// The path and message of an error message marked by [`variant`], if it is.
pub fn nested_path(message: &str) -> Option<(&str, &str)> {
    message
        .strip_prefix(NESTED_PATH_MARK)?
        .split_once(NESTED_PATH_MARK)
}

/// Decodes the rest of a polymorphic object (its `@odata.type` taken out) as
/// the variant `T`, tracking the path, so that an error names where in the
/// object the bad value is, below any path a deeper object names.
pub fn variant<T: serde::de::DeserializeOwned, E: serde::de::Error>(
    object: serde_json::Map<String, serde_json::Value>,
) -> Result<T, E> {
    serde_path_to_error::deserialize(serde_json::Value::Object(object)).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner().to_string();
        let (path, message) = match nested_path(&inner) {
            Some((deeper, message)) if path == "." => (deeper.to_owned(), message),
            Some((deeper, message)) => (format!("{path}.{deeper}"), message),
            None if path == "." => return E::custom(inner),
            None => (path, inner.as_str()),
        };
        E::custom(format!(
            "{NESTED_PATH_MARK}{path}{NESTED_PATH_MARK}{message}"
        ))
    })
}

/// The `@odata.type` of a polymorphic object, without its leading `#`, and the
/// rest of the object.
pub fn split_type<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<(String, serde_json::Map<String, serde_json::Value>), D::Error> {
    let mut object: serde_json::Map<String, serde_json::Value> = one(deserializer)?;
    match object.remove("@odata.type") {
        Some(serde_json::Value::String(name)) => {
            let name = name.strip_prefix('#').unwrap_or(&name).to_owned();
            Ok((name, object))
        }
        Some(_) => Err(serde::de::Error::custom("@odata.type must be a string")),
        None => Err(serde::de::Error::missing_field("@odata.type")),
    }
}

/// The schema of a polymorphic object: one of the variants' objects, each with
/// its `@odata.type` required beside its own properties (the document adds the
/// spelling without the `#`).
pub fn tagged_schema(variants: Vec<(&str, RefOr<Schema>)>) -> RefOr<Schema> {
    let mut one_of = OneOfBuilder::new();
    for (name, mut schema) in variants {
        if let RefOr::T(Schema::Object(object)) = &mut schema {
            let tag = ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([format!("#{name}")]));
            object
                .properties
                .insert("@odata.type".to_owned(), tag.into());
            object.required.push("@odata.type".to_owned());
        }
        one_of = one_of.item(schema);
    }
    one_of.into()
}

/// `Deserialize` and the schema of an enum of newtype variants told apart by
/// `@odata.type` (written with or without its `#`), each variant decoded by
/// [`variant`]; `$schema` names the schema in the document.
macro_rules! tagged {
    ($enum:ident as $schema:literal { $($name:literal => $variant:ident($type:ty),)* }) => {
        impl<'de> serde::Deserialize<'de> for $enum {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                const NAMES: &[&str] = &[$(concat!("#", $name)),*];
                let (name, object) = $crate::domain::objects::split_type(deserializer)?;
                match name.as_str() {
                    $($name => $crate::domain::objects::variant(object).map($enum::$variant),)*
                    _ => Err(serde::de::Error::unknown_variant(&format!("#{name}"), NAMES)),
                }
            }
        }

        impl utoipa::PartialSchema for $enum {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::domain::objects::tagged_schema(vec![
                    $(($name, <$type as utoipa::PartialSchema>::schema()),)*
                ])
            }
        }

        impl utoipa::ToSchema for $enum {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($schema)
            }

            fn schemas(
                schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>,
            ) {
                $(<$type as utoipa::ToSchema>::schemas(schemas);)*
            }
        }
    };
}
pub(crate) use tagged;

/// A type of an object that is not told apart by `@odata.type` but carries it,
/// as Graph writes it: `T`'s [`OdataType`] field.
pub trait Typed {
    /// The qualified name, without the `#`.
    const ODATA_TYPE: &'static str;
}

/// The `@odata.type` of a `T`: optional on input, where it must name `T` (with
/// or without its `#`), and always written. Use with `#[serde(default)]`.
pub struct OdataType<T>(PhantomData<T>);

impl<T> Default for OdataType<T> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<T> Clone for OdataType<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for OdataType<T> {}

impl<T> PartialEq for OdataType<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> Eq for OdataType<T> {}

impl<T: Typed> fmt::Debug for OdataType<T> {
    fn fmt(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        write!(formatter, "#{}", T::ODATA_TYPE)
    }
}

impl<T: Typed> serde::Serialize for OdataType<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("#{}", T::ODATA_TYPE))
    }
}

impl<'de, T: Typed> Deserialize<'de> for OdataType<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        super::validation::check_odata_type(Some(&name), T::ODATA_TYPE)
            .map(|()| Self::default())
            .map_err(|error| serde::de::Error::custom(error.message))
    }
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
