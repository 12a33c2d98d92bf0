//! `$select` and `$expand`: a response holds only the properties the client asked
//! for, with `id` always among them, and its `@odata.context` names the
//! selection; `$expand` names the navigation properties to render inline.

use crate::error::GraphError;
use serde::Serialize;
use serde_json::{Map, Value};
use url::form_urlencoded;

/// A resource's JSON shape: the properties `$select` may name and the navigation
/// properties `$expand` may name.
pub trait Resource: Serialize {
    const TYPE: &'static str;
    /// The property that keys it, which `$select` always keeps.
    const KEY: &'static str = "id";
    const PROPERTIES: &'static [&'static str];
    const EXPANDABLE: &'static [&'static str];
}

/// The names a query option lists, comma-separated, when the query has it;
/// `what` says what they name.
fn names_in(query: &str, option: &str, what: &str) -> Result<Option<Vec<String>>, GraphError> {
    let Some((_, value)) =
        form_urlencoded::parse(query.as_bytes()).find(|(name, _)| name == option)
    else {
        return Ok(None);
    };
    let names: Vec<String> = value
        .split(',')
        .map(|name| name.trim().to_owned())
        .collect();
    if names.iter().any(String::is_empty) {
        return Err(GraphError::invalid_request(format!(
            "The query option '{option}' must be a comma-separated list of {what}."
        )));
    }
    Ok(Some(names))
}

/// The `$expand` of a request: the navigation properties to render inline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion(Vec<String>);

impl Expansion {
    /// Reads `$expand` (or `%24expand`) from a query string.
    pub fn from_query(query: &str) -> Result<Self, GraphError> {
        let names = names_in(query, "$expand", "navigation properties")?;
        Ok(Self(names.unwrap_or_default()))
    }

    /// Checks the expansion against what `R` can expand.
    pub fn check<R: Resource>(&self) -> Result<(), GraphError> {
        match self
            .0
            .iter()
            .find(|name| !R::EXPANDABLE.contains(&name.as_str()))
        {
            Some(name) => Err(GraphError::invalid_request(format!(
                "The query option '$expand' names '{name}', which {} cannot expand{}.",
                R::TYPE,
                if R::EXPANDABLE.is_empty() {
                    String::new()
                } else {
                    format!(" (it can expand: {})", R::EXPANDABLE.join(", "))
                }
            ))),
            None => Ok(()),
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|expanded| expanded == name)
    }
}

/// The `$select` of a request: none (every property) or a list of names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection(Option<Vec<String>>);

impl Projection {
    /// Reads `$select` (or `%24select`) from a query string.
    pub fn from_query(query: &str) -> Result<Self, GraphError> {
        names_in(query, "$select", "property names").map(Self)
    }

    /// `(a,b)` for a context URL when there is a selection.
    pub fn context_suffix(&self) -> String {
        self.0
            .as_ref()
            .map_or(String::new(), |names| format!("({})", names.join(",")))
    }

    /// Checks the selection against `R`'s properties.
    pub fn check<R: Resource>(&self) -> Result<(), GraphError> {
        for name in self.0.iter().flatten() {
            if !R::PROPERTIES.contains(&name.as_str()) {
                return Err(GraphError::invalid_request(format!(
                    "The query option '$select' names '{name}', which is not a property of {}.",
                    R::TYPE
                )));
            }
        }
        Ok(())
    }

