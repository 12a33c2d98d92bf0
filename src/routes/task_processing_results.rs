//! taskProcessingResults: created under a userProcessingResult, or for the same
//! task as an existing result (`…/taskProcessingResults/{p}/task/taskProcessingResults`),
//! in both trees.

use super::body::{GraphJson, IdRef};
use super::collection::Listing;
use super::{not_found, not_found_beneath};
use crate::auth::{Authorized, ReadReports, WriteReports};
use crate::db;
use crate::db::page;
use crate::db::task_processing_results::Scope;
use crate::db::task_processing_results::TaskProcessingResults;
use crate::db::transaction::Writer;
use crate::domain::enums::EvolvableMembers;
use crate::domain::enums::{ProcessingStatus, ProcessingStatusInput};
use crate::domain::keys::{
    Address, RunKey, RunTaskResultKey, SameTaskResultKey, TaskKey, TaskProcessingResultKey,
    TaskProcessingResultRef, TaskResultKey, UserProcessingResultKey, UserProcessingResultRef,
};
use crate::domain::objects;
use crate::domain::patch::{Patch, ProcessingUpdate};
use crate::domain::reference;
use crate::domain::task_processing_result::{
    NewTaskProcessingResult, TaskProcessingResult, TaskProcessingResultUpdate,
};
use crate::domain::timestamp::{self, Timestamp};
use crate::domain::validation::{check_odata_type, ValidationError};
use crate::domain::workflow::{Task, Tree};
use crate::error::GraphError;
use crate::metrics;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::wire::{CollectionAddress, EntityAddress, TaskProcessingResultJson, Wire};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// The body of a create under a userProcessingResult. `subject` is the service's
/// (the user of the userProcessingResult): accepted and ignored. `task` (or
/// `task@odata.bind`) names the task, of the same workflow.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = taskProcessingResultCreate)]
pub struct TaskProcessingResultBody {
    #[schema(pattern = r"^#?microsoft\.graph\.identityGovernance\.taskProcessingResult$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(deserialize_with = "timestamp::deserialize")]
    created_date_time: DateTime<Utc>,
    #[schema(inline, value_type = ProcessingStatusInput)]
    processing_status: ProcessingStatus,
    #[serde(default, deserialize_with = "timestamp::deserialize_option")]
    started_date_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "timestamp::deserialize_option")]
    completed_date_time: Option<DateTime<Utc>>,
    #[schema(max_length = 4000)]
    failure_reason: Option<String>,
    processing_info: Option<String>,
    #[serde(default, deserialize_with = "objects::optional")]
    task: Option<IdRef>,
    #[serde(rename = "task@odata.bind")]
    task_bind: Option<String>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "subject")]
    _subject: Option<IgnoredAny>,
}

/// How a body named its task: inline, bound by URL, both or neither.
struct TaskReference {
    inline: Option<Uuid>,
    bind: Option<String>,
}

impl TaskProcessingResultBody {
    /// A result under a userProcessingResult: the body names its task.
    pub(super) fn for_named_task(self) -> Result<(NewTaskProcessingResult, Uuid), ValidationError> {
        let (result, task) = self.into_domain()?;
        let task_id = reference::resolve("task", "tasks", task.inline, task.bind.as_deref())?;
        Ok((result, task_id))
    }

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

/// The body of `POST …/taskProcessingResults/{p}/task/taskProcessingResults`: as
/// a create under a userProcessingResult, but the address names the task, so
/// `task` and `task@odata.bind` are refused (null included).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = taskProcessingResultCreateForSameTask)]
pub struct SameTaskResultBody {
    #[schema(pattern = r"^#?microsoft\.graph\.identityGovernance\.taskProcessingResult$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(deserialize_with = "timestamp::deserialize")]
    created_date_time: DateTime<Utc>,
    #[schema(inline, value_type = ProcessingStatusInput)]
    processing_status: ProcessingStatus,
    #[serde(default, deserialize_with = "timestamp::deserialize_option")]
    started_date_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "timestamp::deserialize_option")]
    completed_date_time: Option<DateTime<Utc>>,
    #[schema(max_length = 4000)]
    failure_reason: Option<String>,
    processing_info: Option<String>,
    #[schema(ignore)]
    #[serde(default, rename = "task", deserialize_with = "present")]
    task: bool,
    #[schema(ignore)]
    #[serde(default, rename = "task@odata.bind", deserialize_with = "present")]
    task_bind: bool,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "subject")]
    _subject: Option<IgnoredAny>,
}

