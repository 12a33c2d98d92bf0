//! Workflows and their tasks.

use super::custom_task_extensions;
use super::engine;
use super::page::{self, Collection};
use super::tasks;
use super::transaction::WriteConnection;
use crate::domain::custom_task_extension;
use crate::domain::enums::{TaskCategory, WorkflowCategory};
use crate::domain::validation::ValidationError;
use crate::domain::workflow::{
    ExecutionConditions, NewWorkflow, TaskArgument, Tree, Workflow, WorkflowUpdate,
};
use crate::odata::{Field, FieldKind};
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{Acquire, PgConnection, PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

/// Inserts a workflow with its tasks in one transaction and returns it as
/// stored; the refusal when a task names a custom task extension the tenant
/// does not have.
pub async fn create(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    id: Uuid,
    workflow: &NewWorkflow,
) -> Result<Result<Workflow, ValidationError>, sqlx::Error> {
    let mut transaction = connection.get().begin().await?;
    if let Err(refused) = share_extensions(&mut transaction, tenant, workflow).await? {
        transaction.rollback().await?;
        return Ok(Err(refused));
    }
    sqlx::query!(
        "insert into workflows (tenant_id, id, category, display_name, description, is_enabled,
                                is_scheduling_enabled, execution_conditions)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        tenant.id(),
        id,
        workflow.category.as_str(),
        workflow.display_name,
        workflow.description,
        workflow.is_enabled,
        workflow.is_scheduling_enabled,
        Json(&workflow.execution_conditions) as _,
    )
    .execute(&mut *transaction)
    .await?;

    insert_tasks(&mut transaction, tenant, id, workflow).await?;
    let created = find(&mut transaction, tenant, Tree::Live, id).await?;
    transaction.commit().await?;
    created.map(Ok).ok_or(sqlx::Error::RowNotFound)
}

/// Locks the custom task extensions `workflow`'s tasks name against their
/// deletion until the transaction ends (`custom_task_extensions::delete`
/// waits for it, then sees the tasks); the refusal when the tenant lacks one,
/// after which the caller rolls back, releasing the locks at once.
async fn share_extensions(
    connection: &mut PgConnection,
    tenant: Tenant,
    workflow: &NewWorkflow,
) -> Result<Result<(), ValidationError>, sqlx::Error> {
    let ids = custom_task_extension::referenced(&workflow.tasks);
    if ids.is_empty() {
        return Ok(Ok(()));
    }
    let existing = custom_task_extensions::share(connection, tenant, &ids).await?;
    Ok(custom_task_extension::check_references(
        &workflow.tasks,
        &existing,
    ))
}

/// Inserts `workflow`'s tasks as those of the workflow's current version.
async fn insert_tasks(
    connection: &mut PgConnection,
    tenant: Tenant,
    id: Uuid,
    workflow: &NewWorkflow,
) -> Result<(), sqlx::Error> {
    let tasks = &workflow.tasks;
    let ids: Vec<Uuid> = tasks.iter().map(|_| Uuid::now_v7()).collect();
    let sequences: Vec<i32> = (1..).take(tasks.len()).collect();
    let names: Vec<String> = tasks.iter().map(|task| task.display_name.clone()).collect();
    let descriptions: Vec<Option<String>> =
        tasks.iter().map(|task| task.description.clone()).collect();
    let definitions: Vec<Uuid> = tasks.iter().map(|task| task.task_definition_id).collect();
    let categories: Vec<String> = tasks
        .iter()
        .map(|task| {
            task.category
                .clone()
                .unwrap_or_else(|| TaskCategory::single(workflow.category))
                .to_stored()
        })
        .collect();
    let continue_on_error: Vec<bool> = tasks.iter().map(|task| task.continue_on_error).collect();
    let enabled: Vec<bool> = tasks.iter().map(|task| task.is_enabled).collect();
    let arguments: Vec<Json<&Vec<TaskArgument>>> =
        tasks.iter().map(|task| Json(&task.arguments)).collect();
    // Selected with the workflow, whose version they take, so that Citus sends
    // the insert whole to the workflow's shard (rows from unnest alone pass
    // through the coordinator).
    sqlx::query!(
        "insert into tasks (tenant_id, workflow_id, workflow_version, id, execution_sequence,
                            display_name, description, task_definition_id, category,
                            continue_on_error, is_enabled, arguments)
         select w.tenant_id, w.id, w.version, task.*
         from workflows w
         cross join unnest($3::uuid[], $4::int[], $5::text[], $6::text[], $7::uuid[], $8::text[],
                           $9::bool[], $10::bool[], $11::jsonb[]) as task
         where w.tenant_id = $1 and w.id = $2",
        tenant.id(),
        id,
        &ids,
        &sequences,
        &names,
        &descriptions as _,
        &definitions,
        &categories,
        &continue_on_error,
        &enabled,
        &arguments as _,
    )
    .execute(connection)
    .await?;
    Ok(())
}

/// What [`create_version`] did.
pub enum NewVersion {
    /// The workflow at its new version, with the version's tasks.
    Created(Workflow),
    /// No live workflow has the id.
    NoWorkflow,
    /// The workflow's category, which a version cannot change.
    CategoryIs(WorkflowCategory),
    /// A task names a custom task extension the tenant does not have.
    Refused(ValidationError),
}

