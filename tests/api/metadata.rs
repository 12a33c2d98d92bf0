//! `$metadata`: well-formed CSDL that declares every property and enum member the
//! JSON carries.

use crate::helpers::TestApp;
use lifecycle_workflows::domain::enums::{
    ProcessingStatus, WorkflowCategory, WorkflowExecutionType,
};
use lifecycle_workflows::wire::{
    Resource, RunJson, TaskJson, TaskProcessingResultJson, UserProcessingResultJson, WorkflowJson,
};
use roxmltree::{Document, Node};

const NAMESPACE: &str = "microsoft.graph.identityGovernance";

/// The properties (structural and navigation) of an entity type, its base types'
/// included.
fn properties(document: &Document, name: &str) -> Vec<String> {
    let schema_of = |qualified: &str| {
        let (namespace, name) = qualified.rsplit_once('.').unwrap();
        let namespace = if namespace == "graph" {
            "microsoft.graph"
        } else {
            namespace
        };
        (namespace.to_owned(), name.to_owned())
    };
    let mut found = Vec::new();
    let mut next = Some((NAMESPACE.to_owned(), name.to_owned()));
    while let Some((namespace, name)) = next.take() {
        let entity = document
            .descendants()
            .filter(|node| {
                node.has_tag_name("Schema") && node.attribute("Namespace") == Some(&namespace)
            })
            .flat_map(|schema| schema.children())
            .find(|node: &Node| {
                node.has_tag_name("EntityType") && node.attribute("Name") == Some(&name)
            })
            .unwrap_or_else(|| panic!("no entity type {namespace}.{name}"));
        found.extend(
            entity
                .children()
                .filter(|node| {
                    node.has_tag_name("Property") || node.has_tag_name("NavigationProperty")
                })
                .filter_map(|node| node.attribute("Name").map(str::to_owned)),
        );
        next = entity.attribute("BaseType").map(schema_of);
    }
    found
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

        for (type_name, declared) in [
            (WorkflowJson::TYPE, WorkflowJson::PROPERTIES),
            (TaskJson::TYPE, TaskJson::PROPERTIES),
            (RunJson::TYPE, RunJson::PROPERTIES),
            (
                UserProcessingResultJson::TYPE,
                UserProcessingResultJson::PROPERTIES,
            ),
            (
                TaskProcessingResultJson::TYPE,
                TaskProcessingResultJson::PROPERTIES,
            ),
        ] {
            let in_metadata = properties(&document, type_name);
            for property in declared {
                assert!(
                    in_metadata.iter().any(|name| name == property),
                    "{type_name}.{property} is not in $metadata"
                );
            }
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
