//! A worker: claims queued users under a lease and processes each, its tasks in
//! executionSequence. A directory task runs in one transaction with its result's
//! end, so it happens once or not at all; an email is marked inProgress before
//! it is sent, and one found inProgress after a crash is failed rather than
//! sent again; a call to a custom task extension is recorded before it is sent
//! and sent again after a crash (see `callout`). A user whose task waits for
//! its callback leaves the queue until the callback or its deadline.

use super::callout::Callouts;
use super::email::{self, Mailer};
use super::tasks::{self, Action};
use crate::db::engine::{self, TaskOutcome, TaskWork, UserWork};
use crate::db::extension_calls::CallState;
use crate::db::{self, users, Pool};
use crate::domain::enums::ProcessingStatus;
use crate::domain::keys::UserProcessingResultKey;
use crate::metrics;
use crate::tenant::Tenant;
use sqlx::PgConnection;
use std::time::Duration;

/// What a worker needs.
#[derive(Clone)]
pub struct Worker {
    pub pool: Pool,
    pub mailer: Mailer,
    pub callouts: Callouts,
    pub lease: Duration,
    pub batch: i64,
}

/// Where a user, or one of its tasks, is after a worker's step.
pub(super) enum Step {
    Ended(ProcessingStatus),
    /// Back on the queue for later: waiting for a custom task extension's
    /// callback (until it comes or its deadline), or for the next claim.
    Parked,
    /// Another worker holds it now (this one's lease ran out).
    TakenOver,
}

impl Worker {
    /// Claims and processes one batch per tenant with work; how many users it
    /// processed (0: the queue had nothing claimable).
    pub async fn round(&self) -> Result<usize, sqlx::Error> {
        let tenants = engine::tenants_with_work(&self.pool, 64).await?;
        let mut processed = 0;
        for tenant in tenants {
            let claimed = engine::claim(&self.pool, tenant, self.lease, self.batch).await?;
            for key in claimed {
                self.process(tenant, key).await?;
                processed += 1;
            }
        }
        Ok(processed)
    }

    async fn process(
        &self,
        tenant: Tenant,
        key: UserProcessingResultKey,
    ) -> Result<(), sqlx::Error> {
        let begun = self
            .in_transaction(async |connection| engine::begin_user(connection, tenant, key).await)
            .await?;
        let Some(work) = begun else {
            // Canceled, finished or gone: only its queue entry is left.
            let settled = self
                .in_transaction(async |connection| engine::drop_user(connection, tenant, key).await)
                .await?;
            if let Some(status) = settled {
                run_changed(tenant, key, status);
            }
            return Ok(());
        };
        if work.run_started {
            run_changed(tenant, key, ProcessingStatus::InProgress);
        }
        let status = match self.run_tasks(tenant, key, &work).await? {
            Step::Ended(status) => status,
            Step::Parked | Step::TakenOver => return Ok(()),
        };
        let settled = self
            .in_transaction(async |connection| {
                engine::end_user(connection, tenant, key, status).await
            })
            .await?;
        if let Some(status) = settled {
            run_changed(tenant, key, status);
        }
        Ok(())
    }

    /// Runs the user's tasks in order, up to the end (the user's final status)
    /// or to a task that waits or was taken by another worker.
    async fn run_tasks(
        &self,
        tenant: Tenant,
        key: UserProcessingResultKey,
        work: &UserWork,
    ) -> Result<Step, sqlx::Error> {
        let (mut failures, mut stopped) = (0, false);
        for task in &work.tasks {
            let step = match (task.processing_status, task.call()) {
                (ProcessingStatus::Queued, _) => self.run_task(tenant, key, work, task).await?,
                (ProcessingStatus::InProgress, Some(CallState::Sending)) => {
                    self.call_extension(tenant, key, work.subject_id, task, false)
                        .await?
                }
                (ProcessingStatus::InProgress, Some(CallState::Waiting { deadline })) => {
                    self.callback_due(tenant, key, task, deadline).await?
                }
                (ProcessingStatus::InProgress, None) => {
                    Step::Ended(self.fail_interrupted(tenant, key, task).await?)
                }
                // Ended by an earlier attempt, or by a callback.
                (status, _) => Step::Ended(status),
            };
            let outcome = match step {
                Step::Ended(status) => status,
                parked_or_taken => return Ok(parked_or_taken),
            };
            if outcome == ProcessingStatus::Failed {
                failures += 1;
                if !task.continue_on_error {
                    stopped = true;
                    break;
                }
            }
        }
        Ok(Step::Ended(match (failures, stopped) {
            (0, _) => ProcessingStatus::Completed,
            (_, true) => ProcessingStatus::Failed,
            (_, false) => ProcessingStatus::CompletedWithErrors,
        }))
    }

