//! Postgres access: one file per table family, free functions over a pool or a
//! connection, one SQL statement per operation where the operation allows.

pub mod counters;
pub mod custom_task_extensions;
pub mod directory_changes;
pub mod engine;
pub mod enums;
pub mod error;
pub mod extension_calls;
pub mod groups;
pub mod idempotency;
pub mod insights;
pub mod locate;
pub mod page;
pub mod pool;
pub mod runs;
pub mod schedule;
pub mod settings;
pub mod signing_keys;
pub mod task_definitions;
pub mod task_processing_results;
pub mod task_reports;
pub mod tasks;
pub mod transaction;
pub mod user_processing_results;
pub mod users;
pub mod versions;
pub mod workflows;

use crate::config::Settings;
pub use pool::Pool;
use sqlx::migrate::{MigrateError, Migrator};

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use std::time::Duration;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// Creates the database of `settings` unless it exists, connecting to the
/// server's `postgres` maintenance database to do so.
pub async fn ensure_database(settings: &Settings) -> Result<(), sqlx::Error> {
    let options = &settings.database;
    let Some(name) = options.get_database() else {
        return Ok(());
    };
    let maintenance = options.clone().database("postgres");
    let mut maintenance = connect(&maintenance, settings.db_connect_timeout).await?;
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(name)
            .fetch_one(&mut maintenance)
            .await?;
    if !exists {
        // A database name cannot be a bind parameter; quote it as an identifier.
        let statement = format!("create database \"{}\"", name.replace('"', "\"\""));
        match sqlx::query(&statement).execute(&mut maintenance).await {
            Ok(_) => tracing::info!(database = name, "created the database"),
            // Another instance created it between our check and our create.
            Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("42P04") => {}
            Err(error) => return Err(error),
        }
    }
    maintenance.close().await
}

/// The service's connection pool, bounded in size and in how long a request waits.
/// Every connection carries the statement timeout, so Postgres itself cancels a
/// statement that runs too long (SQLSTATE 57014, a 503); migrations and other
/// connections of their own have none.
pub fn pool(settings: &Settings) -> Pool {
    let statement_timeout = settings.db_statement_timeout.as_millis().to_string();
    let options = settings
        .database
        .clone()
        .options([("statement_timeout", statement_timeout)]);
    Pool::new(
        &options,
        settings.db_pool_size,
        settings.db_acquire_timeout,
        settings.db_connect_timeout,
    )
}

/// Applies the migrations over a connection of its own.
pub async fn migrate(settings: &Settings) -> Result<(), MigrateError> {
    let mut connection = connect(&settings.database, settings.db_connect_timeout).await?;
    MIGRATOR.run(&mut connection).await?;
    connection.close().await?;
    Ok(())
}

/// A connection of its own, given up after `timeout`: a server that accepts the
/// TCP connection and never answers would otherwise hold the start forever.
async fn connect(
    options: &PgConnectOptions,
    timeout: Duration,
) -> Result<PgConnection, sqlx::Error> {
    tokio::time::timeout(timeout, PgConnection::connect_with(options))
        .await
        .unwrap_or_else(|_| {
            Err(sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "the database did not answer within {} ms (LCW_DB_CONNECT_TIMEOUT_MS)",
                    timeout.as_millis()
                ),
            )))
        })
}

/// The versions of the embedded migrations the database has not applied: empty
/// when its schema is the one this build expects.
pub async fn unapplied_migrations(pool: &Pool) -> Result<Vec<i64>, sqlx::Error> {
    let applied: Vec<i64> =
        match sqlx::query_scalar("select version from _sqlx_migrations where success")
            .fetch_all(pool)
            .await
        {
            Ok(applied) => applied,
            // undefined_table: no migration has ever run.
            Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("42P01") => {
                Vec::new()
            }
            Err(error) => return Err(error),
        };
    Ok(MIGRATOR
        .iter()
        .filter(|migration| !migration.migration_type.is_down_migration())
        .map(|migration| migration.version)
        .filter(|version| !applied.contains(version))
        .collect())
}
