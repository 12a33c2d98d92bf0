//! PATCH: absent, null and a value are three things; read-only and unknown
//! properties are refused; 204 on success; timestamps maintained.

use crate::helpers::{Response, TestApp, DELETED, LIVE};
use serde_json::{json, Value};

async fn patch(app: &TestApp, path: &str, body: &Value) -> Response {
    app.send(app.client.patch(app.url(path)).json(body)).await
}

#[tokio::test]
async fn a_workflow_update_changes_only_what_it_names() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let path = format!("/{LIVE}/{}", chain.workflow);
    let before = app.get(&path).await.body;

    let response = patch(
        &app,
        &path,
        &json!({"displayName": "Renamed", "description": null, "isEnabled": false}),
    )
    .await;

    assert_eq!(response.status, 204, "{}", response.text);
    assert!(response.text.is_empty());
    let after = app.get(&path).await.body;
    assert_eq!(after["displayName"], "Renamed");
    assert_eq!(after["description"], Value::Null);
    assert_eq!(after["isEnabled"], false);
    assert_eq!(after["category"], before["category"]);
    assert_eq!(after["executionConditions"], before["executionConditions"]);
    assert_ne!(
        after["lastModifiedDateTime"],
        before["lastModifiedDateTime"]
    );
    assert_eq!(after["createdDateTime"], before["createdDateTime"]);
}

#[tokio::test]
async fn invalid_workflow_updates_are_refused() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    app.create_workflow("Taken").await;
    let path = format!("/{LIVE}/{}", chain.workflow);
    patch(&app, &path, &json!({"isEnabled": false})).await;

    for (body, property) in [
        (json!({"id": chain.workflow}), "id"),
        (json!({"version": 2}), "version"),
        (json!({"category": "joiner"}), "category"),
        (json!({"colour": "red"}), "colour"),
        (json!({"displayName": null}), "displayName"),
        (json!({"isEnabled": null}), "isEnabled"),
        (json!({"displayName": "x".repeat(257)}), "displayName"),
        (json!({"isSchedulingEnabled": true}), "isSchedulingEnabled"),
        (
            json!({"isEnabled": false, "isSchedulingEnabled": true}),
            "isSchedulingEnabled",
        ),
    ] {
        let message = patch(&app, &path, &body)
            .await
            .assert_error(400, "invalidRequest");
        assert!(message.contains(property), "{body}: {message}");
    }
    patch(&app, &path, &json!({"displayName": "Taken"}))
        .await
        .assert_error(409, "conflict");
    app.soft_delete(&chain.workflow).await;
    patch(
        &app,
        &format!("/{DELETED}/{}", chain.workflow),
        &json!({"displayName": "Again"}),
    )
    .await
    .assert_error(405, "notAllowed");
    patch(&app, &path, &json!({"displayName": "Again"}))
        .await
        .assert_error(404, "itemNotFound");
}

#[tokio::test]
async fn tasks_update_in_both_trees() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    for tree in [LIVE, DELETED] {
        if tree == DELETED {
            app.soft_delete(&chain.workflow).await;
        }
        let path = format!("/{tree}/{}/tasks/{}", chain.workflow, chain.task);
        let response = patch(
            &app,
            &path,
            &json!({"displayName": format!("Task in {tree}"), "description": "why"}),
        )
        .await;
        assert_eq!(response.status, 204, "{}", response.text);
        let task = app.get(&path).await.body;
        assert_eq!(task["displayName"], format!("Task in {tree}"));
        assert_eq!(task["description"], "why");
        patch(&app, &path, &json!({"taskDefinitionId": chain.task}))
            .await
            .assert_error(400, "invalidRequest");
    }
}

#[tokio::test]
async fn processing_state_updates_on_runs_and_results_in_both_trees() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    for tree in [LIVE, DELETED] {
        if tree == DELETED {
            app.soft_delete(&chain.workflow).await;
        }
        let run_before = app.get(&chain.run_path(tree)).await.body;
        let body = json!({"processingStatus": "completed", "completedDateTime": "2026-11-29T09:00:00+01:00"});
        for path in [
            chain.run_path(tree),
            chain.user_result_path(tree),
            chain.task_result_path(tree),
        ] {
            let response = patch(&app, &path, &body).await;
            assert_eq!(response.status, 204, "{path}: {}", response.text);
            let after = app.get(&path).await.body;
            assert_eq!(after["processingStatus"], "completed", "{path}");
            assert_eq!(after["completedDateTime"], "2026-11-29T08:00:00Z", "{path}");
        }
        let run_after = app.get(&chain.run_path(tree)).await.body;
        assert_ne!(
            run_after["lastUpdatedDateTime"],
            run_before["lastUpdatedDateTime"]
        );
        // The run started at 07:00:05, so a completion at 07:00:00 is refused.
        let message = patch(&app, &chain.run_path(tree), &json!({"completedDateTime": "2026-11-29T07:00:00Z", "startedDateTime": "2026-11-29T07:00:05Z"}))
            .await
            .assert_error(400, "invalidRequest");
        assert!(message.contains("completedDateTime"), "{message}");
        let message = patch(
            &app,
            &chain.run_path(tree),
            &json!({"completedDateTime": "2026-11-29T06:00:00Z"}),
        )
        .await
        .assert_error(400, "invalidRequest");
        assert!(message.contains("completedDateTime"), "{message}");
        for (path, body, property) in [
            (
                chain.run_path(tree),
                json!({"processingStatus": null}),
                "processingStatus",
            ),
            (
                chain.run_path(tree),
                json!({"totalUsersCount": 4}),
                "totalUsersCount",
            ),
            (
                chain.user_result_path(tree),
                json!({"subject": {"id": chain.task}}),
                "subject",
            ),
            (
                chain.task_result_path(tree),
                json!({"failureReason": "x".repeat(4001)}),
                "failureReason",
            ),
            (
                chain.task_result_path(tree),
                json!({"createdDateTime": "2026-11-29T07:00:00Z"}),
                "createdDateTime",
            ),
        ] {
            let message = patch(&app, &path, &body)
                .await
                .assert_error(400, "invalidRequest");
            assert!(message.contains(property), "{path} {body}: {message}");
        }
    }
    let result = chain.task_result_path(DELETED);
    assert_eq!(
        patch(
            &app,
            &result,
            &json!({"failureReason": "boom", "processingInfo": "once"})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        patch(&app, &result, &json!({"failureReason": null}))
            .await
            .status,
        204
    );
    let after = app.get(&result).await.body;
    assert_eq!(after["failureReason"], Value::Null);
    assert_eq!(after["processingInfo"], "once");
    patch(
        &app,
        &chain.task_result_path(LIVE),
        &json!({"processingStatus": "failed"}),
    )
    .await
    .assert_error(404, "itemNotFound");
}
