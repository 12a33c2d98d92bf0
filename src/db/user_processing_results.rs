//! userProcessingResults, with the counters of their taskProcessingResults (kept
//! as they are written).

use super::counters::{self, Counters};
use super::page::Collection;
use super::transaction::WriteConnection;
use crate::domain::enums::{ProcessingStatus, WorkflowExecutionType};
use crate::domain::keys::{RunKey, UserProcessingResultRef, WorkflowKey};
use crate::domain::patch::ProcessingUpdate;
use crate::domain::run::TaskCounters;
use crate::domain::user_processing_result::{
    NewUserProcessingResult, UserProcessingResult, UserSummary,
};
use crate::domain::workflow::Tree;
use crate::odata::{Field, FieldKind};
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

/// Which userProcessingResults a list holds: a run's, or a workflow's across its runs.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Run(RunKey),
    Workflow(WorkflowKey),
}

impl From<UserProcessingResultRef> for Scope {
    /// The collection a userProcessingResult is addressed in: its run's, or its
    /// workflow's when the address has no run.
    fn from(key: UserProcessingResultRef) -> Self {
        match key.run_id {
            Some(run_id) => Scope::Run(RunKey {
                workflow_id: key.workflow_id,
                run_id,
            }),
            None => Scope::Workflow(WorkflowKey {
                workflow_id: key.workflow_id,
            }),
        }
    }
}