    /// Runs one queued task.
    async fn run_task(
        &self,
        tenant: Tenant,
        key: UserProcessingResultKey,
        work: &UserWork,
        task: &TaskWork,
    ) -> Result<Step, sqlx::Error> {
        let action = tasks::action(task.task_definition_id);
        let outcome = match action {
            Action::CallExtension => {
                return self
                    .call_extension(tenant, key, work.subject_id, task, true)
                    .await
            }
            Action::Email(kind) => self.send_email(tenant, key, work, task, kind).await?,
            action => {
                self.in_transaction(async |connection| {
                    if !engine::begin_task(connection, tenant, key, task.result_id).await? {
                        return Ok(None);
                    }
                    let outcome = tasks::act(
                        connection,
                        tenant,
                        work.subject_id,
                        task.task_definition_id,
                        action,
                        &task.arguments,
                    )
                    .await?;
                    engine::end_task(connection, tenant, key, task.result_id, &outcome).await?;
                    Ok(Some(outcome))
                })
                .await?
            }
        };
        Ok(outcome.map_or(Step::TakenOver, |outcome| {
            metrics::engine_task(task.task_definition_id.to_string(), outcome.status.as_str());
            Step::Ended(outcome.status)
        }))
    }

    /// Marks the email inProgress (committed), sends it, then ends it.
    async fn send_email(
        &self,
        tenant: Tenant,
        key: UserProcessingResultKey,
        work: &UserWork,
        task: &TaskWork,
        kind: email::EmailKind,
    ) -> Result<Option<TaskOutcome>, sqlx::Error> {
        let pool = &self.pool;
        let prepared = pool
            .run(async |connection| {
                if !engine::begin_task(connection, tenant, key, task.result_id).await? {
                    return Ok(None);
                }
                let recipient =
                    users::with_manager(&mut *connection, tenant, work.subject_id).await?;
                let settings = db::settings::get(&mut *connection, tenant).await?;
                Ok(Some((recipient, settings.sender_domain)))
            })
            .await?;
        let Some((recipient, sender_domain)) = prepared else {
            return Ok(None);
        };
        let outcome = match recipient {
            None => tasks::failed(format!(
                "The user {} is not in the directory.",
                work.subject_id
            )),
            Some(recipient) => match email::compose(kind, &recipient, &task.arguments) {
                Ok(email) => self.mailer.send(&email, sender_domain.as_deref()).await,
                Err(outcome) => outcome,
            },
        };
        pool.run(async |connection| {
            engine::end_task(connection, tenant, key, task.result_id, &outcome).await
        })
        .await?;
        Ok(Some(outcome))
    }

    /// A task found inProgress was cut off by a crash while it ran outside a
    /// transaction (an email): it fails rather than acting twice.
    async fn fail_interrupted(
        &self,
        tenant: Tenant,
        key: UserProcessingResultKey,
        task: &TaskWork,
    ) -> Result<ProcessingStatus, sqlx::Error> {
        let outcome = tasks::failed(
            "The engine stopped while this task ran; it is not run again, so that it does not \
             act twice."
                .to_owned(),
        );
        let pool = &self.pool;
        pool.run(async |connection| {
            engine::end_task(connection, tenant, key, task.result_id, &outcome).await
        })
        .await?;
        metrics::engine_task(task.task_definition_id.to_string(), outcome.status.as_str());
        Ok(outcome.status)
    }

    pub(super) async fn in_transaction<T>(
        &self,
        work: impl AsyncFnOnce(&mut PgConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let mut transaction = self.pool.begin().await?;
        let result = work(transaction.connection()?).await?;
        transaction.commit().await?;
        Ok(result)
    }
}

/// A run started (inProgress) or ended: counted and logged.
fn run_changed(tenant: Tenant, key: UserProcessingResultKey, status: ProcessingStatus) {
    metrics::engine_run(status.as_str());
    tracing::info!(
        tenant = %tenant.id(),
        workflow = %key.workflow_id,
        run = %key.run_id,
        status = status.as_str(),
        "run {}",
        if status == ProcessingStatus::InProgress { "started" } else { "ended" }
    );
}
