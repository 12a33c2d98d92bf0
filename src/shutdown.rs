//! Graceful shutdown. On SIGTERM or SIGINT the server closes its listener (new
//! connections are refused), lets the requests in flight finish for up to
//! `LCW_SHUTDOWN_GRACE_SECS`, cuts off whatever is still running then, and closes
//! the database pool; the process then exits 0.

use crate::db::Pool;
use actix_web::dev::Server;
use std::io;
use std::time::{Duration, Instant};
use tokio::signal::unix::{signal, SignalKind};

/// Runs `server` until a stop signal, then drains it as above.
pub async fn serve_until_signalled(
    mut server: Server,
    pool: Pool,
    grace: Duration,
) -> io::Result<()> {
    let handle = server.handle();
    let signal = tokio::select! {
        outcome = &mut server => return outcome,
        signal = stop_signal() => signal?,
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
            "the grace period ran out: requests still in flight were cut off"
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

/// The first SIGTERM (what orchestrators send) or SIGINT (Ctrl-C).
async fn stop_signal() -> io::Result<&'static str> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = terminate.recv() => Ok("SIGTERM"),
        _ = interrupt.recv() => Ok("SIGINT"),
    }
}
