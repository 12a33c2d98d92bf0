//! Why an address found nothing: the 404 names the first part of the address that
//! does not exist. Runs only after the one-statement success path came back empty.

use crate::domain::keys::Address;
use crate::error::GraphError;
use crate::tenant::Tenant;
use sqlx::PgExecutor;

/// The 404 for `address`; `leaf` is the error when every id in the address exists
/// (so what is missing is the entity addressed beneath it).
pub async fn not_found(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    address: &Address,
    leaf: impl FnOnce() -> GraphError,
) -> Result<GraphError, sqlx::Error> {
    let found = sqlx::query!(
        r#"select
             (select deleted_date_time is not null from workflows
              where tenant_id = $1 and id = $2) as "workflow_deleted?",
             exists (select 1 from runs
                     where tenant_id = $1 and workflow_id = $2 and id = $3) as "run!",
             exists (select 1 from user_processing_results
                     where tenant_id = $1 and workflow_id = $2 and run_id = $3 and id = $4)
               as "user_processing_result!",
             exists (select 1 from task_processing_results
                     where tenant_id = $1 and workflow_id = $2 and run_id = $3
                       and user_processing_result_id = $4 and id = $5) as "task_processing_result!""#,
        tenant.id(),
        address.workflow_id,
        address.run_id,
        address.user_processing_result_id,
        address.task_processing_result_id,
    )
    .fetch_one(executor)
    .await?;

    let workflow = address.workflow_id;
    let error = match found.workflow_deleted {
        None => GraphError::not_found(format!("No workflow with id '{workflow}' exists.")),
        Some(true) if !address.tree.is_deleted() => GraphError::not_found(format!(
            "The workflow '{workflow}' is deleted: address it under deletedItems/workflows."
        )),
        Some(false) if address.tree.is_deleted() => GraphError::not_found(format!(
            "The workflow '{workflow}' is not deleted: address it under workflows, not deletedItems/workflows."
        )),
        Some(_) => match (
            address.run_id.filter(|_| !found.run),
            address.user_processing_result_id.filter(|_| !found.user_processing_result),
            address.task_processing_result_id.filter(|_| !found.task_processing_result),
        ) {
            (Some(run), _, _) => {
                GraphError::not_found(format!("No run with id '{run}' exists in workflow '{workflow}'."))
            }
            (None, Some(result), _) => GraphError::not_found(format!(
                "No userProcessingResult with id '{result}' exists in run '{}'.",
                address.run_id.unwrap_or_default()
            )),
            (None, None, Some(result)) => GraphError::not_found(format!(
                "No taskProcessingResult with id '{result}' exists in userProcessingResult '{}'.",
                address.user_processing_result_id.unwrap_or_default()
            )),
            (None, None, None) => leaf(),
        },
    };
    Ok(error)
}
