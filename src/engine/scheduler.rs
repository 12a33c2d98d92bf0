//! A scheduling pass: every tenant's live, enabled, scheduling-enabled workflows
//! are evaluated at a moment; each one's trigger and scope pick users its
//! current version has not run for at that trigger date, and a scheduled run
//! for them is started, all in one transaction per workflow, under a lock on
//! the workflow so that concurrent passes never pick twice.

use crate::db::schedule::{self, DueWorkflow, Pick};
use crate::db::transaction::WriteConnection;
use crate::db::{self, Pool};
use crate::domain::enums::WorkflowExecutionType;
use crate::tenant::Tenant;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// What a pass did (or, dry, would do) for one workflow.
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub tenant: Tenant,
    pub workflow_id: Uuid,
    pub display_name: String,
    pub version: i32,
    pub picks: Vec<Pick>,
    /// The run started for the picks; None for none picked, or a dry run.
    pub run_id: Option<Uuid>,
}

/// How a pass chooses and what it writes.
#[derive(Debug, Clone, Copy)]
pub struct Pass {
    pub at: DateTime<Utc>,
    /// Evaluates every workflow, not only those whose next scheduled time has
    /// come (`schedule --once`).
    pub every_workflow: bool,
    pub dry_run: bool,
}

/// Runs one pass.
pub async fn pass(pool: &Pool, pass: Pass) -> Result<Vec<Scheduled>, sqlx::Error> {
    let due_at = (!pass.every_workflow).then_some(pass.at);
    let mut done = Vec::new();
    for (tenant, workflow_id) in schedule::candidates(pool, due_at).await? {
        let mut transaction = pool.begin().await?;
        let connection = transaction.connection()?;
        // Background work, not a request: a run of many users may take longer
        // than the requests' statement timeout, and must still be started.
        sqlx::query("set local statement_timeout = 0")
            .execute(&mut *connection)
            .await?;
        let Some(workflow) = schedule::lock_due(connection, tenant, workflow_id, due_at).await?
        else {
            // Another pass holds it, or it changed since it was listed.
            continue;
        };
        let picks = schedule::picks(connection, &workflow, pass.at).await?;
        let run_id = if pass.dry_run {
            transaction.rollback().await?;
            None
        } else {
            let run_id = start(connection, &workflow, &picks, pass.at).await?;
            transaction.commit().await?;
            run_id
        };
        if !picks.is_empty() {
            tracing::info!(
                tenant = %tenant.id(),
                workflow = %workflow.id,
                users = picks.len(),
                dry_run = pass.dry_run,
                "scheduled"
            );
        }
        done.push(Scheduled {
            tenant,
            workflow_id,
            display_name: workflow.display_name,
            version: workflow.version,
            picks,
            run_id,
        });
    }
    Ok(done)
}

/// Starts the scheduled run of the picks, if any, records them, and sets the
/// workflow's next scheduled time.
async fn start(
    connection: &mut sqlx::PgConnection,
    workflow: &DueWorkflow,
    picks: &[Pick],
    at: DateTime<Utc>,
) -> Result<Option<Uuid>, sqlx::Error> {
    let mut connection = WriteConnection::dedicated(connection);
    let run_id = if picks.is_empty() {
        None
    } else {
        let subjects: Vec<Uuid> = picks.iter().map(|pick| pick.subject_id).collect();
        let run_id = Uuid::now_v7();
        let start = db::runs::Start {
            execution_type: WorkflowExecutionType::Scheduled,
            scheduled_date_time: at,
            subjects: &subjects,
            by_engine: true,
        };
        db::runs::start(
            &mut connection,
            workflow.tenant,
            workflow.id,
            run_id,
            &start,
        )
        .await?;
        Some(run_id)
    };
    let next = at + Duration::hours(i64::from(workflow.interval_in_hours));
    schedule::record(&mut connection, workflow, run_id, picks, next).await?;
    Ok(run_id)
}
