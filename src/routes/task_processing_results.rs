//! taskProcessingResults: created under a userProcessingResult, or for the same
//! task as an existing result (`…/taskProcessingResults/{p}/task/taskProcessingResults`),
//! in both trees; read through a userProcessingResult, a run, a task, or the
//! same task as another result.

use super::body::IdRef;
use super::collection::{self, CollectionPath, ItemPath, Served, Updated};
use super::create::{self, Creates};
use super::resume;
use super::tasks;
use super::tree::Node;
use super::users::{self, Subjects};
use crate::auth::{ReadReports, WriteReports};
use crate::db;
use crate::db::task_processing_results::{Scope, TaskProcessingResults};
use crate::db::transaction::WriteConnection;
use crate::db::Pool;
use crate::domain::enums::{EvolvableMembers, ProcessingStatus, ProcessingStatusInput};
use crate::domain::keys::{
    Address, Addressed, EntitySet, RunKey, RunTaskResultKey, SameTaskResultKey, TaskKey,
    TaskProcessingResultKey, TaskProcessingResultRef, TaskResultKey, UserProcessingResultKey,
    UserProcessingResultRef, TASK_PROCESSING_RESULTS,
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
use crate::openapi::Operation;
use crate::tenant::Tenant;
use crate::wire::{TaskJson, TaskProcessingResultJson, Wire};
use chrono::{DateTime, Utc};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;

/// The body of a create under a userProcessingResult. `subject` is the service's
/// (the user of the userProcessingResult): accepted and ignored. `task` (or
/// `task@odata.bind`) names the task, of the same workflow.
// The create for the same task takes it too: see `for_same_task`.
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
    #[schema(value_type = Option<IdRef>)]
    #[serde(default, deserialize_with = "objects::patch")]
    task: Patch<IdRef>,
    #[schema(value_type = Option<String>)]
    #[serde(default, rename = "task@odata.bind")]
    task_bind: Patch<String>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "subject")]
    _subject: Option<IgnoredAny>,
}

impl TaskProcessingResultBody {
    /// A result under a userProcessingResult: the body names its task.
    pub(super) fn for_named_task(self) -> Result<(NewTaskProcessingResult, Uuid), ValidationError> {
        let inline = self.task.value().map(|task| task.id);
        let bind = self.task_bind.value().cloned();
        let result = self.into_result()?;
        let task_id = reference::resolve("task", "tasks", inline, bind.as_deref())?;
        Ok((result, task_id))
    }

    /// A result for the task of result `origin`, which the address names: `task`
    /// and `task@odata.bind` are refused, null included.
    pub(super) fn for_same_task(
        self,
        origin: Uuid,
    ) -> Result<NewTaskProcessingResult, ValidationError> {
        self.check_type()?;
        let given = [
            ("task", self.task.is_present()),
            ("task@odata.bind", self.task_bind.is_present()),
        ];
        if let Some((property, _)) = given.into_iter().find(|(_, present)| *present) {
            return Err(ValidationError::new(
                property,
                format!(
                    "is set by the address: the new result is for the task of taskProcessingResult '{origin}'"
                ),
            ));
        }
        self.into_result()
    }

    fn check_type(&self) -> Result<(), ValidationError> {
        check_odata_type(
            self.odata_type.as_deref(),
            "microsoft.graph.identityGovernance.taskProcessingResult",
        )
    }

    fn into_result(self) -> Result<NewTaskProcessingResult, ValidationError> {
        self.check_type()?;
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

/// How the document describes the body of a create for the same task: that of
/// [`TaskProcessingResultBody`] without the properties the address sets.
pub struct SameTaskResultSchema;

impl PartialSchema for SameTaskResultSchema {
    fn schema() -> RefOr<Schema> {
        let mut schema = TaskProcessingResultBody::schema();
        if let RefOr::T(Schema::Object(object)) = &mut schema {
            object
                .properties
                .retain(|name, _| name != "task" && name != "task@odata.bind");
            object.description = Some(
                "The body of `POST …/taskProcessingResults/{p}/task/taskProcessingResults`: as\n\
                 a create under a userProcessingResult, but the address names the task, so\n\
                 `task` and `task@odata.bind` are refused (null included)."
                    .to_owned(),
            );
        }
        schema
    }
}

impl ToSchema for SameTaskResultSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("taskProcessingResultCreateForSameTask")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        TaskProcessingResultBody::schemas(schemas);
    }
}

