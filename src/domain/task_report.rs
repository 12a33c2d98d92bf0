//! Task reports: what one task did in one run, for each user it ran for,
//! derived from the taskProcessingResults (never stored).

use super::enums::ProcessingStatus;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The report of a task in a run.
#[derive(Debug, Clone)]
pub struct TaskReport {
    /// Made from the run's and the task's ids, so the same on every read.
    pub id: Uuid,
    pub run_id: Uuid,
    pub task_id: Uuid,
    pub processing_status: ProcessingStatus,
    pub started_date_time: Option<DateTime<Utc>>,
    pub completed_date_time: Option<DateTime<Utc>>,
    pub last_updated_date_time: DateTime<Utc>,
    pub total_users: i64,
    pub successful_users: i64,
    pub failed_users: i64,
    pub unprocessed_users: i64,
}

/// `taskReportSummary`: the reports of the runs scheduled in a window, by
/// status: successful when completed, failed when failed or completed with
/// errors, unprocessed when queued, in progress or canceled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskReportSummary {
    pub successful_tasks: i64,
    pub failed_tasks: i64,
    pub unprocessed_tasks: i64,
    pub total_tasks: i64,
}
