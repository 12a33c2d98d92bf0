//! userProcessingResults: create and get in both trees.

use crate::helpers::{user_result_body, TestApp, DELETED, LIVE, SUBJECT_ID};
use serde_json::{json, Value};
use uuid::Uuid;

#[tokio::test]
async fn create_and_get_in_both_trees() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;

    let live = app
        .post(
            &format!("{}/userProcessingResults", chain.run_path(LIVE)),
            &user_result_body(),
        )
        .await;
    assert_eq!(live.status, 201, "{}", live.text);
    app.soft_delete(&chain.workflow).await;
    let mut body = user_result_body();
    body["completedDateTime"] = json!("2026-11-29T09:00:00+02:00");
    body["startedDateTime"] = json!("2026-11-29T06:59:00Z");
    body["workflowVersion"] = json!(3);
    let deleted = app
        .post(
            &format!("{}/userProcessingResults", chain.run_path(DELETED)),
            &body,
        )
        .await;

    assert_eq!(deleted.status, 201, "{}", deleted.text);
    let id = deleted.id();
    let path = format!("{}/userProcessingResults/{id}", chain.run_path(DELETED));
    assert_eq!(deleted.header("location").unwrap(), app.url(&path));
    assert_eq!(
        deleted.body,
        json!({
            "@odata.context": format!(
                "{}/beta/$metadata#identityGovernance/lifecycleWorkflows/deletedItems/workflows('{}')/runs('{}')/userProcessingResults/$entity",
                app.address, chain.workflow, chain.run
            ),
            "id": id,
            "subject": {"id": SUBJECT_ID},
            "processingStatus": "inProgress",
            "workflowExecutionType": "onDemand",
            "scheduledDateTime": "2026-11-29T07:00:00Z",
            "startedDateTime": "2026-11-29T06:59:00Z",
            "completedDateTime": "2026-11-29T07:00:00Z",
            "workflowVersion": 3,
            "totalTasksCount": 0,
            "failedTasksCount": 0,
            "totalUnprocessedTasksCount": 0
        })
    );
    assert_eq!(
        live.body["workflowVersion"], 1,
        "defaults to the workflow's version"
    );
    let read = app.get(&path).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, deleted.body);
    app.get(&format!(
        "{}/userProcessingResults/{id}",
        chain.run_path(LIVE)
    ))
    .await
    .assert_error(404, "itemNotFound");
}

#[tokio::test]
async fn the_subject_may_be_bound_by_url() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let subject = Uuid::new_v4();
    let mut body = user_result_body();
    body.as_object_mut().unwrap().remove("subject");
    body["subject@odata.bind"] = json!(format!("https://graph.microsoft.com/v1.0/users/{subject}"));

    let response = app
        .post(
            &format!("{}/userProcessingResults", chain.run_path(LIVE)),
            &body,
        )
        .await;

    assert_eq!(response.status, 201, "{}", response.text);
    assert_eq!(response.body["subject"]["id"], subject.to_string());
}

#[tokio::test]
async fn counters_are_derived_from_the_task_results() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    for status in ["failed", "failed", "completed"] {
        let mut body = crate::helpers::seed_body();
        body["processingStatus"] = json!(status);
        assert_eq!(
            app.post(&chain.same_task_path(LIVE), &body).await.status,
            201
        );
    }

    let result = app.get(&chain.user_result_path(LIVE)).await.body;

    assert_eq!(result["totalTasksCount"], 4);
    assert_eq!(result["failedTasksCount"], 2);
    assert_eq!(
        result["totalUnprocessedTasksCount"], 1,
        "the chain's own result is queued"
    );
}

#[tokio::test]
async fn invalid_user_processing_results_are_400s() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let path = format!("{}/userProcessingResults", chain.run_path(LIVE));
    let edit = |key: &str, value: Value| {
        let mut body = user_result_body();
        body[key] = value;
        body
    };
    let mut without_subject = user_result_body();
    without_subject.as_object_mut().unwrap().remove("subject");
    for (body, property) in [
        (without_subject, "subject"),
        (edit("subject", json!({"id": "someone"})), "subject.id"),
        (
            edit(
                "subject@odata.bind",
                json!(format!("/users/{}", Uuid::nil())),
            ),
            "subject",
        ),
        (
            edit("subject@odata.bind", json!("/groups/x")),
            "subject@odata.bind",
        ),
        (edit("workflowVersion", json!(0)), "workflowVersion"),
        (edit("processingStatus", json!(3)), "processingStatus"),
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
    assert_eq!(app.count("user_processing_results").await, 1);
}

#[tokio::test]
async fn a_missing_run_is_a_404_naming_it() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let unknown = Uuid::now_v7();

    let message = app
        .post(
            &format!(
                "/{LIVE}/{}/runs/{unknown}/userProcessingResults",
                chain.workflow
            ),
            &user_result_body(),
        )
        .await
        .assert_error(404, "itemNotFound");

    assert!(
        message.contains(&format!("No run with id '{unknown}'")),
        "{message}"
    );
    let message = app
        .get(&format!(
            "{}/userProcessingResults/{unknown}",
            chain.run_path(LIVE)
        ))
        .await
        .assert_error(404, "itemNotFound");
    assert!(
        message.contains(&format!("No userProcessingResult with id '{unknown}'")),
        "{message}"
    );
}