/// The read-only `taskProcessingResults` of a task or a run: the list, its
/// `$count` and one result, addressed by `List` and `One`, with their summaries.
pub fn readable<List, One>([list, count, get]: [&'static str; 3]) -> Node
where
    List: CollectionPath<TaskProcessingResults>,
    One: ItemPath<TaskProcessingResults>,
{
    collection::node::<TaskProcessingResults, List>("/taskProcessingResults", [list, count])
        .child(item::<One>("/{taskProcessingResultId}", get))
}

/// One result at `P`, with the `resume` beneath every address of a result.
fn item<P: ItemPath<TaskProcessingResults>>(pattern: &str, summary: &'static str) -> Node {
    resume::routes::<P>().into_iter().fold(
        collection::item::<TaskProcessingResults, P>(pattern, summary),
        Node::child,
    )
}

/// The results of a userProcessingResult addressed with or without its run;
/// `creates` adds the creates, which take the userProcessingResult with its run.
pub fn under_user(creates: bool) -> Node {
    let mut results = collection::node::<TaskProcessingResults, UserProcessingResultRef>(
        "/taskProcessingResults",
        [
            "List the taskProcessingResults of the user's processing",
            "Count the taskProcessingResults of the user's processing",
        ],
    );
    let mut same_task = collection::node::<TaskProcessingResults, TaskProcessingResultRef>(
        "/task/taskProcessingResults",
        [
            "List the results of the same task, across runs",
            "Count the results of the same task",
        ],
    );
    if creates {
        results = create::creates::<TaskProcessingResults, UserProcessingResultKey>(
            results,
            "Record the processing of a task for the user",
        );
        // The document shows the body without what the address sets.
        same_task = same_task.post(
            Operation::create::<TaskProcessingResultJson, SameTaskResultSchema>(
                "Record another result of the same task for the user",
            ),
            create::create::<TaskProcessingResults, TaskProcessingResultKey>,
        );
    }
    let result = collection::updated::<TaskProcessingResults>(
        item::<TaskProcessingResultRef>("/{taskProcessingResultId}", "Get a taskProcessingResult"),
        "Update a taskProcessingResult's processing state",
    )
    .child(Node::at("/task").get(
        Operation::get::<TaskJson>("Get the task the result is of"),
        tasks::of_result,
    ))
    .child(same_task.child(item::<SameTaskResultKey>(
        "/{sameTaskResultId}",
        "Get a result of the same task",
    )));
    results.child(result)
}

/// With `$expand=task`, the tasks of the scope's workflow, by id (a version has
/// at most 25); with `$expand=subject`, the subjects the directory holds.
impl Served for TaskProcessingResults {
    const SET: &'static EntitySet = &TASK_PROCESSING_RESULTS;
    type Json = TaskProcessingResultJson;
    type Read = ReadReports;
    type Extra = (HashMap<Uuid, Task>, Subjects);

    fn address(tree: Tree, _: Scope, result: &TaskProcessingResult) -> Address {
        result.key().address(tree)
    }

    async fn extra(
        pool: &Pool,
        tenant: Tenant,
        scope: Scope,
        wire: &Wire,
        results: &[TaskProcessingResult],
    ) -> Result<Self::Extra, GraphError> {
        let subject_ids = results.iter().map(|result| result.subject_id);
        let subjects = users::subjects(pool, tenant, wire, subject_ids).await?;
        if !wire.expands("task") {
            return Ok((HashMap::new(), subjects));
        }
        // A result may be of a task of any version.
        let tasks = db::tasks::of_every_version_by_id(pool, tenant, scope.workflow_id()).await?;
        Ok((tasks, subjects))
    }

    fn render(
        result: TaskProcessingResult,
        evolvable: EvolvableMembers,
        (tasks, subjects): &Self::Extra,
    ) -> TaskProcessingResultJson {
        let task = tasks.get(&result.task_id).cloned();
        let subject = subjects.get(&result.subject_id).cloned();
        let mut json = TaskProcessingResultJson::new(result, evolvable);
        if let Some(task) = task {
            json = json.with_task(task, evolvable);
        }
        match subject {
            Some(user) => json.with_subject(user),
            None => json,
        }
    }
}

/// `…/userProcessingResults/{u}/taskProcessingResults`.
impl CollectionPath<TaskProcessingResults> for UserProcessingResultRef {
    fn scope(self) -> Scope {
        Scope::UserProcessingResult(self)
    }
}

/// `…/runs/{r}/taskProcessingResults`.
impl CollectionPath<TaskProcessingResults> for RunKey {
    fn scope(self) -> Scope {
        Scope::Run(self)
    }
}

/// `…/tasks/{t}/taskProcessingResults`.
impl CollectionPath<TaskProcessingResults> for TaskKey {
    fn scope(self) -> Scope {
        Scope::Task(self)
    }
}

/// `…/taskProcessingResults/{p}/task/taskProcessingResults`.
impl CollectionPath<TaskProcessingResults> for TaskProcessingResultRef {
    const SEGMENT: &'static str = "task/taskProcessingResults";

    fn scope(self) -> Scope {
        Scope::SameTaskAs(self)
    }
}

impl ItemPath<TaskProcessingResults> for TaskProcessingResultRef {
    fn scope(self) -> Scope {
        Scope::UserProcessingResult(self.parent())
    }

    fn id(self) -> Uuid {
        self.task_processing_result_id
    }

    fn parent(self, tree: Tree) -> Address {
        self.parent().address(tree)
    }
}

impl ItemPath<TaskProcessingResults> for RunTaskResultKey {
    fn scope(self) -> Scope {
        Scope::Run(self.run())
    }

    fn id(self) -> Uuid {
        self.task_processing_result_id
    }

    fn parent(self, tree: Tree) -> Address {
        self.run().address(tree)
    }
}

impl ItemPath<TaskProcessingResults> for TaskResultKey {
    fn scope(self) -> Scope {
        Scope::Task(self.task())
    }

    fn id(self) -> Uuid {
        self.task_processing_result_id
    }

    fn parent(self, tree: Tree) -> Address {
        self.task().address(tree)
    }

    fn missing(self, _: &Address) -> String {
        format!(
            "No taskProcessingResult with id '{}' exists for task '{}'.",
            self.task_processing_result_id, self.task_id
        )
    }
}

impl ItemPath<TaskProcessingResults> for SameTaskResultKey {
    fn scope(self) -> Scope {
        Scope::SameTaskAs(self.origin())
    }

    fn id(self) -> Uuid {
        self.same_task_result_id
    }

    fn parent(self, tree: Tree) -> Address {
        self.origin().address(tree)
    }

    fn missing(self, _: &Address) -> String {
        format!(
            "No taskProcessingResult with id '{}' exists for the task of taskProcessingResult '{}'.",
            self.same_task_result_id, self.task_processing_result_id
        )
    }
}

impl Updated for TaskProcessingResults {
    type Key = TaskProcessingResultRef;
    type Body = TaskProcessingResultPatchBody;
    type Write = WriteReports;

    async fn update(
        pool: &Pool,
        tenant: Tenant,
        tree: Tree,
        key: TaskProcessingResultRef,
        body: TaskProcessingResultPatchBody,
    ) -> Result<bool, GraphError> {
        let update = body.into_domain()?;
        Ok(db::task_processing_results::update(pool, tenant, tree, key, &update).await?)
    }
}

/// `POST …/userProcessingResults/{u}/taskProcessingResults`: a result of the task
/// the body names, which must be a task of the same workflow.
impl Creates<TaskProcessingResults> for UserProcessingResultKey {
    type Body = TaskProcessingResultBody;
    type New = (NewTaskProcessingResult, Uuid);
    type Write = WriteReports;

    fn validate(
        self,
        body: TaskProcessingResultBody,
    ) -> Result<(NewTaskProcessingResult, Uuid), ValidationError> {
        body.for_named_task()
    }

    async fn insert(
        self,
        connection: &mut WriteConnection<'_>,
        tenant: Tenant,
        tree: Tree,
        id: Uuid,
        (result, task_id): &(NewTaskProcessingResult, Uuid),
    ) -> Result<Option<TaskProcessingResult>, sqlx::Error> {
        let parent = self;
        db::task_processing_results::create(connection, tenant, tree, parent, id, *task_id, result)
            .await
    }

    fn scope(self) -> Scope {
        Scope::UserProcessingResult(self.into())
    }
}

/// `POST …/taskProcessingResults/{p}/task/taskProcessingResults`: a new result for
/// the task of result `p`, under the same userProcessingResult, in one statement.
impl Creates<TaskProcessingResults> for TaskProcessingResultKey {
    type Body = TaskProcessingResultBody;
    type New = NewTaskProcessingResult;
    type Write = WriteReports;

    fn validate(
        self,
        body: TaskProcessingResultBody,
    ) -> Result<NewTaskProcessingResult, ValidationError> {
        body.for_same_task(self.task_processing_result_id)
    }

    async fn insert(
        self,
        connection: &mut WriteConnection<'_>,
        tenant: Tenant,
        tree: Tree,
        id: Uuid,
        result: &NewTaskProcessingResult,
    ) -> Result<Option<TaskProcessingResult>, sqlx::Error> {
        let origin = self;
        db::task_processing_results::create_for_same_task(
            connection, tenant, tree, origin, id, result,
        )
        .await
    }

    fn scope(self) -> Scope {
        Scope::SameTaskAs(self.into())
    }
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
