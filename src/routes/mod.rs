//! The route tree. Every path is served under `/beta`, `/v1.0` and without a
//! version; below the container, the same subtree hangs off the live tree
//! (`/workflows`) and the deleted tree (`/deletedItems/workflows`).

mod batch;
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
use actix_web::{error, web, FromRequest, HttpRequest, HttpResponse};
use std::future::{ready, Ready};
use uuid::Uuid;

const VERSIONS: [&str; 3] = ["/beta", "/v1.0", ""];
const NAMESPACE: &str = "microsoft.graph.identityGovernance.";

/// Registers every route of the API as nested scopes, one per path segment that
/// names an entity or a collection, so that a request is matched against the few
/// patterns of each level rather than against every route.
pub fn configure(config: &mut web::ServiceConfig) {
    config.app_data(web::PathConfig::default().error_handler(invalid_path_id));
    for version in VERSIONS {
        // Open, as Graph's is: it describes types, never data.
        config.route(&format!("{version}/$metadata"), web::get().to(metadata));
        config.service(
            web::resource(format!("{version}/$batch"))
                .app_data(ApiVersion(version))
                .wrap(from_fn(auth::authenticate))
                .post(batch::batch),
        );
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
                        .service(workflow(|workflow| {
                            workflow.service(action("activate").post(workflows::activate))
                        })),
                )
                .service(
                    web::scope("/deletedItems/workflows")
                        .app_data(Tree::Deleted)
                        .route("", web::get().to(workflows::list))
                        .route("/$count", web::get().to(workflows::count))
                        .service(workflow(|workflow| {
                            workflow.service(action("restore").post(workflows::restore))
                        })),
                ),
        );
    }
}

async fn metadata() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/xml")
        .body(crate::wire::METADATA)
}

/// A bound function's segment, by short or namespace-qualified name:
/// `summary(startDateTime=…,endDateTime=…)`.
const SUMMARY: &str = r"/{function:(microsoft\.graph\.identityGovernance\.)?summary\(.*\)}";

/// A bound action's segment, by short or namespace-qualified name.
fn action(name: &str) -> actix_web::Resource {
    web::resource([format!("/{name}"), format!("/{NAMESPACE}{name}")])
}

/// A workflow and everything beneath it, the same in both trees; `actions` adds
/// the tree's own actions. A collection's `$count` and functions are registered
/// before the `{id}` scope that would match them.
fn workflow(actions: impl FnOnce(actix_web::Scope) -> actix_web::Scope) -> actix_web::Scope {
    let workflow = web::scope("/{workflowId}").service(
        web::resource("")
            .get(workflows::get)
            .patch(workflows::update)
            .delete(workflows::delete),
    );
    actions(workflow)
        .service(
            web::scope("/tasks")
                .route("", web::get().to(tasks::list))
                .route("/$count", web::get().to(tasks::count))
                .service(
                    web::scope("/{taskId}")
                        .service(web::resource("").get(tasks::get).patch(tasks::update))
                        .service(readable_results::<TaskKey, TaskResultKey>()),
                ),
        )
        .service(
            web::scope("/runs")
                .service(web::resource("").get(runs::list).post(runs::create))
                .route("/$count", web::get().to(runs::count))
                .route(SUMMARY, web::get().to(runs::summary))
                .service(
                    web::scope("/{runId}")
                        .service(web::resource("").get(runs::get).patch(runs::update))
                        .service(readable_results::<RunKey, RunTaskResultKey>())
                        .service(
                            web::scope("/userProcessingResults")
                                .service(
                                    web::resource("")
                                        .get(user_processing_results::list::<RunKey>)
                                        .post(user_processing_results::create),
                                )
                                .route(
                                    "/$count",
                                    web::get().to(user_processing_results::count::<RunKey>),
                                )
                                // Results are created only under a userProcessingResult
                                // addressed with its run.
                                .service(user_processing_result(true)),
                        ),
                ),
        )
        .service(
            web::scope("/userProcessingResults")
                .route(
                    "",
                    web::get().to(user_processing_results::list::<WorkflowKey>),
                )
                .route(
                    "/$count",
                    web::get().to(user_processing_results::count::<WorkflowKey>),
                )
                .route(SUMMARY, web::get().to(user_processing_results::summary))
                .service(user_processing_result(false)),
        )
}

/// The read-only `taskProcessingResults` of a task or a run: the list, its
/// `$count` and one result, addressed by `List` and `One`.
fn readable_results<List, One>() -> actix_web::Scope
where
    List: task_processing_results::CollectionPath,
    One: task_processing_results::ResultPath,
{
    web::scope("/taskProcessingResults")
        .route("", web::get().to(task_processing_results::list::<List>))
        .route(
            "/$count",
            web::get().to(task_processing_results::count::<List>),
        )
        .route(
            "/{taskProcessingResultId}",
            web::get().to(task_processing_results::get::<One>),
        )
}

/// A userProcessingResult and what is beneath it, addressed under its run or
/// under its workflow; `creates` adds the creates of results.
fn user_processing_result(creates: bool) -> actix_web::Scope {
    let mut results =
        web::resource("").get(task_processing_results::list::<UserProcessingResultRef>);
    let mut same_task =
        web::resource("").get(task_processing_results::list::<TaskProcessingResultRef>);
    if creates {
        results = results.post(task_processing_results::create);
        same_task = same_task.post(task_processing_results::create_for_same_task);
    }
    web::scope("/{userProcessingResultId}")
        .service(
            web::resource("")
                .get(user_processing_results::get)
                .patch(user_processing_results::update),
        )
        .service(
            web::scope("/taskProcessingResults")
                .service(results)
                .route(
                    "/$count",
                    web::get().to(task_processing_results::count::<UserProcessingResultRef>),
                )
                .service(
                    web::scope("/{taskProcessingResultId}")
                        .service(
                            web::resource("")
                                .get(task_processing_results::get::<TaskProcessingResultRef>)
                                .patch(task_processing_results::update),
                        )
                        .route("/task", web::get().to(tasks::of_result))
                        .service(
                            web::scope("/task/taskProcessingResults")
                                .service(same_task)
                                .route(
                                    "/$count",
                                    web::get().to(task_processing_results::count::<
                                        TaskProcessingResultRef,
                                    >),
                                )
                                .route(
                                    "/{sameTaskResultId}",
                                    web::get()
                                        .to(task_processing_results::get::<SameTaskResultKey>),
                                ),
                        ),
                ),
        )
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
