//! Postgres access: one file per table family, free functions over a pool or a
//! connection, one SQL statement per operation where the operation allows.

pub mod enums;
pub mod error;
pub mod idempotency;
pub mod locate;
pub mod page;
pub mod pool;
pub mod runs;
pub mod task_processing_results;
pub mod tasks;
pub mod transaction;
pub mod user_processing_results;
pub mod workflows;

use crate::config::Settings;
pub use pool::Pool;
use sqlx::migrate::{MigrateError, Migrator};

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// Creates the database named in `options` unless it exists, connecting to the
/// server's `postgres` maintenance database to do so.
pub async fn ensure_database(options: &PgConnectOptions) -> Result<(), sqlx::Error> {
    let Some(name) = options.get_database() else {
        return Ok(());
    };
    let mut maintenance = PgConnection::connect_with(&options.clone().database("postgres")).await?;
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
pub fn pool(settings: &Settings) -> Pool {
    Pool::new(
        &settings.database,
        settings.db_pool_size,
        settings.db_acquire_timeout,
    )
}

/// Applies the migrations over a connection of its own.
pub async fn migrate(database: &PgConnectOptions) -> Result<(), MigrateError> {
    let mut connection = PgConnection::connect_with(database).await?;
    MIGRATOR.run(&mut connection).await?;
    connection.close().await?;
    Ok(())
}
