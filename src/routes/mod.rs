//! The route tree. Every path of the API is served under `/beta`, `/v1.0` and
//! without a version; below the container, the same subtree hangs off the live
//! tree (`/workflows`) and the deleted tree (`/deletedItems/workflows`). The
//! operational routes live at the root. Each endpoint is registered with the
//! [`Operation`] that documents it (see [`tree`]).

mod batch;
mod body;
mod collection;
pub mod idempotency;
mod operational;
mod runs;
mod summary;
mod task_processing_results;
mod tasks;
pub mod tree;
mod user_processing_results;
mod workflows;

#[cfg(test)]
mod fuzz;

use crate::db;
use crate::db::runs::Runs;
use crate::db::task_processing_results::TaskProcessingResults;
use crate::db::tasks::Tasks;
use crate::db::user_processing_results::UserProcessingResults;
use crate::db::workflows::Workflows;
use crate::domain::keys::{
    Address, RunKey, RunTaskResultKey, SameTaskResultKey, TaskKey, TaskProcessingResultRef,
    TaskResultKey, UserProcessingResultRef, WorkflowKey,
};
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::openapi::{self, Endpoint, Operation, DOCUMENTED_VERSION};
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::wire::{
    ApiVersion, RunJson, RunSummaryJson, TaskJson, TaskProcessingResultJson,
    UserProcessingResultJson, UserSummaryJson, WorkflowJson, CONTAINER,
};
use actix_web::dev::Payload;
use actix_web::{error, web, FromRequest, HttpRequest};
use std::future::{ready, Ready};
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
        Node::at(format!("{version}/{CONTAINER}"))
            .authenticated()
            .data(ApiVersion(version))
            .child(
                Node::at("/workflows")
                    .data(Tree::Live)
                    .get(
                        Operation::list::<WorkflowJson, Workflows>("List the workflows"),
                        workflows::list,
                    )
                    .post(
                        Operation::create::<WorkflowJson, workflows::WorkflowBody>(
                            "Create a workflow with its tasks",
                        ),
                        workflows::create,
                    )
                    .child(Node::at("/$count").get(
                        Operation::count::<Workflows>("Count the workflows"),
                        workflows::count,
                    ))
                    .child(workflow(action(
                        "activate",
                        Operation::action::<workflows::ActivateBody>(
                            "Run the workflow now for the given users",
                        ),
                        workflows::activate,
                    ))),
            )
            .child(
                Node::at("/deletedItems/workflows")
                    .data(Tree::Deleted)
                    .get(
                        Operation::list::<WorkflowJson, Workflows>("List the deleted workflows"),
                        workflows::list,
                    )
                    .child(Node::at("/$count").get(
                        Operation::count::<Workflows>("Count the deleted workflows"),
                        workflows::count,
                    ))
                    .child(workflow(action(
                        "restore",
                        Operation::action_returning::<WorkflowJson>("Restore a deleted workflow"),
                        workflows::restore,
                    ))),
            ),
    ]
}

/// A bound function's segment, by short or namespace-qualified name:
/// `summary(startDateTime=…,endDateTime=…)`.
const SUMMARY: &str = r"/{function:(microsoft\.graph\.identityGovernance\.)?summary\(.*\)}";
const SUMMARY_DOCUMENTED: &str = "/microsoft.graph.identityGovernance.summary(startDateTime={startDateTime},endDateTime={endDateTime})";

/// A bound action, by short and by namespace-qualified name.
fn action<F, Args>(name: &str, operation: Operation, handler: F) -> [Node; 2]
where
    F: actix_web::Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    [
        Node::at(format!("/{name}")).post(operation, handler.clone()),
        Node::at(format!("/{NAMESPACE}{name}")).post(operation, handler),
    ]
}

