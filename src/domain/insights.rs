//! What the insights count over a window of scheduled runs. A run or a user
//! succeeded when it completed, and failed when it failed or completed with
//! errors; a task succeeded when it completed and failed when it failed.

use super::enums::WorkflowCategory;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// `workflowsProcessedSummary`: runs, users and tasks, in total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::workflowsInsightsSummary)]
pub struct ProcessedSummary {
    pub total_runs: i64,
    pub successful_runs: i64,
    pub failed_runs: i64,
    pub total_users: i64,
    pub successful_users: i64,
    pub failed_users: i64,
    pub total_tasks: i64,
    pub successful_tasks: i64,
    pub failed_tasks: i64,
}

/// `workflowsProcessedByCategory`: runs by the category of their workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::workflowsInsightsByCategory)]
pub struct ProcessedByCategory {
    pub total_joiner_runs: i64,
    pub successful_joiner_runs: i64,
    pub failed_joiner_runs: i64,
    pub total_leaver_runs: i64,
    pub successful_leaver_runs: i64,
    pub failed_leaver_runs: i64,
    pub total_mover_runs: i64,
    pub successful_mover_runs: i64,
    pub failed_mover_runs: i64,
}

/// `topWorkflowsProcessedSummary`: one workflow's runs and users (rendered by
/// `wire`, as its category's name depends on the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowProcessed {
    pub workflow_id: Uuid,
    pub workflow_display_name: String,
    pub workflow_category: WorkflowCategory,
    pub workflow_version: i32,
    pub total_runs: i64,
    pub successful_runs: i64,
    pub failed_runs: i64,
    pub total_users: i64,
    pub successful_users: i64,
    pub failed_users: i64,
}

/// `topTasksProcessedSummary`: the results of one task definition's tasks, and
/// the users they were for (a user counts once per definition in each count).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::topTasksInsightsSummary)]
pub struct TaskDefinitionProcessed {
    /// As Graph publishes it.
    pub task_definition_id: String,
    pub task_definition_display_name: String,
    pub total_tasks: i64,
    pub successful_tasks: i64,
    pub failed_tasks: i64,
    pub total_users: i64,
    pub successful_users: i64,
    pub failed_users: i64,
}
