//! The engine's statements: claiming queued users under a lease, moving users,
//! tasks and runs through their statuses, and canceling what has not started.

use super::extension_calls::CallState;
use crate::domain::enums::ProcessingStatus;
use crate::domain::keys::UserProcessingResultKey;
use crate::domain::workflow::TaskArgument;
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};
use std::time::Duration;
use uuid::Uuid;

/// Tenants with queued users whose lease, if any, has run out.
pub async fn tenants_with_work(
    executor: impl PgExecutor<'_>,
    limit: i64,
) -> Result<Vec<Tenant>, sqlx::Error> {
    let tenants = sqlx::query_scalar!(
        "select distinct tenant_id from engine_queue where available_date_time <= now() limit $1",
        limit,
    )
    .fetch_all(executor)
    .await?;
    Ok(tenants.into_iter().map(Tenant::new).collect())
}

/// Leases up to `batch` of a tenant's queued users for `lease`, oldest first,
/// skipping those another worker is claiming.
pub async fn claim(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    lease: Duration,
    batch: i64,
) -> Result<Vec<UserProcessingResultKey>, sqlx::Error> {
    let lease = chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
    let rows = sqlx::query!(
        "with claimed as (
             select tenant_id, workflow_id, run_id, user_processing_result_id from engine_queue
             where tenant_id = $1 and available_date_time <= now()
             order by available_date_time, enqueued_date_time
             limit $3
             for update skip locked
         )
         update engine_queue q
         set available_date_time = now() + $2, attempts = q.attempts + 1
         from claimed c
         where q.tenant_id = $1 and q.workflow_id = c.workflow_id and q.run_id = c.run_id
           and q.user_processing_result_id = c.user_processing_result_id
         returning q.workflow_id, q.run_id, q.user_processing_result_id",
        tenant.id(),
        lease as _,
        batch,
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| UserProcessingResultKey {
            workflow_id: row.workflow_id,
            run_id: row.run_id,
            user_processing_result_id: row.user_processing_result_id,
        })
        .collect())
}

/// A user the engine is processing: who, and its tasks.
pub struct UserWork {
    /// Whether beginning it began its run.
    pub run_started: bool,
    pub subject_id: Uuid,
    pub tasks: Vec<TaskWork>,
}

/// One task of a user, in execution order.
#[derive(sqlx::FromRow)]
pub struct TaskWork {
    pub result_id: Uuid,
    pub processing_status: ProcessingStatus,
    pub task_definition_id: Uuid,
    pub continue_on_error: bool,
    pub arguments: Json<Vec<TaskArgument>>,
    /// The task's call to a custom task extension, while it has one.
    pub call_state: Option<String>,
    pub call_deadline: Option<DateTime<Utc>>,
}

impl TaskWork {
    pub fn call(&self) -> Option<CallState> {
        CallState::from_row(self.call_state.as_deref(), self.call_deadline)
    }
}

/// Moves a queued (or interrupted) user, and its run if queued, to inProgress
/// and reads its tasks; None when the user is no longer to be processed
/// (canceled, finished, or removed with its workflow).
pub async fn begin_user(
    connection: &mut PgConnection,
    tenant: Tenant,
    key: UserProcessingResultKey,
) -> Result<Option<UserWork>, sqlx::Error> {
    let started = sqlx::query!(
        r#"with started as (
               update user_processing_results u
               set processing_status = 'inProgress', started_date_time = coalesce(u.started_date_time, $5)
               where u.tenant_id = $1 and u.workflow_id = $2 and u.run_id = $3 and u.id = $4
                 and u.processing_status in ('queued', 'inProgress')
               returning u.subject_id
           ), run as (
               update runs r
               set processing_status = 'inProgress', started_date_time = coalesce(r.started_date_time, $5),
                   last_updated_date_time = $5
               where r.tenant_id = $1 and r.workflow_id = $2 and r.id = $3 and r.processing_status = 'queued'
                 and exists (select 1 from started)
               returning 1
           )
           select s.subject_id, exists (select 1 from run) as "run_started!"
           from started s"#,
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        // Bound rather than now(): Citus routes no coalesce of a non-immutable
        // function.
        Utc::now(),
    )
    .fetch_optional(&mut *connection)
    .await?;
    let Some(started) = started else {
        return Ok(None);
    };
    let tasks = sqlx::query_as!(
        TaskWork,
        r#"select p.id as result_id, p.processing_status as "processing_status: ProcessingStatus",
                  t.task_definition_id, t.continue_on_error,
                  t.arguments as "arguments: Json<Vec<TaskArgument>>",
                  c.state as "call_state?", c.deadline_date_time as call_deadline
           from task_processing_results p
           join tasks t on t.tenant_id = $1 and t.workflow_id = $2 and t.id = p.task_id
           left join extension_calls c
             on c.tenant_id = $1 and c.workflow_id = $2 and c.run_id = $3
            and c.user_processing_result_id = $4 and c.task_processing_result_id = p.id
           where p.tenant_id = $1 and p.workflow_id = $2 and p.run_id = $3
             and p.user_processing_result_id = $4
           order by t.execution_sequence"#,
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
    )
    .fetch_all(&mut *connection)
    .await?;
    Ok(Some(UserWork {
        run_started: started.run_started,
        subject_id: started.subject_id,
        tasks,
    }))
}

