//! Nothing hangs: a statement over `LCW_DB_STATEMENT_TIMEOUT_MS`, a request over
//! `LCW_REQUEST_TIMEOUT_MS` and a database that never answers are 503s with
//! `Retry-After`, and what was cut short wrote nothing. Slowness is real: the
//! test's own transaction holds a lock the service's statement waits for.

use crate::helpers::{spawn_over, workflow_body, TestApp, LIVE, TEST_SECRET};
use lifecycle_workflows::app::Application;
use lifecycle_workflows::config::Settings;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

/// Bounds a wait that only a hang would exceed.
const LIVENESS: Duration = Duration::from_secs(30);

#[tokio::test]
async fn a_statement_over_the_statement_timeout_is_a_503_and_writes_nothing() {
    let app = TestApp::spawn_with(&[
        ("LCW_DB_STATEMENT_TIMEOUT_MS", "200"),
        ("LCW_REQUEST_TIMEOUT_MS", "60000"),
    ])
    .await;
    let chain = app.create_chain().await;
    let run_id = Uuid::parse_str(&chain.run).unwrap();
    let patch = || {
        app.send(
            app.client
                .patch(app.url(&chain.run_path(LIVE)))
                .json(&json!({"processingStatus": "completed"})),
        )
    };

    let mut lock = app.db.begin().await.unwrap();
    sqlx::query("select 1 from runs where tenant_id = $1 and id = $2 for update")
        .bind(app.tenant)
        .bind(run_id)
        .execute(&mut *lock)
        .await
        .unwrap();
    let cancelled = patch().await;
    lock.rollback().await.unwrap();

    let message = cancelled.assert_error(503, "serviceNotAvailable");
    assert!(message.contains("statement took longer"), "{message}");
    assert_eq!(cancelled.header("retry-after"), Some("5"));
    let status: String = sqlx::query_scalar("select processing_status from runs where id = $1")
        .bind(run_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "inProgress");
    // The connection the cancelled statement ran on serves the next request.
    for _ in 0..3 {
        let retried = patch().await;
        assert_eq!(retried.status, 204, "{}", retried.text);
    }
}

#[tokio::test]
async fn a_request_over_the_time_limit_is_a_503_and_its_transaction_rolls_back() {
    let app = TestApp::spawn_with(&[
        ("LCW_REQUEST_TIMEOUT_MS", "300"),
        ("LCW_DB_STATEMENT_TIMEOUT_MS", "20000"),
    ])
    .await;
    let name = "Cut short between the workflow and its tasks";
    let (path, body) = (format!("/{LIVE}"), workflow_body(name));
    let create = || app.post(&path, &body);

    // A create inserts the workflow, then its tasks, in one transaction: the
    // tasks wait for this lock, so the request runs out of time in between.
    let mut lock = app.db.begin().await.unwrap();
    sqlx::query("lock table tasks in exclusive mode")
        .execute(&mut *lock)
        .await
        .unwrap();
    let cut_short = create().await;
    lock.rollback().await.unwrap();

    let message = cut_short.assert_error(503, "serviceNotAvailable");
    assert_eq!(cut_short.header("retry-after"), Some("5"));
    assert!(message.contains("300 ms"), "{message}");
    // The abandoned transaction is rolled back now, not when its connection is
    // next used: no session stays open in it, holding its workflow's unique name.
    let mut waited = Duration::ZERO;
    while sessions_in_a_transaction(&app).await > 0 {
        assert!(waited < LIVENESS, "the abandoned transaction stays open");
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
    // The retry is created, once, with all its tasks.
    let retried = create().await;
    assert_eq!(retried.status, 201, "{}", retried.text);
    let rows: (i64, i64) = sqlx::query_as(
        "select (select count(*) from workflows where display_name = $1),
                (select count(*) from tasks)",
    )
    .bind(name)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(rows, (1, 2));
}

/// The service's sessions inside a transaction they are not running a statement of.
async fn sessions_in_a_transaction(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "select count(*) from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid()
           and state like 'idle in transaction%'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// A "database" that accepts connections and never says a word, as a host that
/// hangs does. The listener lives as long as the returned task.
async fn silent_database() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let silence = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((connection, _)) = listener.accept().await {
            held.push(connection);
        }
    });
    (
        format!("postgres://postgres@127.0.0.1:{port}/silent"),
        silence,
    )
}

#[tokio::test]
async fn a_database_that_never_answers_is_a_503_not_a_hang() {
    let (url, silence) = silent_database().await;
    let (address, client) = spawn_over(
        &url,
        &[
            ("LCW_DB_CONNECT_TIMEOUT_MS", "300"),
            ("LCW_DB_ACQUIRE_TIMEOUT_MS", "2000"),
        ],
    );

    for path in [
        format!("/beta/identityGovernance/lifecycleWorkflows/{LIVE}"),
        "/readyz".to_owned(),
    ] {
        let response = client
            .get(format!("{address}{path}"))
            .timeout(LIVENESS)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 503, "{path}");
        assert_eq!(response.headers()["retry-after"], "5", "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "serviceNotAvailable", "{path}");
    }
    silence.abort();
}

#[tokio::test]
async fn start_up_gives_up_on_a_database_that_never_answers() {
    let (url, silence) = silent_database().await;
    let values: HashMap<&str, &str> = [
        ("DATABASE_URL", url.as_str()),
        ("LCW_LISTEN", "127.0.0.1:0"),
        ("LCW_AUTH_HS256_SECRET", TEST_SECRET),
        ("LCW_DB_CONNECT_TIMEOUT_MS", "300"),
    ]
    .into();
    let settings = Settings::from_lookup(|name| values.get(name).map(|v| v.to_string())).unwrap();

    let started = tokio::time::timeout(LIVENESS, Application::build(settings))
        .await
        .expect("the start gives up rather than hang");

    let Err(error) = started else {
        panic!("the service started on a database that never answers");
    };
    assert!(
        error.to_string().contains("LCW_DB_CONNECT_TIMEOUT_MS"),
        "{error}"
    );
    silence.abort();
}
