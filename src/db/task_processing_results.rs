//! taskProcessingResults. Each carries its task and the subject of its
//! userProcessingResult, both fixed when it is created.

use crate::domain::enums::ProcessingStatus;
use crate::domain::keys::{SameTaskResultKey, TaskProcessingResultKey, UserProcessingResultKey};
use crate::domain::task_processing_result::{NewTaskProcessingResult, TaskProcessingResult};
use crate::domain::workflow::Tree;
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

/// Inserts a result of `task_id` under a userProcessingResult in `tree`, in one
/// statement. None when there is no such userProcessingResult; a task that is not
/// the workflow's violates `task_processing_results_task_fkey`.
pub async fn create(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    parent: UserProcessingResultKey,
    id: Uuid,
    task_id: Uuid,
    result: &NewTaskProcessingResult,
) -> Result<Option<TaskProcessingResult>, sqlx::Error> {
    let row = sqlx::query_as!(
        TaskProcessingResultRow,
        r#"insert into task_processing_results
               (tenant_id, workflow_id, run_id, user_processing_result_id, id, task_id, subject_id,
                created_date_time, processing_status, started_date_time, completed_date_time,
                failure_reason, processing_info)
           select u.tenant_id, u.workflow_id, u.run_id, u.id, $5, $6, u.subject_id,
                  $7, $8, $9, $10, $11, $12
           from user_processing_results u
           join workflows w on w.tenant_id = u.tenant_id and w.id = u.workflow_id
           where u.tenant_id = $1 and u.workflow_id = $2 and u.run_id = $3 and u.id = $4
             and (w.deleted_date_time is not null) = $13
           returning workflow_id, run_id, user_processing_result_id, id, task_id, subject_id,
                     created_date_time, processing_status as "processing_status: ProcessingStatus",
                     started_date_time, completed_date_time, failure_reason, processing_info"#,
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
    .fetch_optional(executor)
    .await?;
    Ok(row.map(TaskProcessingResult::from))
}

/// Inserts a new result for the same task and the same userProcessingResult as the
/// result at `origin`, in one statement: finding the origin in `tree` proves the
/// whole parent chain. None when the origin is not there.
pub async fn create_for_same_task(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    origin: TaskProcessingResultKey,
    id: Uuid,
    result: &NewTaskProcessingResult,
) -> Result<Option<TaskProcessingResult>, sqlx::Error> {
    let row = sqlx::query_as!(
        TaskProcessingResultRow,
        r#"insert into task_processing_results
               (tenant_id, workflow_id, run_id, user_processing_result_id, id, task_id, subject_id,
                created_date_time, processing_status, started_date_time, completed_date_time,
                failure_reason, processing_info)
           select p.tenant_id, p.workflow_id, p.run_id, p.user_processing_result_id, $6, p.task_id,
                  p.subject_id, $7, $8, $9, $10, $11, $12
           from task_processing_results p
           join workflows w on w.tenant_id = p.tenant_id and w.id = p.workflow_id
           where p.tenant_id = $1 and p.workflow_id = $2 and p.run_id = $3
             and p.user_processing_result_id = $4 and p.id = $5
             and (w.deleted_date_time is not null) = $13
           returning workflow_id, run_id, user_processing_result_id, id, task_id, subject_id,
                     created_date_time, processing_status as "processing_status: ProcessingStatus",
                     started_date_time, completed_date_time, failure_reason, processing_info"#,
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
    .fetch_optional(executor)
    .await?;
    Ok(row.map(TaskProcessingResult::from))
}

/// The result at its canonical address, under its userProcessingResult, in `tree`.
pub async fn find(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    key: TaskProcessingResultKey,
) -> Result<Option<TaskProcessingResult>, sqlx::Error> {
    let row = sqlx::query_as!(
        TaskProcessingResultRow,
        r#"select t.workflow_id, t.run_id, t.user_processing_result_id, t.id, t.task_id, t.subject_id,
                  t.created_date_time, t.processing_status as "processing_status: ProcessingStatus",
                  t.started_date_time, t.completed_date_time, t.failure_reason, t.processing_info
           from task_processing_results t
           join workflows w on w.tenant_id = t.tenant_id and w.id = t.workflow_id
           where t.tenant_id = $1 and t.workflow_id = $2 and t.run_id = $3
             and t.user_processing_result_id = $4 and t.id = $5
             and (w.deleted_date_time is not null) = $6"#,
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        key.task_processing_result_id,
        tree.is_deleted(),
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(TaskProcessingResult::from))
}

/// A result of the same task as the result at `key.origin()`, from any run and
/// user of the workflow, in `tree`.
pub async fn find_same_task(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    key: SameTaskResultKey,
) -> Result<Option<TaskProcessingResult>, sqlx::Error> {
    let row = sqlx::query_as!(
        TaskProcessingResultRow,
        r#"select t.workflow_id, t.run_id, t.user_processing_result_id, t.id, t.task_id, t.subject_id,
                  t.created_date_time, t.processing_status as "processing_status: ProcessingStatus",
                  t.started_date_time, t.completed_date_time, t.failure_reason, t.processing_info
           from task_processing_results p
           join workflows w on w.tenant_id = p.tenant_id and w.id = p.workflow_id
           join task_processing_results t
             on t.tenant_id = p.tenant_id and t.workflow_id = p.workflow_id and t.task_id = p.task_id
           where p.tenant_id = $1 and p.workflow_id = $2 and p.run_id = $3
             and p.user_processing_result_id = $4 and p.id = $5 and t.id = $6
             and (w.deleted_date_time is not null) = $7"#,
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        key.task_processing_result_id,
        key.same_task_result_id,
        tree.is_deleted(),
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(TaskProcessingResult::from))
}

struct TaskProcessingResultRow {
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
