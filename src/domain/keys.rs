//! The keys that address an entity in the hierarchy: one type per depth, each
//! holding every ancestor's id, as the URL does.

use super::workflow::Tree;
use serde::Deserialize;
use std::fmt;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowKey {
    pub workflow_id: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunKey {
    pub workflow_id: Uuid,
    pub run_id: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProcessingResultKey {
    pub workflow_id: Uuid,
    pub run_id: Uuid,
    pub user_processing_result_id: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskProcessingResultKey {
    pub workflow_id: Uuid,
    pub run_id: Uuid,
    pub user_processing_result_id: Uuid,
    pub task_processing_result_id: Uuid,
}

/// A userProcessingResult addressed with or without its run:
/// `…/runs/{r}/userProcessingResults/{u}` or `…/{w}/userProcessingResults/{u}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProcessingResultRef {
    pub workflow_id: Uuid,
    #[serde(default)]
    pub run_id: Option<Uuid>,
    pub user_processing_result_id: Uuid,
}

/// The service root, where Graph's directory lives: the parent of `/users`
/// and `/groups`. Its path has no parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct DirectoryRoot {}

/// A user of the directory: `/users/{userId}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserKey {
    pub user_id: Uuid,
}

/// A group of the directory: `/groups/{groupId}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupKey {
    pub group_id: Uuid,
}

/// A custom task extension: `{base}/customTaskExtensions/{customTaskExtensionId}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomTaskExtensionKey {
    pub custom_task_extension_id: Uuid,
}

/// A member of a group: `/groups/{groupId}/members/{directoryObjectId}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberKey {
    pub group_id: Uuid,
    pub directory_object_id: Uuid,
}

impl MemberKey {
    pub fn group(self) -> GroupKey {
        GroupKey {
            group_id: self.group_id,
        }
    }
}

/// A taskProcessingResult under a userProcessingResult addressed with or without
/// its run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskProcessingResultRef {
    pub workflow_id: Uuid,
    #[serde(default)]
    pub run_id: Option<Uuid>,
    pub user_processing_result_id: Uuid,
    pub task_processing_result_id: Uuid,
}

/// A version of a workflow: a numbered one (`…/versions/{n}`), or, without a
/// number, the current one, whose tasks are the workflow's own (`…/{w}/tasks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionRef {
    pub workflow_id: Uuid,
    #[serde(default)]
    pub version_number: Option<i32>,
}

/// A numbered version of a workflow: `…/versions/{n}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionKey {
    pub workflow_id: Uuid,
    pub version_number: i32,
}

/// A task of the workflow's current version, or of the numbered version the
/// URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskKey {
    pub workflow_id: Uuid,
    #[serde(default)]
    pub version_number: Option<i32>,
    pub task_id: Uuid,
}

/// A taskProcessingResult addressed through a run: `…/runs/{r}/taskProcessingResults/{p}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunTaskResultKey {
    pub workflow_id: Uuid,
    pub run_id: Uuid,
    pub task_processing_result_id: Uuid,
}

/// A taskProcessingResult addressed through its task: `…/tasks/{t}/taskProcessingResults/{p}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskResultKey {
    pub workflow_id: Uuid,
    #[serde(default)]
    pub version_number: Option<i32>,
    pub task_id: Uuid,
    pub task_processing_result_id: Uuid,
}

/// A task report of a workflow: `…/taskReports/{taskReportId}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskReportKey {
    pub workflow_id: Uuid,
    pub task_report_id: Uuid,
}

/// A result of a task report: `…/taskReports/{r}/taskProcessingResults/{p}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskReportResultKey {
    pub workflow_id: Uuid,
    pub task_report_id: Uuid,
    pub task_processing_result_id: Uuid,
}

impl TaskReportResultKey {
    pub fn report(self) -> TaskReportKey {
        TaskReportKey {
            workflow_id: self.workflow_id,
            task_report_id: self.task_report_id,
        }
    }
}

impl TaskReportKey {
    pub fn workflow(self) -> WorkflowKey {
        WorkflowKey {
            workflow_id: self.workflow_id,
        }
    }
}

