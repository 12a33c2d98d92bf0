//! Why an address found nothing: the 404 names the first part of the address that
//! does not exist. Runs only after the one-statement path came back empty.

use crate::domain::keys::Address;
use crate::error::GraphError;
use crate::tenant::Tenant;
use sqlx::PgExecutor;

/// The 404 for the first part of `address` that does not exist, or None when every
/// part exists.
pub async fn missing(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    address: &Address,
) -> Result<Option<GraphError>, sqlx::Error> {
    let found = sqlx::query!(
        r#"select
             (select deleted_date_time is not null from workflows
              where tenant_id = $1 and id = $2) as "workflow_deleted?",
             exists (select 1 from tasks
                     where tenant_id = $1 and workflow_id = $2 and id = $3) as "task!",
             exists (select 1 from runs
                     where tenant_id = $1 and workflow_id = $2 and id = $4) as "run!",
             exists (select 1 from user_processing_results
                     where tenant_id = $1 and workflow_id = $2 and ($4::uuid is null or run_id = $4)
                       and id = $5) as "user_processing_result!",
             exists (select 1 from task_processing_results
                     where tenant_id = $1 and workflow_id = $2 and ($4::uuid is null or run_id = $4)
                       and user_processing_result_id = $5 and id = $6) as "task_processing_result!""#,
        tenant.id(),
        address.workflow_id,
        address.task_id,
        address.run_id,
        address.user_processing_result_id,
        address.task_processing_result_id,
    )
    .fetch_one(executor)
    .await?;

    let workflow = address.workflow_id;
    let parent_of_user = match address.run_id {
        Some(run) => format!("run '{run}'"),
        None => format!("workflow '{workflow}'"),
    };
    let message = match found.workflow_deleted {
        None => format!("No workflow with id '{workflow}' exists."),
        Some(true) if !address.tree.is_deleted() => {
            format!("The workflow '{workflow}' is deleted: address it under deletedItems/workflows.")
        }
        Some(false) if address.tree.is_deleted() => format!(
            "The workflow '{workflow}' is not deleted: address it under workflows, not deletedItems/workflows."
        ),
        Some(_) => {
            if let Some(task) = address.task_id.filter(|_| !found.task) {
                format!("No task with id '{task}' exists in workflow '{workflow}'.")
            } else if let Some(run) = address.run_id.filter(|_| !found.run) {
                format!("No run with id '{run}' exists in workflow '{workflow}'.")
            } else if let Some(result) = address.user_processing_result_id.filter(|_| !found.user_processing_result) {
                format!("No userProcessingResult with id '{result}' exists in {parent_of_user}.")
            } else if let Some(result) = address.task_processing_result_id.filter(|_| !found.task_processing_result) {
                format!(
                    "No taskProcessingResult with id '{result}' exists in userProcessingResult '{}'.",
                    address.user_processing_result_id.unwrap_or_default()
                )
            } else {
                return Ok(None);
            }
        }
    };
    Ok(Some(GraphError::not_found(message)))
}
