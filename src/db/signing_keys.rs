//! The service's signing keys, of no tenant: every instance signs with the
//! oldest.

use super::Pool;
use sqlx::Connection;

/// A stored key: its id and its private key (PKCS#8 PEM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    pub kid: String,
    pub private_key_pem: String,
}

/// Serializes the instances that look for the key as they start: the first
/// stores its candidate, and the others, waiting, then read it.
const FIRST_KEY_LOCK: i64 = 0x6c63_775f_6b65_7973; // "lcw_keys"

/// The oldest stored key; `candidate` is stored and returned when there is none.
pub async fn oldest_or_store(
    pool: &Pool,
    candidate: &SigningKey,
) -> Result<SigningKey, sqlx::Error> {
    pool.run(async |connection| {
        let mut transaction = connection.begin().await?;
        // Without the lock, two instances finding the table empty would each
        // store and sign with a key of their own.
        sqlx::query("select pg_advisory_xact_lock($1)")
            .bind(FIRST_KEY_LOCK)
            .execute(&mut *transaction)
            .await?;
        let oldest = sqlx::query_as!(
            SigningKey,
            "select kid, private_key_pem from signing_keys
             order by created_date_time, kid
             limit 1"
        )
        .fetch_optional(&mut *transaction)
        .await?;
        let key = match oldest {
            Some(key) => key,
            None => {
                sqlx::query!(
                    "insert into signing_keys (kid, private_key_pem) values ($1, $2)",
                    candidate.kid,
                    candidate.private_key_pem,
                )
                .execute(&mut *transaction)
                .await?;
                candidate.clone()
            }
        };
        transaction.commit().await?;
        Ok(key)
    })
    .await
}
