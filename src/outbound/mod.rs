//! Calls that leave the service: to custom task extensions' endpoints.

pub mod guard;
