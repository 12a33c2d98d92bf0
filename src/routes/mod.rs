//! The route tree. Every path of the API is served under `/beta`, `/v1.0` and
//! without a version; below the container, the same subtree hangs off the live
//! tree (`/workflows`) and the deleted tree (`/deletedItems/workflows`). The
//! directory (`/users`, `/groups`) hangs off the version, as in Graph. The
//! operational routes live at the root. Each endpoint is registered with the
//! [`Operation`] that documents it (see [`tree`]).

mod batch;
mod body;
mod collection;
mod create;
mod custom_task_extensions;
mod groups;
pub mod idempotency;
mod insights;
mod operational;
mod resume;
mod runs;
mod settings;
mod summary;
mod task_definitions;
mod task_processing_results;
mod task_reports;
mod tasks;
pub mod tree;
mod user_processing_results;
mod users;
mod versions;
mod workflow_templates;
mod workflows;

#[cfg(test)]
mod fuzz;

use crate::db;
use crate::domain::keys::Address;
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::openapi::{self, Endpoint, Operation, DOCUMENTED_VERSION};
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::wire::{ApiVersion, CONTAINER};
use actix_web::{error, web, HttpRequest};
use tree::Node;
use uuid::Uuid;

const VERSIONS: [&str; 3] = [DOCUMENTED_VERSION, "/v1.0", ""];
const NAMESPACE: &str = "microsoft.graph.identityGovernance.";

/// Registers every route with actix-web. Each node is a scope, so a request is
/// matched against the few patterns of each level rather than against every route.
pub fn configure(config: &mut web::ServiceConfig) {
    config.app_data(web::PathConfig::default().error_handler(invalid_path_id));
    for node in operational::routes() {
        config.service(node);
    }
    for version in VERSIONS {
        for node in versioned(version) {
            config.service(node);
        }
    }
}

/// Every endpoint the OpenAPI document describes: the operational routes and the
/// API under [`DOCUMENTED_VERSION`].
pub fn endpoints() -> Vec<Endpoint> {
    let mut endpoints = Vec::new();
    for node in operational::routes()
        .into_iter()
        .chain(versioned(DOCUMENTED_VERSION))
    {
        node.into_endpoints("", false, &mut endpoints);
    }
    endpoints
}

/// The OpenAPI document of every endpoint, served at `/openapi.json`.
pub fn openapi_json() -> String {
    openapi::json(endpoints())
}

/// The routes beneath one version prefix.
fn versioned(version: &'static str) -> Vec<Node> {
    vec![
        // Open, as Graph's is: it describes types, never data.
        Node::at(format!("{version}/$metadata")).get(
            Operation::document(
                "The CSDL of the types and entity sets the service implements",
                "application/xml",
            ),
            operational::metadata,
        ),
        Node::at(format!("{version}/$batch"))
            .authenticated()
            .data(ApiVersion(version))
            .post(
                Operation::batch::<batch::BatchBody, batch::BatchResponse>(
                    "Send up to 20 requests in one, ordered by dependsOn",
                ),
                batch::batch,
            ),
        // Everything but the deleted tree is live.
        Node::at(format!("{version}/{CONTAINER}"))
            .authenticated()
            .data(ApiVersion(version))
            .data(Tree::Live)
            .child(task_definitions::routes())
            .child(settings::routes())
            .child(insights::routes())
            .child(workflow_templates::routes())
            .child(custom_task_extensions::routes())
            .child(workflows::routes(Tree::Live))
            .child(workflows::routes(Tree::Deleted)),
        directory(users::routes(version), version),
        directory(groups::routes(version), version),
    ]
}

/// A collection of the directory at the service root: authenticated, and
/// outside both trees (the generic handlers read it as live).
fn directory(node: Node, version: &'static str) -> Node {
    node.authenticated()
        .data(ApiVersion(version))
        .data(Tree::Live)
}

/// A path key that does not parse addresses nothing: 404, naming the segment.
/// Ids are UUIDs; a version's number is an integer.
fn invalid_path_id(_: error::PathError, request: &HttpRequest) -> actix_web::Error {
    let invalid = request.match_info().iter().find_map(|(name, value)| {
        if name == "versionNumber" {
            let parsed = value.parse::<i32>().is_ok();
            (!parsed).then(|| {
                format!("'{value}' is not a valid {name}: versions are numbered 1, 2, ...")
            })
        } else {
            let parsed = Uuid::parse_str(value).is_ok();
            (!parsed).then(|| format!("'{value}' is not a valid {name}: ids are UUIDs."))
        }
    });
    let message = invalid.unwrap_or_else(|| "An id in the path is not valid.".to_owned());
    GraphError::not_found(message).into()
}

/// The 404 for an address that found nothing, naming the part that is missing.
/// Every id of the address existing means it was removed while the request ran.
async fn not_found(state: &AppState, tenant: Tenant, address: Address) -> GraphError {
    not_found_beneath(state, tenant, address, || {
        GraphError::not_found("The addressed resource was removed while the request ran.")
    })
    .await
}

/// As [`not_found`], for an entity addressed beneath `address`: `leaf` is the error
/// when every id of `address` exists.
async fn not_found_beneath(
    state: &AppState,
    tenant: Tenant,
    address: Address,
    leaf: impl FnOnce() -> GraphError,
) -> GraphError {
    match db::locate::missing(&state.pool, tenant, &address).await {
        Ok(missing) => missing.unwrap_or_else(leaf),
        Err(error) => error.into(),
    }
}
