//! Runs of a workflow, in both trees.

use super::body::GraphJson;
use super::not_found;
use crate::app::AppState;
use crate::db;
use crate::domain::enums::{ProcessingStatus, WorkflowExecutionType};
use crate::domain::keys::{Address, RunKey, WorkflowKey};
use crate::domain::run::{NewRun, Run};
use crate::domain::timestamp;
use crate::domain::validation::{check_odata_type, ValidationError};
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::tenant::Tenant;
use crate::wire::{EntityAddress, RunJson, Wire};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::de::IgnoredAny;
use serde::Deserialize;
use uuid::Uuid;

/// The body of `POST …/runs`. The counters and lastUpdatedDateTime are the
/// service's: accepted and ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunBody {
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    processing_status: ProcessingStatus,
    workflow_execution_type: WorkflowExecutionType,
    #[serde(deserialize_with = "timestamp::deserialize")]
    scheduled_date_time: DateTime<Utc>,
    #[serde(default, deserialize_with = "timestamp::deserialize_option")]
    started_date_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "timestamp::deserialize_option")]
    completed_date_time: Option<DateTime<Utc>>,
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
    #[serde(default, rename = "lastUpdatedDateTime")]
    _last_updated_date_time: Option<IgnoredAny>,
    #[serde(default, rename = "totalUsersCount")]
    _total_users_count: Option<IgnoredAny>,
    #[serde(default, rename = "successfulUsersCount")]
    _successful_users_count: Option<IgnoredAny>,
    #[serde(default, rename = "failedUsersCount")]
    _failed_users_count: Option<IgnoredAny>,
    #[serde(default, rename = "totalTasksCount")]
    _total_tasks_count: Option<IgnoredAny>,
    #[serde(default, rename = "failedTasksCount")]
    _failed_tasks_count: Option<IgnoredAny>,
    #[serde(default, rename = "totalUnprocessedTasksCount")]
    _total_unprocessed_tasks_count: Option<IgnoredAny>,
}

impl RunBody {
    fn into_domain(self) -> Result<NewRun, ValidationError> {
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
    tenant: Tenant,
    tree: Tree,
    key: web::Path<WorkflowKey>,
    wire: Wire,
    body: GraphJson<RunBody>,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    let run = body.0.into_domain()?;
    match db::runs::create(
        &state.pool,
        tenant,
        tree,
        key.workflow_id,
        Uuid::now_v7(),
        &run,
    )
    .await?
    {
        Some(created) => wire.created(
            &address(tree, &created),
            RunJson::new(&created, wire.evolvable),
        ),
        None => Err(not_found(&state, tenant, Address::workflow(tree, key)).await),
    }
}

pub async fn get(
    state: web::Data<AppState>,
    tenant: Tenant,
    tree: Tree,
    key: web::Path<RunKey>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    match db::runs::find(&state.pool, tenant, tree, key).await? {
        Some(run) => wire.ok(&address(tree, &run), RunJson::new(&run, wire.evolvable)),
        None => Err(not_found(&state, tenant, Address::run(tree, key)).await),
    }
}
