//! The outermost middleware: one tracing span per request, the `request-id` and
//! `client-request-id` headers, the Graph error body of every error response, and
//! the request metrics. [`limits`] sits right inside it.

mod limits;

pub use limits::{limits, RequestTimeout, MAX_HEADER_BYTES, MAX_URL_BYTES};

use crate::error::GraphError;
use crate::wire::ODATA_JSON;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::HttpResponse;
use std::time::Instant;
use tracing::Instrument;
use uuid::Uuid;

/// The `route` of a request the time limit answered: its route is not known.
const OUT_OF_TIME: &str = "(timed out)";

const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");
const ODATA_VERSION: HeaderName = HeaderName::from_static("odata-version");

pub async fn request_context(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let in_flight = InFlight::start();
    let method = method_label(request.method());
    let request_id = Uuid::new_v4().to_string();
    let client_request_id = request.headers().get(&CLIENT_REQUEST_ID).cloned();
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.path(),
        request_id = %request_id,
    );
    let method_name = request.method().clone();
    // The router turns handler and extractor errors into responses, so an `Err`
    // here comes from a middleware that gave the request away: the time limit.
    // (Holding a clone of the request to answer it would stop NormalizePath and
    // the router from rewriting it.)
    let (request, mut response) = match next.call(request).instrument(span.clone()).await {
        Ok(response) => {
            let (request, response) = response.map_into_boxed_body().into_parts();
            (Some(request), response)
        }
        Err(error) => (None, HttpResponse::from_error(error)),
    };
    let status = response.status();
    if status.is_client_error() || status.is_server_error() {
        response = with_error_body(
            response,
            method_name.as_str(),
            &request_id,
            client_request_id.as_ref(),
        );
    }

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
    let route = match &request {
        Some(request) => request
            .match_pattern()
            .unwrap_or_else(|| "(no route)".to_owned()),
        None => OUT_OF_TIME.to_owned(),
    };
    let status = response.status().as_u16();
    let elapsed = started.elapsed().as_secs_f64();
    span.in_scope(|| {
        tracing::info!(
            route = route.as_str(),
            status,
            latency_ms = elapsed * 1000.0,
            "request completed"
        )
    });
    let labels = [
        ("method", method.to_owned()),
        ("route", route),
        ("status", status.to_string()),
    ];
    metrics::counter!(crate::metrics::REQUESTS, &labels).increment(1);
    metrics::histogram!(crate::metrics::REQUEST_DURATION, &labels).record(elapsed);
    drop(in_flight);
    match request {
        Some(request) => Ok(ServiceResponse::new(request, response)),
        // actix-http sends the response of an error as it is.
        None => Err(InternalError::from_response(OUT_OF_TIME, response).into()),
    }
}

/// Counts a request in flight until dropped, also when the client goes away and
/// the request's future with it.
struct InFlight;

impl InFlight {
    fn start() -> Self {
        metrics::gauge!(crate::metrics::IN_FLIGHT).increment(1.0);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!(crate::metrics::IN_FLIGHT).decrement(1.0);
    }
}

/// The method as a label; any method outside HTTP's own is "other", so that
/// clients cannot add series.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::POST,
        Method::PATCH,
        Method::PUT,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ];
    KNOWN
        .iter()
        .find(|known| *known == method)
        .map_or("other", Method::as_str)
}

/// Replaces the body of an error response with Graph's error body: from the
/// [`GraphError`] the handler returned, or, for a framework response, from its status.
fn with_error_body(
    response: HttpResponse,
    method: &str,
    request_id: &str,
    client_request_id: Option<&HeaderValue>,
) -> HttpResponse {
    let error = response
        .error()
        .and_then(|error| error.as_error::<GraphError>())
        .cloned()
        .unwrap_or_else(|| GraphError::from_status(response.status(), method));
    let client_request_id = client_request_id.and_then(|value| value.to_str().ok());
    let body = serde_json::to_vec(&error.body(request_id, client_request_id)).unwrap_or_default();
    let mut response = response.set_body(BoxBody::new(body));
    *response.status_mut() = error.status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ODATA_JSON));
    response
}
