//! Workflows and their tasks.

use crate::domain::enums::{TaskCategory, WorkflowCategory};
use crate::domain::workflow::{
    ExecutionConditions, NewWorkflow, Task, TaskArgument, Tree, Workflow,
};
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{Acquire, PgConnection, PgExecutor};
use uuid::Uuid;

/// Inserts a workflow with its tasks in one transaction and returns it as stored.
pub async fn create(
    connection: &mut PgConnection,
    tenant: Tenant,
    id: Uuid,
    workflow: &NewWorkflow,
) -> Result<Workflow, sqlx::Error> {
    let mut transaction = connection.begin().await?;
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
    sqlx::query!(
        "insert into tasks (tenant_id, workflow_id, id, execution_sequence, display_name, description,
                            task_definition_id, category, continue_on_error, is_enabled, arguments)
         select $1, $2, task.*
         from unnest($3::uuid[], $4::int[], $5::text[], $6::text[], $7::uuid[], $8::text[],
                     $9::bool[], $10::bool[], $11::jsonb[]) as task",
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
    .execute(&mut *transaction)
    .await?;

    let created = find(&mut transaction, tenant, Tree::Live, id).await?;
    transaction.commit().await?;
    created.ok_or(sqlx::Error::RowNotFound)
}

/// The workflow with its tasks, if it is in `tree`.
pub async fn find(
    connection: &mut PgConnection,
    tenant: Tenant,
    tree: Tree,
    id: Uuid,
) -> Result<Option<Workflow>, sqlx::Error> {
    let Some(row) = sqlx::query_as!(
        WorkflowRow,
        r#"select id, category as "category: WorkflowCategory", display_name, description, is_enabled,
                  is_scheduling_enabled,
                  execution_conditions as "execution_conditions: Json<ExecutionConditions>",
                  created_date_time, last_modified_date_time, deleted_date_time,
                  next_schedule_run_date_time, version
           from workflows
           where tenant_id = $1 and id = $2 and (deleted_date_time is not null) = $3"#,
        tenant.id(),
        id,
        tree.is_deleted(),
    )
    .fetch_optional(&mut *connection)
    .await?
    else {
        return Ok(None);
    };
    let tasks = tasks(&mut *connection, tenant, id).await?;
    Ok(Some(row.with_tasks(tasks)))
}

async fn tasks(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    workflow_id: Uuid,
) -> Result<Vec<Task>, sqlx::Error> {
    let rows = sqlx::query_as!(
        TaskRow,
        r#"select id, execution_sequence, display_name, description, task_definition_id,
                  category as "category: TaskCategory", continue_on_error, is_enabled,
                  arguments as "arguments: Json<Vec<TaskArgument>>"
           from tasks
           where tenant_id = $1 and workflow_id = $2
           order by execution_sequence"#,
        tenant.id(),
        workflow_id,
    )
    .fetch_all(executor)
    .await?;
    Ok(rows.into_iter().map(Task::from).collect())
}

/// Moves a live workflow, with its whole subtree, to the deleted tree. False when
/// no live workflow has the id.
pub async fn soft_delete(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "update workflows set deleted_date_time = now()
         where tenant_id = $1 and id = $2 and deleted_date_time is null",
        tenant.id(),
        id,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
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

struct WorkflowRow {
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

impl WorkflowRow {
    fn with_tasks(self, tasks: Vec<Task>) -> Workflow {
        Workflow {
            id: self.id,
            category: self.category,
            display_name: self.display_name,
            description: self.description,
            is_enabled: self.is_enabled,
            is_scheduling_enabled: self.is_scheduling_enabled,
            execution_conditions: self.execution_conditions.0,
            created_date_time: self.created_date_time,
            last_modified_date_time: self.last_modified_date_time,
            deleted_date_time: self.deleted_date_time,
            next_schedule_run_date_time: self.next_schedule_run_date_time,
            version: self.version,
            tasks,
        }
    }
}

struct TaskRow {
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
