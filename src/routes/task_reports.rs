//! `…/workflows/{w}/taskReports`, in both trees: one report per run and task
//! with results, derived from them on every read; its task, its task's
//! definition, its results, and the summary of a window.

use super::collection::{self, CollectionPath, ItemPath, Served};
use super::summary::{self, SummaryWindow};
use super::tree::Node;
use super::{not_found, task_definitions, task_processing_results};
use crate::auth::{Authorized, ReadReports};
use crate::db;
use crate::db::task_processing_results::{Scope, TaskProcessingResults};
use crate::db::task_reports::TaskReports;
use crate::db::tasks::Tasks;
use crate::db::Pool;
use crate::domain::enums::EvolvableMembers;
use crate::domain::keys::{
    Address, Addressed, EntitySet, TaskReportKey, TaskReportResultKey, WorkflowKey, TASK_REPORTS,
};
use crate::domain::task_report::TaskReport;
use crate::domain::workflow::{Task, Tree};
use crate::error::GraphError;
use crate::openapi::Operation;
use crate::state::AppState;
use crate::tenant::Tenant;
use crate::wire::{Resource, TaskJson, TaskReportJson, TaskReportSummaryJson, Wire};
use actix_web::{web, HttpResponse};
use std::collections::HashMap;
use uuid::Uuid;

pub fn routes() -> Node {
    collection::node::<TaskReports, WorkflowKey>(
        "/taskReports",
        [
            "List the workflow's task reports, one per run and task",
            "Count the workflow's task reports",
        ],
    )
    .child(summary::node(
        "summary",
        Operation::function::<TaskReportSummaryJson>(
            "Count the task reports of the runs scheduled in a window, by status",
        ),
        summarize,
    ))
    .child(
        collection::item::<TaskReports, TaskReportKey>("/{taskReportId}", "Get a task report")
            .child(Node::at("/task").get(
                Operation::get::<TaskJson>("Get the task of the report"),
                task,
            ))
            .child(Node::at("/taskDefinition").get(
                Operation::get::<task_definitions::TaskDefinitionJson>(
                    "Get the definition of the report's task",
                ),
                task_definition,
            ))
            .child(task_processing_results::readable::<
                TaskReportKey,
                TaskReportResultKey,
            >([
                "List the results of the report's task in its run",
                "Count the results of the report",
                "Get a result of the report",
            ])),
    )
}

/// With `$expand=task`, the tasks of every version of the workflow, by id.
impl Served for TaskReports {
    const SET: &'static EntitySet = &TASK_REPORTS;
    type Json = TaskReportJson;
    type Read = ReadReports;
    type Extra = HashMap<Uuid, Task>;

    fn address(tree: Tree, workflow: WorkflowKey, report: &TaskReport) -> Address {
        let key = TaskReportKey {
            workflow_id: workflow.workflow_id,
            task_report_id: report.id,
        };
        key.address(tree)
    }

    async fn extra(
        pool: &Pool,
        tenant: Tenant,
        workflow: WorkflowKey,
        wire: &Wire,
        _: &[TaskReport],
    ) -> Result<Self::Extra, GraphError> {
        if !wire.expands("task") {
            return Ok(HashMap::new());
        }
        Ok(db::tasks::of_every_version_by_id(pool, tenant, workflow.workflow_id).await?)
    }

    fn render(
        report: TaskReport,
        evolvable: EvolvableMembers,
        tasks: &Self::Extra,
    ) -> TaskReportJson {
        let task = tasks.get(&report.task_id).cloned();
        TaskReportJson::new(report, task, evolvable)
    }
}

impl CollectionPath<TaskReports> for WorkflowKey {
    fn scope(self) -> WorkflowKey {
        self
    }
}

impl ItemPath<TaskReports> for TaskReportKey {
    fn scope(self) -> WorkflowKey {
        self.workflow()
    }

    fn id(self) -> Uuid {
        self.task_report_id
    }

    fn parent(self, tree: Tree) -> Address {
        self.workflow().address(tree)
    }
}

/// `…/taskReports/{r}/taskProcessingResults`.
impl CollectionPath<TaskProcessingResults> for TaskReportKey {
    fn scope(self) -> Scope {
        Scope::Report(self)
    }
}

impl ItemPath<TaskProcessingResults> for TaskReportResultKey {
    fn scope(self) -> Scope {
        Scope::Report(self.report())
    }

    fn id(self) -> Uuid {
        self.task_processing_result_id
    }

    fn parent(self, tree: Tree) -> Address {
        self.report().address(tree)
    }
}

/// `GET …/taskReports/{r}/task`.
async fn task(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<ReadReports>,
    tree: Tree,
    key: web::Path<TaskReportKey>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    match db::task_reports::task(&state.pool, tenant, tree, key).await? {
        Some(task) => wire.ok(
            &Tasks::address(tree, key.workflow().current_version(), &task),
            TaskJson::new(task, wire.evolvable),
        ),
        None => Err(not_found(&state, tenant, key.address(tree)).await),
    }
}

/// `GET …/taskReports/{r}/taskDefinition`.
async fn task_definition(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<ReadReports>,
    tree: Tree,
    key: web::Path<TaskReportKey>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let key = key.into_inner();
    match task_definitions::of_task_report(&state.pool, tenant, tree, key).await? {
        Some(definition) => {
            let (address, json) = task_definitions::rendered(definition, wire.evolvable);
            wire.ok(&address, json)
        }
        None => Err(not_found(&state, tenant, key.address(tree)).await),
    }
}

/// `GET …/taskReports/summary(startDateTime=…,endDateTime=…)`.
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
    let counted =
        db::task_reports::summary(&state.pool, tenant, tree, key, window.start, window.end).await?;
    match counted {
        Some(summary) => wire.value(
            &format!(
                "microsoft.graph.identityGovernance.{}Summary",
                TaskReportJson::TYPE
            ),
            TaskReportSummaryJson::from(summary),
        ),
        None => Err(not_found(&state, tenant, key.address(tree)).await),
    }
}
