//! The outermost middleware: one tracing span per request, the `request-id` and
//! `client-request-id` headers, and the Graph error body of every error response.

use crate::error::GraphError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::time::Instant;
use tracing::Instrument;
use uuid::Uuid;

/// The content type of every JSON response, entities and errors alike.
pub const ODATA_JSON: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");
const ODATA_VERSION: HeaderName = HeaderName::from_static("odata-version");

pub async fn request_context(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = Uuid::new_v4().to_string();
    let client_request_id = request.headers().get(&CLIENT_REQUEST_ID).cloned();
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.path(),
        request_id = %request_id,
    );
    // The router turns handler and extractor errors into responses, so an `Err`
    // here would be a fault of the framework itself. (Holding a clone of the request
    // to answer it would stop NormalizePath from rewriting the path.)
    let response = next
        .call(request)
        .instrument(span.clone())
        .await?
        .map_into_boxed_body();
    let status = response.status();
    let mut response = if status.is_client_error() || status.is_server_error() {
        with_error_body(response, &request_id, client_request_id.as_ref())
    } else {
        response
    };

    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, value);
    }
    if let Some(value) = client_request_id {
        headers.insert(CLIENT_REQUEST_ID, value);
    }
    headers.insert(ODATA_VERSION, HeaderValue::from_static("4.0"));

    // The outcome goes on the event rather than into the span: a JSON span formats
    // all of its fields again on every record.
    let route = response.request().match_pattern();
    span.in_scope(|| {
        tracing::info!(
            route = route.as_deref().unwrap_or("(no route)"),
            status = response.status().as_u16(),
            latency_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request completed"
        )
    });
    Ok(response)
}

/// Replaces the body of an error response with Graph's error body: from the
/// [`GraphError`] the handler returned, or, for a framework response, from its status.
fn with_error_body(
    response: ServiceResponse<BoxBody>,
    request_id: &str,
    client_request_id: Option<&HeaderValue>,
) -> ServiceResponse<BoxBody> {
    let error = response
        .response()
        .error()
        .and_then(|error| error.as_error::<GraphError>())
        .cloned()
        .unwrap_or_else(|| {
            GraphError::from_status(response.status(), response.request().method().as_str())
        });
    let client_request_id = client_request_id.and_then(|value| value.to_str().ok());
    let body = serde_json::to_vec(&error.body(request_id, client_request_id)).unwrap_or_default();
    let (request, response) = response.into_parts();
    let mut response = response.set_body(BoxBody::new(body));
    *response.status_mut() = error.status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ODATA_JSON));
    ServiceResponse::new(request, response)
}
