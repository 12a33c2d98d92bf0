//! What one request may take: a URL and headers of bounded size, and a bounded
//! time to its answer.
//!
//! actix-http refuses the largest requests itself, before any middleware sees
//! them, with an empty body and a closed connection: a URL over 65,534 bytes is a
//! 400, a request head over 128 KiB or with more than 96 headers a 431. The
//! limits here are lower, so that every oversized request a client is likely to
//! send gets a Graph error body instead.
//!
//! The time limit drops the request's future: whatever it was doing stops at its
//! next await. A write is one statement or one transaction, so it is never half
//! done: a statement already sent runs on in Postgres until it ends or
//! `LCW_DB_STATEMENT_TIMEOUT_MS` cancels it (keep that below the request time
//! limit), and a transaction left open is rolled back before its connection is
//! used again (`db/pool.rs`). A create answered 503 here may therefore still
//! have been stored, as with any answer lost on the way.

use crate::error::GraphError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use std::time::Duration;

/// The longest URL (path and query) read: `$filter`s with long `in` lists fit.
pub const MAX_URL_BYTES: usize = 16 * 1024;
/// The most header bytes (names and values) read: Entra ID tokens carrying many
/// group claims fit.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// `LCW_REQUEST_TIMEOUT_MS`, registered as app data for [`limits`].
#[derive(Debug, Clone, Copy)]
pub struct RequestTimeout(pub Duration);

/// Answers an oversized request 414 or 431; answers 503 when the rest of the
/// service takes longer than `LCW_REQUEST_TIMEOUT_MS`.
pub async fn limits(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Some(error) = oversized(&request) {
        return Ok(request.error_response(error));
    }
    let Some(&RequestTimeout(limit)) = request.app_data::<RequestTimeout>() else {
        let error = GraphError::internal(&"the request time limit is not registered");
        return Ok(request.error_response(error));
    };
    // The request moves into the service (routing needs it unshared), so the
    // answer to a request out of time is an error: the middleware outside writes
    // its body and headers.
    match tokio::time::timeout(limit, next.call(request)).await {
        Ok(response) => Ok(response?.map_into_boxed_body()),
        Err(_) => {
            tracing::warn!(limit_ms = limit.as_millis(), "request out of time");
            Err(GraphError::unavailable_because(format!(
                "The request was not answered within the limit of {} ms; retry after the \
                 time in Retry-After.",
                limit.as_millis()
            ))
            .into())
        }
    }
}

fn oversized(request: &ServiceRequest) -> Option<GraphError> {
    let url = request
        .uri()
        .path_and_query()
        .map_or(0, |url| url.as_str().len());
    if url > MAX_URL_BYTES {
        return Some(GraphError::url_too_long(MAX_URL_BYTES));
    }
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    (headers > MAX_HEADER_BYTES).then(|| GraphError::headers_too_large(MAX_HEADER_BYTES))
}
