//! Runs: create and get in both trees; counters derived from what is stored.

use crate::helpers::{run_body, user_result_body, TestApp, DELETED, LIVE};
use serde_json::{json, Value};
use uuid::Uuid;

#[tokio::test]
async fn create_and_get_a_run_in_both_trees() {
    let app = TestApp::spawn().await;
    let live = app.create_workflow("Live").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let deleted = app.create_workflow("Deleted").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.soft_delete(&deleted).await;

    for (tree, workflow) in [(LIVE, live), (DELETED, deleted)] {
        let response = app
            .post(&format!("/{tree}/{workflow}/runs"), &run_body())
            .await;
        assert_eq!(response.status, 201, "{}", response.text);
        let id = response.id();
        assert_eq!(
            response.header("location").unwrap(),
            app.url(&format!("/{tree}/{workflow}/runs/{id}"))
        );
        assert_eq!(
            response.body,
            json!({
                "@odata.context": format!("{}/beta/$metadata#identityGovernance/lifecycleWorkflows/{tree}('{workflow}')/runs/$entity", app.address),
                "id": id,
                "processingStatus": "inProgress",
                "workflowExecutionType": "onDemand",
                "scheduledDateTime": "2026-11-29T07:00:00Z",
                "startedDateTime": "2026-11-29T07:00:05Z",
                "completedDateTime": null,
                "lastUpdatedDateTime": response.body["lastUpdatedDateTime"],
                "totalUsersCount": 0,
                "successfulUsersCount": 0,
                "failedUsersCount": 0,
                "totalTasksCount": 0,
                "failedTasksCount": 0,
                "totalUnprocessedTasksCount": 0
            })
        );
        let read = app.get(&format!("/{tree}/{workflow}/runs/{id}")).await;
        assert_eq!(read.status, 200);
        assert_eq!(read.body, response.body);
    }
}

#[tokio::test]
async fn counters_are_derived_from_the_results_beneath_the_run() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let users = format!("{}/userProcessingResults", chain.run_path(LIVE));
    for status in ["completed", "failed", "completedWithErrors"] {
        let mut body = user_result_body();
        body["processingStatus"] = json!(status);
        assert_eq!(app.post(&users, &body).await.status, 201);
    }
    let tasks = format!("{}/taskProcessingResults", chain.user_result_path(LIVE));
    for status in ["failed", "inProgress", "completed"] {
        let body = json!({"task": {"id": chain.task}, "createdDateTime": "2026-11-29T07:00:00Z", "processingStatus": status});
        assert_eq!(app.post(&tasks, &body).await.status, 201);
    }

    let run = app.get(&chain.run_path(LIVE)).await.body;
    assert_eq!(run["totalUsersCount"], 4);
    assert_eq!(run["successfulUsersCount"], 1);
    assert_eq!(run["failedUsersCount"], 2);
    assert_eq!(run["totalTasksCount"], 4);
    assert_eq!(run["failedTasksCount"], 1);
    assert_eq!(run["totalUnprocessedTasksCount"], 2);
}

#[tokio::test]
async fn invalid_runs_are_400s() {
    let app = TestApp::spawn().await;
    let workflow = app.create_workflow("Runs").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/{LIVE}/{workflow}/runs");
    let edit = |key: &str, value: Value| {
        let mut body = run_body();
        body[key] = value;
        body
    };
    for (body, property) in [
        (
            edit("workflowExecutionType", json!("sometimes")),
            "workflowExecutionType",
        ),
        (
            edit("completedDateTime", json!("2026-11-29T07:00:00Z")),
            "completedDateTime",
        ),
        (edit("scheduledDateTime", Value::Null), "scheduledDateTime"),
        (
            edit(
                "@odata.type",
                json!("#microsoft.graph.identityGovernance.workflow"),
            ),
            "@odata.type",
        ),
        (edit("totalUsers", json!(3)), "totalUsers"),
    ] {
        let message = app
            .post(&path, &body)
            .await
            .assert_error(400, "invalidRequest");
        assert!(
            message.contains(property),
            "'{message}' does not name {property}"
        );
    }
    // Read-only counters are ignored, not refused.
    let ignored = app.post(&path, &edit("totalUsersCount", json!(99))).await;
    assert_eq!(ignored.status, 201);
    assert_eq!(ignored.body["totalUsersCount"], 0);
    assert_eq!(app.count("runs").await, 1);
}

#[tokio::test]
async fn runs_are_404s_in_the_wrong_tree_or_under_another_workflow() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let other = app.create_workflow("Other").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    app.get(&chain.run_path(DELETED))
        .await
        .assert_error(404, "itemNotFound");
    let message = app
        .get(&format!("/{LIVE}/{other}/runs/{}", chain.run))
        .await
        .assert_error(404, "itemNotFound");
    assert!(
        message.contains(&format!("No run with id '{}'", chain.run)),
        "{message}"
    );
    let unknown = Uuid::now_v7();
    let message = app
        .post(&format!("/{LIVE}/{unknown}/runs"), &run_body())
        .await
        .assert_error(404, "itemNotFound");
    assert!(
        message.contains(&format!("No workflow with id '{unknown}'")),
        "{message}"
    );
    app.post(&format!("/{DELETED}/{}/runs", chain.workflow), &run_body())
        .await
        .assert_error(404, "itemNotFound");
    assert_eq!(app.count("runs").await, 1);
}
