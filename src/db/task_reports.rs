//! Task reports, read from the `task_reports` view (migration 12), which
//! derives them from the taskProcessingResults of one workflow at a time.

use super::page::{Collection, Identified};
use super::tasks::TaskRow;
use crate::domain::enums::ProcessingStatus;
use crate::domain::keys::{TaskReportKey, WorkflowKey};
use crate::domain::task_report::{TaskReport, TaskReportSummary};
use crate::domain::workflow::{Task, Tree};
use crate::odata::{Field, FieldKind};
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

/// Filterable properties of taskReports.
pub const FILTERABLE: &[Field] = &[
    Field::new("id", "r.id", FieldKind::Guid),
    Field::new("runId", "r.run_id", FieldKind::Guid),
    Field::new("task/id", "r.task_id", FieldKind::Guid),
    Field::new(
        "processingStatus",
        "r.processing_status",
        FieldKind::Enum(ProcessingStatus::NAMES),
    ),
    Field::new(
        "startedDateTime",
        "r.started_date_time",
        FieldKind::DateTime,
    ),
    Field::new(
        "completedDateTime",
        "r.completed_date_time",
        FieldKind::DateTime,
    ),
    Field::new(
        "lastUpdatedDateTime",
        "r.last_updated_date_time",
        FieldKind::DateTime,
    ),
    Field::new("totalUsersCount", "r.total_users", FieldKind::Integer),
    Field::new(
        "successfulUsersCount",
        "r.successful_users",
        FieldKind::Integer,
    ),
    Field::new("failedUsersCount", "r.failed_users", FieldKind::Integer),
    Field::new(
        "unprocessedUsersCount",
        "r.unprocessed_users",
        FieldKind::Integer,
    ),
];

/// The task reports of a workflow.
pub(crate) struct TaskReports;

impl Collection for TaskReports {
    type Scope = WorkflowKey;
    type Row = TaskReportRow;
    type Record = TaskReport;
    const ALIAS: &'static str = "r";
    const COLUMNS: &'static str = "select r.id, r.run_id, r.task_id, r.processing_status,
                r.started_date_time, r.completed_date_time, r.last_updated_date_time,
                r.total_users, r.successful_users, r.failed_users, r.unprocessed_users";
    const FROM: &'static str =
        " from task_reports r join workflows w on w.tenant_id = r.tenant_id and w.id = r.workflow_id";
    const FILTERABLE: &'static [Field] = FILTERABLE;

    fn push_where(
        builder: &mut QueryBuilder<'_, Postgres>,
        tenant: Tenant,
        tree: Tree,
        workflow: WorkflowKey,
    ) {
        builder
            .push(" where r.tenant_id = ")
            .push_bind(tenant.id())
            .push(" and r.workflow_id = ")
            .push_bind(workflow.workflow_id)
            .push(" and (w.deleted_date_time is not null) = ")
            .push_bind(tree.is_deleted());
    }
}

impl Identified for TaskReport {
    fn id(&self) -> Uuid {
        self.id
    }
}

/// The task of a report, if the report is in `tree`.
pub async fn task(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    report: TaskReportKey,
) -> Result<Option<Task>, sqlx::Error> {
    let row = sqlx::query_as::<_, TaskRow>(
        "select k.id, k.execution_sequence, k.display_name, k.description, k.task_definition_id,
                k.category, k.continue_on_error, k.is_enabled, k.arguments
         from task_reports r
         join workflows w on w.tenant_id = r.tenant_id and w.id = r.workflow_id
         join tasks k on k.tenant_id = r.tenant_id and k.workflow_id = r.workflow_id and k.id = r.task_id
         where r.tenant_id = $1 and r.workflow_id = $2 and r.id = $3
           and (w.deleted_date_time is not null) = $4",
    )
    .bind(tenant.id())
    .bind(report.workflow_id)
    .bind(report.task_report_id)
    .bind(tree.is_deleted())
    .fetch_optional(executor)
    .await?;
    Ok(row.map(Task::from))
}

/// The reports of the runs of a workflow in `tree` scheduled in `[start, end)`,
/// by status; None when there is no such workflow.
pub async fn summary(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    workflow: WorkflowKey,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Option<TaskReportSummary>, sqlx::Error> {
    sqlx::query_as!(
        TaskReportSummary,
        r#"with reports as (
               select r.processing_status
               from task_reports r
               join runs n on n.tenant_id = $1 and n.workflow_id = r.workflow_id and n.id = r.run_id
               where r.tenant_id = $1 and r.workflow_id = $2
                 and n.scheduled_date_time >= $4 and n.scheduled_date_time < $5
           )
           select
               (select count(*) from reports where processing_status = 'completed')
                   as "successful_tasks!",
               (select count(*) from reports
                where processing_status in ('failed', 'completedWithErrors')) as "failed_tasks!",
               (select count(*) from reports
                where processing_status in ('queued', 'inProgress', 'canceled'))
                   as "unprocessed_tasks!",
               (select count(*) from reports) as "total_tasks!"
           from workflows w
           where w.tenant_id = $1 and w.id = $2 and (w.deleted_date_time is not null) = $3"#,
        tenant.id(),
        workflow.workflow_id,
        tree.is_deleted(),
        start,
        end,
    )
    .fetch_optional(executor)
    .await
}

#[derive(sqlx::FromRow)]
pub(crate) struct TaskReportRow {
    id: Uuid,
    run_id: Uuid,
    task_id: Uuid,
    processing_status: ProcessingStatus,
    started_date_time: Option<DateTime<Utc>>,
    completed_date_time: Option<DateTime<Utc>>,
    last_updated_date_time: Option<DateTime<Utc>>,
    total_users: i64,
    successful_users: i64,
    failed_users: i64,
    unprocessed_users: i64,
}

impl From<TaskReportRow> for TaskReport {
    fn from(row: TaskReportRow) -> Self {
        TaskReport {
            id: row.id,
            run_id: row.run_id,
            task_id: row.task_id,
            processing_status: row.processing_status,
            started_date_time: row.started_date_time,
            completed_date_time: row.completed_date_time,
            // Every result has its createdDateTime, so the greatest is never null.
            last_updated_date_time: row.last_updated_date_time.unwrap_or_default(),
            total_users: row.total_users,
            successful_users: row.successful_users,
            failed_users: row.failed_users,
            unprocessed_users: row.unprocessed_users,
        }
    }
}
