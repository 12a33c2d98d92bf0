//! JSON batching, `POST {version}/$batch`, as Graph defines it: up to 20 requests,
//! each with an `id`, `method`, relative `url`, optional `headers` and `body`, and
//! `dependsOn` to order them. Each inner request is sent to the service itself
//! over loopback, so it goes through the same routing, authentication (the
//! batch's token unless it brings its own) and validation as a direct one.

use super::body::GraphJson;
use crate::error::GraphError;
use crate::state::AppState;
use crate::wire::ApiVersion;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;

/// Graph's limit on the requests of one batch.
const MAX_REQUESTS: usize = 20;
const METHODS: [&str; 5] = ["GET", "POST", "PATCH", "PUT", "DELETE"];
/// The inner response headers a batch passes on.
const PASSED_HEADERS: [&str; 5] = [
    "content-type",
    "location",
    "retry-after",
    "www-authenticate",
    "preference-applied",
];

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = batchRequest)]
pub struct BatchBody {
    #[schema(min_items = 1, max_items = 20)]
    #[serde(deserialize_with = "crate::domain::objects::many")]
    requests: Vec<InnerRequest>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = batchRequestItem)]
struct InnerRequest {
    id: String,
    /// GET, POST, PATCH, PUT or DELETE.
    method: String,
    /// Relative to the version, as `/identityGovernance/lifecycleWorkflows/workflows`.
    url: String,
    #[serde(default)]
    headers: HashMap<String, String>,
    #[schema(value_type = Option<Object>)]
    body: Option<Value>,
    #[serde(default)]
    depends_on: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = batchResponse)]
pub struct BatchResponse {
    responses: Vec<InnerResponse>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = batchResponseItem)]
struct InnerResponse {
    id: String,
    status: u16,
    headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    body: Option<Value>,
}

pub async fn batch(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: GraphJson<BatchBody>,
) -> Result<HttpResponse, GraphError> {
    let version = request
        .app_data::<ApiVersion>()
        .map_or("", |version| version.0);
    // The inner requests commit one by one, so no single key could stand for
    // the batch; each inner request can carry its own.
    if request.headers().contains_key(super::idempotency::HEADER) {
        return Err(GraphError::invalid_request(
            "Idempotency-Key is not supported on $batch: set it in the headers of the inner requests.",
        ));
    }
    let order = body.0.order()?;
    let requests = body.0.requests;
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let mut responses: Vec<Option<InnerResponse>> = requests.iter().map(|_| None).collect();
    for index in order {
        let inner = &requests[index];
        let failed_dependency = inner.depends_on.iter().find(|id| {
            responses
                .iter()
                .flatten()
                .any(|response| &response.id == *id && !(200..300).contains(&response.status))
        });
        responses[index] = Some(match failed_dependency {
            Some(dependency) => InnerResponse::error(
                inner,
                &GraphError::failed_dependency(format!(
                    "The request '{dependency}' it depends on did not succeed."
                )),
            ),
            None => send(&state, version, authorization, inner).await,
        });
    }
    Ok(HttpResponse::Ok()
        .content_type(crate::wire::ODATA_JSON)
        .json(BatchResponse {
            responses: responses.into_iter().flatten().collect(),
        }))
}

impl BatchBody {
    /// The order to run the requests in, once the batch's rules are checked.
    pub(super) fn order(&self) -> Result<Vec<usize>, GraphError> {
        execution_order(&self.requests)
    }
}