/// `…/taskProcessingResults/{p}/task/taskProcessingResults/{sameTaskResultId}`:
/// a result of the same task as result `p`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SameTaskResultKey {
    pub workflow_id: Uuid,
    #[serde(default)]
    pub run_id: Option<Uuid>,
    pub user_processing_result_id: Uuid,
    pub task_processing_result_id: Uuid,
    pub same_task_result_id: Uuid,
}

impl RunKey {
    pub fn workflow(self) -> WorkflowKey {
        WorkflowKey {
            workflow_id: self.workflow_id,
        }
    }
}

impl TaskKey {
    /// The version the task is addressed in.
    pub fn version(self) -> VersionRef {
        VersionRef {
            workflow_id: self.workflow_id,
            version_number: self.version_number,
        }
    }
}

impl WorkflowKey {
    pub fn current_version(self) -> VersionRef {
        VersionRef {
            workflow_id: self.workflow_id,
            version_number: None,
        }
    }
}

impl VersionRef {
    pub fn workflow(self) -> WorkflowKey {
        WorkflowKey {
            workflow_id: self.workflow_id,
        }
    }
}

impl VersionKey {
    pub fn workflow(self) -> WorkflowKey {
        WorkflowKey {
            workflow_id: self.workflow_id,
        }
    }
}

impl UserProcessingResultKey {
    pub fn run(self) -> RunKey {
        RunKey {
            workflow_id: self.workflow_id,
            run_id: self.run_id,
        }
    }
}

impl RunTaskResultKey {
    pub fn run(self) -> RunKey {
        RunKey {
            workflow_id: self.workflow_id,
            run_id: self.run_id,
        }
    }
}

impl TaskResultKey {
    pub fn task(self) -> TaskKey {
        TaskKey {
            workflow_id: self.workflow_id,
            version_number: self.version_number,
            task_id: self.task_id,
        }
    }
}

impl SameTaskResultKey {
    /// The address of the result whose task is meant.
    pub fn origin(self) -> TaskProcessingResultRef {
        TaskProcessingResultRef {
            workflow_id: self.workflow_id,
            run_id: self.run_id,
            user_processing_result_id: self.user_processing_result_id,
            task_processing_result_id: self.task_processing_result_id,
        }
    }
}

/// An entity set the API addresses: what a 404 calls its entities, the
/// segment that names it in a URL, and where its rows are (`db::locate` reads
/// them). A resource defines its own, so one definition says all of this.
#[derive(Debug, PartialEq, Eq)]
pub struct EntitySet {
    /// The entity type's name, as a 404 message gives it.
    pub name: &'static str,
    /// The collection's segment in a URL.
    pub segment: &'static str,
    pub table: &'static str,
    /// The column the address's key matches.
    pub key: &'static str,
    /// The column by which the rows of its descendants name it.
    pub reference: &'static str,
    /// Whether its rows are a tenant's; a catalog's are every tenant's.
    pub per_tenant: bool,
}

/// A set of the hierarchy or the directory: per tenant, keyed by `id`.
const fn hierarchy(
    name: &'static str,
    segment: &'static str,
    table: &'static str,
    reference: &'static str,
) -> EntitySet {
    EntitySet {
        name,
        segment,
        table,
        key: "id",
        reference,
        per_tenant: true,
    }
}

pub const WORKFLOWS: EntitySet = hierarchy("workflow", "workflows", "workflows", "workflow_id");
/// The tasks of a workflow's current version.
pub const TASKS: EntitySet = hierarchy("task", "tasks", "current_tasks", "task_id");
/// The tasks of a numbered version, which its address names.
pub const VERSION_TASKS: EntitySet = hierarchy("task", "tasks", "tasks", "task_id");
/// The task reports of a workflow (a view over its results).
pub const TASK_REPORTS: EntitySet = hierarchy(
    "taskReport",
    "taskReports",
    "task_reports",
    "task_report_id",
);
/// A workflow's versions, past and current, by number.
pub const VERSIONS: EntitySet = EntitySet {
    name: "workflowVersion",
    segment: "versions",
    table: "workflow_versions",
    key: "version_number",
    reference: "workflow_version",
    per_tenant: true,
};
pub const RUNS: EntitySet = hierarchy("run", "runs", "runs", "run_id");
pub const USER_PROCESSING_RESULTS: EntitySet = hierarchy(
    "userProcessingResult",
    "userProcessingResults",
    "user_processing_results",
    "user_processing_result_id",
);
pub const TASK_PROCESSING_RESULTS: EntitySet = hierarchy(
    "taskProcessingResult",
    "taskProcessingResults",
    "task_processing_results",
    "task_processing_result_id",
);

