//! The tasks of a workflow.

use super::page::Collection;
use super::Pool;
use crate::domain::enums::TaskCategory;
use crate::domain::keys::{TaskKey, TaskProcessingResultRef, VersionRef};
use crate::domain::workflow::{Task, TaskArgument, TaskUpdate, Tree};
use crate::odata::{Field, FieldKind};
use crate::tenant::Tenant;
use sqlx::types::Json;
use sqlx::{PgExecutor, Postgres, QueryBuilder};
use std::collections::HashMap;
use std::hash::Hash;
use uuid::Uuid;

const COLUMNS: &str =
    "select t.id, t.execution_sequence, t.display_name, t.description, t.task_definition_id,
                              t.category, t.continue_on_error, t.is_enabled, t.arguments";

/// Filterable properties of tasks.
pub const FILTERABLE: &[Field] = &[
    Field::new("id", "t.id", FieldKind::Guid),
    Field::new("displayName", "t.display_name", FieldKind::String),
    Field::new("description", "t.description", FieldKind::String),
    Field::new("taskDefinitionId", "t.task_definition_id", FieldKind::Guid),
    Field::new("category", "t.category", FieldKind::String),
    Field::new("isEnabled", "t.is_enabled", FieldKind::Boolean),
    Field::new("continueOnError", "t.continue_on_error", FieldKind::Boolean),
    Field::new(
        "executionSequence",
        "t.execution_sequence",
        FieldKind::Integer,
    ),
];

/// `$search` matches tasks by displayName.
pub const SEARCHABLE: &str = "t.display_name";

/// The tasks of a version of a workflow.
pub(crate) struct Tasks;

impl Collection for Tasks {
    type Scope = VersionRef;
    type Row = TaskRow;
    type Record = Task;
    const ALIAS: &'static str = "t";
    const COLUMNS: &'static str = COLUMNS;
    const FILTERABLE: &'static [Field] = FILTERABLE;
    const SEARCHABLE: Option<&'static str> = Some(SEARCHABLE);

    const FROM: &'static str =
        " from tasks t join workflows w on w.tenant_id = t.tenant_id and w.id = t.workflow_id";

    fn push_where(
        builder: &mut QueryBuilder<'_, Postgres>,
        tenant: Tenant,
        tree: Tree,
        version: Self::Scope,
    ) {
        builder
            .push(" where t.tenant_id = ")
            .push_bind(tenant.id())
            .push(" and t.workflow_id = ")
            .push_bind(version.workflow_id)
            .push(" and t.workflow_version = coalesce(")
            .push_bind(version.version_number)
            .push("::int, w.version) and (w.deleted_date_time is not null) = ")
            .push_bind(tree.is_deleted());
    }
}

/// The tasks of a workflow's current version in execution order, with no tree
/// check (the caller has found the workflow).
pub async fn of_workflow(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    workflow_id: Uuid,
) -> Result<Vec<Task>, sqlx::Error> {
    let rows = sqlx::query_as!(
        TaskRow,
        r#"select t.id, t.execution_sequence, t.display_name, t.description, t.task_definition_id,
                  t.category as "category: TaskCategory", t.continue_on_error, t.is_enabled,
                  t.arguments as "arguments: Json<Vec<TaskArgument>>"
           from tasks t
           join workflows w on w.tenant_id = t.tenant_id and w.id = t.workflow_id
           where t.tenant_id = $1 and t.workflow_id = $2 and t.workflow_version = w.version
           order by t.execution_sequence"#,
        tenant.id(),
        workflow_id,
    )
    .fetch_all(executor)
    .await?;
    Ok(rows.into_iter().map(Task::from).collect())
}

/// The tasks of every version of a workflow (which its results may have run),
/// by version, each in execution order.
pub async fn of_every_version(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    workflow_id: Uuid,
) -> Result<HashMap<i32, Vec<Task>>, sqlx::Error> {
    let rows = sqlx::query_as::<_, GroupedTaskRow<i32>>(
        "select workflow_version as group_key, id, execution_sequence, display_name, description,
                task_definition_id, category, continue_on_error, is_enabled, arguments
         from tasks
         where tenant_id = $1 and workflow_id = $2
         order by workflow_version, execution_sequence",
    )
    .bind(tenant.id())
    .bind(workflow_id)
    .fetch_all(executor)
    .await?;
    Ok(by_group(rows))
}

/// The tasks of every version of a workflow, by id: what `$expand=task` finds
/// the task of a result or a report in.
pub async fn of_every_version_by_id(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    workflow_id: Uuid,
) -> Result<HashMap<Uuid, Task>, sqlx::Error> {
    let tasks = of_every_version(executor, tenant, workflow_id).await?;
    Ok(tasks
        .into_values()
        .flatten()
        .map(|task| (task.id, task))
        .collect())
}

