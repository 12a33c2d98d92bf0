//! Workflows: create (live tree), get, soft delete (live) and permanent delete
//! (deleted tree).

use super::body::GraphJson;
use super::not_found;
use crate::app::AppState;
use crate::db;
use crate::domain::enums::{TaskCategory, WorkflowCategory};
use crate::domain::keys::{Address, WorkflowKey};
use crate::domain::validation::{check_odata_type, ValidationError};
use crate::domain::workflow::{ExecutionConditions, NewTask, NewWorkflow, TaskArgument, Tree};
use crate::error::GraphError;
use crate::tenant::Tenant;
use crate::wire::{EntityAddress, Wire, WorkflowJson};
use actix_web::{web, HttpResponse};
use serde::de::IgnoredAny;
use serde::Deserialize;
use uuid::Uuid;

/// The body of `POST /workflows`. Read-only properties are accepted and ignored,
/// since SDKs send back what they received.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkflowBody {
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    category: WorkflowCategory,
    display_name: String,
    description: Option<String>,
    #[serde(default)]
    is_enabled: bool,
    #[serde(default)]
    is_scheduling_enabled: bool,
    execution_conditions: ExecutionConditions,
    tasks: Vec<TaskBody>,
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
    #[serde(default, rename = "createdDateTime")]
    _created_date_time: Option<IgnoredAny>,
    #[serde(default, rename = "lastModifiedDateTime")]
    _last_modified_date_time: Option<IgnoredAny>,
    #[serde(default, rename = "deletedDateTime")]
    _deleted_date_time: Option<IgnoredAny>,
    #[serde(default, rename = "nextScheduleRunDateTime")]
    _next_schedule_run_date_time: Option<IgnoredAny>,
    #[serde(default, rename = "version")]
    _version: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskBody {
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    display_name: String,
    description: Option<String>,
    task_definition_id: Uuid,
    category: Option<TaskCategory>,
    #[serde(default)]
    continue_on_error: bool,
    #[serde(default = "enabled_by_default")]
    is_enabled: bool,
    #[serde(default)]
    arguments: Vec<TaskArgument>,
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
    #[serde(default, rename = "executionSequence")]
    _execution_sequence: Option<IgnoredAny>,
}

fn enabled_by_default() -> bool {
    true
}

impl WorkflowBody {
    fn into_domain(self) -> Result<NewWorkflow, ValidationError> {
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
    }
}

pub async fn create(
    state: web::Data<AppState>,
    tenant: Tenant,
    wire: Wire,
    body: GraphJson<WorkflowBody>,
) -> Result<HttpResponse, GraphError> {
    let workflow = body.0.into_domain()?;
    let mut connection = state.pool.acquire().await?;
    let created = db::workflows::create(&mut connection, tenant, Uuid::now_v7(), &workflow).await?;
    wire.created(
        &EntityAddress::workflow(Tree::Live, created.id),
        WorkflowJson::new(&created, wire.evolvable),
    )
}

pub async fn get(
    state: web::Data<AppState>,
    tenant: Tenant,
    tree: Tree,
    key: web::Path<WorkflowKey>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let mut connection = state.pool.acquire().await?;
    match db::workflows::find(&mut connection, tenant, tree, key.workflow_id).await? {
        Some(workflow) => wire.ok(
            &EntityAddress::workflow(tree, workflow.id),
            WorkflowJson::new(&workflow, wire.evolvable),
        ),
        None => Err(not_found(&state, tenant, Address::workflow(tree, key)).await),
    }
}

/// In the live tree, a soft delete that moves the workflow and its subtree to
/// `deletedItems`; in the deleted tree, a permanent delete of the subtree.
pub async fn delete(
    state: web::Data<AppState>,
    tenant: Tenant,
    tree: Tree,
    key: web::Path<WorkflowKey>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let deleted = match tree {
        Tree::Live => db::workflows::soft_delete(&state.pool, tenant, key.workflow_id).await?,
        Tree::Deleted => {
            db::workflows::delete_permanently(&state.pool, tenant, key.workflow_id).await?
        }
    };
    if deleted {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found(&state, tenant, Address::workflow(tree, key)).await)
    }
}
