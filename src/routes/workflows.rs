//! Workflows: create (live tree), list, get, update, soft delete (live) and
//! permanent delete (deleted tree), activate (live) and restore (deleted); and
//! the route tree of each tree, with what is beneath a workflow.

use super::body::{GraphJson, IdRef};
use super::collection::{self, Listing, Updated};
use super::tree::{action, Node};
use super::{not_found, runs, task_reports, tasks, user_processing_results, versions};
use crate::auth::{ActivateWorkflows, Authorized, ReadWorkflows, WriteWorkflows};
use crate::db;
use crate::db::page;
use crate::db::transaction::Writer;
use crate::db::workflows::NewVersion;
use crate::db::workflows::Workflows;
use crate::db::Pool;
use crate::domain::enums::{
    TaskCategory, TaskCategoryInput, WorkflowCategory, WorkflowCategoryInput, WorkflowExecutionType,
};
use crate::domain::keys::{Address, Addressed, WorkflowKey};
use crate::domain::objects;
use crate::domain::patch::Patch;
use crate::domain::task_definition;
use crate::domain::validation::{check_odata_type, ValidationError};
use crate::domain::workflow::{
    Activation, ExecutionConditions, NewTask, NewWorkflow, TaskArgument, Tree, WorkflowUpdate,
};
use crate::error::GraphError;
use crate::metrics;
use crate::openapi::Operation;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::wire::{CollectionAddress, Wire, WorkflowJson};
use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::de::IgnoredAny;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The body of `POST /workflows`. Read-only properties are accepted and ignored,
/// since SDKs send back what they received.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = workflowCreate)]
pub struct WorkflowBody {
    #[schema(pattern = r"^#?microsoft\.graph\.identityGovernance\.workflow$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[schema(inline, value_type = WorkflowCategoryInput)]
    category: WorkflowCategory,
    #[schema(min_length = 1, max_length = 256)]
    display_name: String,
    description: Option<String>,
    #[serde(default)]
    is_enabled: bool,
    #[serde(default)]
    is_scheduling_enabled: bool,
    #[serde(deserialize_with = "objects::one")]
    execution_conditions: ExecutionConditions,
    #[schema(min_items = 1, max_items = 25)]
    #[serde(deserialize_with = "objects::many")]
    tasks: Vec<TaskBody>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "createdDateTime")]
    _created_date_time: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "lastModifiedDateTime")]
    _last_modified_date_time: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "deletedDateTime")]
    _deleted_date_time: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "nextScheduleRunDateTime")]
    _next_schedule_run_date_time: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "version")]
    _version: Option<IgnoredAny>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = taskCreate)]
pub struct TaskBody {
    #[schema(pattern = r"^#?microsoft\.graph\.identityGovernance\.task$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[schema(min_length = 1)]
    display_name: String,
    description: Option<String>,
    task_definition_id: Uuid,
    #[schema(inline, value_type = Option<TaskCategoryInput>)]
    category: Option<TaskCategory>,
    #[serde(default)]
    continue_on_error: bool,
    #[serde(default = "enabled_by_default")]
    is_enabled: bool,
    #[serde(default, deserialize_with = "objects::many")]
    arguments: Vec<TaskArgument>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "executionSequence")]
    _execution_sequence: Option<IgnoredAny>,
}

fn enabled_by_default() -> bool {
    true
}

impl WorkflowBody {
    pub(super) fn into_domain(self) -> Result<NewWorkflow, ValidationError> {
        check_odata_type(
            self.odata_type.as_deref(),
            "microsoft.graph.identityGovernance.workflow",
        )?;
        let tasks = self
            .tasks
            .into_iter()
            .enumerate()
            .map(|(index, task)| {
                check_odata_type(
                    task.odata_type.as_deref(),
                    "microsoft.graph.identityGovernance.task",
                )
                .map_err(|error| {
                    ValidationError::new(format!("tasks[{index}].@odata.type"), error.message)
                })?;
                Ok(NewTask {
                    display_name: task.display_name,
                    description: task.description,
                    task_definition_id: task.task_definition_id,
                    category: task.category,
                    continue_on_error: task.continue_on_error,
                    is_enabled: task.is_enabled,
                    arguments: task.arguments,
                })
            })
            .collect::<Result<_, ValidationError>>()?;
        NewWorkflow {
            category: self.category,
            display_name: self.display_name,
            description: self.description,
            is_enabled: self.is_enabled,
            is_scheduling_enabled: self.is_scheduling_enabled,
            execution_conditions: self.execution_conditions,
            tasks,
        }
        .validate()
        .and_then(|workflow| {
            db::schedule::check_scope(&workflow.execution_conditions)?;
            Ok(workflow)
        })
    }
}

