//! userProcessingResults, with counters derived from their taskProcessingResults.

use crate::domain::enums::{ProcessingStatus, WorkflowExecutionType};
use crate::domain::keys::{RunKey, UserProcessingResultKey};
use crate::domain::run::TaskCounters;
use crate::domain::user_processing_result::{NewUserProcessingResult, UserProcessingResult};
use crate::domain::workflow::Tree;
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

/// Inserts a userProcessingResult under a run of a workflow in `tree`, in one
/// statement; without a workflowVersion it records the workflow's. None when there
/// is no such run.
pub async fn create(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    run: RunKey,
    id: Uuid,
    result: &NewUserProcessingResult,
) -> Result<Option<UserProcessingResult>, sqlx::Error> {
    let row = sqlx::query_as!(
        UserProcessingResultRow,
        r#"insert into user_processing_results
               (tenant_id, workflow_id, run_id, id, subject_id, processing_status, workflow_execution_type,
                scheduled_date_time, started_date_time, completed_date_time, workflow_version)
           select r.tenant_id, r.workflow_id, r.id, $4, $5, $6, $7, $8, $9, $10, coalesce($11, w.version)
           from runs r
           join workflows w on w.tenant_id = r.tenant_id and w.id = r.workflow_id
           where r.tenant_id = $1 and r.workflow_id = $2 and r.id = $3
             and (w.deleted_date_time is not null) = $12
           returning workflow_id, run_id, id, subject_id,
                     processing_status as "processing_status: ProcessingStatus",
                     workflow_execution_type as "workflow_execution_type: WorkflowExecutionType",
                     scheduled_date_time, started_date_time, completed_date_time, workflow_version,
                     0::bigint as "total_tasks!", 0::bigint as "failed_tasks!",
                     0::bigint as "unprocessed_tasks!""#,
        tenant.id(),
        run.workflow_id,
        run.run_id,
        id,
        result.subject_id,
        result.processing_status.as_str(),
        result.workflow_execution_type.as_str(),
        result.scheduled_date_time,
        result.started_date_time,
        result.completed_date_time,
        result.workflow_version,
        tree.is_deleted(),
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(UserProcessingResult::from))
}

/// The userProcessingResult, if it is under the run in a workflow of `tree`.
pub async fn find(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    key: UserProcessingResultKey,
) -> Result<Option<UserProcessingResult>, sqlx::Error> {
    let row = sqlx::query_as!(
        UserProcessingResultRow,
        r#"select u.workflow_id, u.run_id, u.id, u.subject_id,
                  u.processing_status as "processing_status: ProcessingStatus",
                  u.workflow_execution_type as "workflow_execution_type: WorkflowExecutionType",
                  u.scheduled_date_time, u.started_date_time, u.completed_date_time, u.workflow_version,
                  tasks.total as "total_tasks!", tasks.failed as "failed_tasks!",
                  tasks.unprocessed as "unprocessed_tasks!"
           from user_processing_results u
           join workflows w on w.tenant_id = u.tenant_id and w.id = u.workflow_id
           cross join lateral (
               select count(*) as total,
                      count(*) filter (where t.processing_status = 'failed') as failed,
                      count(*) filter (where t.processing_status in ('queued', 'inProgress')) as unprocessed
               from task_processing_results t
               where t.tenant_id = u.tenant_id and t.workflow_id = u.workflow_id
                 and t.run_id = u.run_id and t.user_processing_result_id = u.id
           ) tasks
           where u.tenant_id = $1 and u.workflow_id = $2 and u.run_id = $3 and u.id = $4
             and (w.deleted_date_time is not null) = $5"#,
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        tree.is_deleted(),
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(UserProcessingResult::from))
}

struct UserProcessingResultRow {
    workflow_id: Uuid,
    run_id: Uuid,
    id: Uuid,
    subject_id: Uuid,
    processing_status: ProcessingStatus,
    workflow_execution_type: WorkflowExecutionType,
    scheduled_date_time: DateTime<Utc>,
    started_date_time: Option<DateTime<Utc>>,
    completed_date_time: Option<DateTime<Utc>>,
    workflow_version: i32,
    total_tasks: i64,
    failed_tasks: i64,
    unprocessed_tasks: i64,
}

impl From<UserProcessingResultRow> for UserProcessingResult {
    fn from(row: UserProcessingResultRow) -> Self {
        UserProcessingResult {
            workflow_id: row.workflow_id,
            run_id: row.run_id,
            id: row.id,
            subject_id: row.subject_id,
            processing_status: row.processing_status,
            workflow_execution_type: row.workflow_execution_type,
            scheduled_date_time: row.scheduled_date_time,
            started_date_time: row.started_date_time,
            completed_date_time: row.completed_date_time,
            workflow_version: row.workflow_version,
            tasks: TaskCounters {
                total: row.total_tasks,
                failed: row.failed_tasks,
                unprocessed: row.unprocessed_tasks,
            },
        }
    }
}