/// The tenant's custom task extensions, beside `workflows` in the container.
pub const CUSTOM_TASK_EXTENSIONS: EntitySet = hierarchy(
    "customTaskExtension",
    "customTaskExtensions",
    "custom_task_extensions",
    "custom_task_extension_id",
);

/// The users of the tenant's directory, at the service root.
pub const USERS: EntitySet = hierarchy("user", "users", "users", "user_id");
/// The groups of the tenant's directory, at the service root.
pub const GROUPS: EntitySet = hierarchy("group", "groups", "groups", "group_id");
/// The members of a group, named by the user's id.
pub const GROUP_MEMBERS: EntitySet = EntitySet {
    name: "member",
    segment: "members",
    table: "group_members",
    key: "user_id",
    reference: "user_id",
    per_tenant: true,
};

/// How a step of an address names its entity: an id, or a number (a version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Id(Uuid),
    Number(i64),
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Id(id) => write!(f, "{id}"),
            Key::Number(number) => write!(f, "{number}"),
        }
    }
}

/// One entity along an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub set: &'static EntitySet,
    pub key: Key,
}

/// Where an address's chain of entities starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The Lifecycle Workflows container (`identityGovernance/lifecycleWorkflows`).
    Container,
    /// The service root, where Graph's directory (`users`, `groups`) lives.
    Service,
}

/// Where a request points: a chain of entities from its origin down, as deep
/// as the URL goes, and the tree when the chain starts at a workflow. Used to say
/// which part of an address does not exist. A singleton (settings) is no step:
/// it always exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub origin: Origin,
    pub tree: Option<Tree>,
    pub steps: Vec<Step>,
}

impl Address {
    /// The container itself, the parent of the resources beside `workflows`.
    pub fn root() -> Self {
        Self {
            origin: Origin::Container,
            tree: None,
            steps: Vec::new(),
        }
    }

    /// The service root, the parent of the directory's users and groups.
    pub fn directory() -> Self {
        Self {
            origin: Origin::Service,
            ..Self::root()
        }
    }

    /// The entity `key` of `set` beneath this address.
    pub fn then(mut self, set: &'static EntitySet, key: Key) -> Self {
        self.steps.push(Step { set, key });
        self
    }

    pub fn then_id(self, set: &'static EntitySet, id: Uuid) -> Self {
        self.then(set, Key::Id(id))
    }

    fn in_tree(tree: Tree) -> Self {
        Self {
            tree: Some(tree),
            ..Self::root()
        }
    }

    /// The address of what this one is beneath.
    pub fn parent(mut self) -> Self {
        self.steps.pop();
        self
    }

    /// The 404 message for an entity of `set` with `key` that this address does
    /// not hold, when every step of the address exists.
    pub fn lacks(&self, set: &EntitySet, key: impl fmt::Display) -> String {
        match self.steps.last() {
            Some(parent) => format!(
                "No {} with id '{key}' exists in {} '{}'.",
                set.name, parent.set.name, parent.key
            ),
            None => format!("No {} with id '{key}' exists.", set.name),
        }
    }
}

/// A key that addresses an entity, in a tree: its [`Address`].
pub trait Addressed: Copy {
    fn address(self, tree: Tree) -> Address;
}

/// The container: the parent of the collections beside `workflows`.
impl Addressed for () {
    fn address(self, _: Tree) -> Address {
        Address::root()
    }
}

impl Addressed for WorkflowKey {
    fn address(self, tree: Tree) -> Address {
        Address::in_tree(tree).then_id(&WORKFLOWS, self.workflow_id)
    }
}

impl Addressed for RunKey {
    fn address(self, tree: Tree) -> Address {
        self.workflow().address(tree).then_id(&RUNS, self.run_id)
    }
}

