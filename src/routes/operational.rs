//! The routes that describe or watch the service rather than serve its data:
//! health probes, metrics, the OpenAPI document and its browsable page,
//! `$metadata`, and the key set that verifies the tokens the service signs. All
//! are open: none of them shows a tenant's data.

use super::tree::Node;
use crate::db;
use crate::error::GraphError;
use crate::openapi::Operation;
use crate::state::AppState;
use crate::wire;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use std::sync::{Arc, LazyLock};
use utoipa_swagger_ui::Config;

const DOCUMENT_PATH: &str = "/openapi.json";
const JWKS_PATH: &str = "/.well-known/jwks.json";

pub fn routes() -> Vec<Node> {
    vec![
        Node::at("/healthz").get(
            Operation::probe("Liveness: the process is up and answers", false),
            healthz,
        ),
        Node::at("/readyz").get(
            Operation::probe(
                "Readiness: the database answers and has every migration of this build",
                true,
            ),
            readyz,
        ),
        Node::at("/metrics").get(
            Operation::document(
                "Prometheus metrics: requests, latency, pool and rows created",
                "text/plain",
            ),
            metrics,
        ),
        Node::at(DOCUMENT_PATH).get(
            Operation::document("This OpenAPI document", "application/json"),
            document,
        ),
        Node::at("/docs").get(
            Operation::redirect("The browsable API page, at /docs/"),
            docs_redirect,
        ),
        Node::matching("/docs/{file:.*}", "/docs/{file}").get(
            Operation::document(
                "The browsable API page (Swagger UI) and its files",
                "text/html",
            ),
            docs_file,
        ),
        Node::at(JWKS_PATH).get(
            Operation::document(
                "The key set (JWKS) that verifies the bearer tokens the service sends to custom task extensions",
                "application/json",
            ),
            jwks,
        ),
        Node::at("/.well-known/openid-configuration").get(
            Operation::document(
                "The issuer of the service's tokens and where its key set is (OpenID discovery)",
                "application/json",
            ),
            openid_configuration,
        ),
    ]
}

/// Touches nothing outside the process, so that a database outage never gets
/// the process restarted.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Through the pool, so it is bounded as requests are and sees what they see.
async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, GraphError> {
    match db::unapplied_migrations(&state.pool).await {
        Ok(missing) if missing.is_empty() => {
            Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
        }
        Ok(missing) => {
            let versions: Vec<String> = missing.iter().map(i64::to_string).collect();
            Err(GraphError::unavailable_because(format!(
                "Not ready: the database lacks the migrations {} of this build.",
                versions.join(", ")
            )))
        }
        Err(error) => {
            tracing::warn!(cause = %error, "not ready: the database cannot be queried");
            Err(GraphError::unavailable_because(
                "Not ready: the database cannot be reached or queried.",
            ))
        }
    }
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(crate::metrics::render(&state.pool, &state.metrics))
}

pub async fn metadata() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/xml")
        .body(crate::wire::METADATA)
}

/// The document never changes while the process runs: rendered once.
static DOCUMENT: LazyLock<String> = LazyLock::new(super::openapi_json);

async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT.as_str())
}

async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.signer.jwks())
}

/// What a receiver needs to verify the service's tokens from its issuer alone.
/// The key set's address is built as the service's other URLs are.
async fn openid_configuration(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "issuer": state.signer.issuer(),
        "jwks_uri": format!("{}{JWKS_PATH}", wire::service_base(&request)),
        "id_token_signing_alg_values_supported": ["ES256"],
    }))
}

/// Swagger UI's files use relative paths, so its page lives at `/docs/`; the
/// relative Location keeps any path prefix of a proxy in front.
async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "docs/"))
        .finish()
}

static SWAGGER_CONFIG: LazyLock<Arc<Config<'static>>> =
    LazyLock::new(|| Arc::new(Config::new([DOCUMENT_PATH])));

/// Swagger UI, from the files compiled into the binary (no CDN).
async fn docs_file(file: web::Path<String>) -> Result<HttpResponse, GraphError> {
    match utoipa_swagger_ui::serve(&file, SWAGGER_CONFIG.clone()) {
        Ok(Some(found)) => Ok(HttpResponse::Ok()
            .content_type(found.content_type)
            .body(found.bytes.into_owned())),
        Ok(None) => Err(GraphError::not_found(format!(
            "The API page has no file '{file}'."
        ))),
        Err(error) => Err(GraphError::internal(&error)),
    }
}
