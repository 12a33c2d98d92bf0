//! A workflow's versions, in both trees: the list, one version by number, and
//! each version's tasks. `createNewVersion` makes them (`routes::workflows`).

use super::collection::{self, CollectionPath, ItemPath, Served};
use super::tasks;
use super::tree::Node;
use crate::auth::ReadWorkflows;
use crate::db;
use crate::db::versions::WorkflowVersions;
use crate::db::Pool;
use crate::domain::enums::EvolvableMembers;
use crate::domain::keys::{Address, Addressed, EntitySet, VersionKey, WorkflowKey, VERSIONS};
use crate::domain::workflow::{Task, Tree, WorkflowVersion};
use crate::error::GraphError;
use crate::tenant::Tenant;
use crate::wire::{Wire, WorkflowVersionJson};
use std::collections::HashMap;
use uuid::Uuid;

/// `…/workflows/{w}/versions` and beneath.
pub fn routes() -> Node {
    collection::node::<WorkflowVersions, WorkflowKey>(
        "/versions",
        [
            "List the workflow's versions, past and current",
            "Count the workflow's versions",
        ],
    )
    .child(
        collection::item::<WorkflowVersions, VersionKey>(
            "/{versionNumber}",
            "Get a version of the workflow by its number",
        )
        .child(tasks::of_version()),
    )
}

/// With `$expand=tasks`, the tasks of every version of the workflow, by version.
impl Served for WorkflowVersions {
    const SET: &'static EntitySet = &VERSIONS;
    type Json = WorkflowVersionJson;
    type Read = ReadWorkflows;
    type Extra = Option<HashMap<i32, Vec<Task>>>;

    fn address(tree: Tree, workflow: WorkflowKey, version: &WorkflowVersion) -> Address {
        let key = VersionKey {
            workflow_id: workflow.workflow_id,
            version_number: version.version_number,
        };
        key.address(tree)
    }

    async fn extra(
        pool: &Pool,
        tenant: Tenant,
        workflow: WorkflowKey,
        wire: &Wire,
        _: &[WorkflowVersion],
    ) -> Result<Self::Extra, GraphError> {
        if !wire.expands("tasks") {
            return Ok(None);
        }
        let tasks = db::tasks::of_every_version(pool, tenant, workflow.workflow_id).await?;
        Ok(Some(tasks))
    }

    fn render(
        version: WorkflowVersion,
        evolvable: EvolvableMembers,
        tasks: &Self::Extra,
    ) -> WorkflowVersionJson {
        let tasks = tasks.as_ref().map(|tasks| {
            tasks
                .get(&version.version_number)
                .cloned()
                .unwrap_or_default()
        });
        WorkflowVersionJson::new(version, tasks, evolvable)
    }
}

impl CollectionPath<WorkflowVersions> for WorkflowKey {
    fn scope(self) -> WorkflowKey {
        self
    }
}

impl ItemPath<WorkflowVersions> for VersionKey {
    fn scope(self) -> WorkflowKey {
        self.workflow()
    }

    fn id(self) -> Uuid {
        WorkflowVersion::paging_id(self.version_number)
    }

    fn parent(self, tree: Tree) -> Address {
        self.workflow().address(tree)
    }

    fn missing(self, _: &Address) -> String {
        format!(
            "No workflowVersion with versionNumber {} exists in workflow '{}'.",
            self.version_number, self.workflow_id
        )
    }
}