/// Makes `workflow` the next version of a live workflow, in one transaction: the
/// current definition moves to the past versions (modified now, as it is
/// replaced), the workflow takes the new one at version n + 1, with new tasks.
pub async fn create_version(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    id: Uuid,
    workflow: &NewWorkflow,
) -> Result<NewVersion, sqlx::Error> {
    let mut transaction = connection.get().begin().await?;
    // Locked, so that concurrent new versions take their numbers in turn.
    let current = sqlx::query_scalar!(
        r#"select category as "category: WorkflowCategory" from workflows
           where tenant_id = $1 and id = $2 and deleted_date_time is null
           for update"#,
        tenant.id(),
        id,
    )
    .fetch_optional(&mut *transaction)
    .await?;
    match current {
        None => return Ok(NewVersion::NoWorkflow),
        Some(category) if category != workflow.category => {
            // Released now, not when the connection is next used.
            transaction.rollback().await?;
            return Ok(NewVersion::CategoryIs(category));
        }
        Some(_) => {}
    }
    if let Err(refused) = share_extensions(&mut transaction, tenant, workflow).await? {
        transaction.rollback().await?;
        return Ok(NewVersion::Refused(refused));
    }
    sqlx::query!(
        "insert into past_workflow_versions
             (tenant_id, workflow_id, version_number, category, display_name, description,
              is_enabled, is_scheduling_enabled, execution_conditions, created_date_time,
              last_modified_date_time)
         select tenant_id, id, version, category, display_name, description, is_enabled,
                is_scheduling_enabled, execution_conditions, version_created_date_time, now()
         from workflows
         where tenant_id = $1 and id = $2",
        tenant.id(),
        id,
    )
    .execute(&mut *transaction)
    .await?;
    sqlx::query!(
        "update workflows
         set display_name = $3, description = $4, is_enabled = $5, is_scheduling_enabled = $6,
             execution_conditions = $7, version = version + 1, version_created_date_time = now(),
             last_modified_date_time = now()
         where tenant_id = $1 and id = $2",
        tenant.id(),
        id,
        workflow.display_name,
        workflow.description,
        workflow.is_enabled,
        workflow.is_scheduling_enabled,
        Json(&workflow.execution_conditions) as _,
    )
    .execute(&mut *transaction)
    .await?;
    insert_tasks(&mut transaction, tenant, id, workflow).await?;
    // Users queued under the replaced version do not run: the next scheduling
    // pass picks under the new one.
    engine::cancel_queued(&mut *transaction, tenant, id).await?;
    let created = find(&mut transaction, tenant, Tree::Live, id).await?;
    transaction.commit().await?;
    created.map_or(Err(sqlx::Error::RowNotFound), |workflow| {
        Ok(NewVersion::Created(workflow))
    })
}

/// Filterable properties of workflows.
pub const FILTERABLE: &[Field] = &[
    Field::new("id", "id", FieldKind::Guid),
    Field::new(
        "category",
        "category",
        FieldKind::Enum(WorkflowCategory::NAMES),
    ),
    Field::new("displayName", "display_name", FieldKind::String),
    Field::new("description", "description", FieldKind::String),
    Field::new("isEnabled", "is_enabled", FieldKind::Boolean),
    Field::new(
        "isSchedulingEnabled",
        "is_scheduling_enabled",
        FieldKind::Boolean,
    ),
    Field::new("createdDateTime", "created_date_time", FieldKind::DateTime),
    Field::new(
        "lastModifiedDateTime",
        "last_modified_date_time",
        FieldKind::DateTime,
    ),
    Field::new("deletedDateTime", "deleted_date_time", FieldKind::DateTime),
    Field::new(
        "nextScheduleRunDateTime",
        "next_schedule_run_date_time",
        FieldKind::DateTime,
    ),
    Field::new("version", "version", FieldKind::Integer),
];

/// `$search` matches workflows by displayName.
pub const SEARCHABLE: &str = "display_name";

/// The workflows of a tree.
pub(crate) struct Workflows;

impl Collection for Workflows {
    type Scope = ();
    type Row = WorkflowRow;
    type Record = Workflow;
    const ALIAS: &'static str = "workflows";
    const COLUMNS: &'static str =
        "select id, category, display_name, description, is_enabled, is_scheduling_enabled,
                execution_conditions, created_date_time, last_modified_date_time, deleted_date_time,
                next_schedule_run_date_time, version";
    const FILTERABLE: &'static [Field] = FILTERABLE;
    const SEARCHABLE: Option<&'static str> = Some(SEARCHABLE);

    const FROM: &'static str = " from workflows";

    fn push_where(builder: &mut QueryBuilder<'_, Postgres>, tenant: Tenant, tree: Tree, _: ()) {
        builder
            .push(" where tenant_id = ")
            .push_bind(tenant.id())
            .push(" and (deleted_date_time is not null) = ")
            .push_bind(tree.is_deleted());
    }
}

