//! The background purge: deleted workflows older than the retention period are
//! removed with their subtrees, as Graph does after 30 days, and idempotency keys
//! past their 24 hours.

use crate::db;
use crate::db::Pool;
use chrono::{Duration, Utc};

/// Purges every `interval`, for as long as the server runs. A failed round is
/// logged and retried at the next one.
pub async fn run(pool: Pool, retention: Duration, interval: std::time::Duration) {
    let mut ticks = tokio::time::interval(interval);
    loop {
        ticks.tick().await;
        match db::workflows::purge_deleted_before(&pool, Utc::now() - retention).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "purged deleted workflows past retention"),
            Err(error) => tracing::warn!(%error, "the purge of deleted workflows failed"),
        }
        match db::idempotency::purge_expired(&pool).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "purged idempotency keys past their window"),
            Err(error) => tracing::warn!(%error, "the purge of idempotency keys failed"),
        }
    }
}
