//! runs/summary(…) and userProcessingResults/summary(…), on both trees.

use crate::helpers::{run_body, user_result_body, TestApp, DELETED, LIVE};
use serde_json::json;

/// A summary call in each form clients send: by short and by qualified name,
/// and as the official Python SDK writes it (no comma, the values
/// percent-encoded).
fn calls(start: &str, end: &str) -> [String; 3] {
    let encoded = |value: &str| value.replace(':', "%3A").replace('+', "%2B");
    [
        format!("summary(startDateTime={start},endDateTime={end})"),
        format!(
            "microsoft.graph.identityGovernance.summary(startDateTime={start},endDateTime={end})"
        ),
        format!(
            "microsoft.graph.identityGovernance.summary(startDateTime={}endDateTime={})",
            encoded(start),
            encoded(end)
        ),
    ]
}

#[tokio::test]
async fn summaries_count_what_was_scheduled_in_the_window() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    // A second run outside the window, with a failed user and a failed task.
    let mut outside = run_body();
    outside["scheduledDateTime"] = json!("2026-12-05T00:00:00Z");
    outside["startedDateTime"] = json!("2026-12-05T00:00:00Z");
    let run = app
        .post(&format!("/{LIVE}/{}/runs", chain.workflow), &outside)
        .await
        .id();
    let mut user = user_result_body();
    user["scheduledDateTime"] = json!("2026-12-05T00:00:00Z");
    user["processingStatus"] = json!("failed");
    app.post(
        &format!(
            "/{LIVE}/{}/runs/{run}/userProcessingResults",
            chain.workflow
        ),
        &user,
    )
    .await;
    let completed = json!({"processingStatus": "completed"});
    app.send(
        app.client
            .patch(app.url(&chain.run_path(LIVE)))
            .json(&completed),
    )
    .await;
    app.send(
        app.client
            .patch(app.url(&chain.user_result_path(LIVE)))
            .json(&completed),
    )
    .await;
    let failed = json!({"processingStatus": "failed"});
    app.send(
        app.client
            .patch(app.url(&chain.task_result_path(LIVE)))
            .json(&failed),
    )
    .await;

    for tree in [LIVE, DELETED] {
        if tree == DELETED {
            app.soft_delete(&chain.workflow).await;
        }
        let workflow = format!("/{tree}/{}", chain.workflow);
        let run_calls = calls("2026-11-29T00:00:00+00:00", "2026-11-30T00:00:00+00:00");
        let user_calls = calls("2026-11-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00");
        for (run_call, user_call) in run_calls.iter().zip(&user_calls) {
            let runs = app.get(&format!("{workflow}/runs/{run_call}")).await;
            assert_eq!(runs.status, 200, "{}", runs.text);
            assert_eq!(
                runs.body,
                json!({
                    "@odata.context": format!("{}/beta/$metadata#microsoft.graph.identityGovernance.runSummary", app.address),
                    "failedRuns": 0, "failedTasks": 1, "successfulRuns": 1, "totalRuns": 1, "totalTasks": 1, "totalUsers": 1
                })
            );
            let users = app
                .get(&format!("{workflow}/userProcessingResults/{user_call}"))
                .await;
            assert_eq!(users.status, 200, "{}", users.text);
            assert_eq!(
                users.body,
                json!({
                    "@odata.context": format!("{}/beta/$metadata#microsoft.graph.identityGovernance.userSummary", app.address),
                    "failedTasks": 1, "failedUsers": 1, "successfulUsers": 1, "totalTasks": 1, "totalUsers": 2
                })
            );
        }
    }
}

#[tokio::test]
async fn summaries_need_both_parameters_and_an_existing_workflow() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let runs = format!("/{LIVE}/{}/runs", chain.workflow);

    for (function, named) in [
        ("summary(startDateTime=2026-11-29T00:00:00Z)", "endDateTime"),
        ("summary(endDateTime=2026-11-29T00:00:00Z)", "startDateTime"),
        ("summary()", "startDateTime"),
        (
            "summary(startDateTime=soon,endDateTime=2026-11-29T00:00:00Z)",
            "startDateTime",
        ),
    ] {
        let message = app
            .get(&format!("{runs}/{function}"))
            .await
            .assert_error(400, "invalidRequest");
        assert!(message.contains(named), "{function}: {message}");
    }
    app.get(&format!("/{DELETED}/{}/runs/summary(startDateTime=2026-11-29T00:00:00Z,endDateTime=2026-11-30T00:00:00Z)", chain.workflow))
        .await
        .assert_error(404, "itemNotFound");
}
