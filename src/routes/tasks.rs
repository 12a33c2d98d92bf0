//! The tasks of a workflow's current version and of its numbered versions, in
//! both trees: list, get, update (current version only), and the task of a
//! result.

use super::collection::{self, CollectionPath, ItemPath, Served, Updated};
use super::tree::Node;
use super::{not_found, task_processing_results};
use crate::auth::{Authorized, ReadReports, ReadWorkflows, WriteWorkflows};
use crate::db;
use crate::db::tasks::Tasks;
use crate::db::Pool;
use crate::domain::enums::EvolvableMembers;
use crate::domain::keys::{
    Address, Addressed, EntitySet, TaskKey, TaskProcessingResultRef, TaskResultKey, VersionRef,
    TASKS,
};
use crate::domain::patch::Patch;
use crate::domain::validation::{check_odata_type, ValidationError};
use crate::domain::workflow::{Task, TaskUpdate, Tree};
use crate::error::GraphError;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::wire::{TaskJson, Wire};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// `…/workflows/{w}/tasks` and beneath: the current version's tasks, which a
/// PATCH may rename.
pub fn routes() -> Node {
    let task = collection::updated::<Tasks>(
        collection::item::<Tasks, TaskKey>("/{taskId}", "Get a task"),
        "Update a task's displayName or description",
    );
    node(
        task,
        ["List the workflow's tasks", "Count the workflow's tasks"],
    )
}

/// `…/versions/{n}/tasks` and beneath: a version's tasks, read-only.
pub fn of_version() -> Node {
    node(
        collection::item::<Tasks, TaskKey>("/{taskId}", "Get a task of the version"),
        ["List the version's tasks", "Count the version's tasks"],
    )
}

/// The tasks' collection above `task`, and the results beneath it.
fn node(task: Node, summaries: [&'static str; 2]) -> Node {
    collection::node::<Tasks, VersionRef>("/tasks", summaries).child(task.child(
        task_processing_results::readable::<TaskKey, TaskResultKey>([
            "List the results of the task, across runs",
            "Count the results of the task",
            "Get a result of the task",
        ]),
    ))
}

impl Served for Tasks {
    const SET: &'static EntitySet = &TASKS;
    type Json = TaskJson;
    type Read = ReadWorkflows;
    type Extra = ();

    fn address(tree: Tree, version: VersionRef, task: &Task) -> Address {
        let key = TaskKey {
            workflow_id: version.workflow_id,
            version_number: version.version_number,
            task_id: task.id,
        };
        key.address(tree)
    }

    fn render(task: Task, evolvable: EvolvableMembers, _: &()) -> TaskJson {
        TaskJson::new(task, evolvable)
    }
}

impl CollectionPath<Tasks> for VersionRef {
    fn scope(self) -> VersionRef {
        self
    }
}

impl ItemPath<Tasks> for TaskKey {
    fn scope(self) -> VersionRef {
        self.version()
    }

    fn id(self) -> Uuid {
        self.task_id
    }

    fn parent(self, tree: Tree) -> Address {
        self.version().address(tree)
    }
}

impl Updated for Tasks {
    type Key = TaskKey;
    type Body = TaskPatchBody;
    type Write = WriteWorkflows;

    async fn update(
        pool: &Pool,
        tenant: Tenant,
        tree: Tree,
        key: TaskKey,
        body: TaskPatchBody,
    ) -> Result<bool, GraphError> {
        let update = body.into_domain()?;
        Ok(db::tasks::update(pool, tenant, tree, key, &update).await?)
    }
}

/// `GET …/taskProcessingResults/{p}/task`: the task the result ran.
pub(super) async fn of_result(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<ReadReports>,
    tree: Tree,
    key: web::Path<TaskProcessingResultRef>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    match db::tasks::of_result(&state.pool, tenant, tree, key).await? {
        Some(task) => wire.ok(
            &Tasks::address(tree, key.workflow().current_version(), &task),
            TaskJson::new(task, wire.evolvable),
        ),
        None => Err(not_found(&state, tenant, key.address(tree)).await),
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
