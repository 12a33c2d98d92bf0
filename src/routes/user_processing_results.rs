//! userProcessingResults of a run, in both trees.

use super::body::{GraphJson, IdRef};
use super::collection::Listing;
use super::not_found;
use super::runs::ProcessingPatchBody;
use super::summary::SummaryWindow;
use crate::auth::{Authorized, ReadReports, WriteReports};
use crate::db;
use crate::db::page;
use crate::db::transaction::Writer;
use crate::db::user_processing_results::Scope;
use crate::db::user_processing_results::UserProcessingResults;
use crate::domain::enums::{
    ProcessingStatus, ProcessingStatusInput, WorkflowExecutionType, WorkflowExecutionTypeInput,
};
use crate::domain::keys::{Address, RunKey, UserProcessingResultRef, WorkflowKey};
use crate::domain::objects;
use crate::domain::reference;
use crate::domain::timestamp;
use crate::domain::user_processing_result::{NewUserProcessingResult, UserProcessingResult};
use crate::domain::validation::{check_odata_type, ValidationError};
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::metrics;
use crate::state::AppState;
use crate::wire::{
    CollectionAddress, EntityAddress, UserProcessingResultJson, UserSummaryJson, Wire,
};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::de::IgnoredAny;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The body of `POST …/userProcessingResults`. The counters are the service's:
/// accepted and ignored.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = userProcessingResultCreate)]
pub struct UserProcessingResultBody {
    #[schema(pattern = r"^#?microsoft\.graph\.identityGovernance\.userProcessingResult$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(default, deserialize_with = "objects::optional")]
    subject: Option<IdRef>,
    #[serde(rename = "subject@odata.bind")]
    subject_bind: Option<String>,
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
    #[schema(minimum = 1)]
    workflow_version: Option<i32>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
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

impl UserProcessingResultBody {
    pub(super) fn into_domain(self) -> Result<NewUserProcessingResult, ValidationError> {
        check_odata_type(
            self.odata_type.as_deref(),
            "microsoft.graph.identityGovernance.userProcessingResult",
        )?;
        NewUserProcessingResult {
            subject_id: reference::resolve(
                "subject",
                "users",
                self.subject.map(|subject| subject.id),
                self.subject_bind.as_deref(),
            )?,
            processing_status: self.processing_status,
            workflow_execution_type: self.workflow_execution_type,
            scheduled_date_time: self.scheduled_date_time,
            started_date_time: self.started_date_time,
            completed_date_time: self.completed_date_time,
            workflow_version: self.workflow_version,
        }
        .validate()
    }
}

fn address(tree: Tree, result: &UserProcessingResult) -> EntityAddress {
    EntityAddress::workflow(tree, result.workflow_id)
        .then("runs", result.run_id)
        .then("userProcessingResults", result.id)
}

pub async fn create(
    state: web::Data<AppState>,
    writer: Writer,
    Authorized { tenant, .. }: Authorized<WriteReports>,
    tree: Tree,
    key: web::Path<RunKey>,
    wire: Wire,
    body: GraphJson<UserProcessingResultBody>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let result = body.0.into_domain()?;
    match writer
        .run(move |connection| {
            Box::pin(async move {
                db::user_processing_results::create(
                    connection,
                    tenant,
                    tree,
                    key,
                    Uuid::now_v7(),
                    &result,
                )
                .await
            })
        })
        .await?
    {
        Some(created) => {
            metrics::rows_created("userProcessingResult", 1);
            wire.created(
                &address(tree, &created),
                UserProcessingResultJson::new(created, wire.evolvable),
            )
        }
        None => Err(not_found(&state, tenant, Address::run(tree, key)).await),
    }
}

pub async fn get(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<ReadReports>,
    tree: Tree,
    key: web::Path<UserProcessingResultRef>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    match page::find::<UserProcessingResults>(
        &state.pool,
        tenant,
        tree,
        key.into(),
        key.user_processing_result_id,
    )
    .await?
    {
        Some(result) => wire.ok(
            &address(tree, &result),
            UserProcessingResultJson::new(result, wire.evolvable),
        ),
        None => Err(not_found(&state, tenant, Address::user_processing_result(tree, key)).await),
    }
}

/// The entity a scope's collection is beneath, and the address to check when
/// the collection comes back empty.
fn parent(tree: Tree, scope: Scope) -> (EntityAddress, Address) {
    match scope {
        Scope::Run(run) => (
            EntityAddress::workflow(tree, run.workflow_id).then("runs", run.run_id),
            Address::run(tree, run),
        ),
        Scope::Workflow(workflow) => (
            EntityAddress::workflow(tree, workflow.workflow_id),
            Address::workflow(tree, workflow),
        ),
    }
}

async fn list_in(
    state: &AppState,
    listing: &Listing<ReadReports>,
    scope: Scope,
) -> Result<HttpResponse, GraphError> {
    let (entity, address) = parent(listing.tree, scope);
    let collection = CollectionAddress::Beneath(entity, "userProcessingResults");
    listing
        .serve::<UserProcessingResults, _>(
            state,
            scope,
            collection,
            Some(address),
            UserProcessingResultJson::new,
        )
        .await
}

async fn count_in(
    state: &AppState,
    listing: &Listing<ReadReports>,
    scope: Scope,
) -> Result<HttpResponse, GraphError> {
    let (_, address) = parent(listing.tree, scope);
    listing
        .serve_count::<UserProcessingResults>(state, scope, Some(address))
        .await
}

/// A path that names a collection of userProcessingResults.
pub trait CollectionPath: DeserializeOwned + 'static {
    fn scope(self) -> Scope;
}

impl CollectionPath for RunKey {
    fn scope(self) -> Scope {
        Scope::Run(self)
    }
}

impl CollectionPath for WorkflowKey {
    fn scope(self) -> Scope {
        Scope::Workflow(self)
    }
}

pub async fn list<P: CollectionPath>(
    state: web::Data<AppState>,
    path: web::Path<P>,
    listing: Listing<ReadReports>,
) -> Result<HttpResponse, GraphError> {
    list_in(&state, &listing, path.into_inner().scope()).await
}

pub async fn count<P: CollectionPath>(
    state: web::Data<AppState>,
    path: web::Path<P>,
    listing: Listing<ReadReports>,
) -> Result<HttpResponse, GraphError> {
    count_in(&state, &listing, path.into_inner().scope()).await
}

pub async fn update(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<WriteReports>,
    tree: Tree,
    key: web::Path<UserProcessingResultRef>,
    body: GraphJson<ProcessingPatchBody>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let update = body
        .0
        .into_domain("microsoft.graph.identityGovernance.userProcessingResult")?;
    if db::user_processing_results::update(&state.pool, tenant, tree, key, &update).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found(&state, tenant, Address::user_processing_result(tree, key)).await)
    }
}

/// `GET …/userProcessingResults/summary(startDateTime=…,endDateTime=…)`.
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
    match db::user_processing_results::summary(
        &state.pool,
        tenant,
        tree,
        key,
        window.start,
        window.end,
    )
    .await?
    {
        Some(summary) => wire.value(
            "microsoft.graph.identityGovernance.userSummary",
            UserSummaryJson::from(summary),
        ),
        None => Err(not_found(&state, tenant, Address::workflow(tree, key)).await),
    }
}
