//! The JSON shape of each entity: every property present, absent values as `null`,
//! timestamps in UTC, evolvable enum members shown only to clients that opted in.

use super::directory::UserJson;
use super::projection::Resource;
use crate::domain::enums::{
    EvolvableMembers, ProcessingStatus, TaskCategory, WorkflowCategory, WorkflowExecutionType,
};
use crate::domain::run::{Run, RunSummary};
use crate::domain::task_processing_result::TaskProcessingResult;
use crate::domain::task_report::{TaskReport, TaskReportSummary};
use crate::domain::timestamp;
use crate::domain::user::User;
use crate::domain::user_processing_result::{UserProcessingResult, UserSummary};
use crate::domain::workflow::{ExecutionConditions, Task, TaskArgument, Workflow, WorkflowVersion};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A result's `subject`: the user when the request expands it and the
/// directory holds the user, otherwise a reference, `{"id": …}`.
#[derive(Serialize)]
#[serde(untagged)]
enum SubjectJson {
    Reference { id: Uuid },
    User(Box<UserJson>),
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::workflow)]
pub struct WorkflowJson {
    id: Uuid,
    #[schema(value_type = WorkflowCategory)]
    category: &'static str,
    display_name: String,
    description: Option<String>,
    is_enabled: bool,
    is_scheduling_enabled: bool,
    execution_conditions: ExecutionConditions,
    #[serde(serialize_with = "timestamp::serialize")]
    created_date_time: DateTime<Utc>,
    #[serde(serialize_with = "timestamp::serialize")]
    last_modified_date_time: DateTime<Utc>,
    #[serde(serialize_with = "timestamp::serialize_option")]
    deleted_date_time: Option<DateTime<Utc>>,
    #[serde(serialize_with = "timestamp::serialize_option")]
    next_schedule_run_date_time: Option<DateTime<Utc>>,
    version: i32,
    /// Inline on a single workflow; left out of lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    tasks: Option<Vec<TaskJson>>,
}

impl WorkflowJson {
    /// A single workflow, with its tasks.
    pub fn new(mut workflow: Workflow, evolvable: EvolvableMembers) -> Self {
        let tasks = std::mem::take(&mut workflow.tasks);
        Self {
            tasks: Some(
                tasks
                    .into_iter()
                    .map(|task| TaskJson::new(task, evolvable))
                    .collect(),
            ),
            ..Self::listed(workflow, evolvable)
        }
    }

    /// A workflow in a list, without its tasks.
    pub fn listed(workflow: Workflow, evolvable: EvolvableMembers) -> Self {
        Self {
            id: workflow.id,
            category: workflow.category.wire_name(evolvable),
            display_name: workflow.display_name,
            description: workflow.description,
            is_enabled: workflow.is_enabled,
            is_scheduling_enabled: workflow.is_scheduling_enabled,
            execution_conditions: workflow.execution_conditions,
            created_date_time: workflow.created_date_time,
            last_modified_date_time: workflow.last_modified_date_time,
            deleted_date_time: workflow.deleted_date_time,
            next_schedule_run_date_time: workflow.next_schedule_run_date_time,
            version: workflow.version,
            tasks: None,
        }
    }
}

/// A version of a workflow: its definition as it was, with its tasks when
/// `$expand=tasks` asks for them.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::workflowVersion)]
pub struct WorkflowVersionJson {
    version_number: i32,
    #[schema(value_type = WorkflowCategory)]
    category: &'static str,
    display_name: String,
    description: Option<String>,
    is_enabled: bool,
    is_scheduling_enabled: bool,
    execution_conditions: ExecutionConditions,
    #[serde(serialize_with = "timestamp::serialize")]
    created_date_time: DateTime<Utc>,
    #[serde(serialize_with = "timestamp::serialize")]
    last_modified_date_time: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tasks: Option<Vec<TaskJson>>,
}

