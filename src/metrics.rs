//! Prometheus metrics, served at `/metrics`: requests by route template and
//! status, their latency, requests in flight, the database pool, and rows created
//! by resource. Labels never carry ids: routes are templates.

use crate::db;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

pub const REQUESTS: &str = "http_requests_total";
pub const REQUEST_DURATION: &str = "http_request_duration_seconds";
pub const IN_FLIGHT: &str = "http_requests_in_flight";
pub const ROWS_CREATED: &str = "rows_created_total";
pub const ENGINE_RUNS: &str = "engine_runs_total";
pub const ENGINE_TASKS: &str = "engine_tasks_total";
pub const ENGINE_QUEUE_DEPTH: &str = "engine_queue_depth";
pub const ENGINE_QUEUE_OLDEST_AGE: &str = "engine_queue_oldest_age_seconds";
pub const EXTENSION_CALLS: &str = "extension_calls_total";
pub const EXTENSION_CALLBACKS: &str = "extension_callbacks_total";
pub const EXTENSION_CALLBACK_LATENCY: &str = "extension_callback_latency_seconds";
const POOL_CONNECTIONS: &str = "db_pool_connections";
const POOL_MAX: &str = "db_pool_max_connections";
const POOL_WAITING: &str = "db_pool_waiting_requests";

const LATENCY_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// From a second to the longest callback timeout Graph allows (three hours).
const CALLBACK_BUCKETS: [f64; 10] = [
    1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0,
];

/// The process's recorder, installed on first use: metrics are global to a
/// process, so every application in it (as in the tests) reports to it.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(REQUEST_DURATION.to_owned()),
                    &LATENCY_BUCKETS,
                )
                .and_then(|builder| {
                    builder.set_buckets_for_metric(
                        Matcher::Full(EXTENSION_CALLBACK_LATENCY.to_owned()),
                        &CALLBACK_BUCKETS,
                    )
                })
                .unwrap_or_else(|error| unreachable!("the buckets are not empty: {error}"))
                .build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("another metrics recorder is installed; /metrics stays empty");
            }
            handle
        })
        .clone()
}

/// Drains the histograms now and then, so that they do not grow between scrapes.
pub async fn upkeep(handle: PrometheusHandle) {
    let mut ticks = tokio::time::interval(Duration::from_secs(5));
    loop {
        ticks.tick().await;
        handle.run_upkeep();
    }
}

/// Counts rows a request created, by resource (`workflow`, `task`, `run`,
/// `userProcessingResult`, `taskProcessingResult`).
pub fn rows_created(resource: &'static str, rows: u64) {
    metrics::counter!(ROWS_CREATED, "resource" => resource).increment(rows);
}

/// Counts a run the engine started (`status` "inProgress") or ended (its final
/// status).
pub fn engine_run(status: &'static str) {
    metrics::counter!(ENGINE_RUNS, "status" => status).increment(1);
}

/// Counts a task the engine ended, by definition and status.
pub fn engine_task(definition: String, status: &'static str) {
    metrics::counter!(ENGINE_TASKS, "definition" => definition, "status" => status).increment(1);
}

/// The engine's queue: users waiting, and how long the oldest has waited.
pub fn engine_queue(depth: i64, oldest_age_seconds: f64) {
    metrics::gauge!(ENGINE_QUEUE_DEPTH).set(depth as f64);
    metrics::gauge!(ENGINE_QUEUE_OLDEST_AGE).set(oldest_age_seconds);
}

/// Counts an attempt to call a custom task extension, by how it went
/// (`accepted`, `rejected`, `serverError`, `timedOut`, `unreachable`, `refused`).
pub fn extension_call(outcome: &'static str) {
    metrics::counter!(EXTENSION_CALLS, "outcome" => outcome).increment(1);
}

/// Counts a callback that ended a waiting task (`completed`, `failed`, or
/// `timedOut` when none came), and how long after the call was accepted it
/// came.
pub fn extension_callback(status: &'static str, after: Option<Duration>) {
    metrics::counter!(EXTENSION_CALLBACKS, "status" => status).increment(1);
    if let Some(after) = after {
        metrics::histogram!(EXTENSION_CALLBACK_LATENCY, "status" => status)
            .record(after.as_secs_f64());
    }
}

/// The Prometheus text, with the pool's gauges read now.
pub fn render(pool: &db::Pool, handle: &PrometheusHandle) -> String {
    let status = pool.status();
    metrics::gauge!(POOL_CONNECTIONS, "state" => "idle").set(status.available as f64);
    metrics::gauge!(POOL_CONNECTIONS, "state" => "in_use")
        .set(status.size.saturating_sub(status.available) as f64);
    metrics::gauge!(POOL_MAX).set(status.max_size as f64);
    metrics::gauge!(POOL_WAITING).set(status.waiting as f64);
    handle.render()
}
