//! Framework and infrastructure failures still answer with Graph error bodies.

use crate::helpers::{client_with_token, mint, TestApp, LIVE};
use lifecycle_workflows::app::Application;
use lifecycle_workflows::config::Settings;
use lifecycle_workflows::db;
use std::collections::HashMap;

#[tokio::test]
async fn an_unknown_route_is_a_json_404() {
    let app = TestApp::spawn().await;

    for path in [
        "/nothing/here",
        "/beta/identityGovernance/lifecycleWorkflows/workflowz",
        "/",
    ] {
        let response = app
            .send(app.client.get(format!("{}{path}", app.address)))
            .await;
        response.assert_error(404, "itemNotFound");
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;

    let put = app
        .send(
            app.client
                .put(app.url(&format!("/{LIVE}/{}", chain.workflow))),
        )
        .await;
    let message = put.assert_error(405, "notAllowed");
    assert!(message.contains("PUT"), "{message}");
    let patch_seed = app
        .send(app.client.delete(app.url(&chain.same_task_path(LIVE))))
        .await;
    patch_seed.assert_error(405, "notAllowed");
}

#[tokio::test]
async fn the_client_request_id_is_echoed_on_success_and_failure() {
    let app = TestApp::spawn().await;

    let found = app
        .send(
            app.client
                .post(app.url(&format!("/{LIVE}")))
                .header("client-request-id", "trace-42")
                .json(&crate::helpers::workflow_body("Echo")),
        )
        .await;
    assert_eq!(found.status, 201);
    assert_eq!(found.header("client-request-id"), Some("trace-42"));

    let missing = app
        .send(
            app.client
                .get(app.url(&format!("/{LIVE}/{}", uuid::Uuid::now_v7())))
                .header("client-request-id", "trace-43"),
        )
        .await;
    missing.assert_error(404, "itemNotFound");
    assert_eq!(missing.header("client-request-id"), Some("trace-43"));
    assert_eq!(
        missing.body["error"]["innerError"]["client-request-id"],
        "trace-43"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_a_503_with_retry_after() {
    let values: HashMap<&str, &str> = [
        (
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/unreachable",
        ),
        ("LCW_LISTEN", "127.0.0.1:0"),
        ("LCW_DB_ACQUIRE_TIMEOUT_MS", "300"),
        ("LCW_WORKERS", "1"),
    ]
    .into();
    let settings = Settings::from_lookup(|name| values.get(name).map(|v| v.to_string())).unwrap();
    let pool = db::pool(&settings);
    let client = client_with_token(&mint(&settings.auth, uuid::Uuid::new_v4(), &[], &[]));
    let application = Application::with_pool(settings, pool).unwrap();
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());

    let response = client
        .get(format!(
            "{address}/beta/identityGovernance/lifecycleWorkflows/workflows/{}",
            uuid::Uuid::now_v7()
        ))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "serviceNotAvailable");
}

#[tokio::test]
async fn an_internal_failure_is_a_500_that_leaks_nothing() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    // Sabotage the schema behind the service's back.
    sqlx::query("alter table runs rename column processing_status to sabotaged")
        .execute(&app.db)
        .await
        .unwrap();

    let response = app.get(&chain.run_path(LIVE)).await;

    let message = response.assert_error(500, "generalException");
    assert_eq!(message, "An internal error occurred.");
    assert!(!response.text.contains("sabotaged"));
}

#[tokio::test]
async fn terminated_connections_are_503s_and_are_replaced() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    // The test's own pool runs on its own connections, so only the service's end.
    let terminated: Vec<bool> = sqlx::query_scalar(
        "select pg_terminate_backend(pid) from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid()",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(!terminated.is_empty(), "the service held no connection");

    let mut statuses = Vec::new();
    for _ in 0..10 {
        let response = app.get(&chain.run_path(LIVE)).await;
        if response.status == 200 {
            break;
        }
        response.assert_error(503, "serviceNotAvailable");
        assert_eq!(response.header("retry-after"), Some("5"));
        statuses.push(response.status);
    }
    // Each dead connection fails at most two requests: its terminating notice,
    // then the closed socket; the check before the next use replaces it.
    assert!(
        statuses.len() <= 2 * terminated.len(),
        "{} failures for {} connections",
        statuses.len(),
        terminated.len()
    );
    let recovered = app.get(&chain.run_path(LIVE)).await;
    assert_eq!(recovered.status, 200, "{}", recovered.text);
}

/// A statement Postgres rolls back because it lost to a concurrent one (a
/// deadlock, a serialization failure) is a 503 the client may retry, not a 500.
#[tokio::test]
async fn statements_rolled_back_by_a_conflict_are_retryable_503s() {
    let app = TestApp::spawn().await;
    for code in ["deadlock_detected", "serialization_failure"] {
        let raised = sqlx::query(&format!(
            "do $$ begin raise exception 'lost to a concurrent statement' using errcode = '{code}'; end $$"
        ))
        .execute(&app.db)
        .await
        .expect_err("the block raises");
        let error = lifecycle_workflows::error::GraphError::from(raised);
        assert_eq!(error.status, 503, "{code}");
        assert_eq!(error.code(), "serviceNotAvailable", "{code}");
        assert!(error.retry_after.is_some(), "{code}");
    }
}
