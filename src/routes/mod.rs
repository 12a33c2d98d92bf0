//! The route tree. Every path is served under `/beta`, `/v1.0` and without a
//! version; below the container, the same subtree hangs off the live tree
//! (`/workflows`) and the deleted tree (`/deletedItems/workflows`).

mod body;
mod runs;
mod task_processing_results;
mod user_processing_results;
mod workflows;

use crate::app::AppState;
use crate::db;
use crate::domain::keys::Address;
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::tenant::Tenant;
use crate::wire::ApiVersion;
use actix_web::dev::Payload;
use actix_web::{error, web, FromRequest, HttpRequest};
use std::future::{ready, Ready};
use uuid::Uuid;

const VERSIONS: [&str; 3] = ["/beta", "/v1.0", ""];

/// Registers every route of the API.
pub fn configure(config: &mut web::ServiceConfig) {
    config.app_data(web::PathConfig::default().error_handler(invalid_path_id));
    for version in VERSIONS {
        config.service(
            web::scope(&format!("{version}/identityGovernance/lifecycleWorkflows"))
                .app_data(ApiVersion(version))
                .service(
                    web::scope("/workflows")
                        .app_data(Tree::Live)
                        .route("", web::post().to(workflows::create))
                        .configure(workflow_subtree),
                )
                .service(
                    web::scope("/deletedItems/workflows")
                        .app_data(Tree::Deleted)
                        .configure(workflow_subtree),
                ),
        );
    }
}

/// The routes beneath a workflow, the same in both trees.
fn workflow_subtree(config: &mut web::ServiceConfig) {
    const RUN: &str = "/{workflowId}/runs/{runId}";
    const USER_RESULT: &str =
        "/{workflowId}/runs/{runId}/userProcessingResults/{userProcessingResultId}";
    const TASK_RESULT: &str = "/{workflowId}/runs/{runId}/userProcessingResults/{userProcessingResultId}/taskProcessingResults/{taskProcessingResultId}";
    config
        .service(
            web::resource("/{workflowId}")
                .get(workflows::get)
                .delete(workflows::delete),
        )
        .service(web::resource("/{workflowId}/runs").post(runs::create))
        .service(web::resource(RUN).get(runs::get))
        .service(
            web::resource(format!("{RUN}/userProcessingResults"))
                .post(user_processing_results::create),
        )
        .service(web::resource(USER_RESULT).get(user_processing_results::get))
        .service(
            web::resource(format!("{USER_RESULT}/taskProcessingResults"))
                .post(task_processing_results::create),
        )
        .service(web::resource(TASK_RESULT).get(task_processing_results::get))
        .service(
            web::resource(format!("{TASK_RESULT}/task/taskProcessingResults"))
                .post(task_processing_results::create_for_same_task),
        )
        .service(
            web::resource(format!(
                "{TASK_RESULT}/task/taskProcessingResults/{{sameTaskResultId}}"
            ))
            .get(task_processing_results::get_same_task),
        );
}

/// The tree the matched route is in, from the scope that registered it.
impl FromRequest for Tree {
    type Error = GraphError;
    type Future = Ready<Result<Self, GraphError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            request.app_data::<Tree>().copied().ok_or_else(|| {
                GraphError::internal(&"a route outside both trees asked for its tree")
            }),
        )
    }
}

/// A path id that is not a UUID addresses nothing: 404, naming the segment.
fn invalid_path_id(_: error::PathError, request: &HttpRequest) -> actix_web::Error {
    let invalid = request
        .match_info()
        .iter()
        .find(|(_, value)| Uuid::parse_str(value).is_err());
    let message = match invalid {
        Some((name, value)) => format!("'{value}' is not a valid {name}: ids are UUIDs."),
        None => "An id in the path is not valid.".to_owned(),
    };
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
    db::locate::not_found(&state.pool, tenant, &address, leaf)
        .await
        .unwrap_or_else(GraphError::from)
}