/// `true` for a property that is present, whatever its value.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(deserializer).map(|_| true)
}

impl SameTaskResultBody {
    /// A result for the task of result `origin`.
    pub(super) fn into_domain(
        self,
        origin: Uuid,
    ) -> Result<NewTaskProcessingResult, ValidationError> {
        check_odata_type(
            self.odata_type.as_deref(),
            "microsoft.graph.identityGovernance.taskProcessingResult",
        )?;
        if self.task || self.task_bind {
            let property = if self.task { "task" } else { "task@odata.bind" };
            return Err(ValidationError::new(
                property,
                format!(
                    "is set by the address: the new result is for the task of taskProcessingResult '{origin}'"
                ),
            ));
        }
        NewTaskProcessingResult {
            created_date_time: self.created_date_time,
            processing_status: self.processing_status,
            started_date_time: self.started_date_time,
            completed_date_time: self.completed_date_time,
            failure_reason: self.failure_reason,
            processing_info: self.processing_info,
        }
        .validate()
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
    writer: Writer,
    Authorized { tenant, .. }: Authorized<WriteReports>,
    tree: Tree,
    key: web::Path<UserProcessingResultKey>,
    wire: Wire,
    body: GraphJson<TaskProcessingResultBody>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let (result, task_id) = body.0.for_named_task()?;
    let created = writer
        .run(move |connection| {
            Box::pin(async move {
                db::task_processing_results::create(
                    connection,
                    tenant,
                    tree,
                    key,
                    Uuid::now_v7(),
                    task_id,
                    &result,
                )
                .await
            })
        })
        .await?;
    match created {
        Some(created) => {
            metrics::rows_created("taskProcessingResult", 1);
            wire.created(
                &address(tree, &created),
                TaskProcessingResultJson::new(created, wire.evolvable),
            )
        }
        None => Err(not_found(&state, tenant, Address::user_processing_result(tree, key)).await),
    }
}

/// `POST …/taskProcessingResults/{p}/task/taskProcessingResults`: a new result for
/// the task of result `p`, under the same userProcessingResult, in one statement.
pub async fn create_for_same_task(
    state: web::Data<AppState>,
    writer: Writer,
    Authorized { tenant, .. }: Authorized<WriteReports>,
    tree: Tree,
    key: web::Path<TaskProcessingResultKey>,
    wire: Wire,
    body: GraphJson<SameTaskResultBody>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let result = body.0.into_domain(key.task_processing_result_id)?;
    let created = writer
        .run(move |connection| {
            Box::pin(async move {
                db::task_processing_results::create_for_same_task(
                    connection,
                    tenant,
                    tree,
                    key,
                    Uuid::now_v7(),
                    &result,
                )
                .await
            })
        })
        .await?;
    match created {
        Some(created) => {
            metrics::rows_created("taskProcessingResult", 1);
            wire.created(
                &address(tree, &created),
                TaskProcessingResultJson::new(created, wire.evolvable),
            )
        }
        None => Err(not_found(&state, tenant, Address::task_processing_result(tree, key)).await),
    }
}

/// The tasks of the scope's workflow, by id, when `$expand=task` asks for them
/// (a workflow has at most 25).
async fn tasks_to_expand(
    state: &AppState,
    tenant: Tenant,
    scope: Scope,
    expand: bool,
) -> Result<HashMap<Uuid, Task>, GraphError> {
    if !expand {
        return Ok(HashMap::new());
    }
    let tasks = db::tasks::of_workflow(&state.pool, tenant, scope.workflow_id()).await?;
    Ok(tasks.into_iter().map(|task| (task.id, task)).collect())
}

/// A result's JSON, with its task inline when it is among `tasks`.
fn render(
    result: TaskProcessingResult,
    evolvable: EvolvableMembers,
    tasks: &HashMap<Uuid, Task>,
) -> TaskProcessingResultJson {
    let task = tasks.get(&result.task_id).cloned();
    let json = TaskProcessingResultJson::new(result, evolvable);
    match task {
        Some(task) => json.with_task(task, evolvable),
        None => json,
    }
}

/// The entity that holds a scope's collection, and the address to check when the
/// collection comes back empty.
fn parent(tree: Tree, scope: Scope) -> (CollectionAddress, Address) {
    match scope {
        Scope::UserProcessingResult(user) => (
            CollectionAddress::Beneath(user_address(tree, user), "taskProcessingResults"),
            Address::user_processing_result(tree, user),
        ),
        Scope::Run(run) => (
            CollectionAddress::Beneath(
                EntityAddress::workflow(tree, run.workflow_id).then("runs", run.run_id),
                "taskProcessingResults",
            ),
            Address::run(tree, run),
        ),
        Scope::Task(task) => (
            CollectionAddress::Beneath(
                EntityAddress::workflow(tree, task.workflow_id).then("tasks", task.task_id),
                "taskProcessingResults",
            ),
            Address::task(tree, task),
        ),
        Scope::SameTaskAs(origin) => (
            CollectionAddress::Beneath(
                user_address(tree, origin.parent())
                    .then("taskProcessingResults", origin.task_processing_result_id),
                "task/taskProcessingResults",
            ),
            Address::task_processing_result(tree, origin),
        ),
    }
}

/// A userProcessingResult's address as the request gave it: with or without its run.
fn user_address(tree: Tree, user: UserProcessingResultRef) -> EntityAddress {
    let mut address = EntityAddress::workflow(tree, user.workflow_id);
    if let Some(run_id) = user.run_id {
        address = address.then("runs", run_id);
    }
    address.then("userProcessingResults", user.user_processing_result_id)
}

async fn list_in(
    state: &AppState,
    listing: &Listing<ReadReports>,
    scope: Scope,
) -> Result<HttpResponse, GraphError> {
    let (collection, address) = parent(listing.tree, scope);
    let tasks = tasks_to_expand(state, listing.tenant, scope, listing.expands("task")).await?;
    listing
        .serve::<TaskProcessingResults, _>(
            state,
            scope,
            collection,
            Some(address),
            |result, evolvable| render(result, evolvable, &tasks),
        )
        .await
}

async fn count_in(
    state: &AppState,
    listing: &Listing<ReadReports>,
    scope: Scope,
) -> Result<HttpResponse, GraphError> {
    let (_, address) = parent(listing.tree, scope);
    listing
        .serve_count::<TaskProcessingResults>(state, scope, Some(address))
        .await
}

/// One result of a scope's collection, by id, rendered at its canonical address.
async fn get_in(
    state: &AppState,
    tenant: Tenant,
    tree: Tree,
    scope: Scope,
    id: Uuid,
    wire: &Wire,
) -> Result<HttpResponse, GraphError> {
    match page::find::<TaskProcessingResults>(&state.pool, tenant, tree, scope, id).await? {
        Some(result) => {
            let tasks = tasks_to_expand(state, tenant, scope, wire.expands("task")).await?;
            wire.ok(
                &address(tree, &result),
                render(result, wire.evolvable, &tasks),
            )
        }
        None => {
            let (_, parent) = parent(tree, scope);
            let within = match scope {
                Scope::UserProcessingResult(user) => {
                    format!(
                        "in userProcessingResult '{}'",
                        user.user_processing_result_id
                    )
                }
                Scope::Run(run) => format!("in run '{}'", run.run_id),
                Scope::Task(task) => format!("for task '{}'", task.task_id),
                Scope::SameTaskAs(origin) => {
                    format!(
                        "for the task of taskProcessingResult '{}'",
                        origin.task_processing_result_id
                    )
                }
            };
            Err(not_found_beneath(state, tenant, parent, || {
                GraphError::not_found(format!(
                    "No taskProcessingResult with id '{id}' exists {within}."
                ))
            })
            .await)
        }
    }
}

/// A path that names a collection of results.
pub trait CollectionPath: DeserializeOwned + 'static {
    fn scope(self) -> Scope;
}