/// A workflow and everything beneath it, the same in both trees apart from the
/// tree's own action. A collection's `$count` and functions are registered before
/// the `{id}` node that would match them.
fn workflow(actions: [Node; 2]) -> Node {
    let [short, qualified] = actions;
    Node::at("/{workflowId}")
        .get(
            Operation::get::<WorkflowJson>("Get a workflow with its tasks"),
            workflows::get,
        )
        .patch(
            Operation::update::<workflows::WorkflowPatchBody>("Update a workflow's properties"),
            workflows::update,
        )
        .delete(
            Operation::delete(
                "Delete a workflow: a live one moves to deletedItems, a deleted one is gone",
            ),
            workflows::delete,
        )
        .child(short)
        .child(qualified)
        .child(
            Node::at("/tasks")
                .get(
                    Operation::list::<TaskJson, Tasks>("List the workflow's tasks"),
                    tasks::list,
                )
                .child(Node::at("/$count").get(
                    Operation::count::<Tasks>("Count the workflow's tasks"),
                    tasks::count,
                ))
                .child(
                    Node::at("/{taskId}")
                        .get(Operation::get::<TaskJson>("Get a task"), tasks::get)
                        .patch(
                            Operation::update::<tasks::TaskPatchBody>(
                                "Update a task's displayName or description",
                            ),
                            tasks::update,
                        )
                        .child(readable_results::<TaskKey, TaskResultKey>([
                            "List the results of the task, across runs",
                            "Count the results of the task",
                            "Get a result of the task",
                        ])),
                ),
        )
        .child(
            Node::at("/runs")
                .get(
                    Operation::list::<RunJson, Runs>("List the workflow's runs"),
                    runs::list,
                )
                .post(
                    Operation::create::<RunJson, runs::RunBody>("Record a run of the workflow"),
                    runs::create,
                )
                .child(Node::at("/$count").get(
                    Operation::count::<Runs>("Count the workflow's runs"),
                    runs::count,
                ))
                .child(Node::matching(SUMMARY, SUMMARY_DOCUMENTED).get(
                    Operation::function::<RunSummaryJson>(
                        "Summarize the runs scheduled in a time window",
                    ),
                    runs::summary,
                ))
                .child(
                    Node::at("/{runId}")
                        .get(Operation::get::<RunJson>("Get a run"), runs::get)
                        .patch(
                            Operation::update::<runs::ProcessingPatchBody>(
                                "Update a run's processing state",
                            ),
                            runs::update,
                        )
                        .child(readable_results::<RunKey, RunTaskResultKey>([
                            "List the taskProcessingResults of the run",
                            "Count the taskProcessingResults of the run",
                            "Get a taskProcessingResult of the run",
                        ]))
                        .child(
                            Node::at("/userProcessingResults")
                                .get(
                                    Operation::list::<
                                        UserProcessingResultJson,
                                        UserProcessingResults,
                                    >(
                                        "List the run's userProcessingResults"
                                    ),
                                    user_processing_results::list::<RunKey>,
                                )
                                .post(
                                    Operation::create::<
                                        UserProcessingResultJson,
                                        user_processing_results::UserProcessingResultBody,
                                    >(
                                        "Record the processing of a user in the run"
                                    ),
                                    user_processing_results::create,
                                )
                                .child(Node::at("/$count").get(
                                    Operation::count::<UserProcessingResults>(
                                        "Count the run's userProcessingResults",
                                    ),
                                    user_processing_results::count::<RunKey>,
                                ))
                                // Results are created only under a userProcessingResult
                                // addressed with its run.
                                .child(user_processing_result(true)),
                        ),
                ),
        )
        .child(
            Node::at("/userProcessingResults")
                .get(
                    Operation::list::<UserProcessingResultJson, UserProcessingResults>(
                        "List the userProcessingResults of all the workflow's runs",
                    ),
                    user_processing_results::list::<WorkflowKey>,
                )
                .child(Node::at("/$count").get(
                    Operation::count::<UserProcessingResults>(
                        "Count the userProcessingResults of all the workflow's runs",
                    ),
                    user_processing_results::count::<WorkflowKey>,
                ))
                .child(Node::matching(SUMMARY, SUMMARY_DOCUMENTED).get(
                    Operation::function::<UserSummaryJson>(
                        "Summarize the users processed in a time window",
                    ),
                    user_processing_results::summary,
                ))
                .child(user_processing_result(false)),
        )
}