impl WorkflowVersionJson {
    pub fn new(
        version: WorkflowVersion,
        tasks: Option<Vec<Task>>,
        evolvable: EvolvableMembers,
    ) -> Self {
        Self {
            version_number: version.version_number,
            category: version.category.wire_name(evolvable),
            display_name: version.display_name,
            description: version.description,
            is_enabled: version.is_enabled,
            is_scheduling_enabled: version.is_scheduling_enabled,
            execution_conditions: version.execution_conditions,
            created_date_time: version.created_date_time,
            last_modified_date_time: version.last_modified_date_time,
            tasks: tasks.map(|tasks| {
                tasks
                    .into_iter()
                    .map(|task| TaskJson::new(task, evolvable))
                    .collect()
            }),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::task)]
pub struct TaskJson {
    id: Uuid,
    display_name: String,
    description: Option<String>,
    task_definition_id: Uuid,
    #[schema(value_type = TaskCategory)]
    category: String,
    continue_on_error: bool,
    is_enabled: bool,
    execution_sequence: i32,
    arguments: Vec<TaskArgument>,
}

impl TaskJson {
    pub fn new(task: Task, evolvable: EvolvableMembers) -> Self {
        Self {
            id: task.id,
            display_name: task.display_name,
            description: task.description,
            task_definition_id: task.task_definition_id,
            category: task.category.wire_name(evolvable),
            continue_on_error: task.continue_on_error,
            is_enabled: task.is_enabled,
            execution_sequence: task.execution_sequence,
            arguments: task.arguments,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::run)]
pub struct RunJson {
    id: Uuid,
    #[schema(value_type = ProcessingStatus)]
    processing_status: &'static str,
    #[schema(value_type = WorkflowExecutionType)]
    workflow_execution_type: &'static str,
    #[serde(serialize_with = "timestamp::serialize")]
    scheduled_date_time: DateTime<Utc>,
    #[serde(serialize_with = "timestamp::serialize_option")]
    started_date_time: Option<DateTime<Utc>>,
    #[serde(serialize_with = "timestamp::serialize_option")]
    completed_date_time: Option<DateTime<Utc>>,
    #[serde(serialize_with = "timestamp::serialize")]
    last_updated_date_time: DateTime<Utc>,
    total_users_count: i64,
    successful_users_count: i64,
    failed_users_count: i64,
    total_tasks_count: i64,
    failed_tasks_count: i64,
    total_unprocessed_tasks_count: i64,
}

impl RunJson {
    pub fn new(run: Run, evolvable: EvolvableMembers) -> Self {
        Self {
            id: run.id,
            processing_status: run.processing_status.wire_name(evolvable),
            workflow_execution_type: run.workflow_execution_type.wire_name(evolvable),
            scheduled_date_time: run.scheduled_date_time,
            started_date_time: run.started_date_time,
            completed_date_time: run.completed_date_time,
            last_updated_date_time: run.last_updated_date_time,
            total_users_count: run.users.total,
            successful_users_count: run.users.successful,
            failed_users_count: run.users.failed,
            total_tasks_count: run.tasks.total,
            failed_tasks_count: run.tasks.failed,
            total_unprocessed_tasks_count: run.tasks.unprocessed,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::userProcessingResult)]
pub struct UserProcessingResultJson {
    id: Uuid,
    #[schema(value_type = UserJson)]
    subject: SubjectJson,
    #[schema(value_type = ProcessingStatus)]
    processing_status: &'static str,
    #[schema(value_type = WorkflowExecutionType)]
    workflow_execution_type: &'static str,
    #[serde(serialize_with = "timestamp::serialize")]
    scheduled_date_time: DateTime<Utc>,
    #[serde(serialize_with = "timestamp::serialize_option")]
    started_date_time: Option<DateTime<Utc>>,
    #[serde(serialize_with = "timestamp::serialize_option")]
    completed_date_time: Option<DateTime<Utc>>,
    workflow_version: i32,
    total_tasks_count: i64,
    failed_tasks_count: i64,
    total_unprocessed_tasks_count: i64,
}

impl UserProcessingResultJson {
    pub fn new(result: UserProcessingResult, evolvable: EvolvableMembers) -> Self {
        Self {
            id: result.id,
            subject: SubjectJson::Reference {
                id: result.subject_id,
            },
            processing_status: result.processing_status.wire_name(evolvable),
            workflow_execution_type: result.workflow_execution_type.wire_name(evolvable),
            scheduled_date_time: result.scheduled_date_time,
            started_date_time: result.started_date_time,
            completed_date_time: result.completed_date_time,
            workflow_version: result.workflow_version,
            total_tasks_count: result.tasks.total,
            failed_tasks_count: result.tasks.failed,
            total_unprocessed_tasks_count: result.tasks.unprocessed,
        }
    }