impl CollectionPath for UserProcessingResultRef {
    fn scope(self) -> Scope {
        Scope::UserProcessingResult(self)
    }
}

impl CollectionPath for RunKey {
    fn scope(self) -> Scope {
        Scope::Run(self)
    }
}

impl CollectionPath for TaskKey {
    fn scope(self) -> Scope {
        Scope::Task(self)
    }
}

/// `…/taskProcessingResults/{p}/task/taskProcessingResults`.
impl CollectionPath for TaskProcessingResultRef {
    fn scope(self) -> Scope {
        Scope::SameTaskAs(self)
    }
}

/// A path that names one result of a collection.
pub trait ResultPath: DeserializeOwned + 'static {
    fn scope_and_id(self) -> (Scope, Uuid);
}

impl ResultPath for TaskProcessingResultRef {
    fn scope_and_id(self) -> (Scope, Uuid) {
        (
            Scope::UserProcessingResult(self.parent()),
            self.task_processing_result_id,
        )
    }
}

impl ResultPath for RunTaskResultKey {
    fn scope_and_id(self) -> (Scope, Uuid) {
        let run = RunKey {
            workflow_id: self.workflow_id,
            run_id: self.run_id,
        };
        (Scope::Run(run), self.task_processing_result_id)
    }
}

impl ResultPath for TaskResultKey {
    fn scope_and_id(self) -> (Scope, Uuid) {
        let task = TaskKey {
            workflow_id: self.workflow_id,
            task_id: self.task_id,
        };
        (Scope::Task(task), self.task_processing_result_id)
    }
}

