//! Idempotency keys (see the migration): claimed in the transaction of the write
//! they guard, filled with its response before it commits, purged after a day.

use super::Pool;
use crate::tenant::Tenant;
use chrono::{DateTime, TimeDelta, Utc};
use sqlx::PgConnection;

/// How long a key is kept: a retry within it is answered again, one after it
/// runs afresh.
const WINDOW_HOURS: i64 = 24;

/// The time keys created before have expired, as of `now`. Times are the
/// service's parameters, not the database's `now()`, so that Citus can plan the
/// statements (it refuses functions that are not immutable in an upsert).
fn expired_before(now: DateTime<Utc>) -> DateTime<Utc> {
    now - TimeDelta::hours(WINDOW_HOURS)
}

/// A stored response, as a replay repeats it.
pub struct StoredResponse {
    pub request_hash: Vec<u8>,
    pub status: i16,
    pub headers: serde_json::Value,
    pub body: Vec<u8>,
}

pub enum Claim {
    /// The key is this request's: the write may go ahead.
    Claimed,
    /// An earlier request with the key answered this.
    Stored(StoredResponse),
}

/// Claims `key` in the connection's open transaction. While another transaction
/// holds the key this waits for it to end; the key is then either stored (its
/// response is returned) or free again. A key older than the window is claimed
/// afresh.
pub async fn claim(
    connection: &mut PgConnection,
    tenant: Tenant,
    key: &str,
    request_hash: &[u8],
) -> Result<Claim, sqlx::Error> {
    // Twice at most: a stored key can be purged between the two statements.
    loop {
        let now = Utc::now();
        let claimed = sqlx::query_scalar!(
            "insert into idempotency_keys (tenant_id, key, request_hash, created_at)
             values ($1, $2, $3, $4)
             on conflict (tenant_id, key) do update
                 set request_hash = excluded.request_hash, status = 0, headers = '{}',
                     body = '', created_at = excluded.created_at
                 where idempotency_keys.created_at < $5
             returning true",
            tenant.id(),
            key,
            request_hash,
            now,
            expired_before(now),
        )
        .fetch_optional(&mut *connection)
        .await?;
        if claimed.is_some() {
            return Ok(Claim::Claimed);
        }
        let stored = sqlx::query_as!(
            StoredResponse,
            "select request_hash, status, headers, body from idempotency_keys
             where tenant_id = $1 and key = $2",
            tenant.id(),
            key,
        )
        .fetch_optional(&mut *connection)
        .await?;
        if let Some(stored) = stored {
            return Ok(Claim::Stored(stored));
        }
    }
}

/// Records the response of the request that claimed `key`.
pub async fn complete(
    connection: &mut PgConnection,
    tenant: Tenant,
    key: &str,
    status: i16,
    headers: &serde_json::Value,
    body: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update idempotency_keys set status = $3, headers = $4, body = $5
         where tenant_id = $1 and key = $2",
        tenant.id(),
        key,
        status,
        headers,
        body,
    )
    .execute(connection)
    .await?;
    Ok(())
}

/// Deletes the keys past the window; how many.
pub async fn purge_expired(pool: &Pool) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!(
        "delete from idempotency_keys where created_at < $1",
        expired_before(Utc::now()),
    )
    .execute(pool)
    .await?;
    Ok(deleted.rows_affected())
}