/// The order to run the requests in: each after those it depends on, otherwise in
/// the order given. Every rule of a batch is checked here, before any request runs.
fn execution_order(requests: &[InnerRequest]) -> Result<Vec<usize>, GraphError> {
    if requests.is_empty() || requests.len() > MAX_REQUESTS {
        return Err(GraphError::invalid_request(format!(
            "Invalid value for property 'requests': a batch holds 1 to {MAX_REQUESTS} requests, not {}.",
            requests.len()
        )));
    }
    let mut index_of = HashMap::new();
    for (index, inner) in requests.iter().enumerate() {
        if index_of.insert(inner.id.as_str(), index).is_some() {
            return Err(GraphError::invalid_request(format!(
                "Invalid value for property 'requests[{index}].id': '{}' is used twice.",
                inner.id
            )));
        }
        if !METHODS.contains(&inner.method.to_uppercase().as_str()) {
            return Err(GraphError::invalid_request(format!(
                "Invalid value for property 'requests[{index}].method': expected one of {}.",
                METHODS.join(", ")
            )));
        }
        if !inner.url.starts_with('/') || names_a_batch(&inner.url) {
            return Err(GraphError::invalid_request(format!(
                "Invalid value for property 'requests[{index}].url': a URL relative to the version, starting with '/', and not a batch."
            )));
        }
    }
    for (index, inner) in requests.iter().enumerate() {
        if let Some(unknown) = inner
            .depends_on
            .iter()
            .find(|id| !index_of.contains_key(id.as_str()))
        {
            return Err(GraphError::invalid_request(format!(
                "Invalid value for property 'requests[{index}].dependsOn': no request has the id '{unknown}'."
            )));
        }
    }
    // Kahn's algorithm, taking the first ready request each time.
    let mut order = Vec::with_capacity(requests.len());
    let mut done = vec![false; requests.len()];
    while order.len() < requests.len() {
        let ready = (0..requests.len()).find(|&index| {
            !done[index]
                && requests[index]
                    .depends_on
                    .iter()
                    .all(|id| done[index_of[id.as_str()]])
        });
        let Some(index) = ready else {
            return Err(GraphError::invalid_request(
                "Invalid value for property 'requests': dependsOn forms a cycle.",
            ));
        };
        done[index] = true;
        order.push(index);
    }
    Ok(order)
}

/// Whether a URL leads to `$batch`, `$` written out or not: a batch must not nest.
fn names_a_batch(url: &str) -> bool {
    let url = url.to_ascii_lowercase();
    url.contains("$batch") || url.contains("%24batch")
}

impl InnerResponse {
    /// An inner request answered by the batch itself, with Graph's error body (and
    /// a request id of its own, since no request was sent).
    fn error(inner: &InnerRequest, error: &GraphError) -> Self {
        let request_id = uuid::Uuid::new_v4().to_string();
        let mut headers = BTreeMap::from([(
            "content-type".to_owned(),
            crate::wire::ODATA_JSON.to_owned(),
        )]);
        if let Some(seconds) = error.retry_after {
            headers.insert("retry-after".to_owned(), seconds.to_string());
        }
        Self {
            id: inner.id.clone(),
            status: error.status.as_u16(),
            headers,
            body: serde_json::to_value(error.body(&request_id, None)).ok(),
        }
    }
}

async fn send(
    state: &AppState,
    version: &str,
    authorization: Option<&str>,
    inner: &InnerRequest,
) -> InnerResponse {
    let method = reqwest::Method::from_bytes(inner.method.to_uppercase().as_bytes())
        .unwrap_or(reqwest::Method::GET);
    let mut request = state.loopback.client.request(
        method,
        format!("{}{version}{}", state.loopback.base, inner.url),
    );
    if let Some(authorization) = authorization {
        request = request.header(header::AUTHORIZATION.as_str(), authorization);
    }
    // The service frames the inner request itself; a client's framing headers
    // would contradict it.
    let framing = ["host", "content-length", "transfer-encoding", "connection"];
    for (name, value) in &inner.headers {
        if !framing.contains(&name.to_ascii_lowercase().as_str()) {
            request = request.header(name, value);
        }
    }
    if let Some(body) = &inner.body {
        request = request.json(body);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .filter(|(name, _)| PASSED_HEADERS.contains(&name.as_str()))
                .filter_map(|(name, value)| {
                    Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
                })
                .collect();
            let json = response
                .headers()
                .get(header::CONTENT_TYPE.as_str())
                .and_then(|value| value.to_str().ok())
                .is_some_and(|value| value.starts_with("application/json"));
            let text = response.text().await.unwrap_or_default();
            // JSON bodies inline; anything else (a `$count`) as a string.
            let body = (!text.is_empty()).then(|| match json {
                true => serde_json::from_str(&text).unwrap_or(Value::String(text)),
                false => Value::String(text),
            });
            InnerResponse {
                id: inner.id.clone(),
                status,
                headers,
                body,
            }
        }
        Err(error) if error.is_builder() => InnerResponse::error(
            inner,
            &GraphError::invalid_request(
                "Invalid value for property 'headers': a header name or value is not valid.",
            ),
        ),
        Err(error) => {
            tracing::error!(%error, "a batch's inner request could not be sent");
            InnerResponse::error(inner, &GraphError::unavailable())
        }
    }
}
