//! The route tree. Every path is served under `/beta`, `/v1.0` and without a
//! version; below the container, the same subtree hangs off the live tree
//! (`/workflows`) and the deleted tree (`/deletedItems/workflows`).

mod body;
mod collection;
mod runs;
mod summary;
mod task_processing_results;
mod tasks;
mod user_processing_results;
mod workflows;

use crate::app::AppState;
use crate::auth;
use crate::db;
use crate::domain::keys::{
    Address, RunKey, RunTaskResultKey, SameTaskResultKey, TaskKey, TaskProcessingResultRef,
    TaskResultKey, UserProcessingResultRef, WorkflowKey,
};
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::tenant::Tenant;
use crate::wire::ApiVersion;
use actix_web::dev::Payload;
use actix_web::middleware::from_fn;
use actix_web::{error, web, FromRequest, HttpRequest};
use std::future::{ready, Ready};
use uuid::Uuid;

const VERSIONS: [&str; 3] = ["/beta", "/v1.0", ""];
const NAMESPACE: &str = "microsoft.graph.identityGovernance.";

/// Registers every route of the API.
pub fn configure(config: &mut web::ServiceConfig) {
    config.app_data(web::PathConfig::default().error_handler(invalid_path_id));
    for version in VERSIONS {
        config.service(
            web::scope(&format!("{version}/identityGovernance/lifecycleWorkflows"))
                .wrap(from_fn(auth::authenticate))
                .app_data(ApiVersion(version))
                .service(
                    web::scope("/workflows")
                        .app_data(Tree::Live)
                        .route("", web::get().to(workflows::list))
                        .route("", web::post().to(workflows::create))
                        .route("/$count", web::get().to(workflows::count))
                        .route(
                            "/{workflowId}/activate",
                            web::post().to(workflows::activate),
                        )
                        .route(
                            &format!("/{{workflowId}}/{NAMESPACE}activate"),
                            web::post().to(workflows::activate),
                        )
                        .configure(workflow_subtree),
                )
                .service(
                    web::scope("/deletedItems/workflows")
                        .app_data(Tree::Deleted)
                        .route("", web::get().to(workflows::list))
                        .route("/$count", web::get().to(workflows::count))
                        .route("/{workflowId}/restore", web::post().to(workflows::restore))
                        .route(
                            &format!("/{{workflowId}}/{NAMESPACE}restore"),
                            web::post().to(workflows::restore),
                        )
                        .configure(workflow_subtree),
                ),
        );
    }
}

/// A bound function's segment, by short or namespace-qualified name:
/// `summary(startDateTime=…,endDateTime=…)`.
const SUMMARY: &str = r"{function:(microsoft\.graph\.identityGovernance\.)?summary\(.*\)}";

