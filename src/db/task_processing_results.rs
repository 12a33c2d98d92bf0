//! taskProcessingResults. Each carries its task and the subject of its
//! userProcessingResult, both fixed when it is created.

use super::page::Collection;
use super::transaction::WriteConnection;
use crate::domain::enums::ProcessingStatus;
use crate::domain::keys::{
    RunKey, TaskKey, TaskProcessingResultKey, TaskProcessingResultRef, TaskReportKey,
    UserProcessingResultKey, UserProcessingResultRef,
};
use crate::domain::task_processing_result::{
    NewTaskProcessingResult, TaskProcessingResult, TaskProcessingResultUpdate,
};
use crate::domain::workflow::Tree;
use crate::odata::{Field, FieldKind};
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

/// Inserts a result of `task_id` under a userProcessingResult in `tree`, in one
/// statement. None when there is no such userProcessingResult; a task that is not
/// the workflow's violates `task_processing_results_task_fkey`. The parent's
/// primary key is the only index whose two leading columns this lookup binds, so
/// it has one plan whatever the statistics (docs/QUERY-PLANS.md).
pub async fn create(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    tree: Tree,
    parent: UserProcessingResultKey,
    id: Uuid,
    task_id: Uuid,
    result: &NewTaskProcessingResult,
) -> Result<Option<TaskProcessingResult>, sqlx::Error> {
    // The tenant is copied from the parent, so that Citus sends the statement
    // whole to the parent's shard; the target is aliased and RETURNING names
    // the alias, without which Citus deparses the prepared statement into a
    // shard query that cannot run.
    let row = sqlx::query_as!(
        TaskProcessingResultRow,
        r#"insert into task_processing_results as t
               (tenant_id, workflow_id, run_id, user_processing_result_id, id, task_id, subject_id,
                created_date_time, processing_status, started_date_time, completed_date_time,
                failure_reason, processing_info)
           select u.tenant_id, u.workflow_id, u.run_id, u.id, $5, $6, u.subject_id,
                  $7, $8, $9, $10, $11, $12
           from user_processing_results u
           join workflows w on w.tenant_id = u.tenant_id and w.id = u.workflow_id
           where u.tenant_id = $1 and u.workflow_id = $2 and u.run_id = $3 and u.id = $4
             and (w.deleted_date_time is not null) = $13
           returning t.workflow_id, t.run_id, t.user_processing_result_id, t.id, t.task_id,
                     t.subject_id, t.created_date_time,
                     t.processing_status as "processing_status: ProcessingStatus",
                     t.started_date_time, t.completed_date_time, t.failure_reason,
                     t.processing_info"#,
        tenant.id(),
        parent.workflow_id,
        parent.run_id,
        parent.user_processing_result_id,
        id,
        task_id,
        result.created_date_time,
        result.processing_status.as_str(),
        result.started_date_time,
        result.completed_date_time,
        result.failure_reason,
        result.processing_info,
        tree.is_deleted(),
    )
    .fetch_optional(connection.get())
    .await?;
    Ok(row.map(TaskProcessingResult::from))
}

/// Inserts a new result for the same task and the same userProcessingResult as the
/// result at `origin`, in one statement: finding the origin in `tree` proves the
/// whole parent chain. None when the origin is not there. The origin is found by
/// its `(tenant_id, id)` key alone, fenced off from the other conditions (by
/// `offset 0`, a fence Citus still sends whole to the shard, as it does not a
/// CTE): the other indexes that lead with the workflow and run would look as
/// cheap to the planner, and read every sibling (docs/QUERY-PLANS.md).
pub async fn create_for_same_task(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    tree: Tree,
    origin: TaskProcessingResultKey,
    id: Uuid,
    result: &NewTaskProcessingResult,
) -> Result<Option<TaskProcessingResult>, sqlx::Error> {
    // The tenant is copied from the origin and the target aliased, as in `create`.
    let row = sqlx::query_as!(
        TaskProcessingResultRow,
        r#"insert into task_processing_results as t
               (tenant_id, workflow_id, run_id, user_processing_result_id, id, task_id, subject_id,
                created_date_time, processing_status, started_date_time, completed_date_time,
                failure_reason, processing_info)
           select p.tenant_id, p.workflow_id, p.run_id, p.user_processing_result_id, $6, p.task_id,
                  p.subject_id, $7, $8, $9, $10, $11, $12
           from (
               select tenant_id, workflow_id, run_id, user_processing_result_id, task_id, subject_id
               from task_processing_results
               where tenant_id = $1 and id = $5
               offset 0
           ) p
           join workflows w on w.tenant_id = p.tenant_id and w.id = p.workflow_id
           where p.workflow_id = $2 and p.run_id = $3 and p.user_processing_result_id = $4
             and w.tenant_id = $1 and w.id = $2 and (w.deleted_date_time is not null) = $13
           returning t.workflow_id, t.run_id, t.user_processing_result_id, t.id, t.task_id,
                     t.subject_id, t.created_date_time,
                     t.processing_status as "processing_status: ProcessingStatus",
                     t.started_date_time, t.completed_date_time, t.failure_reason,
                     t.processing_info"#,
        tenant.id(),
        origin.workflow_id,
        origin.run_id,
        origin.user_processing_result_id,
        origin.task_processing_result_id,
        id,
        result.created_date_time,
        result.processing_status.as_str(),
        result.started_date_time,
        result.completed_date_time,
        result.failure_reason,
        result.processing_info,
        tree.is_deleted(),
    )
    .fetch_optional(connection.get())
    .await?;
    Ok(row.map(TaskProcessingResult::from))
}

