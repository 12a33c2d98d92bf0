//! The catalogs every tenant shares: `taskDefinitions`.

use crate::helpers::{client_with_token, TestApp, TASK_DEFINITION_ID};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const DEFINITIONS: &str = "/taskDefinitions";
/// The one definition Graph publishes with an upper-case id.
const UPPER_CASE_ID: &str = "3C860712-2D37-42A4-928F-5C93935D26A1";

fn items(body: &Value) -> &Vec<Value> {
    body["value"].as_array().expect("a value array")
}

/// Every definition, read page by page.
async fn every_definition(app: &TestApp, query: &str) -> Vec<Value> {
    let mut url = app.url(&format!("{DEFINITIONS}?$top=10{query}"));
    let mut all = Vec::new();
    loop {
        let page = app.send(app.client.get(&url)).await;
        assert_eq!(page.status, 200, "{}", page.text);
        all.extend(items(&page.body).iter().cloned());
        match page.body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_owned(),
            None => return all,
        }
    }
}

#[tokio::test]
async fn the_catalog_lists_graph_s_25_definitions_in_graph_s_shape() {
    let app = TestApp::spawn().await;
    let all = every_definition(&app, "").await;
    assert_eq!(all.len(), 25);
    let ids: BTreeSet<&str> = all
        .iter()
        .map(|item| item["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 25);
    assert!(ids.contains(UPPER_CASE_ID), "rendered as published");
    let members = ["joiner", "leaver", "mover"];
    for item in &all {
        let category = item["category"].as_str().unwrap();
        let named: Vec<&str> = category.split(',').collect();
        let in_order: Vec<&str> = members
            .iter()
            .copied()
            .filter(|member| named.contains(member))
            .collect();
        assert_eq!(named, in_order, "members in declaration order: {item}");
        assert_eq!(item["version"], 1, "{item}");
        assert_eq!(item["continueOnError"], false, "{item}");
        for parameter in item["parameters"].as_array().unwrap() {
            let value_type = parameter["valueType"].as_str().unwrap();
            assert!(
                ["enum", "string", "int", "bool"].contains(&value_type),
                "{item}"
            );
            assert!(parameter["values"].is_array(), "{item}");
            if value_type == "enum" {
                assert!(
                    !parameter["values"].as_array().unwrap().is_empty(),
                    "{item}"
                );
            }
        }
    }
    let count = app.get(&format!("{DEFINITIONS}/$count")).await;
    assert_eq!(count.text, "25");

    let licenses = app
        .get(&format!("{DEFINITIONS}/{TASK_DEFINITION_ID}"))
        .await;
    assert_eq!(licenses.status, 200, "{}", licenses.text);
    assert_eq!(
        licenses.body,
        json!({
            "@odata.context": format!("{}/beta/$metadata#identityGovernance/lifecycleWorkflows/taskDefinitions/$entity", app.address),
            "id": TASK_DEFINITION_ID,
            "displayName": "Remove all licenses for user",
            "description": null,
            "category": "leaver",
            "continueOnError": false,
            "version": 1,
            "parameters": []
        })
    );
}

#[tokio::test]
async fn ids_compare_without_regard_to_case() {
    let app = TestApp::spawn().await;
    for id in [UPPER_CASE_ID.to_owned(), UPPER_CASE_ID.to_lowercase()] {
        let found = app.get(&format!("{DEFINITIONS}/{id}")).await;
        assert_eq!(found.status, 200, "{id}: {}", found.text);
        assert_eq!(found.body["id"], UPPER_CASE_ID);
        assert_eq!(found.body["displayName"], "Send onboarding reminder email");
        let filtered = app.get(&format!("{DEFINITIONS}?$filter=id eq {id}")).await;
        assert_eq!(items(&filtered.body).len(), 1, "{id}: {}", filtered.text);
    }
    let unknown = "00000000-0000-4000-8000-000000000000";
    let message = app
        .get(&format!("{DEFINITIONS}/{unknown}"))
        .await
        .assert_error(404, "itemNotFound");
    assert!(
        message.contains(unknown) && message.contains("taskDefinition"),
        "{message}"
    );
}

#[tokio::test]
async fn category_has_selects_by_member_as_the_list_says() {
    let app = TestApp::spawn().await;
    let all = every_definition(&app, "").await;
    for member in ["joiner", "leaver", "mover"] {
        let expected: BTreeSet<String> = all
            .iter()
            .filter(|item| {
                item["category"]
                    .as_str()
                    .unwrap()
                    .split(',')
                    .any(|named| named == member)
            })
            .map(|item| item["id"].to_string())
            .collect();
        let selected: BTreeSet<String> =
            every_definition(&app, &format!("&$filter=category has '{member}'"))
                .await
                .iter()
                .map(|item| item["id"].to_string())
                .collect();
        assert!(!selected.is_empty(), "{member}");
        assert_eq!(selected, expected, "{member}");
    }
    let named = app
        .get(&format!(
            "{DEFINITIONS}?$filter=displayName eq 'Send welcome email' and category has 'joiner'"
        ))
        .await;
    assert_eq!(items(&named.body).len(), 1, "{}", named.text);

    for (filter, says) in [
        (
            "category has 'everyone'",
            "one of 'joiner', 'leaver', 'mover'",
        ),
        ("category eq 'leaver'", "supports only has"),
        ("category in ('leaver')", "supports only has"),
        ("category has null", "one of"),
        ("displayName has 'x'", "supports only eq, ne and in"),
    ] {
        let message = app
            .get(&format!("{DEFINITIONS}?$filter={filter}"))
            .await
            .assert_error(400, "invalidRequest");
        assert!(message.contains(says), "{filter}: {message}");
    }
}

#[tokio::test]
async fn any_read_permission_reads_the_catalog_and_nothing_writes_it() {
    let app = TestApp::spawn().await;
    for scope in [
        "LifecycleWorkflows-Reports.Read.All",
        "LifecycleWorkflows-Workflow.Read.All",
        "LifecycleWorkflows.Read.All",
    ] {
        let reader = client_with_token(&app.token(app.tenant, &[scope], &[]));
        let read = app.send(reader.get(app.url(DEFINITIONS))).await;
        assert_eq!(read.status, 200, "{scope}: {}", read.text);
    }
    let activator =
        client_with_token(&app.token(app.tenant, &["LifecycleWorkflows-Workflow.Activate"], &[]));
    let message = app
        .send(activator.get(app.url(DEFINITIONS)))
        .await
        .assert_error(403, "accessDenied");
    assert!(message.contains("read the task definitions"), "{message}");

    let item = app.url(&format!("{DEFINITIONS}/{TASK_DEFINITION_ID}"));
    for request in [
        app.client.post(app.url(DEFINITIONS)).json(&json!({})),
        app.client.patch(&item).json(&json!({"displayName": "x"})),
        app.client.delete(&item),
    ] {
        app.send(request).await.assert_error(405, "notAllowed");
    }
}