/// The workflow with its tasks, if it is in `tree`.
pub async fn find(
    connection: &mut PgConnection,
    tenant: Tenant,
    tree: Tree,
    id: Uuid,
) -> Result<Option<Workflow>, sqlx::Error> {
    let Some(mut workflow) =
        page::find::<Workflows>(&mut *connection, tenant, tree, (), id).await?
    else {
        return Ok(None);
    };
    workflow.tasks = tasks::of_workflow(&mut *connection, tenant, id).await?;
    Ok(Some(workflow))
}

/// Applies `update` to a live workflow; false when there is none with the id.
/// Disabling it cancels its queued users, in the same transaction.
pub async fn update(
    connection: &mut PgConnection,
    tenant: Tenant,
    id: Uuid,
    update: &WorkflowUpdate,
) -> Result<bool, sqlx::Error> {
    let mut transaction = connection.begin().await?;
    let result = sqlx::query!(
        "update workflows
         set display_name = coalesce($3, display_name),
             description = case when $4 then $5 else description end,
             is_enabled = coalesce($6, is_enabled),
             is_scheduling_enabled = coalesce($7, is_scheduling_enabled),
             last_modified_date_time = now()
         where tenant_id = $1 and id = $2 and deleted_date_time is null",
        tenant.id(),
        id,
        update.display_name,
        update.description.is_present(),
        update.description.value(),
        update.is_enabled,
        update.is_scheduling_enabled,
    )
    .execute(&mut *transaction)
    .await?;
    let updated = result.rows_affected() == 1;
    if updated && update.is_enabled == Some(false) {
        engine::cancel_queued(&mut *transaction, tenant, id).await?;
    }
    transaction.commit().await?;
    Ok(updated)
}

/// Brings a deleted workflow and its subtree back to the live tree, in one
/// transaction with reading it back. None when no deleted workflow has the id; a
/// live workflow with the same displayName violates
/// `workflows_live_display_name_key`.
pub async fn restore(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    id: Uuid,
) -> Result<Option<Workflow>, sqlx::Error> {
    let mut transaction = connection.get().begin().await?;
    let restored = sqlx::query!(
        "update workflows set deleted_date_time = null
         where tenant_id = $1 and id = $2 and deleted_date_time is not null",
        tenant.id(),
        id,
    )
    .execute(&mut *transaction)
    .await?;
    if restored.rows_affected() == 0 {
        return Ok(None);
    }
    let workflow = find(&mut transaction, tenant, Tree::Live, id).await?;
    transaction.commit().await?;
    Ok(workflow)
}

/// Removes, with their subtrees, the workflows of every tenant deleted before
/// `cutoff`; returns how many.
pub async fn purge_deleted_before(
    executor: impl PgExecutor<'_>,
    cutoff: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query!("delete from workflows where deleted_date_time < $1", cutoff)
        .execute(executor)
        .await?;
    Ok(result.rows_affected())
}

/// Moves a live workflow, with its whole subtree, to the deleted tree, and
/// cancels its queued users, in one transaction. False when no live workflow
/// has the id.
pub async fn soft_delete(
    connection: &mut PgConnection,
    tenant: Tenant,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let mut transaction = connection.begin().await?;
    let result = sqlx::query!(
        "update workflows set deleted_date_time = now()
         where tenant_id = $1 and id = $2 and deleted_date_time is null",
        tenant.id(),
        id,
    )
    .execute(&mut *transaction)
    .await?;
    let deleted = result.rows_affected() == 1;
    if deleted {
        engine::cancel_queued(&mut *transaction, tenant, id).await?;
    }
    transaction.commit().await?;
    Ok(deleted)
}

/// Removes a deleted workflow and everything beneath it. False when no deleted
/// workflow has the id.
pub async fn delete_permanently(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "delete from workflows where tenant_id = $1 and id = $2 and deleted_date_time is not null",
        tenant.id(),
        id,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

#[derive(sqlx::FromRow)]
pub(crate) struct WorkflowRow {
    id: Uuid,
    category: WorkflowCategory,
    display_name: String,
    description: Option<String>,
    is_enabled: bool,
    is_scheduling_enabled: bool,
    execution_conditions: Json<ExecutionConditions>,
    created_date_time: DateTime<Utc>,
    last_modified_date_time: DateTime<Utc>,
    deleted_date_time: Option<DateTime<Utc>>,
    next_schedule_run_date_time: Option<DateTime<Utc>>,
    version: i32,
}

/// A workflow as a row holds it: its tasks are read separately.
impl From<WorkflowRow> for Workflow {
    fn from(row: WorkflowRow) -> Self {
        Workflow {
            id: row.id,
            category: row.category,
            display_name: row.display_name,
            description: row.description,
            is_enabled: row.is_enabled,
            is_scheduling_enabled: row.is_scheduling_enabled,
            execution_conditions: row.execution_conditions.0,
            created_date_time: row.created_date_time,
            last_modified_date_time: row.last_modified_date_time,
            deleted_date_time: row.deleted_date_time,
            next_schedule_run_date_time: row.next_schedule_run_date_time,
            version: row.version,
            tasks: Vec::new(),
        }
    }
}