/// Moves a queued task to inProgress; false when it is not queued (another
/// worker took it, or it was canceled), so that each task runs once.
pub async fn begin_task(
    connection: &mut PgConnection,
    tenant: Tenant,
    key: UserProcessingResultKey,
    result_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let begun = sqlx::query!(
        "update task_processing_results
         set processing_status = 'inProgress', started_date_time = now()
         where tenant_id = $1 and workflow_id = $2 and run_id = $3
           and user_processing_result_id = $4 and id = $5 and processing_status = 'queued'",
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        result_id,
    )
    .execute(connection)
    .await?;
    Ok(begun.rows_affected() == 1)
}

/// How a task ended.
pub struct TaskOutcome {
    pub status: ProcessingStatus,
    pub processing_info: Option<String>,
    pub failure_reason: Option<String>,
}

/// Ends an inProgress task with its outcome; its processingInfo follows what
/// the task noted while it ran.
pub async fn end_task(
    connection: &mut PgConnection,
    tenant: Tenant,
    key: UserProcessingResultKey,
    result_id: Uuid,
    outcome: &TaskOutcome,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update task_processing_results
         set processing_status = $6, completed_date_time = now(),
             processing_info = coalesce(processing_info || E'\n' || $7, processing_info, $7),
             failure_reason = left($8, 4000)
         where tenant_id = $1 and workflow_id = $2 and run_id = $3
           and user_processing_result_id = $4 and id = $5 and processing_status = 'inProgress'",
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        result_id,
        outcome.status.as_str(),
        outcome.processing_info,
        outcome.failure_reason,
    )
    .execute(connection)
    .await?;
    Ok(())
}

/// Makes a user claimable again at `at`: later, for one whose task waits for a
/// callback (or earlier, when the callback comes); longer, for one whose worker
/// is still at it.
pub async fn park(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    key: UserProcessingResultKey,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update engine_queue set available_date_time = $5
         where tenant_id = $1 and workflow_id = $2 and run_id = $3 and user_processing_result_id = $4",
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        at,
    )
    .execute(executor)
    .await?;
    Ok(())
}

/// Ends a user with `status`, cancels its tasks still queued (those after a
/// failure that stops the rest), and takes it off the queue; when it was the
/// run's last queued user, settles the run. The run's status, when it settled.
pub async fn end_user(
    connection: &mut PgConnection,
    tenant: Tenant,
    key: UserProcessingResultKey,
    status: ProcessingStatus,
) -> Result<Option<ProcessingStatus>, sqlx::Error> {
    sqlx::query!(
        "with ended as (
             update user_processing_results
             set processing_status = $5, completed_date_time = now()
             where tenant_id = $1 and workflow_id = $2 and run_id = $3 and id = $4
               and processing_status = 'inProgress'
         ), canceled as (
             update task_processing_results
             set processing_status = 'canceled', completed_date_time = now()
             where tenant_id = $1 and workflow_id = $2 and run_id = $3
               and user_processing_result_id = $4 and processing_status = 'queued'
         )
         delete from engine_queue
         where tenant_id = $1 and workflow_id = $2 and run_id = $3 and user_processing_result_id = $4",
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        status.as_str(),
    )
    .execute(&mut *connection)
    .await?;
    settle_run(connection, tenant, key.workflow_id, key.run_id).await
}