/// The workflows of `tree` and everything beneath them.
pub fn routes(tree: Tree) -> Node {
    match tree {
        Tree::Live => Node::at("/workflows")
            .get(
                Operation::list::<WorkflowJson, Workflows>("List the workflows"),
                list,
            )
            .post(
                Operation::create::<WorkflowJson, WorkflowBody>("Create a workflow with its tasks"),
                create,
            )
            .child(
                Node::at("/$count")
                    .get(Operation::count::<Workflows>("Count the workflows"), count),
            )
            .child(workflow(
                [
                    action(
                        "activate",
                        Operation::action::<ActivateBody>(
                            "Run the workflow now for the given users",
                        ),
                        activate,
                    ),
                    action(
                        "createNewVersion",
                        Operation::action_answering::<NewVersionBody, WorkflowJson>(
                            "Replace the workflow's definition, tasks included, with a new version",
                        ),
                        create_new_version,
                    ),
                ]
                .into_iter()
                .flatten(),
            )),
        Tree::Deleted => Node::at("/deletedItems/workflows")
            .data(Tree::Deleted)
            .get(
                Operation::list::<WorkflowJson, Workflows>("List the deleted workflows"),
                list,
            )
            .child(Node::at("/$count").get(
                Operation::count::<Workflows>("Count the deleted workflows"),
                count,
            ))
            .child(workflow(action(
                "restore",
                Operation::action_returning::<WorkflowJson>("Restore a deleted workflow"),
                restore,
            ))),
    }
}

/// A workflow and everything beneath it, the same in both trees apart from the
/// tree's own actions.
fn workflow(actions: impl IntoIterator<Item = Node>) -> Node {
    let node = Node::at("/{workflowId}")
        .get(
            Operation::get::<WorkflowJson>("Get a workflow with its tasks"),
            get,
        )
        .delete(
            Operation::delete(
                "Delete a workflow: a live one moves to deletedItems, a deleted one is gone",
            ),
            delete,
        );
    let node = actions.into_iter().fold(
        collection::updated::<Workflows>(node, "Update a workflow's properties"),
        Node::child,
    );
    node.child(tasks::routes())
        .child(versions::routes())
        .child(task_reports::routes())
        .child(runs::routes())
        .child(user_processing_results::under_workflow())
}

async fn create(
    writer: Writer,
    Authorized { tenant, .. }: Authorized<WriteWorkflows>,
    wire: Wire,
    body: GraphJson<WorkflowBody>,
) -> Result<HttpResponse, GraphError> {
    let workflow = body.0.into_domain()?;
    check_against_catalog(&writer, &workflow)
        .await?
        .map_err(GraphError::from)?;
    let created = writer
        .run(async |connection| {
            db::workflows::create(connection, tenant, Uuid::now_v7(), &workflow).await
        })
        .await?
        .map_err(GraphError::from)?;
    metrics::rows_created("task", created.tasks.len() as u64);
    wire.created(
        &created.key().address(Tree::Live),
        WorkflowJson::new(created, wire.evolvable),
    )
}

/// Checks the tasks of `workflow` against the built-in task definitions: the
/// outer error is the database's, the inner one the refusal.
async fn check_against_catalog(
    writer: &Writer,
    workflow: &NewWorkflow,
) -> Result<Result<(), ValidationError>, GraphError> {
    // On the request's connection: a keyed create already holds one, and a
    // second from the pool could wait on the requests holding the rest.
    let ids = workflow.definition_ids();
    let definitions = writer
        .run(async |connection| db::task_definitions::rules(connection, &ids).await)
        .await?;
    Ok(task_definition::check_tasks(
        workflow.category,
        &workflow.tasks,
        &definitions,
    ))
}

/// The body of `createNewVersion`: the workflow's whole new definition.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = createNewVersionRequest)]
pub struct NewVersionBody {
    #[serde(deserialize_with = "objects::one")]
    workflow: WorkflowBody,
}

