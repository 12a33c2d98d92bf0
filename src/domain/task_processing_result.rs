//! The processing of one task for one user.

use super::enums::ProcessingStatus;
use super::keys::TaskProcessingResultKey;
use super::patch::{Patch, ProcessingUpdate};
use super::validation::{check_completed_after_started, ValidationError};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The longest failureReason a result may carry, in characters.
pub const MAX_FAILURE_REASON_CHARS: usize = 4000;

/// A validated taskProcessingResult to create; its task and subject come from where
/// it is created.
#[derive(Debug, Clone)]
pub struct NewTaskProcessingResult {
    pub created_date_time: DateTime<Utc>,
    pub processing_status: ProcessingStatus,
    pub started_date_time: Option<DateTime<Utc>>,
    pub completed_date_time: Option<DateTime<Utc>>,
    pub failure_reason: Option<String>,
    pub processing_info: Option<String>,
}

impl NewTaskProcessingResult {
    pub fn validate(self) -> Result<Self, ValidationError> {
        check_completed_after_started(
            self.started_date_time.as_ref(),
            self.completed_date_time.as_ref(),
        )?;
        if let Some(reason) = &self.failure_reason {
            check_failure_reason(reason)?;
        }
        Ok(self)
    }
}

/// A stored taskProcessingResult, with the keys of the parents it sits under.
#[derive(Debug, Clone)]
pub struct TaskProcessingResult {
    pub workflow_id: Uuid,
    pub run_id: Uuid,
    pub user_processing_result_id: Uuid,
    pub id: Uuid,
    pub task_id: Uuid,
    pub subject_id: Uuid,
    pub created_date_time: DateTime<Utc>,
    pub processing_status: ProcessingStatus,
    pub started_date_time: Option<DateTime<Utc>>,
    pub completed_date_time: Option<DateTime<Utc>>,
    pub failure_reason: Option<String>,
    pub processing_info: Option<String>,
}

impl TaskProcessingResult {
    pub fn key(&self) -> TaskProcessingResultKey {
        TaskProcessingResultKey {
            workflow_id: self.workflow_id,
            run_id: self.run_id,
            user_processing_result_id: self.user_processing_result_id,
            task_processing_result_id: self.id,
        }
    }
}

/// A change to a taskProcessingResult.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskProcessingResultUpdate {
    pub processing: ProcessingUpdate,
    pub failure_reason: Patch<String>,
    pub processing_info: Patch<String>,
}

impl TaskProcessingResultUpdate {
    pub fn new(
        processing: ProcessingUpdate,
        failure_reason: Patch<String>,
        processing_info: Patch<String>,
    ) -> Result<Self, ValidationError> {
        if let Some(reason) = failure_reason.value() {
            check_failure_reason(reason)?;
        }
        Ok(Self {
            processing,
            failure_reason,
            processing_info,
        })
    }
}

fn check_failure_reason(reason: &str) -> Result<(), ValidationError> {
    let chars = reason.chars().count();
    if chars > MAX_FAILURE_REASON_CHARS {
        return Err(ValidationError::new(
            "failureReason",
            format!("must be at most {MAX_FAILURE_REASON_CHARS} characters, not {chars}"),
        ));
    }
    Ok(())
}
