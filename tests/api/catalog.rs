//! The catalogs every tenant shares: `taskDefinitions`, and the rules it sets
//! the tasks of a workflow.

use crate::helpers::{client_with_token, workflow_body, TestApp, LIVE, TASK_DEFINITION_ID};
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
        (
            "displayName has 'x'",
            "supports only eq, ne, in and startsWith",
        ),
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

/// A leaver workflow whose tasks are `tasks`.
fn leaver_workflow(name: &str, tasks: Value) -> Value {
    let mut body = workflow_body(name);
    body["tasks"] = tasks;
    body
}

#[tokio::test]
async fn a_workflow_s_tasks_are_checked_against_their_definitions() {
    let app = TestApp::spawn().await;
    let add_to_groups = "22085229-5809-45e8-97fd-270d28d66910";
    let delete_account = "8d18588d-9ad3-4c0f-99d0-ec215f0e3dff";
    let welcome = "70b29d51-b59a-4773-9280-8841dfd3f2ea";
    let accepted = leaver_workflow(
        "Every rule kept",
        json!([
            {"displayName": "Groups", "taskDefinitionId": add_to_groups.to_uppercase(),
             "arguments": [{"name": "groupID", "value": "b5b4f6a1-0000-4000-8000-000000000001"}]},
            {"displayName": "Delete", "taskDefinitionId": delete_account,
             "arguments": [{"name": "deleteOnPremisesAccount", "value": "true"}]},
            {"displayName": "Licences", "taskDefinitionId": TASK_DEFINITION_ID}
        ]),
    );
    let created = app.post(&format!("/{LIVE}"), &accepted).await;
    assert_eq!(created.status, 201, "{}", created.text);

    for (case, tasks, property, says) in [
        (
            "unknown definition",
            json!([{"displayName": "x", "taskDefinitionId": "00000000-0000-4000-8000-000000000000"}]),
            "tasks[0].taskDefinitionId",
            "no built-in task definition",
        ),
        (
            "wrong category",
            json!([
                {"displayName": "ok", "taskDefinitionId": TASK_DEFINITION_ID},
                {"displayName": "x", "taskDefinitionId": welcome}
            ]),
            "tasks[1].taskDefinitionId",
            "serves joiner workflows, not leaver ones",
        ),
        (
            "unknown argument",
            json!([{"displayName": "x", "taskDefinitionId": TASK_DEFINITION_ID,
                    "arguments": [{"name": "cc", "value": "a@example.com"}]}]),
            "tasks[0].arguments[0].name",
            "takes no arguments",
        ),
        (
            "argument given twice",
            json!([{"displayName": "x", "taskDefinitionId": delete_account, "arguments": [
                {"name": "deleteOnPremisesAccount", "value": "true"},
                {"name": "deleteOnPremisesAccount", "value": "false"}
            ]}]),
            "tasks[0].arguments[1].name",
            "more than once",
        ),
        (
            "bad enum value",
            json!([{"displayName": "x", "taskDefinitionId": delete_account,
                    "arguments": [{"name": "deleteOnPremisesAccount", "value": "maybe"}]}]),
            "tasks[0].arguments[0].value",
            "one of 'true', 'false', not 'maybe'",
        ),
        (
            "missing required argument",
            json!([{"displayName": "x", "taskDefinitionId": add_to_groups}]),
            "tasks[0].arguments",
            "needs the argument 'groupID'",
        ),
    ] {
        let body = leaver_workflow(&format!("Refused: {case}"), tasks);
        let message = app
            .post(&format!("/{LIVE}"), &body)
            .await
            .assert_error(400, "invalidRequest");
        assert!(
            message.contains(&format!("'{property}'")) && message.contains(says),
            "{case}: {message}"
        );
    }
    assert_eq!(app.count("workflows").await, 1, "refusals write nothing");
}
