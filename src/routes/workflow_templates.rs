//! `{base}/workflowTemplates`: the catalog of workflow templates, the same for
//! every tenant and read-only (migration 11 holds its rows), with each
//! template's tasks.

use super::collection::{self, CollectionPath, ItemPath, Served};
use super::tree::Node;
use crate::auth::ReadCatalog;
use crate::db::page::{Collection, Identified};
use crate::db::tasks::{self, GroupedTaskRow, TaskRow};
use crate::db::Pool;
use crate::domain::enums::{EvolvableMembers, WorkflowCategory};
use crate::domain::keys::{Address, Addressed, EntitySet};
use crate::domain::workflow::{ExecutionConditions, Task, Tree};
use crate::error::GraphError;
use crate::odata::{Field, FieldKind};
use crate::tenant::Tenant;
use crate::wire::{Resource, TaskJson, Wire};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

pub const WORKFLOW_TEMPLATES: EntitySet = EntitySet {
    name: "workflowTemplate",
    segment: "workflowTemplates",
    table: "workflow_templates",
    key: "id",
    reference: "template_id",
    per_tenant: false,
};

pub const TEMPLATE_TASKS: EntitySet = EntitySet {
    name: "task",
    segment: "tasks",
    table: "workflow_template_tasks",
    key: "id",
    reference: "task_id",
    per_tenant: false,
};

/// `…/workflowTemplates` and beneath.
pub fn routes() -> Node {
    collection::node::<WorkflowTemplates, ()>(
        "/workflowTemplates",
        [
            "List the workflow templates",
            "Count the workflow templates",
        ],
    )
    .child(
        collection::item::<WorkflowTemplates, TemplateKey>(
            "/{workflowTemplateId}",
            "Get a workflow template",
        )
        .child(
            collection::node::<TemplateTasks, TemplateKey>(
                "/tasks",
                ["List the template's tasks", "Count the template's tasks"],
            )
            .child(collection::item::<TemplateTasks, TemplateTaskKey>(
                "/{taskId}",
                "Get a task of the template",
            )),
        ),
    )
}

/// A template as stored.
#[derive(sqlx::FromRow)]
pub struct WorkflowTemplate {
    id: Uuid,
    category: WorkflowCategory,
    display_name: String,
    description: String,
    execution_conditions: Json<ExecutionConditions>,
}

impl Identified for WorkflowTemplate {
    fn id(&self) -> Uuid {
        self.id
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::workflowTemplate)]
pub struct WorkflowTemplateJson {
    id: Uuid,
    #[schema(value_type = WorkflowCategory)]
    category: &'static str,
    display_name: String,
    description: String,
    execution_conditions: ExecutionConditions,
    /// With `$expand=tasks`.
    #[serde(skip_serializing_if = "Option::is_none")]
    tasks: Option<Vec<TaskJson>>,
}

impl Resource for WorkflowTemplateJson {
    const TYPE: &'static str = "workflowTemplate";
    const PROPERTIES: &'static [&'static str] = &[
        "id",
        "category",
        "displayName",
        "description",
        "executionConditions",
        "tasks",
    ];
    const EXPANDABLE: &'static [&'static str] = &["tasks"];
}

/// The templates, for every tenant.
pub struct WorkflowTemplates;

impl Collection for WorkflowTemplates {
    type Scope = ();
    type Row = WorkflowTemplate;
    type Record = WorkflowTemplate;
    const ALIAS: &'static str = "w";
    const COLUMNS: &'static str =
        "select w.id, w.category, w.display_name, w.description, w.execution_conditions";
    const FROM: &'static str = " from workflow_templates w";
    const FILTERABLE: &'static [Field] = &[
        Field::new("id", "w.id", FieldKind::Guid),
        Field::new(
            "category",
            "w.category",
            FieldKind::Enum(WorkflowCategory::NAMES),
        ),
        Field::new("displayName", "w.display_name", FieldKind::String),
        Field::new("description", "w.description", FieldKind::String),
    ];
    const SEARCHABLE: Option<&'static str> = Some("w.display_name");

    /// Every tenant's, in either tree.
    fn push_where(builder: &mut QueryBuilder<'_, Postgres>, _: Tenant, _: Tree, _: ()) {
        builder.push(" where true");
    }
}

/// With `$expand=tasks`, every template's tasks, by template.
impl Served for WorkflowTemplates {
    const SET: &'static EntitySet = &WORKFLOW_TEMPLATES;
    type Json = WorkflowTemplateJson;
    type Read = ReadCatalog;
    type Extra = Option<HashMap<Uuid, Vec<Task>>>;

