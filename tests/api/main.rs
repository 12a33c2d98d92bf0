//! The API tests: one binary, each test against the real server on its own port
//! with its own database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod addresses;
mod auth;
mod batch;
mod catalog;
mod census;
mod constraints;
mod demo_data;
mod errors;
mod health;
mod helpers;
mod hostile;
mod idempotency;
mod layers;
mod lifecycle;
mod limits;
mod lists;
mod metadata;
mod metrics;
mod odata;
mod odata_matrix;
mod openapi;
mod plans;
mod runs;
mod seed;
mod shutdown;
mod startup;
mod statements;
mod summaries;
mod task_processing_results;
mod tenants;
mod timeouts;
mod updates;
mod user_processing_results;
mod workflows;
