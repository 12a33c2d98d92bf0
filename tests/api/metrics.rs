//! `/metrics`: Prometheus text with the request, pool and row series, labelled by
//! route template, never by id.

use crate::helpers::{TestApp, LIVE, SUBJECT_ID};
use serde_json::json;

#[tokio::test]
async fn metrics_show_requests_the_pool_and_rows_created_without_ids() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let read = app.get(&chain.task_result_path(LIVE)).await;
    assert_eq!(read.status, 200);
    app.get(&format!("/{LIVE}/{}", uuid::Uuid::now_v7()))
        .await
        .assert_error(404, "itemNotFound");
    let activated = app
        .post(
            &format!("/{LIVE}/{}/activate", chain.workflow),
            &json!({"subjects": [{"id": SUBJECT_ID}]}),
        )
        .await;
    assert_eq!(activated.status, 204, "{}", activated.text);

    // Open, like the other operational routes: no token.
    let response = reqwest::get(format!("{}/metrics", app.address))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();

    let series = [
        r#"http_requests_total{method="POST",route="/beta/identityGovernance/lifecycleWorkflows/workflows",status="201"}"#,
        r#"http_requests_total{method="GET",route="/beta/identityGovernance/lifecycleWorkflows/workflows/{workflowId}/runs/{runId}/userProcessingResults/{userProcessingResultId}/taskProcessingResults/{taskProcessingResultId}",status="200"}"#,
        r#"http_requests_total{method="GET",route="/beta/identityGovernance/lifecycleWorkflows/workflows/{workflowId}",status="404"}"#,
        r#"http_request_duration_seconds_bucket{method="POST",route="/beta/identityGovernance/lifecycleWorkflows/workflows",status="201",le="0.005"}"#,
        "http_requests_in_flight ",
        r#"db_pool_connections{state="idle"}"#,
        r#"db_pool_connections{state="in_use"}"#,
        "db_pool_max_connections 3",
        "db_pool_waiting_requests ",
        r#"rows_created_total{resource="workflow"}"#,
        r#"rows_created_total{resource="task"}"#,
        r#"rows_created_total{resource="run"}"#,
        r#"rows_created_total{resource="userProcessingResult"}"#,
        r#"rows_created_total{resource="taskProcessingResult"}"#,
    ];
    for name in series {
        assert!(
            text.lines().any(|line| line.starts_with(name)),
            "no {name} in\n{text}"
        );
    }
    for id in [
        &chain.workflow,
        &chain.run,
        &chain.user_result,
        &chain.task_result,
    ] {
        assert!(!text.contains(id.as_str()), "an id in a label");
    }
}
