//! Start-up: the database is created and migrated; settings are checked; the
//! `migrate` subcommand; URLs behind a proxy.

use crate::helpers::{
    client_with_token, run_binary, workflow_body, TestApp, BINARY, LIVE, TEST_SECRET,
};
use lifecycle_workflows::app::Application;
use lifecycle_workflows::config::{Settings, DEFAULT_DATABASE_URL};
use serde_json::json;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};
use std::collections::HashMap;
use std::process::Command;
use std::str::FromStr;
use uuid::Uuid;

fn server_options() -> PgConnectOptions {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    PgConnectOptions::from_str(&url).unwrap()
}

#[tokio::test]
async fn start_up_creates_and_migrates_a_missing_database() {
    let app = TestApp::spawn().await;

    let applied: i64 = sqlx::query_scalar("select count(*) from _sqlx_migrations where success")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        applied,
        lifecycle_workflows::db::MIGRATOR.iter().count() as i64
    );
    for table in [
        "workflows",
        "tasks",
        "runs",
        "user_processing_results",
        "task_processing_results",
    ] {
        assert_eq!(app.count(table).await, 0, "{table}");
    }
}

#[tokio::test]
async fn the_migrate_subcommand_migrates_and_exits() {
    let database = format!("lcw_test_{}", Uuid::new_v4().simple());
    let url = server_options()
        .database(&database)
        .to_url_lossy()
        .to_string();

    let output = Command::new(BINARY)
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .env("LCW_LOG_FORMAT", "json")
        .output()
        .unwrap();

    let mut connection = PgConnection::connect(&url).await.unwrap();
    let tables: i64 = sqlx::query_scalar(
        "select count(*) from information_schema.tables where table_schema = 'public' and table_name like '%processing_results'",
    )
    .fetch_one(&mut connection)
    .await
    .unwrap();
    connection.close().await.unwrap();
    let mut maintenance = PgConnection::connect_with(&server_options().database("postgres"))
        .await
        .unwrap();
    sqlx::query(&format!("drop database \"{database}\" with (force)"))
        .execute(&mut maintenance)
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(tables, 2);
}

#[test]
fn invalid_settings_stop_the_start_with_a_message_naming_the_setting() {
    for (setting, value) in [
        ("LCW_LISTEN", "everywhere"),
        ("LCW_LOG_FORMAT", "xml"),
        ("LCW_MAX_BODY_BYTES", "lots"),
        ("LCW_PUBLIC_BASE_URL", "not a url"),
        ("DATABASE_URL", "mysql://localhost/db"),
    ] {
        let output = Command::new(BINARY).env(setting, value).output().unwrap();
        assert!(!output.status.success(), "{setting}={value} started");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(setting), "{setting}: {stderr}");
    }
}

#[tokio::test]
async fn urls_use_the_public_base_url_when_set() {
    let app = TestApp::spawn_with(&[("LCW_PUBLIC_BASE_URL", "https://lcw.example.com/")]).await;

    let response = app
        .post(
            &format!("/{LIVE}"),
            &crate::helpers::workflow_body("Behind a proxy"),
        )
        .await;

    assert_eq!(response.status, 201);
    assert_eq!(
        response.header("location").unwrap(),
        format!(
            "https://lcw.example.com/beta/identityGovernance/lifecycleWorkflows/workflows/{}",
            response.id()
        )
    );
    assert_eq!(
        response.body["@odata.context"],
        "https://lcw.example.com/beta/$metadata#identityGovernance/lifecycleWorkflows/workflows/$entity"
    );
}

#[tokio::test]
async fn the_development_secret_is_refused_off_loopback_unless_allowed() {
    let values: HashMap<&str, &str> = [("LCW_LISTEN", "0.0.0.0:0")].into();
    let settings = Settings::from_lookup(|name| values.get(name).map(|v| v.to_string())).unwrap();
    let Err(error) = Application::build(settings).await else {
        panic!("the development secret was accepted on 0.0.0.0");
    };
    assert!(
        error.to_string().contains("LCW_AUTH_ALLOW_DEV_KEY=true"),
        "{error}"
    );

    let app = TestApp::spawn_with(&[
        ("LCW_AUTH_HS256_SECRET", ""),
        ("LCW_LISTEN", "0.0.0.0:0"),
        ("LCW_AUTH_ALLOW_DEV_KEY", "true"),
    ])
    .await;
    // The harness signs with the settings' key, here the development secret.
    let response = app.get(&format!("/{LIVE}")).await;
    assert_eq!(response.status, 200, "{}", response.text);
}

#[test]
fn every_start_on_the_development_secret_warns() {
    // The database is unreachable, so the start stops after the warning.
    let output = Command::new(BINARY)
        .env_remove("LCW_AUTH_HS256_SECRET")
        .env_remove("LCW_AUTH_JWKS_PATH")
        .env_remove("LCW_AUTH_JWKS_URL")
        .env("LCW_LISTEN", "127.0.0.1:0")
        .env(
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/unreachable",
        )
        .env("LCW_LOG_FORMAT", "json")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let warning = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|line| line["level"] == "WARN")
        .unwrap_or_else(|| panic!("no warning in {stdout}"));
    assert!(
        warning["fields"]["message"]
            .as_str()
            .unwrap()
            .contains("public development secret"),
        "{warning}"
    );
}

#[tokio::test]
async fn the_token_subcommand_prints_a_token_the_service_accepts() {
    let app = TestApp::spawn().await;
    let tenant = Uuid::new_v4();
    let token = |args: &[&str]| {
        run_binary(
            Command::new(BINARY)
                .arg("token")
                .args(args)
                .env("LCW_AUTH_HS256_SECRET", TEST_SECRET),
        )
        .trim()
        .to_owned()
    };

    let writer = token(&["--tenant", &tenant.to_string(), "--ttl", "5m"]);
    let created = app
        .send(
            client_with_token(&writer)
                .post(app.url(&format!("/{LIVE}")))
                .json(&workflow_body("Made with the token command")),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let stored: Uuid = sqlx::query_scalar("select tenant_id from workflows")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, tenant);
    let claims = claims_of(&writer);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        300
    );
    // Everything the service serves: the workflows and the directory.
    assert_eq!(
        claims["scp"],
        "LifecycleWorkflows.ReadWrite.All Directory.ReadWrite.All"
    );
    let user = app
        .send(
            client_with_token(&writer)
                .post(format!("{}/beta/users", app.address))
                .json(&json!({"displayName": "Adele Vance", "userPrincipalName": "adelev@contoso.com"})),
        )
        .await;
    assert_eq!(user.status, 201, "{}", user.text);

    let reporter = token(&[
        "--tenant",
        &tenant.to_string(),
        "--role",
        "LifecycleWorkflows-Reports.Read.All",
    ]);
    assert_eq!(
        claims_of(&reporter)["roles"],
        json!(["LifecycleWorkflows-Reports.Read.All"])
    );
    let refused = app
        .send(client_with_token(&reporter).get(app.url(&format!("/{LIVE}"))))
        .await;
    refused.assert_error(403, "accessDenied");
}

#[test]
fn the_token_subcommand_cannot_sign_for_a_jwks() {
    let output = Command::new(BINARY)
        .arg("token")
        .env_remove("LCW_AUTH_HS256_SECRET")
        .env(
            "LCW_AUTH_JWKS_URL",
            "https://login.microsoftonline.com/common/discovery/v2.0/keys",
        )
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot sign"), "{stderr}");
}

/// The claims of a token, read without checking it.
fn claims_of(token: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&json).unwrap()
}
