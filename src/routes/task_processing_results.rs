//! taskProcessingResults: created under a userProcessingResult, or for the same
//! task as an existing result (`…/taskProcessingResults/{p}/task/taskProcessingResults`),
//! in both trees.

use super::body::{GraphJson, IdRef};
use super::{not_found, not_found_beneath};
use crate::app::AppState;
use crate::db;
use crate::domain::enums::ProcessingStatus;
use crate::domain::keys::{
    Address, SameTaskResultKey, TaskProcessingResultKey, UserProcessingResultKey,
};
use crate::domain::reference;
use crate::domain::task_processing_result::{NewTaskProcessingResult, TaskProcessingResult};
use crate::domain::timestamp;
use crate::domain::validation::{check_odata_type, ValidationError};
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::tenant::Tenant;
use crate::wire::{EntityAddress, TaskProcessingResultJson, Wire};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::de::IgnoredAny;
use serde::Deserialize;
use uuid::Uuid;

/// The body of both creates. `subject` is the service's (the user of the
/// userProcessingResult): accepted and ignored. `task` names the task under a
/// userProcessingResult, and is refused where the address fixes it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskProcessingResultBody {
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(deserialize_with = "timestamp::deserialize")]
    created_date_time: DateTime<Utc>,
    processing_status: ProcessingStatus,
    #[serde(default, deserialize_with = "timestamp::deserialize_option")]
    started_date_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "timestamp::deserialize_option")]
    completed_date_time: Option<DateTime<Utc>>,
    failure_reason: Option<String>,
    processing_info: Option<String>,
    task: Option<IdRef>,
    #[serde(rename = "task@odata.bind")]
    task_bind: Option<String>,
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
    #[serde(default, rename = "subject")]
    _subject: Option<IgnoredAny>,
}

/// How a body named its task: inline, bound by URL, both or neither.
struct TaskReference {
    inline: Option<Uuid>,
    bind: Option<String>,
}

impl TaskProcessingResultBody {
    fn into_domain(self) -> Result<(NewTaskProcessingResult, TaskReference), ValidationError> {
        check_odata_type(
            self.odata_type.as_deref(),
            "microsoft.graph.identityGovernance.taskProcessingResult",
        )?;
        let result = NewTaskProcessingResult {
            created_date_time: self.created_date_time,
            processing_status: self.processing_status,
            started_date_time: self.started_date_time,
            completed_date_time: self.completed_date_time,
            failure_reason: self.failure_reason,
            processing_info: self.processing_info,
        }
        .validate()?;
        let task = TaskReference {
            inline: self.task.map(|task| task.id),
            bind: self.task_bind,
        };
        Ok((result, task))
    }
}

fn address(tree: Tree, result: &TaskProcessingResult) -> EntityAddress {
    EntityAddress::workflow(tree, result.workflow_id)
        .then("runs", result.run_id)
        .then("userProcessingResults", result.user_processing_result_id)
        .then("taskProcessingResults", result.id)
}

/// `POST …/userProcessingResults/{u}/taskProcessingResults`: a result of the task
/// the body names, which must be a task of the same workflow.
pub async fn create(
    state: web::Data<AppState>,
    tenant: Tenant,
    tree: Tree,
    key: web::Path<UserProcessingResultKey>,
    wire: Wire,
    body: GraphJson<TaskProcessingResultBody>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let (result, task) = body.0.into_domain()?;
    let task_id = reference::resolve("task", "tasks", task.inline, task.bind.as_deref())?;
    let created = db::task_processing_results::create(
        &state.pool,
        tenant,
        tree,
        key,
        Uuid::now_v7(),
        task_id,
        &result,
    )
    .await?;
    match created {
        Some(created) => wire.created(
            &address(tree, &created),
            TaskProcessingResultJson::new(&created, wire.evolvable),
        ),
        None => Err(not_found(&state, tenant, Address::user_processing_result(tree, key)).await),
    }
}

/// `POST …/taskProcessingResults/{p}/task/taskProcessingResults`: a new result for
/// the task of result `p`, under the same userProcessingResult, in one statement.
pub async fn create_for_same_task(
    state: web::Data<AppState>,
    tenant: Tenant,
    tree: Tree,
    key: web::Path<TaskProcessingResultKey>,
    wire: Wire,
    body: GraphJson<TaskProcessingResultBody>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let (result, task) = body.0.into_domain()?;
    if task.inline.is_some() || task.bind.is_some() {
        return Err(ValidationError::new(
            "task",
            format!(
                "is set by the address: the new result is for the task of taskProcessingResult '{}'",
                key.task_processing_result_id
            ),
        )
        .into());
    }
    let created = db::task_processing_results::create_for_same_task(
        &state.pool,
        tenant,
        tree,
        key,
        Uuid::now_v7(),
        &result,
    )
    .await?;
    match created {
        Some(created) => wire.created(
            &address(tree, &created),
            TaskProcessingResultJson::new(&created, wire.evolvable),
        ),
        None => Err(not_found(&state, tenant, Address::task_processing_result(tree, key)).await),
    }
}

pub async fn get(
    state: web::Data<AppState>,
    tenant: Tenant,
    tree: Tree,
    key: web::Path<TaskProcessingResultKey>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    match db::task_processing_results::find(&state.pool, tenant, tree, key).await? {
        Some(result) => wire.ok(
            &address(tree, &result),
            TaskProcessingResultJson::new(&result, wire.evolvable),
        ),
        None => Err(not_found(&state, tenant, Address::task_processing_result(tree, key)).await),
    }
}

/// `GET …/taskProcessingResults/{p}/task/taskProcessingResults/{id}`: a result of
/// the same task as `p`, from any run and user of the workflow.
pub async fn get_same_task(
    state: web::Data<AppState>,
    tenant: Tenant,
    tree: Tree,
    key: web::Path<SameTaskResultKey>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    match db::task_processing_results::find_same_task(&state.pool, tenant, tree, key).await? {
        Some(result) => wire.ok(
            &address(tree, &result),
            TaskProcessingResultJson::new(&result, wire.evolvable),
        ),
        None => Err(not_found_beneath(&state, tenant, Address::task_processing_result(tree, key.origin()), || {
            GraphError::not_found(format!(
                "No taskProcessingResult with id '{}' exists for the task of taskProcessingResult '{}'.",
                key.same_task_result_id, key.task_processing_result_id
            ))
        })
        .await),
    }
}
