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
pub struct Pool {
    inner: managed::Pool<Manager>,
    acquire_timeout: Duration,
    /// How long opening or checking a connection may take.
    connect_timeout: Duration,
}

/// A connection and whether its last use ended cleanly.
pub(super) struct Pooled {
    pub(super) connection: PgConnection,
    pub(super) trusted: bool,
}

type PooledConnection = managed::Object<Manager>;

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
    /// At most `size` connections, opened when first needed. Opening or checking
    /// one may take `connect_timeout`; a request waits at most `acquire_timeout`
    /// for one in all (then `PoolTimedOut`, a 503), however many idle connections
    /// fail their check on the way.
    pub fn new(
        options: &PgConnectOptions,
        size: u32,
        acquire_timeout: Duration,
        connect_timeout: Duration,
    ) -> Self {
        let manager = Manager {
            options: options.clone(),
        };
        let timeouts = Timeouts {
            wait: Some(acquire_timeout),
            create: Some(connect_timeout),
            recycle: Some(connect_timeout),
        };
        let inner = managed::Pool::builder(manager)
            .max_size(size as usize)
            .timeouts(timeouts)
            .runtime(Runtime::Tokio1)
            .build()
            // Only a timeout without a runtime fails to build, and the runtime is set.
            .unwrap_or_else(|error| unreachable!("the pool's configuration is valid: {error}"));
        Self {
            inner,
            acquire_timeout,
            connect_timeout,
        }
    }

    /// How many connections are open, idle and waited for.
    pub fn status(&self) -> deadpool::Status {
        self.inner.status()
    }

    /// Closes the idle connections politely (each session ends with a Terminate,
    /// not a dropped socket) and refuses any later acquire. For shutdown, once no
    /// request holds a connection any more; a database that does not answer gets
    /// a second in all, then its sockets are simply dropped.
    pub async fn close(&self) {
        let idle = self.inner.retain(|_, _| false).removed;
        self.inner.close();
        let closing = async {
            for pooled in idle {
                let _ = pooled.connection.close().await;
            }
        };
        if tokio::time::timeout(Duration::from_secs(1), closing)
            .await
            .is_err()
        {
            tracing::debug!("the database did not see every connection closed within 1 s");
        }
    }

    /// Lends a connection to `work`, for a transaction or several statements, and
    /// trusts it again as a single statement would: when the work ended cleanly.
    pub async fn run<T>(
        &self,
        work: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let mut lent = self.lend().await?;
        let outcome = work(&mut lent.get().connection).await;
        lent.get().settle(outcome)
    }

    /// A connection to use now; it stays untrusted until its use is settled.
    pub(super) async fn lend(&self) -> Result<Lent, sqlx::Error> {
        let mut pooled = self.acquire().await?;
        pooled.trusted = false;
        Ok(Lent {
            pooled: Some(pooled),
            check_timeout: self.connect_timeout,
        })
    }

    /// deadpool bounds each step (the wait, each check, the connect) on its own;
    /// the outer bound keeps the sum within `acquire_timeout`. Giving up midway is
    /// safe: deadpool returns the slot and drops a half-checked connection.
    async fn acquire(&self) -> Result<PooledConnection, sqlx::Error> {
        match tokio::time::timeout(self.acquire_timeout, self.inner.get()).await {
            Ok(Ok(pooled)) => Ok(pooled),
            Ok(Err(managed::PoolError::Backend(error))) => Err(error),
            Ok(Err(managed::PoolError::Closed)) => Err(sqlx::Error::PoolClosed),
            Ok(Err(_)) | Err(_) => Err(sqlx::Error::PoolTimedOut),
        }
    }
}

/// A connection lent to one use. Dropped before its use was settled (the
/// request's future dropped mid-statement or mid-transaction, as the request time
/// limit does) or after a use that left it in doubt, it is checked at once in the
/// background rather than at its next use: the check sends what the connection
/// has queued, so a transaction left open is rolled back now and holds no lock
/// while the connection sits idle. A connection that fails the check, or takes
/// longer than `check_timeout`, leaves the pool; closing it ends its session.
pub(super) struct Lent {
    pooled: Option<PooledConnection>,
    check_timeout: Duration,
}

impl Lent {
    /// Closes the connection instead of returning it: its state is unknown.
    pub(super) fn discard(mut self) {
        if let Some(pooled) = self.pooled.take() {
            drop(managed::Object::take(pooled));
        }
    }

    pub(super) fn get(&mut self) -> &mut Pooled {
        self.pooled
            .as_deref_mut()
            .unwrap_or_else(|| unreachable!("only drop takes the connection out"))
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        let Some(mut pooled) = self.pooled.take() else {
            return;
        };
        if pooled.trusted {
            return;
        }
        // Without a runtime (the process ending), the check waits for the next use.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let timeout = self.check_timeout;
        runtime.spawn(async move {
            match tokio::time::timeout(timeout, pooled.connection.ping()).await {
                Ok(Ok(())) => pooled.trusted = true,
                _ => drop(managed::Object::take(pooled)),
            }
        });
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
            .field("status", &self.inner.status())
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
/// untrusted, so it is checked (see [`Lent`]).
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
            let mut lent = pool.lend().await?;
            let mut results = lent.get().connection.fetch_many(query);
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
            lent.get().settle(outcome)?;
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
            let mut lent = pool.lend().await?;
            let outcome = lent.get().connection.fetch_optional(query).await;
            lent.get().settle(outcome)
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
            let mut lent = pool.lend().await?;
            let outcome = lent.get().connection.prepare_with(sql, parameters).await;
            lent.get().settle(outcome)
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
            let mut lent = pool.lend().await?;
            let outcome = lent.get().connection.describe(sql).await;
            lent.get().settle(outcome)
        })
    }
}
