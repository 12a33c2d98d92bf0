//! `{base}/insights/{function}(startDateTime=…,endDateTime=…)`: what the
//! tenant's live workflows processed in a window of scheduled runs.

use super::summary::{self, SummaryWindow};
use super::tree::Node;
use crate::auth::{Authorized, ReadReports};
use crate::db;
use crate::domain::enums::EvolvableMembers;
use crate::domain::enums::WorkflowCategory;
use crate::domain::insights::{
    ProcessedByCategory, ProcessedSummary, TaskDefinitionProcessed, WorkflowProcessed,
};
use crate::error::GraphError;
use crate::openapi::Operation;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::wire::Wire;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

const TYPES: &str = "microsoft.graph.identityGovernance.";

pub fn routes() -> Node {
    Node::at("/insights")
        .child(summary::node(
            "workflowsProcessedSummary",
            Operation::function::<ProcessedSummary>(
                "Count the runs, users and tasks processed in a window",
            ),
            processed_summary,
        ))
        .child(summary::node(
            "workflowsProcessedByCategory",
            Operation::function::<ProcessedByCategory>(
                "Count the runs processed in a window by workflow category",
            ),
            processed_by_category,
        ))
        .child(summary::node(
            "topWorkflowsProcessedSummary",
            Operation::function::<TopWorkflowsJson>(
                "The workflows that ran in a window, most runs first",
            ),
            top_workflows,
        ))
        .child(summary::node(
            "topTasksProcessedSummary",
            Operation::function::<TopTasksJson>(
                "The task definitions whose tasks ran in a window, most results first",
            ),
            top_tasks,
        ))
}

/// What every insight reads: the pool, the tenant, the window its path names,
/// and how to answer.
struct Insight {
    state: web::Data<AppState>,
    tenant: Tenant,
    window: SummaryWindow,
    wire: Wire,
}

impl FromRequest for Insight {
    type Error = GraphError;
    type Future = LocalBoxFuture<'static, Result<Self, GraphError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let parts = (
            web::Data::<AppState>::from_request(request, payload),
            Authorized::<ReadReports>::from_request(request, payload),
            web::Path::<String>::from_request(request, payload),
            Wire::from_request(request, payload),
        );
        Box::pin(async move {
            let state = parts
                .0
                .await
                .map_err(|error| GraphError::internal(&error))?;
            let tenant = parts.1.await?.tenant;
            let function = parts
                .2
                .await
                .map_err(|error| GraphError::internal(&error))?;
            Ok(Self {
                state,
                tenant,
                window: SummaryWindow::parse(&function.into_inner())?,
                wire: parts.3.await?,
            })
        })
    }
}

async fn processed_summary(insight: Insight) -> Result<HttpResponse, GraphError> {
    let Insight {
        state,
        tenant,
        window,
        wire,
    } = insight;
    let summary =
        db::insights::processed_summary(&state.pool, tenant, window.start, window.end).await?;
    wire.value(&format!("{TYPES}workflowsInsightsSummary"), summary)
}

async fn processed_by_category(insight: Insight) -> Result<HttpResponse, GraphError> {
    let Insight {
        state,
        tenant,
        window,
        wire,
    } = insight;
    let counts =
        db::insights::processed_by_category(&state.pool, tenant, window.start, window.end).await?;
    wire.value(&format!("{TYPES}workflowsInsightsByCategory"), counts)
}

async fn top_workflows(insight: Insight) -> Result<HttpResponse, GraphError> {
    let Insight {
        state,
        tenant,
        window,
        wire,
    } = insight;
    let workflows =
        db::insights::workflows_processed(&state.pool, tenant, window.start, window.end).await?;
    let value = workflows
        .into_iter()
        .map(|workflow| TopWorkflowJson::new(workflow, wire.evolvable))
        .collect();
    wire.value(
        &format!("Collection({TYPES}topWorkflowsInsightsSummary)"),
        TopWorkflowsJson { value },
    )
}

async fn top_tasks(insight: Insight) -> Result<HttpResponse, GraphError> {
    let Insight {
        state,
        tenant,
        window,
        wire,
    } = insight;
    let value =
        db::insights::task_definitions_processed(&state.pool, tenant, window.start, window.end)
            .await?;
    wire.value(
        &format!("Collection({TYPES}topTasksInsightsSummary)"),
        TopTasksJson { value },
    )
}

/// The answer of `topWorkflowsProcessedSummary`.
#[derive(Serialize, ToSchema)]
#[schema(as = topWorkflowsInsightsSummaryCollection)]
pub struct TopWorkflowsJson {
    value: Vec<TopWorkflowJson>,
}

/// The answer of `topTasksProcessedSummary`.
#[derive(Serialize, ToSchema)]
#[schema(as = topTasksInsightsSummaryCollection)]
pub struct TopTasksJson {
    value: Vec<TaskDefinitionProcessed>,
}

/// `topWorkflowsInsightsSummary`: a workflow's runs and users in the window.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::topWorkflowsInsightsSummary)]
pub struct TopWorkflowJson {
    workflow_id: Uuid,
    workflow_display_name: String,
    #[schema(value_type = WorkflowCategory)]
    workflow_category: &'static str,
    /// The workflow's current version.
    workflow_version: i32,
    total_runs: i64,
    successful_runs: i64,
    failed_runs: i64,
    total_users: i64,
    successful_users: i64,
    failed_users: i64,
}

impl TopWorkflowJson {
    fn new(workflow: WorkflowProcessed, evolvable: EvolvableMembers) -> Self {
        Self {
            workflow_id: workflow.workflow_id,
            workflow_display_name: workflow.workflow_display_name,
            workflow_category: workflow.workflow_category.wire_name(evolvable),
            workflow_version: workflow.workflow_version,
            total_runs: workflow.total_runs,
            successful_runs: workflow.successful_runs,
            failed_runs: workflow.failed_runs,
            total_users: workflow.total_users,
            successful_users: workflow.successful_users,
            failed_users: workflow.failed_users,
        }
    }
}
