//! Runs of a workflow, in both trees.

use super::body::GraphJson;
use super::collection::Listing;
use super::not_found;
use super::summary::SummaryWindow;
use crate::auth::{Authorized, ReadReports, WriteReports};
use crate::db;
use crate::db::page;
use crate::db::runs::Runs;
use crate::db::transaction::Writer;
use crate::domain::enums::{
    ProcessingStatus, ProcessingStatusInput, WorkflowExecutionType, WorkflowExecutionTypeInput,
};
use crate::domain::keys::{Address, RunKey, WorkflowKey};
use crate::domain::patch::{Patch, ProcessingUpdate};
use crate::domain::run::{NewRun, Run};
use crate::domain::timestamp::{self, Timestamp};
use crate::domain::validation::{check_odata_type, ValidationError};
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::metrics;
use crate::state::AppState;
use crate::wire::{CollectionAddress, EntityAddress, RunJson, RunSummaryJson, Wire};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::de::IgnoredAny;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The body of `POST …/runs`. The counters and lastUpdatedDateTime are the
/// service's: accepted and ignored.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = runCreate)]
pub struct RunBody {
    #[schema(pattern = r"^#?microsoft\.graph\.identityGovernance\.run$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[schema(inline, value_type = ProcessingStatusInput)]
    processing_status: ProcessingStatus,
    #[schema(inline, value_type = WorkflowExecutionTypeInput)]
    workflow_execution_type: WorkflowExecutionType,
    #[serde(deserialize_with = "timestamp::deserialize")]
    scheduled_date_time: DateTime<Utc>,
    #[serde(default, deserialize_with = "timestamp::deserialize_option")]
    started_date_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "timestamp::deserialize_option")]
    completed_date_time: Option<DateTime<Utc>>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "lastUpdatedDateTime")]
    _last_updated_date_time: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "totalUsersCount")]
    _total_users_count: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "successfulUsersCount")]
    _successful_users_count: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "failedUsersCount")]
    _failed_users_count: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "totalTasksCount")]
    _total_tasks_count: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "failedTasksCount")]
    _failed_tasks_count: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "totalUnprocessedTasksCount")]
    _total_unprocessed_tasks_count: Option<IgnoredAny>,
}

impl RunBody {
    pub(super) fn into_domain(self) -> Result<NewRun, ValidationError> {
        check_odata_type(
            self.odata_type.as_deref(),
            "microsoft.graph.identityGovernance.run",
        )?;
        NewRun {
            processing_status: self.processing_status,
            workflow_execution_type: self.workflow_execution_type,
            scheduled_date_time: self.scheduled_date_time,
            started_date_time: self.started_date_time,
            completed_date_time: self.completed_date_time,
        }
        .validate()
    }
}

fn address(tree: Tree, run: &Run) -> EntityAddress {
    EntityAddress::workflow(tree, run.workflow_id).then("runs", run.id)
}

pub async fn create(
    state: web::Data<AppState>,
    writer: Writer,
    Authorized { tenant, .. }: Authorized<WriteReports>,
    tree: Tree,
    key: web::Path<WorkflowKey>,
    wire: Wire,
    body: GraphJson<RunBody>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let run = body.0.into_domain()?;
    match writer
        .run(move |connection| {
            Box::pin(async move {
                db::runs::create(
                    connection,
                    tenant,
                    tree,
                    key.workflow_id,
                    Uuid::now_v7(),
                    &run,
                )
                .await
            })
        })
        .await?
    {
        Some(created) => {
            metrics::rows_created("run", 1);
            wire.created(
                &address(tree, &created),
                RunJson::new(created, wire.evolvable),
            )
        }
        None => Err(not_found(&state, tenant, Address::workflow(tree, key)).await),
    }
}

pub async fn get(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<ReadReports>,
    tree: Tree,
    key: web::Path<RunKey>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    match page::find::<Runs>(&state.pool, tenant, tree, key.workflow(), key.run_id).await? {
        Some(run) => wire.ok(&address(tree, &run), RunJson::new(run, wire.evolvable)),
        None => Err(not_found(&state, tenant, Address::run(tree, key)).await),
    }
}

pub async fn list(
    state: web::Data<AppState>,
    key: web::Path<WorkflowKey>,
    listing: Listing<ReadReports>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let tree = listing.tree;
    let collection =
        CollectionAddress::Beneath(EntityAddress::workflow(tree, key.workflow_id), "runs");
    listing
        .serve::<Runs, _>(
            &state,
            key,
            collection,
            Some(Address::workflow(tree, key)),
            RunJson::new,
        )
        .await
}

pub async fn count(
    state: web::Data<AppState>,
    key: web::Path<WorkflowKey>,
    listing: Listing<ReadReports>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let parent = Address::workflow(listing.tree, key);
    listing.serve_count::<Runs>(&state, key, Some(parent)).await
}

/// The body of `PATCH …/runs/{id}` and `…/userProcessingResults/{id}`: the
/// processing state.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = processingUpdate)]
pub struct ProcessingPatchBody {
    #[schema(pattern = r"^#?microsoft\.graph\.identityGovernance\.(run|userProcessingResult)$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(default)]
    #[schema(inline, value_type = ProcessingStatusInput)]
    processing_status: Patch<ProcessingStatus>,
    #[serde(default)]
    #[schema(value_type = Option<DateTime<Utc>>)]
    started_date_time: Patch<Timestamp>,
    #[serde(default)]
    #[schema(value_type = Option<DateTime<Utc>>)]
    completed_date_time: Patch<Timestamp>,
}

impl ProcessingPatchBody {
    /// The update, for an entity whose type is `odata_type`.
    pub fn into_domain(self, odata_type: &str) -> Result<ProcessingUpdate, ValidationError> {
        check_odata_type(self.odata_type.as_deref(), odata_type)?;
        ProcessingUpdate::new(
            self.processing_status,
            self.started_date_time.map(|at| at.0),
            self.completed_date_time.map(|at| at.0),
        )
    }
}

pub async fn update(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<WriteReports>,
    tree: Tree,
    key: web::Path<RunKey>,
    body: GraphJson<ProcessingPatchBody>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let update = body
        .0
        .into_domain("microsoft.graph.identityGovernance.run")?;
    if db::runs::update(&state.pool, tenant, tree, key, &update).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found(&state, tenant, Address::run(tree, key)).await)
    }
}

/// `GET …/runs/summary(startDateTime=…,endDateTime=…)`.
pub async fn summary(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<ReadReports>,
    tree: Tree,
    path: web::Path<(Uuid, String)>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let (workflow_id, function) = path.into_inner();
    let window = SummaryWindow::parse(&function)?;
    let key = WorkflowKey { workflow_id };
    match db::runs::summary(&state.pool, tenant, tree, key, window.start, window.end).await? {
        Some(summary) => wire.value(
            "microsoft.graph.identityGovernance.runSummary",
            RunSummaryJson::from(summary),
        ),
        None => Err(not_found(&state, tenant, Address::workflow(tree, key)).await),
    }
}
