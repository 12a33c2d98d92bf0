//! The calls the engine makes to custom task extensions: recorded before they
//! are sent, waiting for their callback once answered, and ended with their
//! task (by the answer, by `resume`, or by the callback's deadline).

use super::custom_task_extensions;
use super::engine::{self, TaskOutcome};
use super::transaction::WriteConnection;
use crate::domain::custom_task_extension::{EXTENSION_ARGUMENT, RUN_CUSTOM_TASK_EXTENSION};
use crate::domain::enums::ProcessingStatus;
use crate::domain::keys::{TaskProcessingResultKey, UserProcessingResultKey};
use crate::domain::workflow::TaskArgument;
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{Connection, PgConnection, PgExecutor};
use uuid::Uuid;

/// Where a call is: being sent (until its endpoint accepts it), or accepted and
/// waiting for its callback until the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    Sending,
    Waiting { deadline: DateTime<Utc> },
}

impl CallState {
    /// From the row's columns (None: the task has no call).
    pub fn from_row(state: Option<&str>, deadline: Option<DateTime<Utc>>) -> Option<Self> {
        match (state, deadline) {
            (Some("waiting"), Some(deadline)) => Some(CallState::Waiting { deadline }),
            (Some(_), _) => Some(CallState::Sending),
            (None, _) => None,
        }
    }
}

/// Records the call of a task that has just begun, in its transaction.
pub async fn record(
    connection: &mut PgConnection,
    tenant: Tenant,
    key: UserProcessingResultKey,
    result_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into extension_calls
             (tenant_id, workflow_id, run_id, user_processing_result_id, task_processing_result_id,
              state, recorded_date_time)
         values ($1, $2, $3, $4, $5, 'sending', $6)",
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        result_id,
        Utc::now(),
    )
    .execute(connection)
    .await?;
    Ok(())
}

/// Adds a line to a running task's processingInfo (an attempt, as it happens);
/// false when the task is no longer running (a resume ended it).
pub async fn note(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    key: UserProcessingResultKey,
    result_id: Uuid,
    line: &str,
) -> Result<bool, sqlx::Error> {
    let noted = sqlx::query!(
        r#"update task_processing_results
           set processing_info = coalesce(processing_info || E'\n' || $6, $6)
           where tenant_id = $1 and workflow_id = $2 and run_id = $3
             and user_processing_result_id = $4 and id = $5 and processing_status = 'inProgress'"#,
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        result_id,
        line,
    )
    .execute(executor)
    .await?;
    Ok(noted.rows_affected() == 1)
}

/// The endpoint accepted a call that expects a callback: the call waits until
/// `deadline`, and its user leaves the queue until then (a resume brings it
/// back sooner). False when the task has already ended: a resume that came
/// while the call was being sent.
pub async fn wait(
    connection: &mut PgConnection,
    tenant: Tenant,
    key: UserProcessingResultKey,
    result_id: Uuid,
    deadline: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let waiting = sqlx::query!(
        "update extension_calls
         set state = 'waiting', answered_date_time = $6, deadline_date_time = $7
         where tenant_id = $1 and workflow_id = $2 and run_id = $3
           and user_processing_result_id = $4 and task_processing_result_id = $5
           and state = 'sending'",
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        result_id,
        Utc::now(),
        deadline,
    )
    .execute(&mut *connection)
    .await?;
    if waiting.rows_affected() == 0 {
        return Ok(false);
    }
    engine::park(connection, tenant, key, deadline).await?;
    Ok(true)
}

/// Ends a task that called an extension with `outcome`, and its call.
pub async fn end(
    connection: &mut PgConnection,
    tenant: Tenant,
    key: UserProcessingResultKey,
    result_id: Uuid,
    outcome: &TaskOutcome,
) -> Result<(), sqlx::Error> {
    forget(connection, tenant, key, result_id, None).await?;
    engine::end_task(connection, tenant, key, result_id, outcome).await
}

/// Takes a waiting call whose deadline has passed by `now`; its deadline, or
/// None when it is not waiting or not yet due (a resume came first).
pub async fn take_overdue(
    connection: &mut PgConnection,
    tenant: Tenant,
    key: UserProcessingResultKey,
    result_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    forget(connection, tenant, key, result_id, Some(now)).await
}

/// Deletes the call (when `overdue_at` is given, only a waiting one due by
/// then); its deadline, if it had one.
async fn forget(
    connection: &mut PgConnection,
    tenant: Tenant,
    key: UserProcessingResultKey,
    result_id: Uuid,
    overdue_at: Option<DateTime<Utc>>,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let deadline = sqlx::query_scalar!(
        "delete from extension_calls
         where tenant_id = $1 and workflow_id = $2 and run_id = $3
           and user_processing_result_id = $4 and task_processing_result_id = $5
           and ($6::timestamptz is null or deadline_date_time <= $6)
         returning deadline_date_time",
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        result_id,
        overdue_at,
    )
    .fetch_optional(connection)
    .await?;
    Ok(deadline.flatten())
}

/// A result's call, locked for a resume.
struct LockedCall {
    state: CallState,
    answered_date_time: Option<DateTime<Utc>>,
}

/// A result as a resume finds it: its status, the extension its task calls
/// (which authorizes callers), and its call, locked until the transaction
/// ends, while it has one.
struct Found {
    status: ProcessingStatus,
    extension_id: Option<Uuid>,
    call: Option<LockedCall>,
}

