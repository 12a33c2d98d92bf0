//! Calls that leave the service, to custom task extensions' endpoints, and the
//! key that signs their tokens.

pub mod client;
pub mod guard;
pub mod signing;

pub use client::{Answer, Outbound};
pub use signing::{Signer, SigningError};
