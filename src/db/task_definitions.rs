//! The rules of the built-in task definitions, read where a workflow is
//! written: on the request's connection, in its transaction when it has one.

use super::transaction::WriteConnection;
use crate::domain::task_definition::{DefinitionRules, Parameter};
use sqlx::types::Json;
use std::collections::HashMap;
use uuid::Uuid;

/// The rules of the definitions with these ids that exist, by id.
pub async fn rules(
    connection: &mut WriteConnection<'_>,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, DefinitionRules>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: Uuid,
        display_name: String,
        category: String,
        parameters: Json<Vec<Parameter>>,
        required_parameters: Vec<String>,
    }
    let rows = sqlx::query_as::<_, Row>(
        "select id, display_name, category, parameters, required_parameters
         from task_definitions
         where id = any($1)",
    )
    .bind(ids)
    .fetch_all(connection.get())
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let rules = DefinitionRules {
                display_name: row.display_name,
                category: row.category,
                parameters: row.parameters.0,
                required: row.required_parameters,
            };
            (row.id, rules)
        })
        .collect())
}
