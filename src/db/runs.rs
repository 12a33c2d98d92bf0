//! Runs, with counters derived from the userProcessingResults and
//! taskProcessingResults stored beneath them.

use crate::domain::enums::{ProcessingStatus, WorkflowExecutionType};
use crate::domain::keys::RunKey;
use crate::domain::run::{NewRun, Run, TaskCounters, UserCounters};
use crate::domain::workflow::Tree;
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

/// Inserts a run under a workflow of `tree`, in one statement. None when there is
/// no such workflow.
pub async fn create(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    workflow_id: Uuid,
    id: Uuid,
    run: &NewRun,
) -> Result<Option<Run>, sqlx::Error> {
    // A new run has nothing beneath it yet, so its counters are zero.
    let row = sqlx::query_as!(
        RunRow,
        r#"insert into runs (tenant_id, workflow_id, id, processing_status, workflow_execution_type,
                             scheduled_date_time, started_date_time, completed_date_time)
           select w.tenant_id, w.id, $3, $4, $5, $6, $7, $8
           from workflows w
           where w.tenant_id = $1 and w.id = $2 and (w.deleted_date_time is not null) = $9
           returning workflow_id, id,
                     processing_status as "processing_status: ProcessingStatus",
                     workflow_execution_type as "workflow_execution_type: WorkflowExecutionType",
                     scheduled_date_time, started_date_time, completed_date_time, last_updated_date_time,
                     0::bigint as "total_users!", 0::bigint as "successful_users!",
                     0::bigint as "failed_users!", 0::bigint as "total_tasks!",
                     0::bigint as "failed_tasks!", 0::bigint as "unprocessed_tasks!""#,
        tenant.id(),
        workflow_id,
        id,
        run.processing_status.as_str(),
        run.workflow_execution_type.as_str(),
        run.scheduled_date_time,
        run.started_date_time,
        run.completed_date_time,
        tree.is_deleted(),
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(Run::from))
}

/// The run, if it is under a workflow of `tree`.
pub async fn find(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    key: RunKey,
) -> Result<Option<Run>, sqlx::Error> {
    let row = sqlx::query_as!(
        RunRow,
        r#"select r.workflow_id, r.id,
                  r.processing_status as "processing_status: ProcessingStatus",
                  r.workflow_execution_type as "workflow_execution_type: WorkflowExecutionType",
                  r.scheduled_date_time, r.started_date_time, r.completed_date_time, r.last_updated_date_time,
                  users.total as "total_users!", users.successful as "successful_users!",
                  users.failed as "failed_users!", tasks.total as "total_tasks!",
                  tasks.failed as "failed_tasks!", tasks.unprocessed as "unprocessed_tasks!"
           from runs r
           join workflows w on w.tenant_id = r.tenant_id and w.id = r.workflow_id
           cross join lateral (
               select count(*) as total,
                      count(*) filter (where u.processing_status = 'completed') as successful,
                      count(*) filter (where u.processing_status in ('failed', 'completedWithErrors')) as failed
               from user_processing_results u
               where u.tenant_id = r.tenant_id and u.workflow_id = r.workflow_id and u.run_id = r.id
           ) users
           cross join lateral (
               select count(*) as total,
                      count(*) filter (where t.processing_status = 'failed') as failed,
                      count(*) filter (where t.processing_status in ('queued', 'inProgress')) as unprocessed
               from task_processing_results t
               where t.tenant_id = r.tenant_id and t.workflow_id = r.workflow_id and t.run_id = r.id
           ) tasks
           where r.tenant_id = $1 and r.workflow_id = $2 and r.id = $3
             and (w.deleted_date_time is not null) = $4"#,
        tenant.id(),
        key.workflow_id,
        key.run_id,
        tree.is_deleted(),
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(Run::from))
}

struct RunRow {
    workflow_id: Uuid,
    id: Uuid,
    processing_status: ProcessingStatus,
    workflow_execution_type: WorkflowExecutionType,
    scheduled_date_time: DateTime<Utc>,
    started_date_time: Option<DateTime<Utc>>,
    completed_date_time: Option<DateTime<Utc>>,
    last_updated_date_time: DateTime<Utc>,
    total_users: i64,
    successful_users: i64,
    failed_users: i64,
    total_tasks: i64,
    failed_tasks: i64,
    unprocessed_tasks: i64,
}

impl From<RunRow> for Run {
    fn from(row: RunRow) -> Self {
        Run {
            workflow_id: row.workflow_id,
            id: row.id,
            processing_status: row.processing_status,
            workflow_execution_type: row.workflow_execution_type,
            scheduled_date_time: row.scheduled_date_time,
            started_date_time: row.started_date_time,
            completed_date_time: row.completed_date_time,
            last_updated_date_time: row.last_updated_date_time,
            users: UserCounters {
                total: row.total_users,
                successful: row.successful_users,
                failed: row.failed_users,
            },
            tasks: TaskCounters {
                total: row.total_tasks,
                failed: row.failed_tasks,
                unprocessed: row.unprocessed_tasks,
            },
        }
    }
}
