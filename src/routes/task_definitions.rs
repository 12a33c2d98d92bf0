//! `{base}/taskDefinitions`: the catalog of built-in task definitions, the same
//! for every tenant and read-only (migration 8 holds its rows).

use super::collection::{self, CollectionPath, ItemPath, Served};
use super::tree::Node;
use crate::auth::ReadCatalog;
use crate::db::page::{Collection, Identified};
use crate::db::Pool;
use crate::domain::enums::{EvolvableMembers, TaskCategory, WorkflowCategory};
use crate::domain::keys::{Address, EntitySet, TaskReportKey};
use crate::domain::task_definition::Parameter;
use crate::domain::workflow::Tree;
use crate::odata::{Field, FieldKind};
use crate::tenant::Tenant;
use crate::wire::Resource;
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder};
use utoipa::ToSchema;
use uuid::Uuid;

pub const TASK_DEFINITIONS: EntitySet = EntitySet {
    name: "taskDefinition",
    segment: "taskDefinitions",
    table: "task_definitions",
    key: "id",
    reference: "task_definition_id",
    per_tenant: false,
};

/// `…/taskDefinitions` and `…/taskDefinitions/{taskDefinitionId}`.
pub fn routes() -> Node {
    collection::node::<TaskDefinitions, ()>(
        "/taskDefinitions",
        [
            "List the built-in task definitions",
            "Count the built-in task definitions",
        ],
    )
    .child(collection::item::<TaskDefinitions, TaskDefinitionKey>(
        "/{taskDefinitionId}",
        "Get a built-in task definition",
    ))
}

/// A definition as stored.
#[derive(sqlx::FromRow)]
pub struct TaskDefinition {
    id: Uuid,
    published_id: String,
    display_name: String,
    category: String,
    continue_on_error: bool,
    version: i32,
    parameters: Json<Vec<Parameter>>,
}

impl Identified for TaskDefinition {
    fn id(&self) -> Uuid {
        self.id
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::taskDefinition)]
pub struct TaskDefinitionJson {
    /// As Graph publishes it; compared without regard to case.
    id: String,
    display_name: String,
    /// Not in the catalog this service holds: always null.
    description: Option<String>,
    /// Graph's flags string, members in declaration order.
    #[schema(value_type = TaskCategory)]
    category: String,
    continue_on_error: bool,
    version: i32,
    parameters: Vec<Parameter>,
}

impl Resource for TaskDefinitionJson {
    const TYPE: &'static str = "taskDefinition";
    const PROPERTIES: &'static [&'static str] = &[
        "id",
        "displayName",
        "description",
        "category",
        "continueOnError",
        "version",
        "parameters",
    ];
    const EXPANDABLE: &'static [&'static str] = &[];
}

/// The catalog, for every tenant.
pub struct TaskDefinitions;

impl Collection for TaskDefinitions {
    type Scope = ();
    type Row = TaskDefinition;
    type Record = TaskDefinition;
    const ALIAS: &'static str = "d";
    const COLUMNS: &'static str = "select d.id, d.published_id, d.display_name, d.category,
                d.continue_on_error, d.version, d.parameters";
    const FROM: &'static str = " from task_definitions d";
    const FILTERABLE: &'static [Field] = &[
        Field::new("id", "d.id", FieldKind::Guid),
        Field::new("displayName", "d.display_name", FieldKind::String),
        Field::new(
            "category",
            "d.category",
            FieldKind::Flags(WorkflowCategory::NAMES),
        ),
        Field::new("version", "d.version", FieldKind::Integer),
    ];

    /// Every tenant's, in either tree.
    fn push_where(builder: &mut QueryBuilder<'_, Postgres>, _: Tenant, _: Tree, _: ()) {
        builder.push(" where true");
    }
}

/// A definition as the API renders it, at its address.
pub(super) fn rendered(
    definition: TaskDefinition,
    evolvable: EvolvableMembers,
) -> (Address, TaskDefinitionJson) {
    let address = TaskDefinitions::address(Tree::Live, (), &definition);
    (address, TaskDefinitions::render(definition, evolvable, &()))
}

impl Served for TaskDefinitions {
    const SET: &'static EntitySet = &TASK_DEFINITIONS;
    type Json = TaskDefinitionJson;
    type Read = ReadCatalog;
    type Extra = ();

    fn address(_: Tree, _: (), definition: &TaskDefinition) -> Address {
        Address::root().then_id(&TASK_DEFINITIONS, definition.id)
    }

    fn render(definition: TaskDefinition, _: EvolvableMembers, _: &()) -> TaskDefinitionJson {
        TaskDefinitionJson {
            id: definition.published_id,
            display_name: definition.display_name,
            description: None,
            category: definition.category,
            continue_on_error: definition.continue_on_error,
            version: definition.version,
            parameters: definition.parameters.0,
        }
    }
}

/// The definition of the task of a task report, if the report is in `tree`.
pub(super) async fn of_task_report(
    pool: &Pool,
    tenant: Tenant,
    tree: Tree,
    report: TaskReportKey,
) -> Result<Option<TaskDefinition>, sqlx::Error> {
    sqlx::query_as::<_, TaskDefinition>(
        "select d.id, d.published_id, d.display_name, d.category, d.continue_on_error, d.version,
                d.parameters
         from task_reports r
         join workflows w on w.tenant_id = r.tenant_id and w.id = r.workflow_id
         join tasks k on k.tenant_id = r.tenant_id and k.workflow_id = r.workflow_id and k.id = r.task_id
         join task_definitions d on d.id = k.task_definition_id
         where r.tenant_id = $1 and r.workflow_id = $2 and r.id = $3
           and (w.deleted_date_time is not null) = $4",
    )
    .bind(tenant.id())
    .bind(report.workflow_id)
    .bind(report.task_report_id)
    .bind(tree.is_deleted())
    .fetch_optional(pool)
    .await
}

impl CollectionPath<TaskDefinitions> for () {
    fn scope(self) {}
}

/// `…/taskDefinitions/{taskDefinitionId}`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDefinitionKey {
    task_definition_id: Uuid,
}

impl ItemPath<TaskDefinitions> for TaskDefinitionKey {
    fn scope(self) {}

    fn id(self) -> Uuid {
        self.task_definition_id
    }

    fn parent(self, _: Tree) -> Address {
        Address::root()
    }
}