/// `POST /workflows/{id}/createNewVersion`: validated as a create is, then made
/// the workflow's definition at version n + 1, atomically; 200 with the
/// workflow. A version keeps the workflow's category.
async fn create_new_version(
    state: web::Data<AppState>,
    writer: Writer,
    Authorized { tenant, .. }: Authorized<WriteWorkflows>,
    key: web::Path<WorkflowKey>,
    wire: Wire,
    body: GraphJson<NewVersionBody>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let in_body = |error: ValidationError| GraphError::from(error.within("workflow"));
    let workflow = body.0.workflow.into_domain().map_err(in_body)?;
    check_against_catalog(&writer, &workflow)
        .await?
        .map_err(in_body)?;
    let made = writer
        .run(async |connection| {
            db::workflows::create_version(connection, tenant, key.workflow_id, &workflow).await
        })
        .await?;
    match made {
        NewVersion::Created(workflow) => {
            metrics::rows_created("task", workflow.tasks.len() as u64);
            wire.ok(
                &key.address(Tree::Live),
                WorkflowJson::new(workflow, wire.evolvable),
            )
        }
        NewVersion::NoWorkflow => Err(not_found(&state, tenant, key.address(Tree::Live)).await),
        NewVersion::Refused(refused) => Err(in_body(refused)),
        NewVersion::CategoryIs(category) => Err(in_body(ValidationError::new(
            "category",
            format!(
                "a new version keeps the workflow's category, '{}'",
                category.as_str()
            ),
        ))),
    }
}

async fn get(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<ReadWorkflows>,
    tree: Tree,
    key: web::Path<WorkflowKey>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let found = state
        .pool
        .run(async |connection| {
            db::workflows::find(connection, tenant, tree, key.workflow_id).await
        })
        .await?;
    match found {
        Some(workflow) => wire.ok(
            &key.address(tree),
            WorkflowJson::new(workflow, wire.evolvable),
        ),
        None => Err(not_found(&state, tenant, key.address(tree)).await),
    }
}

/// In the live tree, a soft delete that moves the workflow and its subtree to
/// `deletedItems`; in the deleted tree, a permanent delete of the subtree.
async fn delete(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<WriteWorkflows>,
    tree: Tree,
    key: web::Path<WorkflowKey>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let deleted = match tree {
        Tree::Live => {
            state
                .pool
                .run(async |connection| {
                    db::workflows::soft_delete(connection, tenant, key.workflow_id).await
                })
                .await?
        }
        Tree::Deleted => {
            db::workflows::delete_permanently(&state.pool, tenant, key.workflow_id).await?
        }
    };
    if deleted {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found(&state, tenant, key.address(tree)).await)
    }
}

async fn list(
    state: web::Data<AppState>,
    listing: Listing<ReadWorkflows>,
) -> Result<HttpResponse, GraphError> {
    let (tenant, tree) = (listing.tenant, listing.tree);
    let criteria = listing.criteria::<Workflows>()?;
    let expand_tasks = listing.wire.expands("tasks");
    let mut page = page::list::<Workflows>(
        &state.pool,
        tenant,
        tree,
        (),
        &criteria,
        listing.page(&criteria)?,
    )
    .await?;
    if expand_tasks {
        let ids: Vec<Uuid> = page.items.iter().map(|workflow| workflow.id).collect();
        let mut tasks = db::tasks::of_workflows(&state.pool, tenant, &ids).await?;
        for workflow in &mut page.items {
            workflow.tasks = tasks.remove(&workflow.id).unwrap_or_default();
        }
    }
    listing
        .respond(
            &state,
            CollectionAddress::workflows(tree),
            Address::root(),
            std::future::ready(Ok(page)),
            page::count::<Workflows>(&state.pool, tenant, tree, (), &criteria),
            |workflow, evolvable| {
                if expand_tasks {
                    WorkflowJson::new(workflow, evolvable)
                } else {
                    WorkflowJson::listed(workflow, evolvable)
                }
            },
        )
        .await
}

async fn count(
    state: web::Data<AppState>,
    listing: Listing<ReadWorkflows>,
) -> Result<HttpResponse, GraphError> {
    listing
        .serve_count::<Workflows>(&state, (), Address::root())
        .await
}

