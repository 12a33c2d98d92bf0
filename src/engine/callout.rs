//! "Run a Custom Task Extension": the call to the extension's endpoint with
//! Graph's payload and a token the service signs for the extension's resource,
//! retried with backoff on connection errors, time-outs, 429 and 5xx answers.
//! The call is recorded in the transaction that begins its task, so a worker
//! that finds it unanswered (its sender died) sends it again: at least once,
//! with the same taskProcessingResult id for the receiver to drop a duplicate.
//! Each attempt is noted on the result as it happens.

use super::tasks;
use super::worker::{Step, Worker};
use crate::config::Settings;
use crate::db::custom_task_extensions;
use crate::db::engine::{self, TaskOutcome, TaskWork};
use crate::db::extension_calls::{self, CallContext};
use crate::db::{users, Pool};
use crate::domain::custom_task_extension::{CustomTaskExtension, EXTENSION_ARGUMENT};
use crate::domain::enums::ProcessingStatus;
use crate::domain::keys::UserProcessingResultKey;
use crate::domain::user::{User, UserWithManager};
use crate::domain::workflow::TaskArgument;
use crate::metrics;
use crate::outbound::{Answer, Outbound, Signer};
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Without a clientConfiguration: one retry, and the longest time limit Graph
/// allows, so that a slow endpoint is not cut off by a default.
const DEFAULT_RETRIES: u32 = 1;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The wait before the first retry; each further one waits twice as long.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// What calls go through, and the key their tokens are signed with.
#[derive(Clone)]
pub struct Callouts {
    pub outbound: Outbound,
    pub signer: Arc<Signer>,
}

impl Callouts {
    /// For a process without the server's state: the client, and the shared
    /// key from the database.
    pub async fn load(pool: &Pool, settings: &Settings) -> Result<Self, String> {
        let signer = Signer::load_or_create(pool, settings.public_base_url.as_ref())
            .await
            .map_err(|error| error.to_string())?;
        Ok(Self {
            outbound: Outbound::new(&settings.extensions)?,
            signer: Arc::new(signer),
        })
    }
}

/// How an attempt went, for the next step.
enum Verdict {
    Accepted,
    /// Worth another attempt, if any is left: the reason.
    Retry(String),
    /// Final: the reason.
    Fail(String),
}

