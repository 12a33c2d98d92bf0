//! Runs of a workflow.

use super::enums::{ProcessingStatus, WorkflowExecutionType};
use super::keys::RunKey;
use super::validation::{check_completed_after_started, ValidationError};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A validated run to create.
#[derive(Debug, Clone)]
pub struct NewRun {
    pub processing_status: ProcessingStatus,
    pub workflow_execution_type: WorkflowExecutionType,
    pub scheduled_date_time: DateTime<Utc>,
    pub started_date_time: Option<DateTime<Utc>>,
    pub completed_date_time: Option<DateTime<Utc>>,
}

impl NewRun {
    pub fn validate(self) -> Result<Self, ValidationError> {
        check_completed_after_started(
            self.started_date_time.as_ref(),
            self.completed_date_time.as_ref(),
        )?;
        Ok(self)
    }
}

/// A stored run, with the counters derived from what is stored beneath it.
#[derive(Debug, Clone)]
pub struct Run {
    pub workflow_id: Uuid,
    pub id: Uuid,
    pub processing_status: ProcessingStatus,
    pub workflow_execution_type: WorkflowExecutionType,
    pub scheduled_date_time: DateTime<Utc>,
    pub started_date_time: Option<DateTime<Utc>>,
    pub completed_date_time: Option<DateTime<Utc>>,
    pub last_updated_date_time: DateTime<Utc>,
    pub users: UserCounters,
    pub tasks: TaskCounters,
}

impl Run {
    pub fn key(&self) -> RunKey {
        RunKey {
            workflow_id: self.workflow_id,
            run_id: self.id,
        }
    }
}

/// Counts of the userProcessingResults of a run: successful ones completed, failed
/// ones failed or completed with errors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserCounters {
    pub total: i64,
    pub successful: i64,
    pub failed: i64,
}

/// Counts of taskProcessingResults: failed ones failed, unprocessed ones queued or in
/// progress.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskCounters {
    pub total: i64,
    pub failed: i64,
    pub unprocessed: i64,
}

/// `runSummary`: the runs scheduled in a time range, and the users and tasks they
/// processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSummary {
    pub total_runs: i64,
    pub successful_runs: i64,
    pub failed_runs: i64,
    pub total_users: i64,
    pub total_tasks: i64,
    pub failed_tasks: i64,
}
