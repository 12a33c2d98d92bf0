//! Runs, with the counters of the userProcessingResults and
//! taskProcessingResults stored beneath them (kept as they are written).

use super::counters::{self, Counters};
use super::page::Collection;
use super::transaction::WriteConnection;
use crate::domain::enums::{ProcessingStatus, WorkflowExecutionType};
use crate::domain::keys::{RunKey, WorkflowKey};
use crate::domain::patch::ProcessingUpdate;
use crate::domain::run::{NewRun, Run, RunSummary, TaskCounters, UserCounters};
use crate::domain::workflow::Tree;
use crate::odata::{Field, FieldKind};
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

/// Inserts a run under a workflow of `tree`, in one statement. None when there is
/// no such workflow.
pub async fn create(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    tree: Tree,
    workflow_id: Uuid,
    id: Uuid,
    run: &NewRun,
) -> Result<Option<Run>, sqlx::Error> {
    // A new run has nothing beneath it yet, so its counters are zero.
    // The tenant is copied from the parent, so that Citus sends the statement
    // whole to the parent's shard; the target is aliased and RETURNING names
    // the alias, without which Citus deparses the prepared statement into a
    // shard query that cannot run.
    let row = sqlx::query_as!(
        RunRow,
        r#"insert into runs as r (tenant_id, workflow_id, id, processing_status, workflow_execution_type,
                                  scheduled_date_time, started_date_time, completed_date_time)
           select w.tenant_id, w.id, $3, $4, $5, $6, $7, $8
           from workflows w
           where w.tenant_id = $1 and w.id = $2 and (w.deleted_date_time is not null) = $9
           returning r.workflow_id, r.id,
                     r.processing_status as "processing_status: ProcessingStatus",
                     r.workflow_execution_type as "workflow_execution_type: WorkflowExecutionType",
                     r.scheduled_date_time, r.started_date_time, r.completed_date_time,
                     r.last_updated_date_time,
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
    .fetch_optional(connection.get())
    .await?;
    Ok(row.map(Run::from))
}

/// A run to start for subjects: by activation (onDemand) or by the scheduler.
pub struct Start<'a> {
    pub execution_type: WorkflowExecutionType,
    pub scheduled_date_time: DateTime<Utc>,
    pub subjects: &'a [Uuid],
    /// Whether the engine processes it (otherwise its outcomes are recorded
    /// through the API, as the seed does).
    pub by_engine: bool,
}

/// Starts a run of a live workflow's current version, in one statement: a
/// queued run, a queued userProcessingResult per subject and a queued
/// taskProcessingResult per enabled task and subject, and, for the engine, a
/// queue entry per subject. The number of taskProcessingResults created; None
/// when no live workflow has the id.
pub async fn start(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    workflow_id: Uuid,
    run_id: Uuid,
    start: &Start<'_>,
) -> Result<Option<u64>, sqlx::Error> {
    // The userProcessingResults' ids are made here, in subject order, so that they
    // list in the order the subjects were given.
    let result_ids: Vec<Uuid> = start.subjects.iter().map(|_| Uuid::now_v7()).collect();
    // Every table is read with the tenant as a value, so that Citus runs each
    // step on the tenant's shard; it runs the steps one by one, as the ids of
    // the task results are made on the way (uuid_v7 is volatile).
    let created = sqlx::query!(
        r#"with workflow as (
               select tenant_id, id, version from workflows
               where tenant_id = $1 and id = $2 and deleted_date_time is null
           ), run as (
               insert into runs (tenant_id, workflow_id, id, processing_status, workflow_execution_type,
                                 scheduled_date_time)
               select $1, id, $3, 'queued', $6, $7 from workflow
               returning tenant_id, workflow_id, id
           ), users as (
               insert into user_processing_results
                   (tenant_id, workflow_id, run_id, id, subject_id, processing_status,
                    workflow_execution_type, scheduled_date_time, workflow_version)
               select $1, run.workflow_id, run.id, subject.result_id, subject.id, 'queued',
                      $6, $7, workflow.version
               from run cross join workflow cross join unnest($4::uuid[], $5::uuid[]) as subject(id, result_id)
               returning tenant_id, workflow_id, run_id, id, subject_id
           ), results as (
               insert into task_processing_results
                   (tenant_id, workflow_id, run_id, user_processing_result_id, id, task_id, subject_id,
                    created_date_time, processing_status)
               select $1, u.workflow_id, u.run_id, u.id, uuid_v7(), t.id, u.subject_id, now(), 'queued'
               from users u
               join tasks t on t.tenant_id = $1 and t.workflow_id = u.workflow_id and t.is_enabled
                           and t.workflow_version = (select version from workflow)
               returning id
           ), queued as (
               insert into engine_queue (tenant_id, workflow_id, run_id, user_processing_result_id)
               select $1, u.workflow_id, u.run_id, u.id from users u where $8
               returning 1
           )
           select (select count(*) from run) as "runs!",
                  (select count(*) from results) as "task_results!",
                  (select count(*) from queued) as "queued!""#,
        tenant.id(),
        workflow_id,
        run_id,
        start.subjects,
        &result_ids,
        start.execution_type.as_str(),
        start.scheduled_date_time,
        start.by_engine,
    )
    .fetch_one(connection.get())
    .await?;
    Ok((created.runs == 1).then_some(created.task_results as u64))
}