    /// The body with only the selected properties (and the key and the
    /// annotations, `@odata.type`). An expanded navigation property stays,
    /// selected or not, as OData has it.
    pub fn apply<R: Resource>(&self, body: R, expansion: &Expansion) -> Result<Value, GraphError> {
        let value = serde_json::to_value(body).map_err(|error| GraphError::internal(&error))?;
        let Some(names) = &self.0 else {
            return Ok(value);
        };
        let Value::Object(object) = value else {
            return Ok(value);
        };
        let kept: Map<String, Value> = object
            .into_iter()
            .filter(|(key, _)| {
                key == R::KEY
                    || key.starts_with('@')
                    || names.iter().any(|name| name == key)
                    || expansion.contains(key)
            })
            .collect();
        Ok(Value::Object(kept))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Thing {
        id: u8,
        name: &'static str,
        size: u8,
    }

    impl Resource for Thing {
        const TYPE: &'static str = "thing";
        const PROPERTIES: &'static [&'static str] = &["id", "name", "size"];
        const EXPANDABLE: &'static [&'static str] = &["owner"];
    }

    #[test]
    fn expansion_is_checked_against_the_resource() {
        let expansion = Expansion::from_query("$expand=owner").unwrap();
        assert!(expansion.check::<Thing>().is_ok() && expansion.contains("owner"));
        assert!(Expansion::from_query("$expand=friends")
            .unwrap()
            .check::<Thing>()
            .is_err());
        assert!(Expansion::from_query("$expand=,").is_err());
    }

    #[test]
    fn keeps_the_selection_and_the_id() {
        let projection = Projection::from_query("%24select=size").unwrap();
        projection.check::<Thing>().unwrap();
        let thing = || Thing {
            id: 1,
            name: "a",
            size: 2,
        };
        let value = projection.apply(thing(), &Expansion::default()).unwrap();
        assert_eq!(value, serde_json::json!({"id": 1, "size": 2}));
        let expanded = Expansion::from_query("$expand=name").unwrap();
        let value = projection.apply(thing(), &expanded).unwrap();
        assert_eq!(value, serde_json::json!({"id": 1, "name": "a", "size": 2}));
        assert_eq!(projection.context_suffix(), "(size)");
    }

    #[test]
    fn refuses_unknown_and_empty_names() {
        assert!(Projection::from_query("$select=colour")
            .unwrap()
            .check::<Thing>()
            .is_err());
        assert!(Projection::from_query("$select=name,,size").is_err());
        assert_eq!(
            Projection::from_query("$top=1").unwrap(),
            Projection::default()
        );
    }

    use proptest::strategy::Strategy;

    proptest::proptest! {
        /// `$select` and `$expand` as any text, checked against every entity the
        /// service renders: never a panic, and every refusal a 400 naming the option.
        #[test]
        fn any_selection_is_checked_or_a_400_naming_the_option(
            names in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(vec![
                        "id", "displayName", "tasks", "task", "subject", "processingStatus", "", " ", ",",
                        "subject/id", "*", "Id", "@odata.context", "%24select",
                    ]).prop_map(str::to_owned),
                    "\\PC{0,12}",
                ],
                0..5,
            ),
            option in proptest::sample::select(vec!["$select", "$expand", "%24select", "%24expand"]),
        ) {
            use crate::wire::{RunJson, TaskJson, TaskProcessingResultJson, UserProcessingResultJson, WorkflowJson};
            let query = format!(
                "{option}={}",
                url::form_urlencoded::byte_serialize(names.join(",").as_bytes()).collect::<String>()
            );
            let outcomes = match (Projection::from_query(&query), Expansion::from_query(&query)) {
                (Ok(projection), Ok(expansion)) => vec![
                    projection.check::<WorkflowJson>(), projection.check::<TaskJson>(),
                    projection.check::<RunJson>(), projection.check::<UserProcessingResultJson>(),
                    projection.check::<TaskProcessingResultJson>(),
                    expansion.check::<WorkflowJson>(), expansion.check::<TaskJson>(),
                    expansion.check::<RunJson>(), expansion.check::<UserProcessingResultJson>(),
                    expansion.check::<TaskProcessingResultJson>(),
                ],
                (projection, expansion) => vec![projection.map(|_| ()), expansion.map(|_| ())],
            };
            for outcome in outcomes {
                if let Err(error) = outcome {
                    proptest::prop_assert_eq!(error.status, actix_web::http::StatusCode::BAD_REQUEST);
                    proptest::prop_assert!(
                        error.message.contains("'$select'") || error.message.contains("'$expand'"),
                        "{}: {}", query, error.message
                    );
                }
            }
        }
    }
}
