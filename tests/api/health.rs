//! `/healthz` and `/readyz`: open, at the root; readiness follows the database
//! and its migrations, liveness never does.

use crate::helpers::{spawn_over, Response, TestApp};
use lifecycle_workflows::db::MIGRATOR;
use serde_json::json;

/// Probes carry no token, as an orchestrator's do.
async fn probe(app: &TestApp, path: &str) -> Response {
    app.send(reqwest::Client::new().get(format!("{}{path}", app.address)))
        .await
}

#[tokio::test]
async fn healthz_and_readyz_answer_200_without_a_token_on_a_migrated_database() {
    let app = TestApp::spawn().await;

    let health = probe(&app, "/healthz").await;
    assert_eq!(health.status, 200, "{}", health.text);
    assert_eq!(health.body, json!({"status": "ok"}));
    let ready = probe(&app, "/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.text);
    assert_eq!(ready.body, json!({"status": "ready"}));
    assert!(ready
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
}

#[tokio::test]
async fn readyz_is_503_while_the_database_is_unreachable_and_healthz_stays_200() {
    // Nothing listens on port 1.
    let (address, _) = spawn_over(
        "postgres://postgres@127.0.0.1:1/unreachable",
        &[("LCW_DB_ACQUIRE_TIMEOUT_MS", "1000")],
    );
    let open = reqwest::Client::new();
    let send = |path: &str| {
        let request = open.get(format!("{address}{path}"));
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .map(|value| value.to_str().unwrap().to_owned());
            let body: serde_json::Value = response.json().await.unwrap();
            (status, retry_after, body)
        }
    };

    let (status, retry_after, body) = send("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(retry_after.as_deref(), Some("5"));
    assert_eq!(body["error"]["code"], "serviceNotAvailable");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("database cannot be reached"), "{message}");

    let (status, _, body) = send("/healthz").await;
    assert_eq!((status, body), (200, json!({"status": "ok"})));
}

#[tokio::test]
async fn readyz_is_503_naming_the_migrations_the_database_lacks() {
    let app = TestApp::spawn().await;
    let versions: Vec<i64> = MIGRATOR.iter().map(|migration| migration.version).collect();
    let latest = *versions.last().unwrap();

    // As if the service were deployed before its migration ran.
    sqlx::query("delete from _sqlx_migrations where version = $1")
        .bind(latest)
        .execute(&app.db)
        .await
        .unwrap();
    let behind = probe(&app, "/readyz").await;
    let message = behind.assert_error(503, "serviceNotAvailable");
    assert_eq!(behind.header("retry-after"), Some("5"));
    assert!(
        message.contains(&format!("migrations {latest} ")),
        "{message}"
    );

    // A database nothing was ever migrated in.
    sqlx::query("drop table _sqlx_migrations")
        .execute(&app.db)
        .await
        .unwrap();
    let empty = probe(&app, "/readyz").await;
    let message = empty.assert_error(503, "serviceNotAvailable");
    for version in versions {
        assert!(message.contains(&version.to_string()), "{message}");
    }
    assert_eq!(probe(&app, "/healthz").await.status, 200);
}

#[tokio::test]
async fn the_probes_and_the_429_are_in_the_openapi_document() {
    let app = TestApp::spawn().await;
    let document = probe(&app, "/openapi.json").await.body;
    let paths = &document["paths"];

    for path in ["/healthz", "/readyz"] {
        let operation = &paths[path]["get"];
        assert!(operation.get("security").is_none(), "{path} is open");
        let status = &operation["responses"]["200"]["content"]["application/json"]["schema"];
        assert_eq!(status["properties"]["status"]["type"], "string", "{path}");
    }
    assert!(paths["/healthz"]["get"]["responses"].get("503").is_none());
    assert!(paths["/readyz"]["get"]["responses"].get("503").is_some());

    let limited = &document["components"]["responses"]["activityLimitReached"];
    assert!(limited["headers"]["Retry-After"].is_object(), "{limited}");
    let authenticated = paths
        .as_object()
        .unwrap()
        .iter()
        .filter(|(path, _)| path.contains("/identityGovernance/") || path.ends_with("$batch"));
    for (path, item) in authenticated {
        for (method, operation) in item.as_object().unwrap() {
            assert_eq!(
                operation["responses"]["429"]["$ref"],
                "#/components/responses/activityLimitReached",
                "{method} {path}"
            );
        }
    }
}
