//! Graceful shutdown. On SIGTERM or SIGINT the server closes its listener (new
//! connections are refused), lets the requests in flight finish for up to
//! `LCW_SHUTDOWN_GRACE_SECS`, cuts off whatever is still running then, and closes
//! the database pool; the process then exits 0.

use crate::db::Pool;
use actix_web::dev::Server;
use std::io;
use std::time::{Duration, Instant};
use tokio::signal::unix::{signal, Signal, SignalKind};

/// SIGTERM (what orchestrators send) and SIGINT (Ctrl-C), caught from the moment
/// this is made: one that arrives while the service starts is acted on once it
/// serves, rather than killing the process on the spot.
pub struct StopSignals {
    terminate: Signal,
    interrupt: Signal,
}

impl StopSignals {
    pub fn catch() -> io::Result<Self> {
        Ok(Self {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    /// Waits for the first stop signal (for the processes that serve no HTTP).
    pub async fn received(mut self) {
        let signal = self.first().await;
        tracing::info!(signal, "stopping");
    }

    async fn first(&mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }
}

/// Runs `server` until a stop signal, then drains it as above.
pub async fn serve_until_signalled(
    mut server: Server,
    mut signals: StopSignals,
    pool: Pool,
    grace: Duration,
) -> io::Result<()> {
    let handle = server.handle();
    let signal = tokio::select! {
        outcome = &mut server => return outcome,
        signal = signals.first() => signal,
    };
    tracing::info!(
        signal,
        grace_secs = grace.as_secs(),
        "stopping: refusing new connections, draining the requests in flight"
    );
    let started = Instant::now();
    // The server only acts on the stop while it is polled.
    let ((), outcome) = tokio::join!(handle.stop(true), server);
    let drained = started.elapsed();
    if drained >= grace {
        tracing::warn!(
            grace_secs = grace.as_secs(),
            "the grace period ran out: any request still in flight was cut off"
        );
    }
    tracing::info!(
        drain_ms = drained.as_millis(),
        "drained; closing the database pool"
    );
    pool.close().await;
    tracing::info!("stopped");
    outcome
}