/// The result at `key`, None when there is no such result.
async fn lock(
    connection: &mut PgConnection,
    tenant: Tenant,
    key: TaskProcessingResultKey,
) -> Result<Option<Found>, sqlx::Error> {
    let call = sqlx::query!(
        "select state, answered_date_time, deadline_date_time from extension_calls
         where tenant_id = $1 and workflow_id = $2 and run_id = $3
           and user_processing_result_id = $4 and task_processing_result_id = $5
         for update",
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        key.task_processing_result_id,
    )
    .fetch_optional(&mut *connection)
    .await?;
    let result = sqlx::query!(
        r#"select p.processing_status as "processing_status: ProcessingStatus",
                  k.task_definition_id, k.arguments as "arguments: Json<Vec<TaskArgument>>"
           from task_processing_results p
           join tasks k on k.tenant_id = p.tenant_id and k.workflow_id = p.workflow_id and k.id = p.task_id
           where p.tenant_id = $1 and p.workflow_id = $2 and p.run_id = $3
             and p.user_processing_result_id = $4 and p.id = $5"#,
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        key.task_processing_result_id,
    )
    .fetch_optional(&mut *connection)
    .await?;
    Ok(result.map(|result| Found {
        status: result.processing_status,
        extension_id: (result.task_definition_id == RUN_CUSTOM_TASK_EXTENSION)
            .then(|| TaskArgument::find(&result.arguments, EXTENSION_ARGUMENT))
            .flatten()
            .and_then(|id| Uuid::parse_str(id).ok()),
        call: call.and_then(|call| {
            Some(LockedCall {
                state: CallState::from_row(Some(&call.state), call.deadline_date_time)?,
                answered_date_time: call.answered_date_time,
            })
        }),
    }))
}

/// A callback: who sends it, and how the task ends.
pub struct Callback {
    /// Whether the caller's permissions let it resume any task.
    pub may_resume_any: bool,
    /// The caller's application, which the extension may authorize.
    pub app: Option<Uuid>,
    pub outcome: TaskOutcome,
}

/// What became of a callback.
pub enum Resumption {
    /// The task ended; the call had been accepted this long before, if it had.
    Resumed { waited: Option<chrono::Duration> },
    /// The result does not wait for a callback: its status.
    NotWaiting(ProcessingStatus),
    /// The caller may not resume it.
    Forbidden,
    /// No such result (removed meanwhile).
    Gone,
}

/// Ends a task that waits for its extension's callback (or whose call is
/// still being sent to an extension that expects one) as the callback says.
/// A waiting user goes back on the queue now, to run its next task; one whose
/// call is being sent has a worker that goes on by itself.
pub async fn resume(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    key: TaskProcessingResultKey,
    callback: &Callback,
) -> Result<Resumption, sqlx::Error> {
    let mut transaction = connection.get().begin().await?;
    let Some(Found {
        status,
        extension_id,
        call,
    }) = lock(&mut transaction, tenant, key).await?
    else {
        return Ok(Resumption::Gone);
    };
    let extension = match extension_id {
        Some(id) => custom_task_extensions::get(&mut *transaction, tenant, id).await?,
        None => None,
    };
    let authorized = callback.may_resume_any
        || extension.as_ref().is_some_and(|extension| {
            callback
                .app
                .is_some_and(|app| extension.authorized_apps().contains(&app))
        });
    if !authorized {
        return Ok(Resumption::Forbidden);
    }
    let expects_callback = extension
        .as_ref()
        .is_some_and(|extension| extension.callback_timeout().is_some());
    let call = match call {
        Some(call) if matches!(call.state, CallState::Waiting { .. }) || expects_callback => call,
        _ => return Ok(Resumption::NotWaiting(status)),
    };
    let user = key.user_processing_result();
    end(
        &mut transaction,
        tenant,
        user,
        key.task_processing_result_id,
        &callback.outcome,
    )
    .await?;
    if matches!(call.state, CallState::Waiting { .. }) {
        engine::park(&mut *transaction, tenant, user, Utc::now()).await?;
    }
    transaction.commit().await?;
    Ok(Resumption::Resumed {
        waited: call
            .answered_date_time
            .map(|answered| Utc::now() - answered),
    })
}

/// What a call tells its endpoint about the task besides the subject.
pub struct CallContext {
    pub workflow_display_name: String,
    pub workflow_version: i32,
    pub task_id: Uuid,
    pub task_display_name: String,
    pub created_date_time: DateTime<Utc>,
}

/// The workflow, task and result a call is made for.
pub async fn context(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    key: UserProcessingResultKey,
    result_id: Uuid,
) -> Result<Option<CallContext>, sqlx::Error> {
    sqlx::query_as!(
        CallContext,
        "select w.display_name as workflow_display_name, u.workflow_version,
                k.id as task_id, k.display_name as task_display_name, p.created_date_time
         from task_processing_results p
         join user_processing_results u on u.tenant_id = p.tenant_id and u.workflow_id = p.workflow_id
          and u.run_id = p.run_id and u.id = p.user_processing_result_id
         join tasks k on k.tenant_id = p.tenant_id and k.workflow_id = p.workflow_id and k.id = p.task_id
         join workflows w on w.tenant_id = p.tenant_id and w.id = p.workflow_id
         where p.tenant_id = $1 and p.workflow_id = $2 and p.run_id = $3
           and p.user_processing_result_id = $4 and p.id = $5",
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        result_id,
    )
    .fetch_optional(executor)
    .await
}
