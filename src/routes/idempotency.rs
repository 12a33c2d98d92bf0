//! `Idempotency-Key` on POST: a retry with the same key and the same request gets
//! the first answer again (status, headers, body) without writing again; the same
//! key with another request is a 422. Keys are per tenant and last 24 hours.
//!
//! The request runs in one transaction that claims the key, holds the handler's
//! write ([`Writer`]) and records the response, so an acknowledged write always
//! has its key and a failed one leaves neither. A concurrent duplicate waits on
//! the key until the first commits (then replays it) or rolls back (then runs).
//! Only successes are kept: a failed request wrote nothing, so running it again
//! is safe.

use crate::auth::Caller;
use crate::db::idempotency::{self, Claim, StoredResponse};
use crate::db::transaction::{OpenTransaction, RequestTransaction};
use crate::error::GraphError;
use crate::state::AppState;
use crate::tenant::Tenant;
use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::rc::Rc;
use tokio::sync::Mutex;

pub const HEADER: &str = "idempotency-key";
/// Set on a replayed response, as Stripe and others do.
const REPLAYED: &str = "idempotent-replayed";
const MAX_KEY_CHARS: usize = 255;
/// The response headers a replay repeats; the service adds its own per request.
const KEPT_HEADERS: [&str; 3] = ["content-type", "location", "preference-applied"];

/// Middleware on the authenticated routes: guards keyed POSTs, passes the rest.
pub async fn guard(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = match request.headers().get(HEADER) {
        Some(value) if request.method() == Method::POST => parse_key(value),
        _ => return Ok(next.call(request).await?.map_into_boxed_body()),
    };
    let claimed = match claim(&mut request, key).await {
        Ok(Claimed::Replay(response)) => return Ok(request.into_response(response)),
        Ok(Claimed::Key(key)) => key,
        Err(error) => return Ok(request.error_response(error)),
    };
    request
        .extensions_mut()
        .insert(RequestTransaction(claimed.transaction.clone()));
    let response = next.call(request).await?;
    Ok(claimed.finish(response).await)
}

enum Claimed {
    /// An earlier request with the key answered; this is its answer again.
    Replay(HttpResponse),
    Key(ClaimedKey),
}

/// A key this request holds, in the transaction its write will join.
struct ClaimedKey {
    tenant: Tenant,
    key: String,
    transaction: Rc<Mutex<OpenTransaction>>,
}

/// Reads the body (kept for the handler), then claims the key or finds its answer.
async fn claim(
    request: &mut ServiceRequest,
    key: Result<String, GraphError>,
) -> Result<Claimed, GraphError> {
    let key = key?;
    let tenant = request
        .extensions()
        .get::<Caller>()
        .map(|caller| caller.tenant)
        .ok_or_else(|| {
            GraphError::internal(&"a keyed request reached the guard unauthenticated")
        })?;
    let state = request
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| GraphError::internal(&"the application state is missing"))?;
    let body = request
        .extract::<web::Bytes>()
        .await
        .map_err(|error| super::body::read_error(&error, state.max_body_bytes))?;
    request.set_payload(Payload::from(body.clone()));
    let hash = request_hash(request, &body);

    let mut transaction = state.pool.begin().await?;
    match idempotency::claim(transaction.connection()?, tenant, &key, &hash).await? {
        Claim::Claimed => Ok(Claimed::Key(ClaimedKey {
            tenant,
            key,
            transaction: Rc::new(Mutex::new(transaction)),
        })),
        Claim::Stored(stored) => {
            transaction.rollback().await?;
            if stored.request_hash != hash {
                return Err(GraphError::key_reused(format!(
                    "The Idempotency-Key '{key}' was used within the last 24 hours for a \
                     different request: send a new key for a new request."
                )));
            }
            replay(stored).map(Claimed::Replay)
        }
    }
}

impl ClaimedKey {
    /// Keeps a success with the key and commits both; anything else rolls back,
    /// the key with it.
    async fn finish(
        self,
        response: ServiceResponse<impl MessageBody + 'static>,
    ) -> ServiceResponse<BoxBody> {
        let mut transaction = self.transaction.lock().await;
        if !response.status().is_success() {
            if let Err(error) = transaction.rollback().await {
                // The connection is closed instead, which ends the transaction too.
                tracing::warn!(%error, "rolling back a keyed request failed");
            }
            return response.map_into_boxed_body();
        }
        let (request, response) = response.into_parts();
        let (head, body) = response.into_parts();
        let stored = match body::to_bytes(body).await {
            Ok(body) => self.store(&mut transaction, &head, body).await,
            Err(_) => Err(GraphError::internal(&"the response body could not be read")),
        };
        match stored {
            Ok(body) => ServiceResponse::new(request, head.set_body(BoxBody::new(body))),
            // The write is rolled back with the key: the client may retry.
            Err(error) => ServiceResponse::new(request, error.error_response()),
        }
    }

    async fn store(
        &self,
        transaction: &mut OpenTransaction,
        head: &HttpResponse<()>,
        body: web::Bytes,
    ) -> Result<web::Bytes, GraphError> {
        let status = i16::try_from(head.status().as_u16())
            .map_err(|_| GraphError::internal(&"a status code beyond i16"))?;
        let headers = kept_headers(head.headers());
        let connection = transaction.connection()?;
        idempotency::complete(connection, self.tenant, &self.key, status, &headers, &body).await?;
        transaction.commit().await?;
        Ok(body)
    }
}

/// A key is 1 to 255 visible ASCII characters (a UUID, typically).
fn parse_key(value: &HeaderValue) -> Result<String, GraphError> {
    let key = value
        .to_str()
        .ok()
        .filter(|key| (1..=MAX_KEY_CHARS).contains(&key.len()))
        .filter(|key| key.bytes().all(|byte| byte.is_ascii_graphic()));
    key.map(str::to_owned).ok_or_else(|| {
        GraphError::invalid_request(format!(
            "The Idempotency-Key header must be 1 to {MAX_KEY_CHARS} visible ASCII characters."
        ))
    })
}

/// What makes two requests the same: method, path with query, and body.
fn request_hash(request: &ServiceRequest, body: &[u8]) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update(request.method().as_str());
    hash.update(b" ");
    hash.update(request.uri().to_string());
    hash.update(b"\n");
    hash.update(body);
    hash.finalize().to_vec()
}

fn kept_headers(headers: &actix_web::http::header::HeaderMap) -> Value {
    let kept: Map<String, Value> = KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            let value = headers.get(*name)?.to_str().ok()?;
            Some(((*name).to_owned(), Value::from(value)))
        })
        .collect();
    Value::Object(kept)
}

fn replay(stored: StoredResponse) -> Result<HttpResponse, GraphError> {
    let status = u16::try_from(stored.status)
        .ok()
        .and_then(|status| StatusCode::from_u16(status).ok())
        .ok_or_else(|| GraphError::internal(&"a stored response with an invalid status"))?;
    let mut response = HttpResponse::build(status);
    if let Value::Object(headers) = stored.headers {
        for (name, value) in headers {
            if let (Ok(name), Some(Ok(value))) = (
                HeaderName::try_from(name),
                value.as_str().map(HeaderValue::from_str),
            ) {
                response.insert_header((name, value));
            }
        }
    }
    response.insert_header((REPLAYED, "true"));
    Ok(response.body(stored.body))
}