    /// The result with its subject as the directory holds it (`$expand=subject`).
    pub fn with_subject(self, user: User) -> Self {
        Self {
            subject: SubjectJson::User(Box::new(user.into())),
            ..self
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::taskProcessingResult)]
pub struct TaskProcessingResultJson {
    id: Uuid,
    #[serde(serialize_with = "timestamp::serialize")]
    created_date_time: DateTime<Utc>,
    #[schema(value_type = ProcessingStatus)]
    processing_status: &'static str,
    #[serde(serialize_with = "timestamp::serialize_option")]
    started_date_time: Option<DateTime<Utc>>,
    #[serde(serialize_with = "timestamp::serialize_option")]
    completed_date_time: Option<DateTime<Utc>>,
    failure_reason: Option<String>,
    processing_info: Option<String>,
    #[schema(value_type = UserJson)]
    subject: SubjectJson,
    /// With `$expand=task` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<TaskJson>,
}

impl TaskProcessingResultJson {
    pub fn new(result: TaskProcessingResult, evolvable: EvolvableMembers) -> Self {
        Self {
            id: result.id,
            created_date_time: result.created_date_time,
            processing_status: result.processing_status.wire_name(evolvable),
            started_date_time: result.started_date_time,
            completed_date_time: result.completed_date_time,
            failure_reason: result.failure_reason,
            processing_info: result.processing_info,
            subject: SubjectJson::Reference {
                id: result.subject_id,
            },
            task: None,
        }
    }

    /// The result with its subject as the directory holds it (`$expand=subject`).
    pub fn with_subject(self, user: User) -> Self {
        Self {
            subject: SubjectJson::User(Box::new(user.into())),
            ..self
        }
    }

    /// The result with the task it ran inline (`$expand=task`).
    pub fn with_task(self, task: Task, evolvable: EvolvableMembers) -> Self {
        Self {
            task: Some(TaskJson::new(task, evolvable)),
            ..self
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::runSummary)]
pub struct RunSummaryJson {
    failed_runs: i64,
    failed_tasks: i64,
    successful_runs: i64,
    total_runs: i64,
    total_tasks: i64,
    total_users: i64,
}

impl From<RunSummary> for RunSummaryJson {
    fn from(summary: RunSummary) -> Self {
        Self {
            failed_runs: summary.failed_runs,
            failed_tasks: summary.failed_tasks,
            successful_runs: summary.successful_runs,
            total_runs: summary.total_runs,
            total_tasks: summary.total_tasks,
            total_users: summary.total_users,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::userSummary)]
pub struct UserSummaryJson {
    failed_tasks: i64,
    failed_users: i64,
    successful_users: i64,
    total_tasks: i64,
    total_users: i64,
}

impl From<UserSummary> for UserSummaryJson {
    fn from(summary: UserSummary) -> Self {
        Self {
            failed_tasks: summary.failed_tasks,
            failed_users: summary.failed_users,
            successful_users: summary.successful_users,
            total_tasks: summary.total_tasks,
            total_users: summary.total_users,
        }
    }
}

impl Resource for WorkflowJson {
    const EXPANDABLE: &'static [&'static str] = &["tasks"];
    const TYPE: &'static str = "workflow";
    const PROPERTIES: &'static [&'static str] = &[
        "id",
        "category",
        "displayName",
        "description",
        "isEnabled",
        "isSchedulingEnabled",
        "executionConditions",
        "createdDateTime",
        "lastModifiedDateTime",
        "deletedDateTime",
        "nextScheduleRunDateTime",
        "version",
        "tasks",
    ];
}

impl Resource for WorkflowVersionJson {
    const EXPANDABLE: &'static [&'static str] = &["tasks"];
    const TYPE: &'static str = "workflowVersion";
    const KEY: &'static str = "versionNumber";
    const PROPERTIES: &'static [&'static str] = &[
        "versionNumber",
        "category",
        "displayName",
        "description",
        "isEnabled",
        "isSchedulingEnabled",
        "executionConditions",
        "createdDateTime",
        "lastModifiedDateTime",
        "tasks",
    ];
}

/// `taskReport`: a task's processing in one run.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::taskReport)]
pub struct TaskReportJson {
    id: Uuid,
    run_id: Uuid,
    #[schema(value_type = ProcessingStatus)]
    processing_status: &'static str,
    #[serde(serialize_with = "timestamp::serialize_option")]
    started_date_time: Option<DateTime<Utc>>,
    #[serde(serialize_with = "timestamp::serialize_option")]
    completed_date_time: Option<DateTime<Utc>>,
    #[serde(serialize_with = "timestamp::serialize")]
    last_updated_date_time: DateTime<Utc>,
    total_users_count: i64,
    successful_users_count: i64,
    failed_users_count: i64,
    unprocessed_users_count: i64,
    /// With `$expand=task`.
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<TaskJson>,
}

impl TaskReportJson {
    pub fn new(report: TaskReport, task: Option<Task>, evolvable: EvolvableMembers) -> Self {
        Self {
            id: report.id,
            run_id: report.run_id,
            processing_status: report.processing_status.wire_name(evolvable),
            started_date_time: report.started_date_time,
            completed_date_time: report.completed_date_time,
            last_updated_date_time: report.last_updated_date_time,
            total_users_count: report.total_users,
            successful_users_count: report.successful_users,
            failed_users_count: report.failed_users,
            unprocessed_users_count: report.unprocessed_users,
            task: task.map(|task| TaskJson::new(task, evolvable)),
        }
    }
}

impl Resource for TaskReportJson {
    const EXPANDABLE: &'static [&'static str] = &["task"];
    const TYPE: &'static str = "taskReport";
    const PROPERTIES: &'static [&'static str] = &[
        "id",
        "runId",
        "processingStatus",
        "startedDateTime",
        "completedDateTime",
        "lastUpdatedDateTime",
        "totalUsersCount",
        "successfulUsersCount",
        "failedUsersCount",
        "unprocessedUsersCount",
        "task",
    ];
}

