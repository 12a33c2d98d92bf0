//! The engine that makes workflows run: a scheduler that starts scheduled runs
//! for the users triggers pick, and workers that process queued users (of
//! scheduled and activated runs) from a queue in Postgres that every instance
//! of the service shares.

pub mod callout;
pub mod email;
pub mod scheduler;
pub mod tasks;
pub mod worker;

pub use callout::Callouts;

use crate::config::EngineSettings;
use crate::db::{self, Pool};
use crate::metrics;
use chrono::Utc;
use std::time::Duration;
use tracing::Instrument;
use worker::Worker;

/// How often the queue's depth is measured for the metrics (and whenever a
/// worker runs out of work).
const QUEUE_GAUGE_INTERVAL: Duration = Duration::from_secs(15);

/// A worker for these settings, calling extensions through `callouts`; fails
/// only on an SMTP URL it cannot use.
pub fn worker(
    pool: &Pool,
    settings: &EngineSettings,
    callouts: Callouts,
) -> Result<Worker, String> {
    Ok(Worker {
        pool: pool.clone(),
        mailer: email::Mailer::new(settings.smtp_url.as_deref(), settings.smtp_from.clone())?,
        callouts,
        lease: settings.lease,
        batch: settings.batch,
    })
}

/// Starts this process's workers, scheduler and queue gauge, as the settings
/// say; they run for as long as the runtime does. Work cut off by a stop is
/// taken over when its lease runs out.
pub fn spawn(pool: &Pool, settings: &EngineSettings, callouts: Callouts) -> Result<(), String> {
    let worker = worker(pool, settings, callouts)?;
    for index in 0..settings.workers {
        let worker = worker.clone();
        let poll = settings.poll;
        tokio::spawn(
            async move { work_forever(&worker, poll).await }
                .instrument(tracing::info_span!("engine", worker = index)),
        );
    }
    if let Some(tick) = settings.scheduler_tick {
        spawn_scheduler(pool, tick);
    }
    if settings.workers > 0 {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(QUEUE_GAUGE_INTERVAL);
            loop {
                ticks.tick().await;
                gauge_queue(&pool).await;
            }
        });
    }
    Ok(())
}

async fn work_forever(worker: &Worker, poll: Duration) {
    let mut busy = false;
    loop {
        match worker.round().await {
            Ok(0) => {
                // The queue just emptied of claimable work: the gauge shows
                // it now, not at the next tick (counting it after every round
                // would add a scan of the queue to each).
                if std::mem::take(&mut busy) {
                    gauge_queue(&worker.pool).await;
                }
                tokio::time::sleep(poll).await;
            }
            Ok(_) => busy = true,
            Err(error) => {
                tracing::warn!(%error, "an engine round failed; retrying");
                tokio::time::sleep(poll).await;
            }
        }
    }
}

/// Processes queued users with `workers` concurrent workers until none is left
/// to claim; how many.
pub async fn work_until_idle(worker: &Worker, workers: usize) -> Result<usize, sqlx::Error> {
    let mut running = tokio::task::JoinSet::new();
    for _ in 0..workers.max(1) {
        let worker = worker.clone();
        // In the caller's span, as its own work.
        running.spawn(
            async move {
                let mut processed = 0;
                loop {
                    match worker.round().await? {
                        0 => return Ok::<_, sqlx::Error>(processed),
                        users => processed += users,
                    }
                }
            }
            .instrument(tracing::Span::current()),
        );
    }
    let mut processed = 0;
    while let Some(done) = running.join_next().await {
        processed += done.map_err(|error| sqlx::Error::Protocol(error.to_string()))??;
    }
    Ok(processed)
}

/// Starts a scheduling pass every `tick`, for as long as the runtime runs: the
/// scheduler alone, for a process that runs no workers.
pub fn spawn_scheduler(pool: &Pool, tick: Duration) {
    let pool = pool.clone();
    tokio::spawn(
        async move { schedule_forever(&pool, tick).await }
            .instrument(tracing::info_span!("scheduler")),
    );
}

async fn schedule_forever(pool: &Pool, tick: Duration) {
    let mut ticks = tokio::time::interval(tick);
    loop {
        ticks.tick().await;
        let pass = scheduler::Pass {
            at: Utc::now(),
            every_workflow: false,
            dry_run: false,
        };
        if let Err(error) = scheduler::pass(pool, pass).await {
            tracing::warn!(%error, "a scheduling pass failed; the next tick retries");
        }
    }
}

/// Measures the queue for the metrics: its depth and its oldest entry's age.
async fn gauge_queue(pool: &Pool) {
    if let Ok((depth, oldest)) = db::engine::depth(pool).await {
        let age = oldest.map_or(0.0, |oldest| {
            (Utc::now() - oldest).as_seconds_f64().max(0.0)
        });
        metrics::engine_queue(depth, age);
    }
}