/// Which taskProcessingResults a list holds.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// A userProcessingResult's (addressed with or without its run).
    UserProcessingResult(UserProcessingResultRef),
    /// A run's, across its users.
    Run(RunKey),
    /// A task's, across runs and users.
    Task(TaskKey),
    /// Those of the task of the result at this address, across runs and users.
    SameTaskAs(TaskProcessingResultRef),
    /// A task report's: those of its task in its run.
    Report(TaskReportKey),
}

/// Filterable properties of taskProcessingResults.
pub const FILTERABLE: &[Field] = &[
    Field::new("id", "t.id", FieldKind::Guid),
    Field::new("subject/id", "t.subject_id", FieldKind::Guid),
    Field::new("task/id", "t.task_id", FieldKind::Guid),
    Field::new(
        "processingStatus",
        "t.processing_status",
        FieldKind::Enum(ProcessingStatus::NAMES),
    ),
    Field::new(
        "createdDateTime",
        "t.created_date_time",
        FieldKind::DateTime,
    ),
    Field::new(
        "startedDateTime",
        "t.started_date_time",
        FieldKind::DateTime,
    ),
    Field::new(
        "completedDateTime",
        "t.completed_date_time",
        FieldKind::DateTime,
    ),
    Field::new("failureReason", "t.failure_reason", FieldKind::String),
    Field::new("processingInfo", "t.processing_info", FieldKind::String),
];

impl Scope {
    /// The workflow every result of the scope belongs to.
    pub fn workflow_id(&self) -> Uuid {
        match self {
            Scope::UserProcessingResult(user) => user.workflow_id,
            Scope::Run(run) => run.workflow_id,
            Scope::Task(task) => task.workflow_id,
            Scope::SameTaskAs(origin) => origin.workflow_id,
            Scope::Report(report) => report.workflow_id,
        }
    }
}

/// taskProcessingResults.
pub(crate) struct TaskProcessingResults;

impl Collection for TaskProcessingResults {
    type Scope = Scope;
    type Row = TaskProcessingResultRow;
    type Record = TaskProcessingResult;
    const ALIAS: &'static str = "t";
    const COLUMNS: &'static str = "select t.workflow_id, t.run_id, t.user_processing_result_id, t.id, t.task_id, t.subject_id,
                t.created_date_time, t.processing_status, t.started_date_time, t.completed_date_time,
                t.failure_reason, t.processing_info";
    const FILTERABLE: &'static [Field] = FILTERABLE;

    const FROM: &'static str =
        " from task_processing_results t join workflows w on w.tenant_id = t.tenant_id and w.id = t.workflow_id";