/// Filterable properties of runs.
pub const FILTERABLE: &[Field] = &[
    Field::new("id", "r.id", FieldKind::Guid),
    Field::new(
        "processingStatus",
        "r.processing_status",
        FieldKind::Enum(ProcessingStatus::NAMES),
    ),
    Field::new(
        "workflowExecutionType",
        "r.workflow_execution_type",
        FieldKind::Enum(WorkflowExecutionType::NAMES),
    ),
    Field::new(
        "scheduledDateTime",
        "r.scheduled_date_time",
        FieldKind::DateTime,
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
    Field::new(
        "totalUsersCount",
        "counters.total_users",
        FieldKind::Integer,
    ),
    Field::new(
        "successfulUsersCount",
        "counters.successful_users",
        FieldKind::Integer,
    ),
    Field::new(
        "failedUsersCount",
        "counters.failed_users",
        FieldKind::Integer,
    ),
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

/// The runs of a workflow, with their counters.
pub(crate) struct Runs;

impl Collection for Runs {
    type Scope = WorkflowKey;
    type Row = RunRow;
    type Record = Run;
    const ALIAS: &'static str = "r";
    const COLUMNS: &'static str = "select r.workflow_id, r.id, r.processing_status, r.workflow_execution_type,
                r.scheduled_date_time, r.started_date_time, r.completed_date_time, r.last_updated_date_time,
                counters.total_users, counters.successful_users, counters.failed_users,
                counters.total_tasks, counters.failed_tasks, counters.unprocessed_tasks";
    const FILTERABLE: &'static [Field] = FILTERABLE;
    const FROM: &'static str =
        " from runs r join workflows w on w.tenant_id = r.tenant_id and w.id = r.workflow_id";
    const COUNTERS: Option<Counters> = Some(counters::OF_RUN);

    fn push_where(
        builder: &mut QueryBuilder<'_, Postgres>,
        tenant: Tenant,
        tree: Tree,
        workflow: Self::Scope,
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

/// Applies `update` to the run; false when there is no such run in `tree`.
pub async fn update(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    key: RunKey,
    update: &ProcessingUpdate,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "update runs r
         set processing_status = coalesce($4, r.processing_status),
             started_date_time = case when $5 then $6 else r.started_date_time end,
             completed_date_time = case when $7 then $8 else r.completed_date_time end,
             last_updated_date_time = now()
         from workflows w
         where w.tenant_id = r.tenant_id and w.id = r.workflow_id and (w.deleted_date_time is not null) = $9
           and r.tenant_id = $1 and r.workflow_id = $2 and r.id = $3",
        tenant.id(),
        key.workflow_id,
        key.run_id,
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

/// The runSummary of the runs of a workflow scheduled in `[start, end)`, from
/// their counters; None when the workflow is not in `tree`.
pub async fn summary(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    workflow: WorkflowKey,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Option<RunSummary>, sqlx::Error> {
    // Every table is read with the tenant as a value, not through a join column,
    // so that Citus sends the whole statement to the tenant's shard.
    sqlx::query_as!(
        RunSummary,
        r#"with scheduled as (
               select r.tenant_id, r.workflow_id, r.id, r.processing_status
               from runs r
               where r.tenant_id = $1 and r.workflow_id = $2
                 and r.scheduled_date_time >= $4 and r.scheduled_date_time < $5
           )
           , counted as (
               select coalesce(sum(c.total_users), 0)::bigint as users,
                      coalesce(sum(c.total_tasks), 0)::bigint as tasks,
                      coalesce(sum(c.failed_tasks), 0)::bigint as failed_tasks
               from scheduled s
               join result_counters c
                 on c.tenant_id = $1 and c.workflow_id = s.workflow_id and c.parent_id = s.id
           )
           select
               (select count(*) from scheduled) as "total_runs!",
               (select count(*) from scheduled where processing_status = 'completed') as "successful_runs!",
               (select count(*) from scheduled
                where processing_status in ('failed', 'completedWithErrors')) as "failed_runs!",
               counted.users as "total_users!",
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
pub(crate) struct RunRow {
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
