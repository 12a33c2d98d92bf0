//! A transaction that spans a whole request rather than one piece of work: an
//! idempotent POST claims its key, runs its write and records its response in
//! one transaction, so the key and the write commit together or not at all.

use super::pool::{Lent, Pool};
use crate::error::GraphError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use sqlx::postgres::PgTransactionManager;
use sqlx::{PgConnection, TransactionManager};
use std::future::{ready, Ready};
use std::rc::Rc;
use tokio::sync::Mutex;

/// An open transaction on a pooled connection. Work inside it that begins a
/// transaction of its own gets a savepoint. Dropped while open, it queues a
/// ROLLBACK, which the pool's check of the dropped connection sends at once.
pub struct OpenTransaction {
    /// `None` once the transaction ended.
    lent: Option<Lent>,
    open: bool,
}

impl Pool {
    pub async fn begin(&self) -> Result<OpenTransaction, sqlx::Error> {
        let mut lent = self.lend().await?;
        let pooled = lent.get();
        let begun = PgTransactionManager::begin(&mut pooled.connection, None).await;
        pooled.settle(begun)?;
        // Untrusted until it ends: dropped mid-way, it is checked at once, which
        // sends the queued ROLLBACK.
        pooled.trusted = false;
        Ok(OpenTransaction {
            lent: Some(lent),
            open: true,
        })
    }
}

impl OpenTransaction {
    pub fn connection(&mut self) -> Result<&mut PgConnection, sqlx::Error> {
        match &mut self.lent {
            Some(lent) if self.open => Ok(&mut lent.get().connection),
            _ => Err(sqlx::Error::PoolClosed),
        }
    }

    pub async fn commit(&mut self) -> Result<(), sqlx::Error> {
        let connection = self.connection()?;
        let outcome = PgTransactionManager::commit(connection).await;
        self.end(outcome)
    }

    pub async fn rollback(&mut self) -> Result<(), sqlx::Error> {
        let connection = self.connection()?;
        let outcome = PgTransactionManager::rollback(connection).await;
        self.end(outcome)
    }

    /// After a clean end the connection goes back to the pool; after a failed one
    /// its transaction state is unknown, so it is closed instead.
    fn end(&mut self, outcome: Result<(), sqlx::Error>) -> Result<(), sqlx::Error> {
        self.open = false;
        match (outcome, self.lent.take()) {
            (Ok(()), Some(mut lent)) => {
                lent.get().trusted = true;
                Ok(())
            }
            (Err(error), Some(lent)) => {
                lent.discard();
                Err(error)
            }
            (outcome, None) => outcome,
        }
    }
}

impl Drop for OpenTransaction {
    fn drop(&mut self) {
        if let (true, Some(lent)) = (self.open, &mut self.lent) {
            PgTransactionManager::start_rollback(&mut lent.get().connection);
        }
    }
}

/// The transaction of a request that sent an `Idempotency-Key`, kept in the
/// request's extensions by the guard that opened it.
pub struct RequestTransaction(pub Rc<Mutex<OpenTransaction>>);

/// Where a handler's write runs: on a connection of its own from the pool, or in
/// the transaction its request opened. Handlers take it from the request.
pub enum Writer {
    Pool(Pool),
    Request(Rc<Mutex<OpenTransaction>>),
}

/// The connection a create writes on, lent by [`Writer::run`], so a create
/// cannot step around the transaction of a keyed request by taking a connection
/// of the pool.
pub struct WriteConnection<'c>(&'c mut PgConnection);

impl<'c> WriteConnection<'c> {
    /// A connection of the caller's own, for writes outside any request: tests
    /// that drive the statements on a session they observe.
    pub fn dedicated(connection: &'c mut PgConnection) -> Self {
        Self(connection)
    }

    pub(super) fn get(&mut self) -> &mut PgConnection {
        self.0
    }
}

impl Writer {
    /// Lends the connection to `work`, as [`Pool::run`] does.
    pub async fn run<T>(
        &self,
        work: impl AsyncFnOnce(&mut WriteConnection<'_>) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        match self {
            Writer::Pool(pool) => {
                pool.run(async move |connection| work(&mut WriteConnection(connection)).await)
                    .await
            }
            Writer::Request(transaction) => {
                let mut transaction = transaction.lock().await;
                work(&mut WriteConnection(transaction.connection()?)).await
            }
        }
    }
}

/// The request's transaction when the idempotency guard opened one, else the
/// pool registered as app data.
impl FromRequest for Writer {
    type Error = GraphError;
    type Future = Ready<Result<Self, GraphError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(RequestTransaction(transaction)) = request.extensions().get() {
            return ready(Ok(Writer::Request(transaction.clone())));
        }
        ready(
            request
                .app_data::<Pool>()
                .map(|pool| Writer::Pool(pool.clone()))
                .ok_or_else(|| GraphError::internal(&"the pool is not registered")),
        )
    }
}
