//! The tasks of a workflow, in both trees: list, get, update, and the task of a
//! result.

use super::body::GraphJson;
use super::collection::Listing;
use super::not_found;
use crate::auth::{Authorized, ReadReports, ReadWorkflows, WriteWorkflows};
use crate::db;
use crate::db::page;
use crate::db::tasks::Tasks;
use crate::domain::keys::{Address, TaskKey, TaskProcessingResultRef, WorkflowKey};
use crate::domain::patch::Patch;
use crate::domain::validation::{check_odata_type, ValidationError};
use crate::domain::workflow::{Task, TaskUpdate, Tree};
use crate::error::GraphError;
use crate::state::AppState;
use crate::wire::{CollectionAddress, EntityAddress, TaskJson, Wire};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

fn address(tree: Tree, workflow_id: Uuid, task: &Task) -> EntityAddress {
    EntityAddress::workflow(tree, workflow_id).then("tasks", task.id)
}

pub async fn list(
    state: web::Data<AppState>,
    key: web::Path<WorkflowKey>,
    listing: Listing<ReadWorkflows>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let tree = listing.tree;
    let collection =
        CollectionAddress::Beneath(EntityAddress::workflow(tree, key.workflow_id), "tasks");
    listing
        .serve::<Tasks, _>(
            &state,
            key,
            collection,
            Some(Address::workflow(tree, key)),
            TaskJson::new,
        )
        .await
}

pub async fn count(
    state: web::Data<AppState>,
    key: web::Path<WorkflowKey>,
    listing: Listing<ReadWorkflows>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let parent = Address::workflow(listing.tree, key);
    listing
        .serve_count::<Tasks>(&state, key, Some(parent))
        .await
}

pub async fn get(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<ReadWorkflows>,
    tree: Tree,
    key: web::Path<TaskKey>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    match page::find::<Tasks>(&state.pool, tenant, tree, key.workflow(), key.task_id).await? {
        Some(task) => wire.ok(
            &address(tree, key.workflow_id, &task),
            TaskJson::new(task, wire.evolvable),
        ),
        None => Err(not_found(&state, tenant, Address::task(tree, key)).await),
    }
}

/// `GET …/taskProcessingResults/{p}/task`: the task the result ran.
pub async fn of_result(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<ReadReports>,
    tree: Tree,
    key: web::Path<TaskProcessingResultRef>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    match db::tasks::of_result(&state.pool, tenant, tree, key).await? {
        Some(task) => wire.ok(
            &address(tree, key.workflow_id, &task),
            TaskJson::new(task, wire.evolvable),
        ),
        None => Err(not_found(&state, tenant, Address::task_processing_result(tree, key)).await),
    }
}

/// The body of `PATCH …/tasks/{id}`: displayName and description.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = taskUpdate)]
pub struct TaskPatchBody {
    #[schema(pattern = r"^#?microsoft\.graph\.identityGovernance\.task$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(default)]
    #[schema(value_type = String, min_length = 1)]
    display_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    description: Patch<String>,
}

impl TaskPatchBody {
    pub(super) fn into_domain(self) -> Result<TaskUpdate, ValidationError> {
        check_odata_type(
            self.odata_type.as_deref(),
            "microsoft.graph.identityGovernance.task",
        )?;
        TaskUpdate::new(self.display_name, self.description)
    }
}

pub async fn update(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<WriteWorkflows>,
    tree: Tree,
    key: web::Path<TaskKey>,
    body: GraphJson<TaskPatchBody>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let update = body.0.into_domain()?;
    if db::tasks::update(&state.pool, tenant, tree, key, &update).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found(&state, tenant, Address::task(tree, key)).await)
    }
}
