//! The processing of one user (the subject) in a run.

use super::enums::{ProcessingStatus, WorkflowExecutionType};
use super::keys::UserProcessingResultKey;
use super::run::TaskCounters;
use super::validation::{check_completed_after_started, ValidationError};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A validated userProcessingResult to create. Without a workflowVersion it records
/// the workflow's current version.
#[derive(Debug, Clone)]
pub struct NewUserProcessingResult {
    pub subject_id: Uuid,
    pub processing_status: ProcessingStatus,
    pub workflow_execution_type: WorkflowExecutionType,
    pub scheduled_date_time: DateTime<Utc>,
    pub started_date_time: Option<DateTime<Utc>>,
    pub completed_date_time: Option<DateTime<Utc>>,
    pub workflow_version: Option<i32>,
}

impl NewUserProcessingResult {
    pub fn validate(self) -> Result<Self, ValidationError> {
        check_completed_after_started(
            self.started_date_time.as_ref(),
            self.completed_date_time.as_ref(),
        )?;
        if let Some(version) = self.workflow_version.filter(|version| *version < 1) {
            return Err(ValidationError::new(
                "workflowVersion",
                format!("must be 1 or more, not {version}"),
            ));
        }
        Ok(self)
    }
}

/// A stored userProcessingResult with the counters derived from its task results.
#[derive(Debug, Clone)]
pub struct UserProcessingResult {
    pub workflow_id: Uuid,
    pub run_id: Uuid,
    pub id: Uuid,
    pub subject_id: Uuid,
    pub processing_status: ProcessingStatus,
    pub workflow_execution_type: WorkflowExecutionType,
    pub scheduled_date_time: DateTime<Utc>,
    pub started_date_time: Option<DateTime<Utc>>,
    pub completed_date_time: Option<DateTime<Utc>>,
    pub workflow_version: i32,
    pub tasks: TaskCounters,
}

impl UserProcessingResult {
    pub fn key(&self) -> UserProcessingResultKey {
        UserProcessingResultKey {
            workflow_id: self.workflow_id,
            run_id: self.run_id,
            user_processing_result_id: self.id,
        }
    }
}

/// `userSummary`: the userProcessingResults scheduled in a time range, and their
/// task results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserSummary {
    pub total_users: i64,
    pub successful_users: i64,
    pub failed_users: i64,
    pub total_tasks: i64,
    pub failed_tasks: i64,
}