    fn address(_: Tree, _: (), template: &WorkflowTemplate) -> Address {
        Address::root().then_id(&WORKFLOW_TEMPLATES, template.id)
    }

    async fn extra(
        pool: &Pool,
        _: Tenant,
        _: (),
        wire: &Wire,
        _: &[WorkflowTemplate],
    ) -> Result<Self::Extra, GraphError> {
        if !wire.expands("tasks") {
            return Ok(None);
        }
        let rows = sqlx::query_as::<_, GroupedTaskRow<Uuid>>(
            "select t.template_id as group_key, t.id, t.execution_sequence, t.display_name, t.description,
                    t.task_definition_id, t.category, t.continue_on_error, t.is_enabled, t.arguments
             from workflow_template_tasks t
             order by t.template_id, t.execution_sequence",
        )
        .fetch_all(pool)
        .await?;
        let tasks = tasks::by_group(rows);
        Ok(Some(tasks))
    }

    fn render(
        template: WorkflowTemplate,
        evolvable: EvolvableMembers,
        tasks: &Self::Extra,
    ) -> WorkflowTemplateJson {
        let tasks = tasks.as_ref().map(|tasks| {
            let own = tasks.get(&template.id).cloned().unwrap_or_default();
            own.into_iter()
                .map(|task| TaskJson::new(task, evolvable))
                .collect()
        });
        WorkflowTemplateJson {
            id: template.id,
            category: template.category.wire_name(evolvable),
            display_name: template.display_name,
            description: template.description,
            execution_conditions: template.execution_conditions.0,
            tasks,
        }
    }
}

impl CollectionPath<WorkflowTemplates> for () {
    fn scope(self) {}
}

/// `…/workflowTemplates/{workflowTemplateId}`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateKey {
    workflow_template_id: Uuid,
}

/// At the container's root, in no tree.
impl Addressed for TemplateKey {
    fn address(self, _: Tree) -> Address {
        Address::root().then_id(&WORKFLOW_TEMPLATES, self.workflow_template_id)
    }
}

impl ItemPath<WorkflowTemplates> for TemplateKey {
    fn scope(self) {}

    fn id(self) -> Uuid {
        self.workflow_template_id
    }

    fn parent(self, _: Tree) -> Address {
        Address::root()
    }
}

/// The tasks of a template.
pub(crate) struct TemplateTasks;

impl Collection for TemplateTasks {
    type Scope = TemplateKey;
    type Row = TaskRow;
    type Record = Task;
    const ALIAS: &'static str = "t";
    const COLUMNS: &'static str =
        "select t.id, t.execution_sequence, t.display_name, t.description,
                t.task_definition_id, t.category, t.continue_on_error, t.is_enabled, t.arguments";
    const FROM: &'static str = " from workflow_template_tasks t";
    const FILTERABLE: &'static [Field] = &[
        Field::new("id", "t.id", FieldKind::Guid),
        Field::new("displayName", "t.display_name", FieldKind::String),
        Field::new("taskDefinitionId", "t.task_definition_id", FieldKind::Guid),
        Field::new(
            "executionSequence",
            "t.execution_sequence",
            FieldKind::Integer,
        ),
    ];

    /// In execution order, which their ids follow (migration 11).
    fn push_where(
        builder: &mut QueryBuilder<'_, Postgres>,
        _: Tenant,
        _: Tree,
        template: TemplateKey,
    ) {
        builder
            .push(" where t.template_id = ")
            .push_bind(template.workflow_template_id);
    }
}

impl Served for TemplateTasks {
    const SET: &'static EntitySet = &TEMPLATE_TASKS;
    type Json = TaskJson;
    type Read = ReadCatalog;
    type Extra = ();

    fn address(tree: Tree, template: TemplateKey, task: &Task) -> Address {
        template.address(tree).then_id(&TEMPLATE_TASKS, task.id)
    }

    fn render(task: Task, evolvable: EvolvableMembers, _: &()) -> TaskJson {
        TaskJson::new(task, evolvable)
    }
}

impl CollectionPath<TemplateTasks> for TemplateKey {
    fn scope(self) -> TemplateKey {
        self
    }
}

/// `…/workflowTemplates/{workflowTemplateId}/tasks/{taskId}`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateTaskKey {
    workflow_template_id: Uuid,
    task_id: Uuid,
}

impl ItemPath<TemplateTasks> for TemplateTaskKey {
    fn scope(self) -> TemplateKey {
        TemplateKey {
            workflow_template_id: self.workflow_template_id,
        }
    }

    fn id(self) -> Uuid {
        self.task_id
    }

    fn parent(self, tree: Tree) -> Address {
        self.scope().address(tree)
    }
}
