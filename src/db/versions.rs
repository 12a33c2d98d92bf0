//! A workflow's versions, past and current (the `workflow_versions` view).

use super::page::{Collection, Identified};
use crate::domain::enums::WorkflowCategory;
use crate::domain::keys::WorkflowKey;
use crate::domain::workflow::{ExecutionConditions, Tree, WorkflowVersion};
use crate::odata::{Field, FieldKind};
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

/// Filterable properties of workflowVersions.
pub const FILTERABLE: &[Field] = &[
    Field::new("versionNumber", "v.version_number", FieldKind::Integer),
    Field::new(
        "category",
        "v.category",
        FieldKind::Enum(WorkflowCategory::NAMES),
    ),
    Field::new("displayName", "v.display_name", FieldKind::String),
    Field::new("description", "v.description", FieldKind::String),
    Field::new("isEnabled", "v.is_enabled", FieldKind::Boolean),
    Field::new(
        "isSchedulingEnabled",
        "v.is_scheduling_enabled",
        FieldKind::Boolean,
    ),
    Field::new(
        "createdDateTime",
        "v.created_date_time",
        FieldKind::DateTime,
    ),
    Field::new(
        "lastModifiedDateTime",
        "v.last_modified_date_time",
        FieldKind::DateTime,
    ),
];

/// The versions of a workflow.
pub(crate) struct WorkflowVersions;

impl Collection for WorkflowVersions {
    type Scope = WorkflowKey;
    type Row = WorkflowVersionRow;
    type Record = WorkflowVersion;
    const ALIAS: &'static str = "v";
    const COLUMNS: &'static str =
        "select v.version_number, v.category, v.display_name, v.description, v.is_enabled,
                v.is_scheduling_enabled, v.execution_conditions, v.created_date_time,
                v.last_modified_date_time";
    const FILTERABLE: &'static [Field] = FILTERABLE;
    const SEARCHABLE: Option<&'static str> = Some("v.display_name");

    // Lists page by a UUID key: the version number as one
    // (`WorkflowVersion::paging_id`).
    const FROM: &'static str = " from (select *, lpad(to_hex(version_number), 32, '0')::uuid as id
                                       from workflow_versions) v
         join workflows w on w.tenant_id = v.tenant_id and w.id = v.workflow_id";

    fn push_where(
        builder: &mut QueryBuilder<'_, Postgres>,
        tenant: Tenant,
        tree: Tree,
        workflow: WorkflowKey,
    ) {
        builder
            .push(" where v.tenant_id = ")
            .push_bind(tenant.id())
            .push(" and v.workflow_id = ")
            .push_bind(workflow.workflow_id)
            .push(" and (w.deleted_date_time is not null) = ")
            .push_bind(tree.is_deleted());
    }
}

impl Identified for WorkflowVersion {
    fn id(&self) -> Uuid {
        WorkflowVersion::paging_id(self.version_number)
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct WorkflowVersionRow {
    version_number: i32,
    category: WorkflowCategory,
    display_name: String,
    description: Option<String>,
    is_enabled: bool,
    is_scheduling_enabled: bool,
    execution_conditions: Json<ExecutionConditions>,
    created_date_time: DateTime<Utc>,
    last_modified_date_time: DateTime<Utc>,
}

impl From<WorkflowVersionRow> for WorkflowVersion {
    fn from(row: WorkflowVersionRow) -> Self {
        WorkflowVersion {
            version_number: row.version_number,
            category: row.category,
            display_name: row.display_name,
            description: row.description,
            is_enabled: row.is_enabled,
            is_scheduling_enabled: row.is_scheduling_enabled,
            execution_conditions: row.execution_conditions.0,
            created_date_time: row.created_date_time,
            last_modified_date_time: row.last_modified_date_time,
        }
    }
}