    fn push_where(
        builder: &mut QueryBuilder<'_, Postgres>,
        tenant: Tenant,
        tree: Tree,
        scope: Self::Scope,
    ) {
        builder
            .push(" where t.tenant_id = ")
            .push_bind(tenant.id())
            .push(" and (w.deleted_date_time is not null) = ")
            .push_bind(tree.is_deleted());
        match scope {
            Scope::UserProcessingResult(parent) => {
                builder
                    .push(" and t.workflow_id = ")
                    .push_bind(parent.workflow_id);
                if let Some(run_id) = parent.run_id {
                    builder.push(" and t.run_id = ").push_bind(run_id);
                }
                builder
                    .push(" and t.user_processing_result_id = ")
                    .push_bind(parent.user_processing_result_id);
            }
            Scope::Run(run) => {
                builder
                    .push(" and t.workflow_id = ")
                    .push_bind(run.workflow_id)
                    .push(" and t.run_id = ")
                    .push_bind(run.run_id);
            }
            // The task must be of the version the address names.
            Scope::Task(task) => {
                builder
                    .push(" and t.workflow_id = ")
                    .push_bind(task.workflow_id)
                    .push(
                        " and t.task_id = (select k.id from tasks k join workflows kw \
                         on kw.tenant_id = k.tenant_id and kw.id = k.workflow_id where k.tenant_id = ",
                    )
                    .push_bind(tenant.id())
                    .push(" and k.workflow_id = ")
                    .push_bind(task.workflow_id)
                    .push(" and k.id = ")
                    .push_bind(task.task_id)
                    .push(" and k.workflow_version = coalesce(")
                    .push_bind(task.version_number)
                    .push("::int, kw.version))");
            }
            // The run and task whose ids make the report's, found among the
            // workflow's runs and tasks.
            Scope::Report(report) => {
                builder
                    .push(" and t.workflow_id = ")
                    .push_bind(report.workflow_id)
                    .push(
                        " and (t.run_id, t.task_id) = (select n.id, k.id from runs n join tasks k \
                         on k.tenant_id = n.tenant_id and k.workflow_id = n.workflow_id where n.tenant_id = ",
                    )
                    .push_bind(tenant.id())
                    .push(" and n.workflow_id = ")
                    .push_bind(report.workflow_id)
                    .push(" and task_report_id(n.id, k.id) = ")
                    .push_bind(report.task_report_id)
                    .push(")");
            }
            Scope::SameTaskAs(origin) => {
                builder
                    .push(" and t.workflow_id = ")
                    .push_bind(origin.workflow_id)
                    .push(" and t.task_id = (select p.task_id from task_processing_results p where p.tenant_id = ")
                    .push_bind(tenant.id())
                    .push(" and p.workflow_id = ")
                    .push_bind(origin.workflow_id);
                if let Some(run_id) = origin.run_id {
                    builder.push(" and p.run_id = ").push_bind(run_id);
                }
                builder
                    .push(" and p.user_processing_result_id = ")
                    .push_bind(origin.user_processing_result_id)
                    .push(" and p.id = ")
                    .push_bind(origin.task_processing_result_id)
                    .push(")");
            }
        }
    }
}

/// Applies `update`; false when there is no such result in `tree`.
pub async fn update(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    key: TaskProcessingResultRef,
    update: &TaskProcessingResultUpdate,
) -> Result<bool, sqlx::Error> {
    let processing = &update.processing;
    let result = sqlx::query!(
        "update task_processing_results t
         set processing_status = coalesce($6, t.processing_status),
             started_date_time = case when $7 then $8 else t.started_date_time end,
             completed_date_time = case when $9 then $10 else t.completed_date_time end,
             failure_reason = case when $11 then $12 else t.failure_reason end,
             processing_info = case when $13 then $14 else t.processing_info end
         from workflows w
         where w.tenant_id = t.tenant_id and w.id = t.workflow_id and (w.deleted_date_time is not null) = $15
           and t.tenant_id = $1 and t.workflow_id = $2 and ($3::uuid is null or t.run_id = $3)
           and t.user_processing_result_id = $4 and t.id = $5",
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        key.task_processing_result_id,
        processing.processing_status.map(ProcessingStatus::as_str),
        processing.started_date_time.is_present(),
        processing.started_date_time.value(),
        processing.completed_date_time.is_present(),
        processing.completed_date_time.value(),
        update.failure_reason.is_present(),
        update.failure_reason.value(),
        update.processing_info.is_present(),
        update.processing_info.value(),
        tree.is_deleted(),
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

#[derive(sqlx::FromRow)]
pub(crate) struct TaskProcessingResultRow {
    workflow_id: Uuid,
    run_id: Uuid,
    user_processing_result_id: Uuid,
    id: Uuid,
    task_id: Uuid,
    subject_id: Uuid,
    created_date_time: DateTime<Utc>,
    processing_status: ProcessingStatus,
    started_date_time: Option<DateTime<Utc>>,
    completed_date_time: Option<DateTime<Utc>>,
    failure_reason: Option<String>,
    processing_info: Option<String>,
}

impl From<TaskProcessingResultRow> for TaskProcessingResult {
    fn from(row: TaskProcessingResultRow) -> Self {
        TaskProcessingResult {
            workflow_id: row.workflow_id,
            run_id: row.run_id,
            user_processing_result_id: row.user_processing_result_id,
            id: row.id,
            task_id: row.task_id,
            subject_id: row.subject_id,
            created_date_time: row.created_date_time,
            processing_status: row.processing_status,
            started_date_time: row.started_date_time,
            completed_date_time: row.completed_date_time,
            failure_reason: row.failure_reason,
            processing_info: row.processing_info,
        }
    }
}
