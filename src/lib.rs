//! Microsoft Graph's Lifecycle Workflows API on PostgreSQL.

pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod engine;
pub mod error;
pub mod import;
pub mod metrics;
pub mod middleware;
pub mod odata;
pub mod openapi;
pub mod outbound;
pub mod purge;
pub mod rate_limit;
pub mod routes;
pub mod seed;
pub mod shutdown;
pub mod state;
pub mod telemetry;
pub mod tenant;
pub mod wire;