/// Takes a user off the queue without touching it (it is no longer to be
/// processed), settling its run if it was the last.
pub async fn drop_user(
    connection: &mut PgConnection,
    tenant: Tenant,
    key: UserProcessingResultKey,
) -> Result<Option<ProcessingStatus>, sqlx::Error> {
    sqlx::query!(
        "delete from engine_queue
         where tenant_id = $1 and workflow_id = $2 and run_id = $3 and user_processing_result_id = $4",
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
    )
    .execute(&mut *connection)
    .await?;
    settle_run(connection, tenant, key.workflow_id, key.run_id).await
}

/// Ends a run whose queue is empty: completed when every user completed, failed
/// when every user failed, canceled when every user was canceled, otherwise
/// completedWithErrors. The run row is locked first, in a statement of its
/// own, so that of two users ending at once the later one reads the queue
/// after the other committed (a check in the locking statement would read it
/// as it was before the wait, and neither would settle the run); while the
/// queue holds a user of the run (read by its key, whatever the run's size)
/// nothing more is read, and the users are counted once, when the last one
/// ends.
async fn settle_run(
    connection: &mut PgConnection,
    tenant: Tenant,
    workflow_id: Uuid,
    run_id: Uuid,
) -> Result<Option<ProcessingStatus>, sqlx::Error> {
    let locked = sqlx::query_scalar!(
        r#"select true as "locked!" from runs
           where tenant_id = $1 and workflow_id = $2 and id = $3
           for update"#,
        tenant.id(),
        workflow_id,
        run_id,
    )
    .fetch_optional(&mut *connection)
    .await?;
    if locked.is_none() {
        return Ok(None);
    }
    let pending = sqlx::query_scalar!(
        r#"select exists (select 1 from engine_queue
                          where tenant_id = $1 and workflow_id = $2 and run_id = $3) as "pending!""#,
        tenant.id(),
        workflow_id,
        run_id,
    )
    .fetch_one(&mut *connection)
    .await?;
    if pending {
        return Ok(None);
    }
    let settled = sqlx::query_scalar!(
        r#"update runs r
           set processing_status = s.status, completed_date_time = now(), last_updated_date_time = now()
           from (select case when bool_and(u.processing_status = 'completed') then 'completed'
                             when bool_and(u.processing_status = 'failed') then 'failed'
                             when bool_and(u.processing_status = 'canceled') then 'canceled'
                             else 'completedWithErrors' end as status
                 from user_processing_results u
                 where u.tenant_id = $1 and u.workflow_id = $2 and u.run_id = $3
                 having count(*) filter (where u.processing_status in ('queued', 'inProgress')) = 0) s
           where r.tenant_id = $1 and r.workflow_id = $2 and r.id = $3
             and r.processing_status in ('queued', 'inProgress')
           returning r.processing_status as "processing_status: ProcessingStatus""#,
        tenant.id(),
        workflow_id,
        run_id,
    )
    .fetch_optional(&mut *connection)
    .await?;
    Ok(settled)
}

/// Cancels the workflow's queued users that no worker has started, with their
/// tasks, in one statement. Their queue entries stay: the worker that claims one
/// drops it and settles the run when it was the last. How many users.
pub async fn cancel_queued(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    workflow_id: Uuid,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"with users as (
               update user_processing_results u
               set processing_status = 'canceled', completed_date_time = now()
               from engine_queue q
               where q.tenant_id = $1 and q.workflow_id = $2
                 and u.tenant_id = $1 and u.workflow_id = $2 and u.run_id = q.run_id
                 and u.id = q.user_processing_result_id and u.processing_status = 'queued'
               returning u.run_id, u.id
           ), tasks as (
               update task_processing_results p
               set processing_status = 'canceled', completed_date_time = now()
               from users c
               where p.tenant_id = $1 and p.workflow_id = $2 and p.run_id = c.run_id
                 and p.user_processing_result_id = c.id and p.processing_status = 'queued'
           )
           select count(*) as "canceled!" from users"#,
        tenant.id(),
        workflow_id,
    )
    .fetch_one(executor)
    .await
}

/// The queue's depth and the age of its oldest entry, for the metrics.
pub async fn depth(
    executor: impl PgExecutor<'_>,
) -> Result<(i64, Option<DateTime<Utc>>), sqlx::Error> {
    let row = sqlx::query!(
        r#"select count(*) as "depth!", min(enqueued_date_time) as oldest from engine_queue"#
    )
    .fetch_one(executor)
    .await?;
    Ok((row.depth, row.oldest))
}