/// The tasks of the current versions of several workflows, by workflow, each in
/// execution order.
pub async fn of_workflows(
    pool: &Pool,
    tenant: Tenant,
    workflow_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Task>>, sqlx::Error> {
    let rows = sqlx::query_as::<_, GroupedTaskRow<Uuid>>(
        "select t.workflow_id as group_key, t.id, t.execution_sequence, t.display_name, t.description,
                t.task_definition_id, t.category, t.continue_on_error, t.is_enabled, t.arguments
         from tasks t
         join workflows w on w.tenant_id = t.tenant_id and w.id = t.workflow_id
         where t.tenant_id = $1 and t.workflow_id = any($2) and t.workflow_version = w.version
         order by t.workflow_id, t.execution_sequence",
    )
    .bind(tenant.id())
    .bind(workflow_ids)
    .fetch_all(pool)
    .await?;
    Ok(by_group(rows))
}

/// A task read with the key of its group (`group_key`: a workflow, a version, a
/// template), for reads of the tasks of several groups at once.
#[derive(sqlx::FromRow)]
pub(crate) struct GroupedTaskRow<K> {
    group_key: K,
    #[sqlx(flatten)]
    task: TaskRow,
}

/// The tasks of `rows` by group, each group in the order of the rows.
pub(crate) fn by_group<K: Eq + Hash>(rows: Vec<GroupedTaskRow<K>>) -> HashMap<K, Vec<Task>> {
    let mut tasks: HashMap<K, Vec<Task>> = HashMap::new();
    for row in rows {
        tasks
            .entry(row.group_key)
            .or_default()
            .push(row.task.into());
    }
    tasks
}

/// The task a taskProcessingResult ran.
pub async fn of_result(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    key: TaskProcessingResultRef,
) -> Result<Option<Task>, sqlx::Error> {
    let row = sqlx::query_as!(
        TaskRow,
        r#"select t.id, t.execution_sequence, t.display_name, t.description, t.task_definition_id,
                  t.category as "category: TaskCategory", t.continue_on_error, t.is_enabled,
                  t.arguments as "arguments: Json<Vec<TaskArgument>>"
           from task_processing_results p
           join workflows w on w.tenant_id = p.tenant_id and w.id = p.workflow_id
           join tasks t on t.tenant_id = p.tenant_id and t.workflow_id = p.workflow_id and t.id = p.task_id
           where p.tenant_id = $1 and p.workflow_id = $2 and ($3::uuid is null or p.run_id = $3)
             and p.user_processing_result_id = $4 and p.id = $5
             and (w.deleted_date_time is not null) = $6"#,
        tenant.id(),
        key.workflow_id,
        key.run_id,
        key.user_processing_result_id,
        key.task_processing_result_id,
        tree.is_deleted(),
    )
    .fetch_optional(executor)
    .await?;
    Ok(row.map(Task::from))
}

/// Applies `update` to a task of the workflow's current version; false when
/// there is no such task in `tree`.
pub async fn update(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    tree: Tree,
    key: TaskKey,
    update: &TaskUpdate,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "update tasks t
         set display_name = coalesce($4, t.display_name),
             description = case when $5 then $6 else t.description end
         from workflows w
         where w.tenant_id = t.tenant_id and w.id = t.workflow_id and (w.deleted_date_time is not null) = $7
           and t.workflow_version = w.version and t.tenant_id = $1 and t.workflow_id = $2 and t.id = $3",
        tenant.id(),
        key.workflow_id,
        key.task_id,
        update.display_name,
        update.description.is_present(),
        update.description.value(),
        tree.is_deleted(),
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

#[derive(sqlx::FromRow)]
pub(crate) struct TaskRow {
    id: Uuid,
    execution_sequence: i32,
    display_name: String,
    description: Option<String>,
    task_definition_id: Uuid,
    category: TaskCategory,
    continue_on_error: bool,
    is_enabled: bool,
    arguments: Json<Vec<TaskArgument>>,
}

impl From<TaskRow> for Task {
    fn from(row: TaskRow) -> Self {
        Task {
            id: row.id,
            execution_sequence: row.execution_sequence,
            display_name: row.display_name,
            description: row.description,
            task_definition_id: row.task_definition_id,
            category: row.category,
            continue_on_error: row.continue_on_error,
            is_enabled: row.is_enabled,
            arguments: row.arguments.0,
        }
    }
}