/// Inserts a userProcessingResult under a run of a workflow in `tree`, in one
/// statement; without a workflowVersion it records the workflow's. None when there
/// is no such run.
pub async fn create(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    tree: Tree,
    run: RunKey,
    id: Uuid,
    result: &NewUserProcessingResult,
) -> Result<Option<UserProcessingResult>, sqlx::Error> {
    // The tenant is copied from the parent, so that Citus sends the statement
    // whole to the parent's shard; the target is aliased and RETURNING names
    // the alias, without which Citus deparses the prepared statement into a
    // shard query that cannot run.
    let row = sqlx::query_as!(
        UserProcessingResultRow,
        r#"insert into user_processing_results as u
               (tenant_id, workflow_id, run_id, id, subject_id, processing_status, workflow_execution_type,
                scheduled_date_time, started_date_time, completed_date_time, workflow_version)
           select r.tenant_id, r.workflow_id, r.id, $4, $5, $6, $7, $8, $9, $10, coalesce($11, w.version)
           from runs r
           join workflows w on w.tenant_id = r.tenant_id and w.id = r.workflow_id
           where r.tenant_id = $1 and r.workflow_id = $2 and r.id = $3
             and (w.deleted_date_time is not null) = $12
           returning u.workflow_id, u.run_id, u.id, u.subject_id,
                     u.processing_status as "processing_status: ProcessingStatus",
                     u.workflow_execution_type as "workflow_execution_type: WorkflowExecutionType",
                     u.scheduled_date_time, u.started_date_time, u.completed_date_time,
                     u.workflow_version,
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
    .fetch_optional(connection.get())
    .await?;
    Ok(row.map(UserProcessingResult::from))
}

/// Filterable properties of userProcessingResults.
pub const FILTERABLE: &[Field] = &[
    Field::new("id", "u.id", FieldKind::Guid),
    Field::new("subject/id", "u.subject_id", FieldKind::Guid),
    Field::new(
        "processingStatus",
        "u.processing_status",
        FieldKind::Enum(ProcessingStatus::NAMES),
    ),
    Field::new(
        "workflowExecutionType",
        "u.workflow_execution_type",
        FieldKind::Enum(WorkflowExecutionType::NAMES),
    ),
    Field::new(
        "scheduledDateTime",
        "u.scheduled_date_time",
        FieldKind::DateTime,
    ),
    Field::new(
        "startedDateTime",
        "u.started_date_time",
        FieldKind::DateTime,
    ),
    Field::new(
        "completedDateTime",
        "u.completed_date_time",
        FieldKind::DateTime,
    ),
    Field::new("workflowVersion", "u.workflow_version", FieldKind::Integer),
    Field::new(
        "totalTasksCount",
        "counters.total_tasks",
        FieldKind::Integer,
    ),
    Field::new(
        "failedTasksCount",
        "counters.failed_tasks",
        FieldKind::Integer,
    ),
    Field::new(
        "totalUnprocessedTasksCount",
        "counters.unprocessed_tasks",
        FieldKind::Integer,
    ),
];

/// userProcessingResults, with their counters.
pub(crate) struct UserProcessingResults;

impl Collection for UserProcessingResults {
    type Scope = Scope;
    type Row = UserProcessingResultRow;
    type Record = UserProcessingResult;
    const ALIAS: &'static str = "u";
    const COLUMNS: &'static str = "select u.workflow_id, u.run_id, u.id, u.subject_id, u.processing_status, u.workflow_execution_type,
                u.scheduled_date_time, u.started_date_time, u.completed_date_time, u.workflow_version,
                counters.total_tasks, counters.failed_tasks, counters.unprocessed_tasks";
    const FILTERABLE: &'static [Field] = FILTERABLE;
    const COUNTERS: Option<Counters> = Some(counters::OF_USER_PROCESSING_RESULT);

    const FROM: &'static str =
        " from user_processing_results u join workflows w on w.tenant_id = u.tenant_id and w.id = u.workflow_id";

    fn push_where(
        builder: &mut QueryBuilder<'_, Postgres>,
        tenant: Tenant,
        tree: Tree,
        scope: Self::Scope,
    ) {
        builder
            .push(" where u.tenant_id = ")
            .push_bind(tenant.id())
            .push(" and (w.deleted_date_time is not null) = ")
            .push_bind(tree.is_deleted());
        match scope {
            Scope::Run(run) => builder
                .push(" and u.workflow_id = ")
                .push_bind(run.workflow_id)
                .push(" and u.run_id = ")
                .push_bind(run.run_id),
            Scope::Workflow(workflow) => builder
                .push(" and u.workflow_id = ")
                .push_bind(workflow.workflow_id),
        };
    }
}

/// Applies `update`; false when there is no such userProcessingResult in `tree`.
pub async fn update(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    key: UserProcessingResultRef,
    update: &ProcessingUpdate,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "update user_processing_results u
         set processing_status = coalesce($5, u.processing_status),
             started_date_time = case when $6 then $7 else u.started_date_time end,
             completed_date_time = case when $8 then $9 else u.completed_date_time end
         from workflows w
         where w.tenant_id = u.tenant_id and w.id = u.workflow_id and (w.deleted_date_time is not null) = $10
           and u.tenant_id = $1 and u.workflow_id = $2 and ($3::uuid is null or u.run_id = $3) and u.id = $4",
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        update.processing_status.map(ProcessingStatus::as_str),
        update.started_date_time.is_present(),
        update.started_date_time.value(),
        update.completed_date_time.is_present(),
        update.completed_date_time.value(),
        tree.is_deleted(),
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// The userSummary of the workflow's userProcessingResults scheduled in
/// `[start, end)`, their tasks from their counters; None when the workflow is not
/// in `tree`.
pub async fn summary(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    workflow: WorkflowKey,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Option<UserSummary>, sqlx::Error> {
    // Every table is read with the tenant as a value, not through a join column,
    // so that Citus sends the whole statement to the tenant's shard.
    sqlx::query_as!(
        UserSummary,
        r#"with scheduled as (
               select u.tenant_id, u.workflow_id, u.run_id, u.id, u.processing_status
               from user_processing_results u
               where u.tenant_id = $1 and u.workflow_id = $2
                 and u.scheduled_date_time >= $4 and u.scheduled_date_time < $5
           ), counted as (
               select coalesce(sum(c.total_tasks), 0)::bigint as tasks,
                      coalesce(sum(c.failed_tasks), 0)::bigint as failed_tasks
               from scheduled s
               join result_counters c
                 on c.tenant_id = $1 and c.workflow_id = s.workflow_id and c.parent_id = s.id
           )
           select
               (select count(*) from scheduled) as "total_users!",
               (select count(*) from scheduled where processing_status = 'completed') as "successful_users!",
               (select count(*) from scheduled
                where processing_status in ('failed', 'completedWithErrors')) as "failed_users!",
               counted.tasks as "total_tasks!",
               counted.failed_tasks as "failed_tasks!"
           from workflows w cross join counted
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
pub(crate) struct UserProcessingResultRow {
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