/// The routes beneath a workflow, the same in both trees. A collection's `$count`
/// and functions are registered before the `{id}` route that would match them.
fn workflow_subtree(config: &mut web::ServiceConfig) {
    const WORKFLOW: &str = "/{workflowId}";
    const TASK: &str = "/{workflowId}/tasks/{taskId}";
    const RUN: &str = "/{workflowId}/runs/{runId}";
    const RUN_USER: &str =
        "/{workflowId}/runs/{runId}/userProcessingResults/{userProcessingResultId}";
    const WORKFLOW_USER: &str = "/{workflowId}/userProcessingResults/{userProcessingResultId}";
    config
        .service(
            web::resource(WORKFLOW)
                .get(workflows::get)
                .patch(workflows::update)
                .delete(workflows::delete),
        )
        .route(&format!("{WORKFLOW}/tasks"), web::get().to(tasks::list))
        .route(
            &format!("{WORKFLOW}/tasks/$count"),
            web::get().to(tasks::count),
        )
        .service(web::resource(TASK).get(tasks::get).patch(tasks::update))
        .route(
            &format!("{TASK}/taskProcessingResults"),
            web::get().to(task_processing_results::list::<TaskKey>),
        )
        .route(
            &format!("{TASK}/taskProcessingResults/$count"),
            web::get().to(task_processing_results::count::<TaskKey>),
        )
        .route(
            &format!("{TASK}/taskProcessingResults/{{taskProcessingResultId}}"),
            web::get().to(task_processing_results::get::<TaskResultKey>),
        )
        .service(
            web::resource(format!("{WORKFLOW}/runs"))
                .get(runs::list)
                .post(runs::create),
        )
        .route(
            &format!("{WORKFLOW}/runs/$count"),
            web::get().to(runs::count),
        )
        .route(
            &format!("{WORKFLOW}/runs/{SUMMARY}"),
            web::get().to(runs::summary),
        )
        .service(web::resource(RUN).get(runs::get).patch(runs::update))
        .route(
            &format!("{RUN}/taskProcessingResults"),
            web::get().to(task_processing_results::list::<RunKey>),
        )
        .route(
            &format!("{RUN}/taskProcessingResults/$count"),
            web::get().to(task_processing_results::count::<RunKey>),
        )
        .route(
            &format!("{RUN}/taskProcessingResults/{{taskProcessingResultId}}"),
            web::get().to(task_processing_results::get::<RunTaskResultKey>),
        )
        .service(
            web::resource(format!("{RUN}/userProcessingResults"))
                .get(user_processing_results::list::<RunKey>)
                .post(user_processing_results::create),
        )
        .route(
            &format!("{RUN}/userProcessingResults/$count"),
            web::get().to(user_processing_results::count::<RunKey>),
        )
        .route(
            &format!("{WORKFLOW}/userProcessingResults"),
            web::get().to(user_processing_results::list::<WorkflowKey>),
        )
        .route(
            &format!("{WORKFLOW}/userProcessingResults/$count"),
            web::get().to(user_processing_results::count::<WorkflowKey>),
        )
        .route(
            &format!("{WORKFLOW}/userProcessingResults/{SUMMARY}"),
            web::get().to(user_processing_results::summary),
        );
    // Results are created only under a userProcessingResult addressed with its run.
    user_result_subtree(config, RUN_USER, true);
    user_result_subtree(config, WORKFLOW_USER, false);
}

/// The routes at and beneath a userProcessingResult, addressed under its run or
/// under its workflow; `creates` adds the creates of results.
fn user_result_subtree(config: &mut web::ServiceConfig, user: &str, creates: bool) {
    let results = format!("{user}/taskProcessingResults");
    let result = format!("{results}/{{taskProcessingResultId}}");
    let same_task = format!("{result}/task/taskProcessingResults");
    let mut results_resource = web::resource(results.as_str())
        .get(task_processing_results::list::<UserProcessingResultRef>);
    let mut same_task_resource = web::resource(same_task.as_str())
        .get(task_processing_results::list::<TaskProcessingResultRef>);
    if creates {
        results_resource = results_resource.post(task_processing_results::create);
        same_task_resource = same_task_resource.post(task_processing_results::create_for_same_task);
    }
    config
        .service(
            web::resource(user)
                .get(user_processing_results::get)
                .patch(user_processing_results::update),
        )
        .service(results_resource)
        .route(
            &format!("{results}/$count"),
            web::get().to(task_processing_results::count::<UserProcessingResultRef>),
        )
        .service(
            web::resource(result.as_str())
                .get(task_processing_results::get::<TaskProcessingResultRef>)
                .patch(task_processing_results::update),
        )
        .route(&format!("{result}/task"), web::get().to(tasks::of_result))
        .service(same_task_resource)
        .route(
            &format!("{same_task}/$count"),
            web::get().to(task_processing_results::count::<TaskProcessingResultRef>),
        )
        .route(
            &format!("{same_task}/{{sameTaskResultId}}"),
            web::get().to(task_processing_results::get::<SameTaskResultKey>),
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
    match db::locate::missing(&state.pool, tenant, &address).await {
        Ok(missing) => missing.unwrap_or_else(leaf),
        Err(error) => error.into(),
    }
}