impl ResultPath for SameTaskResultKey {
    fn scope_and_id(self) -> (Scope, Uuid) {
        (Scope::SameTaskAs(self.origin()), self.same_task_result_id)
    }
}

/// One result, read through any address that names it; rendered at its
/// canonical address.
pub async fn get<P: ResultPath>(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<ReadReports>,
    tree: Tree,
    path: web::Path<P>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let (scope, id) = path.into_inner().scope_and_id();
    get_in(&state, tenant, tree, scope, id, &wire).await
}

pub async fn list<P: CollectionPath>(
    state: web::Data<AppState>,
    path: web::Path<P>,
    listing: Listing<ReadReports>,
) -> Result<HttpResponse, GraphError> {
    list_in(&state, &listing, path.into_inner().scope()).await
}

pub async fn count<P: CollectionPath>(
    state: web::Data<AppState>,
    path: web::Path<P>,
    listing: Listing<ReadReports>,
) -> Result<HttpResponse, GraphError> {
    count_in(&state, &listing, path.into_inner().scope()).await
}

/// The body of `PATCH …/taskProcessingResults/{id}`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = taskProcessingResultUpdate)]
pub struct TaskProcessingResultPatchBody {
    #[schema(pattern = r"^#?microsoft\.graph\.identityGovernance\.taskProcessingResult$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(default)]
    #[schema(inline, value_type = ProcessingStatusInput)]
    processing_status: Patch<ProcessingStatus>,
    #[serde(default)]
    #[schema(value_type = Option<DateTime<Utc>>)]
    started_date_time: Patch<Timestamp>,
    #[serde(default)]
    #[schema(value_type = Option<DateTime<Utc>>)]
    completed_date_time: Patch<Timestamp>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 4000)]
    failure_reason: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    processing_info: Patch<String>,
}

impl TaskProcessingResultPatchBody {
    pub(super) fn into_domain(self) -> Result<TaskProcessingResultUpdate, ValidationError> {
        check_odata_type(
            self.odata_type.as_deref(),
            "microsoft.graph.identityGovernance.taskProcessingResult",
        )?;
        let processing = ProcessingUpdate::new(
            self.processing_status,
            self.started_date_time.map(|at| at.0),
            self.completed_date_time.map(|at| at.0),
        )?;
        TaskProcessingResultUpdate::new(processing, self.failure_reason, self.processing_info)
    }
}

pub async fn update(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<WriteReports>,
    tree: Tree,
    key: web::Path<TaskProcessingResultRef>,
    body: GraphJson<TaskProcessingResultPatchBody>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let update = body.0.into_domain()?;
    if db::task_processing_results::update(&state.pool, tenant, tree, key, &update).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found(&state, tenant, Address::task_processing_result(tree, key)).await)
    }
}
