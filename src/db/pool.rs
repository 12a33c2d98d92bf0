//! The connection pool: deadpool holding sqlx connections.
//!
//! sqlx's own pool sends a `Sync` and waits for the answer every time a
//! connection is returned, to make sure it is still usable: a second round trip
//! for every statement, which cost a tenth of the create throughput in the
//! benchmark (docs/BENCHMARKS.md). This pool checks a connection only when there
//! is a reason to doubt it: its last use failed or was cut short, or it sat idle
//! long enough for the server to have gone away. Every
//! statement still starts by reading whatever a previous use left unread, so a
//! connection is never out of step with the server.

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult, Timeouts};
use deadpool::Runtime;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::TryStreamExt;
use sqlx::postgres::{PgConnectOptions, PgQueryResult, PgRow, PgStatement, PgTypeInfo};
use sqlx::{Connection, Describe, Either, Execute, Executor, PgConnection, Postgres};
use std::fmt;
use std::time::Duration;

/// A connection idle for longer than this is checked before it is used again.
const IDLE_BEFORE_CHECK: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Pool(managed::Pool<Manager>);

/// A connection and whether its last use ended cleanly.
pub(super) struct Pooled {
    pub(super) connection: PgConnection,
    pub(super) trusted: bool,
}

pub(super) type PooledConnection = managed::Object<Manager>;

pub(super) struct Manager {
    options: PgConnectOptions,
}

impl managed::Manager for Manager {
    type Type = Pooled;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<Pooled, sqlx::Error> {
        Ok(Pooled {
            connection: PgConnection::connect_with(&self.options).await?,
            trusted: true,
        })
    }

    async fn recycle(&self, pooled: &mut Pooled, metrics: &Metrics) -> RecycleResult<sqlx::Error> {
        if !pooled.trusted || metrics.last_used() > IDLE_BEFORE_CHECK {
            pooled
                .connection
                .ping()
                .await
                .map_err(RecycleError::Backend)?;
            pooled.trusted = true;
        }
        Ok(())
    }
}

impl Pool {
    /// At most `size` connections, opened when first needed; a request waits at
    /// most `acquire_timeout` for one (then `PoolTimedOut`, a 503).
    pub fn new(options: &PgConnectOptions, size: u32, acquire_timeout: Duration) -> Self {
        let manager = Manager {
            options: options.clone(),
        };
        let timeouts = Timeouts {
            wait: Some(acquire_timeout),
            create: Some(acquire_timeout),
            recycle: Some(acquire_timeout),
        };
        let pool = managed::Pool::builder(manager)
            .max_size(size as usize)
            .timeouts(timeouts)
            .runtime(Runtime::Tokio1)
            .build()
            // Only a timeout without a runtime fails to build, and the runtime is set.
            .unwrap_or_else(|error| unreachable!("the pool's configuration is valid: {error}"));
        Self(pool)
    }

    /// How many connections are open, idle and waited for.
    pub fn status(&self) -> deadpool::Status {
        self.0.status()
    }

    /// Lends a connection to `work`, for a transaction or several statements, and
    /// trusts it again as a single statement would: when the work ended cleanly.
    pub async fn run<T>(
        &self,
        work: impl for<'c> FnOnce(&'c mut PgConnection) -> BoxFuture<'c, Result<T, sqlx::Error>>,
    ) -> Result<T, sqlx::Error> {
        let mut pooled = self.lend().await?;
        let outcome = work(&mut pooled.connection).await;
        pooled.settle(outcome)
    }

    /// A connection to use now; it stays untrusted until its use is settled.
    pub(super) async fn lend(&self) -> Result<PooledConnection, sqlx::Error> {
        let mut pooled = self.acquire().await?;
        pooled.trusted = false;
        Ok(pooled)
    }

    async fn acquire(&self) -> Result<PooledConnection, sqlx::Error> {
        self.0.get().await.map_err(|error| match error {
            managed::PoolError::Backend(error) => error,
            managed::PoolError::Closed => sqlx::Error::PoolClosed,
            _ => sqlx::Error::PoolTimedOut,
        })
    }
}

impl Pooled {
    /// Trusts the connection again if `outcome` leaves it in step with the server.
    pub(super) fn settle<T>(&mut self, outcome: Result<T, sqlx::Error>) -> Result<T, sqlx::Error> {
        self.trusted = leaves_trusted(&outcome);
        outcome
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("status", &self.0.status())
            .finish()
    }
}

/// Whether a connection is still in step with the server after this outcome. A
/// statement's error (a constraint, say) leaves it so; the server ending the
/// session, or anything that is not the server's answer, may not have.
fn leaves_trusted<T>(outcome: &Result<T, sqlx::Error>) -> bool {
    match outcome {
        Ok(_) => true,
        Err(sqlx::Error::Database(error)) => !super::error::ends_the_session(error.as_ref()),
        Err(_) => false,
    }
}

/// One statement on a pooled connection, as sqlx's pool does, without the check
/// on return. A statement cut short (its future dropped) leaves the connection
/// untrusted, so it is checked before its next use.
impl<'p> Executor<'p> for &Pool {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<PgQueryResult, PgRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let pool = self.clone();
        Box::pin(async_stream::try_stream! {
            let mut pooled = pool.lend().await?;
            let mut results = pooled.connection.fetch_many(query);
            let mut outcome = Ok(());
            loop {
                match results.try_next().await {
                    Ok(Some(item)) => yield item,
                    Ok(None) => break,
                    Err(error) => {
                        outcome = Err(error);
                        break;
                    }
                }
            }
            drop(results);
            pooled.settle(outcome)?;
        })
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let pool = self.clone();
        Box::pin(async move {
            let mut pooled = pool.lend().await?;
            let outcome = pooled.connection.fetch_optional(query).await;
            pooled.settle(outcome)
        })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement<'q>, sqlx::Error>>
    where
        'p: 'e,
    {
        let pool = self.clone();
        Box::pin(async move {
            let mut pooled = pool.lend().await?;
            let outcome = pooled.connection.prepare_with(sql, parameters).await;
            pooled.settle(outcome)
        })
    }

    fn describe<'e, 'q: 'e>(
        self,
        sql: &'q str,
    ) -> BoxFuture<'e, Result<Describe<Postgres>, sqlx::Error>>
    where
        'p: 'e,
    {
        let pool = self.clone();
        Box::pin(async move {
            let mut pooled = pool.lend().await?;
            let outcome = pooled.connection.describe(sql).await;
            pooled.settle(outcome)
        })
    }
}
