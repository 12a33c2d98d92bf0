//! userProcessingResults: created under a run, read under a run or across a
//! workflow's runs, in both trees.

use super::body::IdRef;
use super::collection::{self, CollectionPath, ItemPath, Served, Updated};
use super::create::{self, Creates};
use super::runs::ProcessingPatchBody;
use super::summary::{self, SummaryWindow};
use super::tree::Node;
use super::users::{self, Subjects};
use super::{not_found, task_processing_results};
use crate::auth::{Authorized, ReadReports, WriteReports};
use crate::db;
use crate::db::transaction::WriteConnection;
use crate::db::user_processing_results::{Scope, UserProcessingResults};
use crate::db::Pool;
use crate::domain::enums::EvolvableMembers;
use crate::domain::enums::{
    ProcessingStatus, ProcessingStatusInput, WorkflowExecutionType, WorkflowExecutionTypeInput,
};
use crate::domain::keys::{
    Address, Addressed, EntitySet, RunKey, UserProcessingResultRef, WorkflowKey,
    USER_PROCESSING_RESULTS,
};
use crate::domain::objects;
use crate::domain::reference;
use crate::domain::timestamp;
use crate::domain::user_processing_result::{NewUserProcessingResult, UserProcessingResult};
use crate::domain::validation::{check_odata_type, ValidationError};
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::openapi::Operation;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::wire::{UserProcessingResultJson, UserSummaryJson, Wire};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
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

/// `…/runs/{r}/userProcessingResults`, where they are created.
pub fn under_run() -> Node {
    let results = collection::node::<UserProcessingResults, RunKey>(
        "/userProcessingResults",
        [
            "List the run's userProcessingResults",
            "Count the run's userProcessingResults",
        ],
    );
    create::creates::<UserProcessingResults, RunKey>(
        results,
        "Record the processing of a user in the run",
    )
    // Results are created only under a userProcessingResult addressed with its run.
    .child(item(true))
}

/// `…/workflows/{w}/userProcessingResults`: those of all the workflow's runs.
pub fn under_workflow() -> Node {
    collection::node::<UserProcessingResults, WorkflowKey>(
        "/userProcessingResults",
        [
            "List the userProcessingResults of all the workflow's runs",
            "Count the userProcessingResults of all the workflow's runs",
        ],
    )
    .child(summary::node(
        "summary",
        Operation::function::<UserSummaryJson>("Summarize the users processed in a time window"),
        summarize,
    ))
    .child(item(false))
}

/// A userProcessingResult and what is beneath it; `creates` adds the creates of
/// results.
fn item(creates: bool) -> Node {
    collection::updated::<UserProcessingResults>(
        collection::item::<UserProcessingResults, UserProcessingResultRef>(
            "/{userProcessingResultId}",
            "Get a userProcessingResult",
        ),
        "Update a userProcessingResult's processing state",
    )
    .child(task_processing_results::under_user(creates))
}

/// With `$expand=subject`, the subjects the directory holds.
impl Served for UserProcessingResults {
    const SET: &'static EntitySet = &USER_PROCESSING_RESULTS;
    type Json = UserProcessingResultJson;
    type Read = ReadReports;
    type Extra = Subjects;

    fn address(tree: Tree, _: Scope, result: &UserProcessingResult) -> Address {
        result.key().address(tree)
    }

    async fn extra(
        pool: &Pool,
        tenant: Tenant,
        _: Scope,
        wire: &Wire,
        results: &[UserProcessingResult],
    ) -> Result<Subjects, GraphError> {
        let subject_ids = results.iter().map(|result| result.subject_id);
        users::subjects(pool, tenant, wire, subject_ids).await
    }

    fn render(
        result: UserProcessingResult,
        evolvable: EvolvableMembers,
        subjects: &Subjects,
    ) -> UserProcessingResultJson {
        let subject = subjects.get(&result.subject_id).cloned();
        let json = UserProcessingResultJson::new(result, evolvable);
        match subject {
            Some(user) => json.with_subject(user),
            None => json,
        }
    }
}

impl CollectionPath<UserProcessingResults> for RunKey {
    fn scope(self) -> Scope {
        Scope::Run(self)
    }
}

impl CollectionPath<UserProcessingResults> for WorkflowKey {
    fn scope(self) -> Scope {
        Scope::Workflow(self)
    }
}

/// Addressed with or without its run.
impl ItemPath<UserProcessingResults> for UserProcessingResultRef {
    fn scope(self) -> Scope {
        self.into()
    }

    fn id(self) -> Uuid {
        self.user_processing_result_id
    }

    fn parent(self, tree: Tree) -> Address {
        self.address(tree).parent()
    }
}

impl Updated for UserProcessingResults {
    type Key = UserProcessingResultRef;
    type Body = ProcessingPatchBody;
    type Write = WriteReports;

    async fn update(
        pool: &Pool,
        tenant: Tenant,
        tree: Tree,
        key: UserProcessingResultRef,
        body: ProcessingPatchBody,
    ) -> Result<bool, GraphError> {
        let update = body.into_domain("microsoft.graph.identityGovernance.userProcessingResult")?;
        Ok(db::user_processing_results::update(pool, tenant, tree, key, &update).await?)
    }
}

impl Creates<UserProcessingResults> for RunKey {
    type Body = UserProcessingResultBody;
    type New = NewUserProcessingResult;
    type Write = WriteReports;

    fn validate(
        self,
        body: UserProcessingResultBody,
    ) -> Result<NewUserProcessingResult, ValidationError> {
        body.into_domain()
    }

    async fn insert(
        self,
        connection: &mut WriteConnection<'_>,
        tenant: Tenant,
        tree: Tree,
        id: Uuid,
        result: &NewUserProcessingResult,
    ) -> Result<Option<UserProcessingResult>, sqlx::Error> {
        db::user_processing_results::create(connection, tenant, tree, self, id, result).await
    }

    fn scope(self) -> Scope {
        Scope::Run(self)
    }
}

/// `GET …/userProcessingResults/summary(startDateTime=…,endDateTime=…)`.
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
        None => Err(not_found(&state, tenant, key.address(tree)).await),
    }
}
