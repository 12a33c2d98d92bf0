//! Builds the HTTP server; shared by `main` and the tests, so the tests exercise
//! the production routes, middleware and error handling.

use crate::auth::{self, Admission, Authenticator};
use crate::config::Settings;
use crate::error::GraphError;
use crate::middleware::{self, RequestTimeout};
use crate::outbound::{Outbound, Signer, SigningError};
use crate::rate_limit::{self, RateLimiter};
use crate::shutdown::{self, StopSignals};
use crate::state::{AppState, Loopback};
use crate::wire::PublicBaseUrl;
use crate::{db, engine, metrics, purge, routes};
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, NormalizePath, TrailingSlash};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// A client has this long to send a request's head once it opens a connection or
/// ends the previous request (then 408 and the connection closes), so slow
/// clients cannot hold connections open. The body is under the request's time
/// limit instead.
const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a closing connection waits for the client to read the last response.
const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long an idle keep-alive connection stays open (a graceful shutdown closes
/// idle ones at once).
const KEEP_ALIVE: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("could not prepare the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not apply the migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("could not listen on the configured address: {0}")]
    Listen(#[from] std::io::Error),
    #[error("could not set up authentication: {0}")]
    Auth(#[from] auth::SetupError),
    #[error("could not set up the engine: {0}")]
    Engine(String),
    #[error("could not set up the service's signing key: {0}")]
    Signing(#[from] SigningError),
    #[error("could not set up calls to custom task extensions: {0}")]
    Outbound(String),
}

pub struct Application {
    port: u16,
    server: Server,
    pool: db::Pool,
    shutdown_grace: Duration,
}

impl Application {
    /// Checks the authentication settings, creates the database if it is missing,
    /// applies the migrations, loads the signing key, and binds the listener; the
    /// server runs once awaited.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let authenticator = auth::authenticator(&settings.auth, settings.listen)?;
        db::ensure_database(&settings).await?;
        db::migrate(&settings).await?;
        let pool = db::pool(&settings);
        let signer = Signer::load_or_create(&pool, settings.public_base_url.as_ref())
            .instrument(tracing::info_span!("signing"))
            .await?;
        Self::serve(settings, pool, authenticator, signer)
    }

    /// Binds the listener and builds the server over an existing pool, touching
    /// no database: the signing key is one of this process's own.
    pub fn with_pool(settings: Settings, pool: db::Pool) -> Result<Self, StartupError> {
        let authenticator = auth::authenticator(&settings.auth, settings.listen)?;
        let signer = Signer::generate(settings.public_base_url.as_ref())?;
        Self::serve(settings, pool, authenticator, signer)
    }

    fn serve(
        settings: Settings,
        pool: db::Pool,
        authenticator: Authenticator,
        signer: Signer,
    ) -> Result<Self, StartupError> {
        let outbound = Outbound::new(&settings.extensions).map_err(StartupError::Outbound)?;
        let listener = TcpListener::bind(settings.listen)?;
        let listening = listener.local_addr()?;
        let port = listening.port();
        let state = web::Data::new(AppState {
            pool,
            max_body_bytes: settings.max_body_bytes,
            metrics: metrics::handle(),
            loopback: Loopback::new(listening),
            signer: Arc::new(signer),
            outbound,
            extensions: settings.extensions.clone(),
        });
        let admission = web::Data::new(Admission {
            authenticator,
            rate_limiter: settings
                .rate_limit
                .map(|limit| Arc::new(RateLimiter::new(limit))),
        });
        let public_base_url = web::Data::new(PublicBaseUrl(settings.public_base_url));
        let request_timeout = RequestTimeout(settings.request_timeout);
        tokio::spawn(metrics::upkeep(state.metrics.clone()));
        if let Some(limiter) = &admission.rate_limiter {
            tokio::spawn(rate_limit::upkeep(limiter.clone()));
        }
        let max_body_bytes = settings.max_body_bytes;
        tokio::spawn(purge::run(
            state.pool.clone(),
            settings.deleted_retention,
            settings.purge_interval,
        ));
        let callouts = engine::Callouts {
            outbound: state.outbound.clone(),
            signer: state.signer.clone(),
        };
        engine::spawn(&state.pool, &settings.engine, callouts).map_err(StartupError::Engine)?;
        let pool = state.pool.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(state.pool.clone())
                .app_data(admission.clone())
                .app_data(public_base_url.clone())
                .app_data(request_timeout)
                .app_data(web::PayloadConfig::new(max_body_bytes))
                .configure(routes::configure)
                .default_service(web::to(unknown_route))
                .wrap(NormalizePath::new(TrailingSlash::MergeOnly))
                .wrap(from_fn(middleware::limits))
                .wrap(from_fn(middleware::request_context))
        })
        .workers(settings.workers)
        .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
        .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
        .keep_alive(KEEP_ALIVE)
        .shutdown_timeout(settings.shutdown_grace.as_secs())
        // `run_until_signalled` handles the signals: actix's own handler would
        // cut requests off on SIGINT.
        .disable_signals()
        .listen(listener)?
        .run();
        tracing::info!(address = %settings.listen, port, "serving");
        Ok(Self {
            port,
            server,
            pool,
            shutdown_grace: settings.shutdown_grace,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the server is stopped; signals are left alone (the tests).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// Serves until one of `signals`, then shuts down gracefully (`shutdown`).
    pub async fn run_until_signalled(self, signals: StopSignals) -> std::io::Result<()> {
        shutdown::serve_until_signalled(self.server, signals, self.pool, self.shutdown_grace).await
    }
}

async fn unknown_route(request: HttpRequest) -> Result<HttpResponse, GraphError> {
    Err(GraphError::not_found(format!(
        "No resource exists at '{}'.",
        request.path()
    )))
}
