//! Why an address found nothing: the 404 names the first part of the address that
//! does not exist. Runs only after the one-statement path came back empty, as one
//! statement with a column per step of the address.

use crate::domain::keys::{Address, Key, WORKFLOWS};
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::tenant::Tenant;
use sqlx::{PgExecutor, Postgres, QueryBuilder, Row};

fn push_key(builder: &mut QueryBuilder<'_, Postgres>, key: Key) {
    match key {
        Key::Id(id) => builder.push_bind(id),
        Key::Number(number) => builder.push_bind(number),
    };
}

/// The 404 for the first part of `address` that does not exist, or None when every
/// part exists.
pub async fn missing(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    address: &Address,
) -> Result<Option<GraphError>, sqlx::Error> {
    if address.steps.is_empty() {
        return Ok(None);
    }
    // Each step's column: whether it exists, beneath the steps before it; for a
    // workflow, whether it is deleted (null when it does not exist).
    let mut builder = QueryBuilder::new("select ");
    for (index, step) in address.steps.iter().enumerate() {
        let set = step.set;
        if index > 0 {
            builder.push(", ");
        }
        let found = if set == &WORKFLOWS {
            "(select deleted_date_time is not null"
        } else {
            "exists (select 1"
        };
        builder.push(format_args!("{found} from {} where true", set.table));
        if set.per_tenant {
            builder.push(" and tenant_id = ").push_bind(tenant.id());
        }
        for ancestor in &address.steps[..index] {
            builder.push(format_args!(" and {} = ", ancestor.set.reference));
            push_key(&mut builder, ancestor.key);
        }
        builder.push(format_args!(" and {} = ", set.key));
        push_key(&mut builder, step.key);
        builder.push(")");
    }
    let row = builder.build().fetch_one(executor).await?;

    for (index, step) in address.steps.iter().enumerate() {
        let (name, key) = (step.set.name, step.key);
        let message = if step.set == &WORKFLOWS {
            let deleted: Option<bool> = row.try_get(index)?;
            match (deleted, address.tree) {
                (None, _) => Some(format!("No {name} with id '{key}' exists.")),
                (Some(true), Some(Tree::Live)) => Some(format!(
                    "The workflow '{key}' is deleted: address it under deletedItems/workflows."
                )),
                (Some(false), Some(Tree::Deleted)) => Some(format!(
                    "The workflow '{key}' is not deleted: address it under workflows, not deletedItems/workflows."
                )),
                (Some(_), _) => None,
            }
        } else if row.try_get::<bool, _>(index)? {
            None
        } else {
            let parent = Address {
                steps: address.steps[..index].to_vec(),
                ..address.clone()
            };
            Some(parent.lacks(step.set, key))
        };
        if let Some(message) = message {
            return Ok(Some(GraphError::not_found(message)));
        }
    }
    Ok(None)
}