/// The read-only `taskProcessingResults` of a task or a run: the list, its
/// `$count` and one result, addressed by `List` and `One`, with their summaries.
fn readable_results<List, One>(summaries: [&'static str; 3]) -> Node
where
    List: task_processing_results::CollectionPath,
    One: task_processing_results::ResultPath,
{
    let [list, count, get] = summaries;
    Node::at("/taskProcessingResults")
        .get(
            Operation::list::<TaskProcessingResultJson, TaskProcessingResults>(list),
            task_processing_results::list::<List>,
        )
        .child(Node::at("/$count").get(
            Operation::count::<TaskProcessingResults>(count),
            task_processing_results::count::<List>,
        ))
        .child(Node::at("/{taskProcessingResultId}").get(
            Operation::get::<TaskProcessingResultJson>(get),
            task_processing_results::get::<One>,
        ))
}

/// A userProcessingResult and what is beneath it, addressed under its run or
/// under its workflow; `creates` adds the creates of results.
fn user_processing_result(creates: bool) -> Node {
    let mut results = Node::at("/taskProcessingResults").get(
        Operation::list::<TaskProcessingResultJson, TaskProcessingResults>(
            "List the taskProcessingResults of the user's processing",
        ),
        task_processing_results::list::<UserProcessingResultRef>,
    );
    let mut same_task = Node::at("/task/taskProcessingResults").get(
        Operation::list::<TaskProcessingResultJson, TaskProcessingResults>(
            "List the results of the same task, across runs",
        ),
        task_processing_results::list::<TaskProcessingResultRef>,
    );
    if creates {
        results = results.post(
            Operation::create::<
                TaskProcessingResultJson,
                task_processing_results::TaskProcessingResultBody,
            >("Record the processing of a task for the user"),
            task_processing_results::create,
        );
        same_task = same_task.post(
            Operation::create::<
                TaskProcessingResultJson,
                task_processing_results::SameTaskResultBody,
            >("Record another result of the same task for the user"),
            task_processing_results::create_for_same_task,
        );
    }
    Node::at("/{userProcessingResultId}")
        .get(
            Operation::get::<UserProcessingResultJson>("Get a userProcessingResult"),
            user_processing_results::get,
        )
        .patch(
            Operation::update::<runs::ProcessingPatchBody>(
                "Update a userProcessingResult's processing state",
            ),
            user_processing_results::update,
        )
        .child(
            results
                .child(Node::at("/$count").get(
                    Operation::count::<TaskProcessingResults>(
                        "Count the taskProcessingResults of the user's processing",
                    ),
                    task_processing_results::count::<UserProcessingResultRef>,
                ))
                .child(
                    Node::at("/{taskProcessingResultId}")
                        .get(
                            Operation::get::<TaskProcessingResultJson>(
                                "Get a taskProcessingResult",
                            ),
                            task_processing_results::get::<TaskProcessingResultRef>,
                        )
                        .patch(
                            Operation::update::<
                                task_processing_results::TaskProcessingResultPatchBody,
                            >(
                                "Update a taskProcessingResult's processing state"
                            ),
                            task_processing_results::update,
                        )
                        .child(Node::at("/task").get(
                            Operation::get::<TaskJson>("Get the task the result is of"),
                            tasks::of_result,
                        ))
                        .child(
                            same_task
                                .child(Node::at("/$count").get(
                                    Operation::count::<TaskProcessingResults>(
                                        "Count the results of the same task",
                                    ),
                                    task_processing_results::count::<TaskProcessingResultRef>,
                                ))
                                .child(Node::at("/{sameTaskResultId}").get(
                                    Operation::get::<TaskProcessingResultJson>(
                                        "Get a result of the same task",
                                    ),
                                    task_processing_results::get::<SameTaskResultKey>,
                                )),
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