impl Worker {
    /// Runs a task that calls an extension, from its beginning (`begin`) or
    /// from a recorded call that was never answered.
    pub(super) async fn call_extension(
        &self,
        tenant: Tenant,
        key: UserProcessingResultKey,
        subject_id: Uuid,
        task: &TaskWork,
        begin: bool,
    ) -> Result<Step, sqlx::Error> {
        let extension_id = TaskArgument::find(&task.arguments, EXTENSION_ARGUMENT)
            .and_then(|value| Uuid::parse_str(value).ok());
        if begin {
            let begun = self
                .in_transaction(async |connection| {
                    if !engine::begin_task(connection, tenant, key, task.result_id).await? {
                        return Ok(false);
                    }
                    if extension_id.is_some() {
                        extension_calls::record(connection, tenant, key, task.result_id).await?;
                    }
                    Ok(true)
                })
                .await?;
            if !begun {
                return Ok(Step::TakenOver);
            }
        }
        let Some(extension_id) = extension_id else {
            let outcome = tasks::failed(format!(
                "The task's {EXTENSION_ARGUMENT} argument does not name a custom task extension."
            ));
            return self.end_call(tenant, key, task, outcome).await;
        };
        let pool = &self.pool;
        let lease = chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::MAX);
        let (extension, context, subject) = pool
            .run(async |connection| {
                // The calls may take minutes: the user stays this worker's.
                engine::park(&mut *connection, tenant, key, Utc::now() + lease).await?;
                let extension =
                    custom_task_extensions::get(&mut *connection, tenant, extension_id).await?;
                let context =
                    extension_calls::context(&mut *connection, tenant, key, task.result_id).await?;
                let subject = users::with_manager(&mut *connection, tenant, subject_id).await?;
                Ok((extension, context, subject))
            })
            .await?;
        let (Some(extension), Some(context)) = (extension, context) else {
            let outcome = tasks::failed(format!(
                "The custom task extension {extension_id} no longer exists."
            ));
            return self.end_call(tenant, key, task, outcome).await;
        };
        let payload = payload(tenant, key, task.result_id, subject_id, &context, subject);
        let token = match extension.resource_id() {
            Some(audience) => match self
                .callouts
                .signer
                .token(tenant.id(), audience, Utc::now())
            {
                Ok(token) => Some(token),
                Err(error) => {
                    let outcome = tasks::failed(format!("The call's token: {error}"));
                    return self.end_call(tenant, key, task, outcome).await;
                }
            },
            None => None,
        };
        let verdict = match self
            .attempt_all(tenant, key, task, &extension, &payload, token.as_deref())
            .await?
        {
            Some(verdict) => verdict,
            // A callback ended the task while it was being called.
            None => return self.later(tenant, key).await,
        };
        match (verdict, extension.callback_timeout()) {
            (Verdict::Accepted, Some(timeout)) => {
                let deadline = Utc::now() + timeout;
                let line = format!(
                    "Waiting for the callback (resume) until {}.",
                    deadline.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                );
                let waiting = self
                    .in_transaction(async |connection| {
                        let result = task.result_id;
                        let waiting =
                            extension_calls::wait(connection, tenant, key, result, deadline)
                                .await?;
                        if waiting {
                            extension_calls::note(&mut *connection, tenant, key, result, &line)
                                .await?;
                        }
                        Ok(waiting)
                    })
                    .await?;
                if waiting {
                    Ok(Step::Parked)
                } else {
                    self.later(tenant, key).await
                }
            }
            (Verdict::Accepted, None) => {
                let outcome = TaskOutcome {
                    status: ProcessingStatus::Completed,
                    processing_info: None,
                    failure_reason: None,
                };
                self.end_call(tenant, key, task, outcome).await
            }
            (Verdict::Retry(reason) | Verdict::Fail(reason), _) => {
                let outcome = tasks::failed(format!(
                    "The custom task extension '{}' was not called successfully: {reason}",
                    extension.display_name
                ));
                self.end_call(tenant, key, task, outcome).await
            }
        }
    }

    /// Calls until an attempt is accepted, fails for good, or the retries run
    /// out; the last verdict, or None when the task ended meanwhile.
    async fn attempt_all(
        &self,
        tenant: Tenant,
        key: UserProcessingResultKey,
        task: &TaskWork,
        extension: &CustomTaskExtension,
        payload: &Value,
        token: Option<&str>,
    ) -> Result<Option<Verdict>, sqlx::Error> {
        let retries = extension
            .maximum_retries()
            .map_or(DEFAULT_RETRIES, |retries| retries.max(0) as u32);
        let timeout = extension
            .timeout_in_milliseconds()
            .map_or(
                DEFAULT_TIMEOUT,
                |ms| Duration::from_millis(ms.max(0) as u64),
            );
        let mut attempt = 1;
        loop {
            let at = Utc::now();
            let started = Instant::now();
            let answer = self
                .callouts
                .outbound
                .post(extension.url(), token, payload, timeout)
                .await;
            let line = describe(attempt, at, &answer, started.elapsed());
            metrics::extension_call(outcome_label(&answer));
            let running =
                extension_calls::note(&self.pool, tenant, key, task.result_id, &line).await?;
            if !running {
                return Ok(None);
            }
            match judge(answer) {
                Verdict::Retry(_) if attempt <= retries => {
                    tokio::time::sleep(FIRST_BACKOFF * 2u32.pow(attempt - 1)).await;
                    attempt += 1;
                }
                verdict => return Ok(Some(verdict)),
            }
        }
    }

    /// A task that waits for its callback, claimed again: past its deadline it
    /// fails; before it (claimed early), the user waits on.
    pub(super) async fn callback_due(
        &self,
        tenant: Tenant,
        key: UserProcessingResultKey,
        task: &TaskWork,
        deadline: DateTime<Utc>,
    ) -> Result<Step, sqlx::Error> {
        let now = Utc::now();
        if deadline > now {
            let pool = &self.pool;
            pool.run(async |connection| engine::park(connection, tenant, key, deadline).await)
                .await?;
            return Ok(Step::Parked);
        }
        let outcome = tasks::failed(format!(
            "The custom task extension's callback did not arrive in time: it was due by {}.",
            deadline.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
        let timed_out = self
            .in_transaction(async |connection| {
                let taken =
                    extension_calls::take_overdue(connection, tenant, key, task.result_id, now)
                        .await?;
                if taken.is_some() {
                    engine::end_task(connection, tenant, key, task.result_id, &outcome).await?;
                }
                Ok(taken)
            })
            .await?;
        match timed_out {
            Some(_) => {
                metrics::extension_callback("timedOut", None);
                metrics::engine_task(task.task_definition_id.to_string(), "failed");
                Ok(Step::Ended(ProcessingStatus::Failed))
            }
            None => self.later(tenant, key).await,
        }
    }

    async fn end_call(
        &self,
        tenant: Tenant,
        key: UserProcessingResultKey,
        task: &TaskWork,
        outcome: TaskOutcome,
    ) -> Result<Step, sqlx::Error> {
        self.in_transaction(async |connection| {
            extension_calls::end(connection, tenant, key, task.result_id, &outcome).await
        })
        .await?;
        metrics::engine_task(task.task_definition_id.to_string(), outcome.status.as_str());
        Ok(Step::Ended(outcome.status))
    }

    /// A callback ended the task while this worker was at it: the user goes
    /// back on the queue now, and whoever claims it reads the task as the
    /// callback left it.
    async fn later(
        &self,
        tenant: Tenant,
        key: UserProcessingResultKey,
    ) -> Result<Step, sqlx::Error> {
        let pool = &self.pool;
        pool.run(async |connection| engine::park(connection, tenant, key, Utc::now()).await)
            .await?;
        Ok(Step::Parked)
    }
}

/// What the endpoint receives: Graph's payload for the task's user.
fn payload(
    tenant: Tenant,
    key: UserProcessingResultKey,
    result_id: Uuid,
    subject_id: Uuid,
    context: &CallContext,
    subject: Option<UserWithManager>,
) -> Value {
    let person = |user: &User| {
        json!({
            "id": user.id,
            "displayName": user.display_name,
            "mail": user.mail,
            "userPrincipalName": user.user_principal_name,
        })
    };
    let subject = match subject {
        Some(UserWithManager { user, manager }) => {
            let mut subject = person(&user);
            subject["manager"] = manager.as_ref().map_or(Value::Null, person);
            subject
        }
        None => json!({ "id": subject_id }),
    };
    json!({
        "source": format!("/tenants/{}/workflows/{}", tenant.id(), key.workflow_id),
        "type": "lifecycleEvent",
        "data": {
            "@odata.type": "microsoft.graph.identityGovernance.customTaskExtensionCalloutData",
            "callbackUriPath": format!(
                "/identityGovernance/lifecycleWorkflows/workflows/{}/runs/{}/userProcessingResults/{}/taskProcessingResults/{}/microsoft.graph.identityGovernance.resume",
                key.workflow_id, key.run_id, key.user_processing_result_id, result_id
            ),
            "subject": subject,
            "task": { "id": context.task_id, "displayName": context.task_display_name },
            "taskProcessingResult": {
                "id": result_id,
                "createdDateTime": context.created_date_time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            },
            "workflow": {
                "id": key.workflow_id,
                "displayName": context.workflow_display_name,
                "workflowVersion": context.workflow_version,
            },
        },
    })
}

fn judge(answer: Answer) -> Verdict {
    match answer {
        Answer::Answered { status, .. } if (200..300).contains(&status) => Verdict::Accepted,
        Answer::Answered { status, body } => {
            let reason = format!("the endpoint answered HTTP {status}{}", excerpt(&body));
            if status == 429 || status >= 500 {
                Verdict::Retry(reason)
            } else {
                Verdict::Fail(reason)
            }
        }
        Answer::Failed { reason, .. } => Verdict::Retry(reason),
        Answer::Refused(reason) => Verdict::Fail(reason),
    }
}

/// One line of processingInfo for an attempt.
fn describe(attempt: u32, at: DateTime<Utc>, answer: &Answer, took: Duration) -> String {
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let took = took.as_millis();
    match answer {
        Answer::Answered { status, .. } => {
            format!("Attempt {attempt} at {at}: HTTP {status} in {took} ms.")
        }
        Answer::Failed {
            timed_out: true, ..
        } => format!("Attempt {attempt} at {at}: timed out after {took} ms."),
        Answer::Failed { reason, .. } => format!(
            "Attempt {attempt} at {at}: {} (after {took} ms).",
            reason.trim_end_matches('.')
        ),
        Answer::Refused(reason) => format!("Attempt {attempt} at {at}: not sent: {reason}"),
    }
}

fn outcome_label(answer: &Answer) -> &'static str {
    match answer {
        Answer::Answered { status, .. } if (200..300).contains(status) => "accepted",
        Answer::Answered { status, .. } if *status == 429 || *status >= 500 => "serverError",
        Answer::Answered { .. } => "rejected",
        Answer::Failed {
            timed_out: true, ..
        } => "timedOut",
        Answer::Failed { .. } => "unreachable",
        Answer::Refused(_) => "refused",
    }
}

/// The start of an error answer's body, for the failure reason.
fn excerpt(body: &str) -> String {
    let body = body.trim();
    if body.is_empty() {
        return String::new();
    }
    let cut: String = body.chars().take(200).collect();
    format!(": {cut}")
}