/// The body of `PATCH /workflows/{id}`: the properties Graph lets a client change.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = workflowUpdate)]
pub struct WorkflowPatchBody {
    #[schema(pattern = r"^#?microsoft\.graph\.identityGovernance\.workflow$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 256)]
    display_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = bool)]
    is_enabled: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = bool)]
    is_scheduling_enabled: Patch<bool>,
}

impl WorkflowPatchBody {
    pub(super) fn into_domain(self) -> Result<WorkflowUpdate, ValidationError> {
        check_odata_type(
            self.odata_type.as_deref(),
            "microsoft.graph.identityGovernance.workflow",
        )?;
        WorkflowUpdate::new(
            self.display_name,
            self.description,
            self.is_enabled,
            self.is_scheduling_enabled,
        )
    }
}

/// Live workflows only: the deleted tree is read-only apart from restore and
/// permanent delete.
impl Updated for Workflows {
    type Key = WorkflowKey;
    type Body = WorkflowPatchBody;
    type Write = WriteWorkflows;

    async fn update(
        pool: &Pool,
        tenant: Tenant,
        tree: Tree,
        key: WorkflowKey,
        body: WorkflowPatchBody,
    ) -> Result<bool, GraphError> {
        if tree == Tree::Deleted {
            return Err(GraphError::method_not_allowed(
                "A deleted workflow cannot be changed: restore it first.",
            ));
        }
        let update = body.into_domain()?;
        let updated = pool
            .run(async |connection| {
                db::workflows::update(connection, tenant, key.workflow_id, &update).await
            })
            .await?;
        Ok(updated)
    }
}

/// `POST /deletedItems/workflows/{id}/restore`: no body; 200 with the workflow.
async fn restore(
    state: web::Data<AppState>,
    writer: Writer,
    Authorized { tenant, .. }: Authorized<WriteWorkflows>,
    key: web::Path<WorkflowKey>,
    wire: Wire,
    body: web::Bytes,
) -> Result<HttpResponse, GraphError> {
    if !body.is_empty() {
        return Err(GraphError::invalid_request(
            "restore takes no request body.",
        ));
    }
    let key = key.into_inner();
    let restored = writer
        .run(async |connection| db::workflows::restore(connection, tenant, key.workflow_id).await)
        .await?;
    match restored {
        Some(workflow) => wire.ok(
            &key.address(Tree::Live),
            WorkflowJson::new(workflow, wire.evolvable),
        ),
        None => Err(not_found(&state, tenant, key.address(Tree::Deleted)).await),
    }
}

/// The body of `activate`: the users to run the workflow for.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = activateRequest)]
pub struct ActivateBody {
    #[schema(min_items = 1, max_items = 100)]
    #[serde(deserialize_with = "objects::many")]
    subjects: Vec<IdRef>,
}

impl ActivateBody {
    pub(super) fn into_domain(self) -> Result<Activation, ValidationError> {
        Activation::new(
            self.subjects
                .into_iter()
                .map(|subject| subject.id)
                .collect(),
        )
    }
}

/// `POST /workflows/{id}/activate`: runs the workflow now for the subjects, in one
/// statement; the engine processes the run. Disabled workflows can be activated
/// on demand, as in Graph.
async fn activate(
    state: web::Data<AppState>,
    writer: Writer,
    Authorized { tenant, .. }: Authorized<ActivateWorkflows>,
    key: web::Path<WorkflowKey>,
    body: GraphJson<ActivateBody>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let activation = body.0.into_domain()?;
    let users = activation.subjects().len() as u64;
    let start = db::runs::Start {
        execution_type: WorkflowExecutionType::OnDemand,
        scheduled_date_time: Utc::now(),
        subjects: activation.subjects(),
        by_engine: true,
    };
    let created = writer
        .run(async |connection| {
            db::runs::start(connection, tenant, key.workflow_id, Uuid::now_v7(), &start).await
        })
        .await?;
    match created {
        Some(task_results) => {
            metrics::rows_created("run", 1);
            metrics::rows_created("userProcessingResult", users);
            metrics::rows_created("taskProcessingResult", task_results);
            Ok(HttpResponse::NoContent().finish())
        }
        None => Err(not_found(&state, tenant, key.address(Tree::Live)).await),
    }
}
