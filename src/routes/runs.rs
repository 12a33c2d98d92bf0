//! Runs of a workflow, in both trees.

use super::collection::{self, CollectionPath, ItemPath, Served, Updated};
use super::create::{self, Creates};
use super::summary::{self, SummaryWindow};
use super::tree::Node;
use super::{not_found, task_processing_results, user_processing_results};
use crate::auth::{Authorized, ReadReports, WriteReports};
use crate::db;
use crate::db::runs::Runs;
use crate::db::transaction::WriteConnection;
use crate::db::Pool;
use crate::domain::enums::EvolvableMembers;
use crate::domain::enums::{
    ProcessingStatus, ProcessingStatusInput, WorkflowExecutionType, WorkflowExecutionTypeInput,
};
use crate::domain::keys::{
    Address, Addressed, EntitySet, RunKey, RunTaskResultKey, WorkflowKey, RUNS,
};
use crate::domain::patch::{Patch, ProcessingUpdate};
use crate::domain::run::{NewRun, Run};
use crate::domain::timestamp::{self, Timestamp};
use crate::domain::validation::{check_odata_type, ValidationError};
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::openapi::Operation;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::wire::{RunJson, RunSummaryJson, Wire};
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

/// `…/runs` and everything beneath it. A collection's `$count` and functions
/// are registered before the `{id}` node that would match them.
pub fn routes() -> Node {
    let runs = collection::node::<Runs, WorkflowKey>(
        "/runs",
        ["List the workflow's runs", "Count the workflow's runs"],
    );
    create::creates::<Runs, WorkflowKey>(runs, "Record a run of the workflow")
        .child(summary::node(
            "summary",
            Operation::function::<RunSummaryJson>("Summarize the runs scheduled in a time window"),
            summarize,
        ))
        .child(
            collection::updated::<Runs>(
                collection::item::<Runs, RunKey>("/{runId}", "Get a run"),
                "Update a run's processing state",
            )
            .child(
                task_processing_results::readable::<RunKey, RunTaskResultKey>([
                    "List the taskProcessingResults of the run",
                    "Count the taskProcessingResults of the run",
                    "Get a taskProcessingResult of the run",
                ]),
            )
            .child(user_processing_results::under_run()),
        )
}

impl Served for Runs {
    const SET: &'static EntitySet = &RUNS;
    type Json = RunJson;
    type Read = ReadReports;
    type Extra = ();

    fn address(tree: Tree, _: WorkflowKey, run: &Run) -> Address {
        run.key().address(tree)
    }

    fn render(run: Run, evolvable: EvolvableMembers, _: &()) -> RunJson {
        RunJson::new(run, evolvable)
    }
}

impl CollectionPath<Runs> for WorkflowKey {
    fn scope(self) -> WorkflowKey {
        self
    }
}

impl ItemPath<Runs> for RunKey {
    fn scope(self) -> WorkflowKey {
        self.workflow()
    }

    fn id(self) -> Uuid {
        self.run_id
    }

    fn parent(self, tree: Tree) -> Address {
        self.workflow().address(tree)
    }
}

impl Updated for Runs {
    type Key = RunKey;
    type Body = ProcessingPatchBody;
    type Write = WriteReports;

    async fn update(
        pool: &Pool,
        tenant: Tenant,
        tree: Tree,
        key: RunKey,
        body: ProcessingPatchBody,
    ) -> Result<bool, GraphError> {
        let update = body.into_domain("microsoft.graph.identityGovernance.run")?;
        Ok(db::runs::update(pool, tenant, tree, key, &update).await?)
    }
}

impl Creates<Runs> for WorkflowKey {
    type Body = RunBody;
    type New = NewRun;
    type Write = WriteReports;

    fn validate(self, body: RunBody) -> Result<NewRun, ValidationError> {
        body.into_domain()
    }

    async fn insert(
        self,
        connection: &mut WriteConnection<'_>,
        tenant: Tenant,
        tree: Tree,
        id: Uuid,
        run: &NewRun,
    ) -> Result<Option<Run>, sqlx::Error> {
        db::runs::create(connection, tenant, tree, self.workflow_id, id, run).await
    }

    fn scope(self) -> WorkflowKey {
        self
    }
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

/// `GET …/runs/summary(startDateTime=…,endDateTime=…)`.
async fn summarize(
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
        None => Err(not_found(&state, tenant, key.address(tree)).await),
    }
}