/// With the version's step when the URL numbers one.
impl Addressed for VersionRef {
    fn address(self, tree: Tree) -> Address {
        let workflow = self.workflow().address(tree);
        match self.version_number {
            Some(number) => workflow.then(&VERSIONS, Key::Number(i64::from(number))),
            None => workflow,
        }
    }
}

impl Addressed for TaskReportKey {
    fn address(self, tree: Tree) -> Address {
        self.workflow()
            .address(tree)
            .then_id(&TASK_REPORTS, self.task_report_id)
    }
}

impl Addressed for VersionKey {
    fn address(self, tree: Tree) -> Address {
        let number = Key::Number(i64::from(self.version_number));
        self.workflow().address(tree).then(&VERSIONS, number)
    }
}

impl Addressed for TaskKey {
    fn address(self, tree: Tree) -> Address {
        let tasks = match self.version_number {
            Some(_) => &VERSION_TASKS,
            None => &TASKS,
        };
        self.version().address(tree).then_id(tasks, self.task_id)
    }
}

impl Addressed for CustomTaskExtensionKey {
    fn address(self, _: Tree) -> Address {
        Address::root().then_id(&CUSTOM_TASK_EXTENSIONS, self.custom_task_extension_id)
    }
}

impl Addressed for DirectoryRoot {
    fn address(self, _: Tree) -> Address {
        Address::directory()
    }
}

impl Addressed for UserKey {
    fn address(self, _: Tree) -> Address {
        Address::directory().then_id(&USERS, self.user_id)
    }
}

impl Addressed for GroupKey {
    fn address(self, _: Tree) -> Address {
        Address::directory().then_id(&GROUPS, self.group_id)
    }
}

impl Addressed for MemberKey {
    fn address(self, tree: Tree) -> Address {
        self.group()
            .address(tree)
            .then_id(&GROUP_MEMBERS, self.directory_object_id)
    }
}

/// With its run when the URL has it.
impl Addressed for UserProcessingResultRef {
    fn address(self, tree: Tree) -> Address {
        let workflow = WorkflowKey {
            workflow_id: self.workflow_id,
        };
        let parent = match self.run_id {
            Some(run_id) => workflow.address(tree).then_id(&RUNS, run_id),
            None => workflow.address(tree),
        };
        parent.then_id(&USER_PROCESSING_RESULTS, self.user_processing_result_id)
    }
}

impl Addressed for UserProcessingResultKey {
    fn address(self, tree: Tree) -> Address {
        UserProcessingResultRef::from(self).address(tree)
    }
}

impl Addressed for TaskProcessingResultRef {
    fn address(self, tree: Tree) -> Address {
        self.parent()
            .address(tree)
            .then_id(&TASK_PROCESSING_RESULTS, self.task_processing_result_id)
    }
}

impl TaskProcessingResultKey {
    pub fn user_processing_result(self) -> UserProcessingResultKey {
        UserProcessingResultKey {
            workflow_id: self.workflow_id,
            run_id: self.run_id,
            user_processing_result_id: self.user_processing_result_id,
        }
    }
}

impl Addressed for TaskProcessingResultKey {
    fn address(self, tree: Tree) -> Address {
        TaskProcessingResultRef::from(self).address(tree)
    }
}

impl From<UserProcessingResultKey> for UserProcessingResultRef {
    fn from(key: UserProcessingResultKey) -> Self {
        Self {
            workflow_id: key.workflow_id,
            run_id: Some(key.run_id),
            user_processing_result_id: key.user_processing_result_id,
        }
    }
}

impl From<TaskProcessingResultKey> for TaskProcessingResultRef {
    fn from(key: TaskProcessingResultKey) -> Self {
        Self {
            workflow_id: key.workflow_id,
            run_id: Some(key.run_id),
            user_processing_result_id: key.user_processing_result_id,
            task_processing_result_id: key.task_processing_result_id,
        }
    }
}

impl TaskProcessingResultRef {
    pub fn workflow(self) -> WorkflowKey {
        WorkflowKey {
            workflow_id: self.workflow_id,
        }
    }

    /// The userProcessingResult the result sits under.
    pub fn parent(self) -> UserProcessingResultRef {
        UserProcessingResultRef {
            workflow_id: self.workflow_id,
            run_id: self.run_id,
            user_processing_result_id: self.user_processing_result_id,
        }
    }
}
