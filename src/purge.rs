//! The background purge: deleted workflows older than the retention period are
//! removed with their subtrees, as Graph does after 30 days, and idempotency keys
//! past their 24 hours.

use crate::db;
use crate::db::Pool;
use chrono::{DateTime, Duration, Utc};
use sqlx::Connection;
use tracing::Instrument;

/// Purges every `interval`, for as long as the server runs. A failed round is
/// logged and retried at the next one.
pub async fn run(pool: Pool, retention: Duration, interval: std::time::Duration) {
    let mut ticks = tokio::time::interval(interval);
    loop {
        ticks.tick().await;
        round(&pool, retention)
            .instrument(tracing::info_span!("purge"))
            .await;
    }
}

/// Both purges, in the `purge` span, which names them in the log lines and
/// statement events they cause.
async fn round(pool: &Pool, retention: Duration) {
    match purge(pool, Utc::now() - retention).await {
        Ok(0) => {}
        Ok(purged) => tracing::info!(purged, "purged deleted workflows past retention"),
        Err(error) => tracing::warn!(%error, "the purge of deleted workflows failed"),
    }
    match db::idempotency::purge_expired(pool).await {
        Ok(0) => {}
        Ok(purged) => tracing::info!(purged, "purged idempotency keys past their window"),
        Err(error) => tracing::warn!(%error, "the purge of idempotency keys failed"),
    }
}

/// One round, without the pool's statement timeout: that bound is for requests,
/// and a purge of large subtrees may take longer, but must still finish.
async fn purge(pool: &Pool, cutoff: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    pool.run(async |connection| {
        let mut transaction = connection.begin().await?;
        sqlx::query("set local statement_timeout = 0")
            .execute(&mut *transaction)
            .await?;
        let purged = db::workflows::purge_deleted_before(&mut *transaction, cutoff).await?;
        transaction.commit().await?;
        Ok(purged)
    })
    .await
}
