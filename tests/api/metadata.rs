//! `$metadata`: well-formed CSDL that declares every type the service serves with
//! every property the JSON carries, and every enum member.

use crate::helpers::TestApp;
use lifecycle_workflows::domain::enums::{
    ProcessingStatus, WorkflowCategory, WorkflowExecutionType,
};
use roxmltree::{Document, Node};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

const NAMESPACE: &str = "microsoft.graph.identityGovernance";
/// The directory's types (`user`, `group`), in Graph's own namespace.
const GRAPH: &str = "microsoft.graph";

/// The types the service serves, by qualified name, with their properties:
/// every `microsoft.graph.identityGovernance.<type>` and `microsoft.graph.<type>`
/// schema of the OpenAPI document that a 200 or 201 response refers to, as its
/// body or as the items of a page's `value`. Annotations (`@odata.type`) are
/// no properties.
fn served_types() -> BTreeMap<String, Vec<String>> {
    let document: Value =
        serde_json::from_str(&lifecycle_workflows::routes::openapi_json()).unwrap();
    let mut served = BTreeMap::new();
    let path_items = document["paths"].as_object().unwrap().values();
    for operation in path_items.flat_map(|item| item.as_object().unwrap().values()) {
        for status in ["200", "201"] {
            let response = resolve(&document, &operation["responses"][status]);
            for media in response["content"]
                .as_object()
                .into_iter()
                .flat_map(Map::values)
            {
                let body = &media["schema"];
                for schema in [body, &body["properties"]["value"]["items"]] {
                    let Some(name) = schema["$ref"]
                        .as_str()
                        .and_then(|reference| reference.rsplit('/').next())
                        .filter(|name| {
                            [NAMESPACE, GRAPH].into_iter().any(|namespace| {
                                name.strip_prefix(namespace)
                                    .and_then(|rest| rest.strip_prefix('.'))
                                    .is_some_and(|rest| !rest.contains('.'))
                            })
                        })
                    else {
                        continue;
                    };
                    let properties = resolve(&document, schema)["properties"].as_object();
                    let names = properties.into_iter().flat_map(Map::keys);
                    let names = names.filter(|name| !name.starts_with('@')).cloned();
                    served.insert(name.to_owned(), names.collect());
                }
            }
        }
    }
    served
}

/// What `value` refers to, when it is a `$ref` within the document; else itself.
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    value["$ref"]
        .as_str()
        .and_then(|reference| document.pointer(reference.strip_prefix('#')?))
        .unwrap_or(value)
}

/// The kind (`EntityType` or `ComplexType`) of a structured type, by qualified
/// name, and its properties (structural and navigation), its base types'
/// included.
fn properties(document: &Document, name: &str) -> (String, Vec<String>) {
    let schema_of = |qualified: &str| {
        let (namespace, name) = qualified.rsplit_once('.').unwrap();
        let namespace = if namespace == "graph" {
            "microsoft.graph"
        } else {
            namespace
        };
        (namespace.to_owned(), name.to_owned())
    };
    let mut kind = None;
    let mut found = Vec::new();
    let mut next = Some(schema_of(name));
    while let Some((namespace, name)) = next.take() {
        let structured = document
            .descendants()
            .filter(|node| {
                node.has_tag_name("Schema") && node.attribute("Namespace") == Some(&namespace)
            })
            .flat_map(|schema| schema.children())
            .find(|node: &Node| {
                (node.has_tag_name("EntityType") || node.has_tag_name("ComplexType"))
                    && node.attribute("Name") == Some(&name)
            })
            .unwrap_or_else(|| panic!("no entity or complex type {namespace}.{name}"));
        kind.get_or_insert_with(|| structured.tag_name().name().to_owned());
        found.extend(
            structured
                .children()
                .filter(|node| {
                    node.has_tag_name("Property") || node.has_tag_name("NavigationProperty")
                })
                .filter_map(|node| node.attribute("Name").map(str::to_owned)),
        );
        next = structured.attribute("BaseType").map(schema_of);
    }
    (kind.unwrap_or_default(), found)
}

fn members(document: &Document, enum_type: &str) -> Vec<String> {
    document
        .descendants()
        .find(|node| node.has_tag_name("EnumType") && node.attribute("Name") == Some(enum_type))
        .unwrap_or_else(|| panic!("no enum type {enum_type}"))
        .children()
        .filter_map(|node| node.attribute("Name").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn metadata_is_csdl_that_declares_what_the_json_carries() {
    let app = TestApp::spawn().await;
    let served = served_types();
    for name in ["workflow", "user", "group"] {
        let qualified = if name == "workflow" { NAMESPACE } else { GRAPH };
        assert!(
            served.contains_key(&format!("{qualified}.{name}")),
            "{served:?}"
        );
    }
    for version in ["/beta", "/v1.0", ""] {
        // No token: metadata describes types, never data.
        let response = reqwest::get(format!("{}{version}/$metadata", app.address))
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{version}");
        assert_eq!(response.headers()["content-type"], "application/xml");
        let text = response.text().await.unwrap();
        let document = Document::parse(&text).expect("well-formed XML");
        assert_eq!(document.root_element().attribute("Version"), Some("4.0"));

        for (type_name, declared) in &served {
            let (kind, in_metadata) = properties(&document, type_name);
            // An entity (what has an id) is addressable: an EntityType, keyed.
            // Summaries are complex types.
            if declared.iter().any(|property| property == "id") {
                assert_eq!(kind, "EntityType", "{type_name}");
            }
            for property in declared {
                assert!(
                    in_metadata.iter().any(|name| name == property),
                    "{type_name}.{property} is not in $metadata"
                );
            }
        }
        // The directory's collections are entity sets of the container, as
        // their context URLs (`$metadata#users`) name them.
        for (set, entity_type) in [("users", "graph.user"), ("groups", "graph.group")] {
            let declared = document
                .descendants()
                .find(|node| node.has_tag_name("EntitySet") && node.attribute("Name") == Some(set));
            assert_eq!(
                declared.and_then(|node| node.attribute("EntityType")),
                Some(entity_type),
                "{set}"
            );
        }
        for (enum_type, names) in [
            ("lifecycleWorkflowProcessingStatus", ProcessingStatus::NAMES),
            ("workflowExecutionType", WorkflowExecutionType::NAMES),
            ("lifecycleWorkflowCategory", WorkflowCategory::NAMES),
        ] {
            let in_metadata = members(&document, enum_type);
            for name in names {
                assert!(
                    in_metadata.iter().any(|member| member == name),
                    "{enum_type}.{name}"
                );
            }
        }
    }
}
