//! Start-up: the database is created and migrated; settings are checked; the
//! `migrate` subcommand; URLs behind a proxy.

use crate::helpers::{TestApp, LIVE};
use lifecycle_workflows::config::DEFAULT_DATABASE_URL;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};
use std::process::Command;
use std::str::FromStr;
use uuid::Uuid;

const BINARY: &str = env!("CARGO_BIN_EXE_lifecycle-workflows");

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