/// `taskReportSummary`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::taskReportSummary)]
pub struct TaskReportSummaryJson {
    successful_tasks: i64,
    failed_tasks: i64,
    unprocessed_tasks: i64,
    total_tasks: i64,
}

impl From<TaskReportSummary> for TaskReportSummaryJson {
    fn from(summary: TaskReportSummary) -> Self {
        Self {
            successful_tasks: summary.successful_tasks,
            failed_tasks: summary.failed_tasks,
            unprocessed_tasks: summary.unprocessed_tasks,
            total_tasks: summary.total_tasks,
        }
    }
}

impl Resource for TaskJson {
    const EXPANDABLE: &'static [&'static str] = &[];
    const TYPE: &'static str = "task";
    const PROPERTIES: &'static [&'static str] = &[
        "id",
        "displayName",
        "description",
        "taskDefinitionId",
        "category",
        "continueOnError",
        "isEnabled",
        "executionSequence",
        "arguments",
    ];
}

impl Resource for RunJson {
    const EXPANDABLE: &'static [&'static str] = &[];
    const TYPE: &'static str = "run";
    const PROPERTIES: &'static [&'static str] = &[
        "id",
        "processingStatus",
        "workflowExecutionType",
        "scheduledDateTime",
        "startedDateTime",
        "completedDateTime",
        "lastUpdatedDateTime",
        "totalUsersCount",
        "successfulUsersCount",
        "failedUsersCount",
        "totalTasksCount",
        "failedTasksCount",
        "totalUnprocessedTasksCount",
    ];
}

impl Resource for UserProcessingResultJson {
    const EXPANDABLE: &'static [&'static str] = &["subject"];
    const TYPE: &'static str = "userProcessingResult";
    const PROPERTIES: &'static [&'static str] = &[
        "id",
        "subject",
        "processingStatus",
        "workflowExecutionType",
        "scheduledDateTime",
        "startedDateTime",
        "completedDateTime",
        "workflowVersion",
        "totalTasksCount",
        "failedTasksCount",
        "totalUnprocessedTasksCount",
    ];
}

impl Resource for TaskProcessingResultJson {
    const EXPANDABLE: &'static [&'static str] = &["subject", "task"];
    const TYPE: &'static str = "taskProcessingResult";
    const PROPERTIES: &'static [&'static str] = &[
        "id",
        "createdDateTime",
        "processingStatus",
        "startedDateTime",
        "completedDateTime",
        "failureReason",
        "processingInfo",
        "subject",
    ];
}
