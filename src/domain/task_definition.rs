//! What a built-in task definition allows the tasks made from it: the workflow
//! categories it serves, the arguments it takes, the values of the enumerated
//! ones, and the arguments it cannot do without.

use super::enums::WorkflowCategory;
use super::validation::ValidationError;
use super::workflow::NewTask;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// A definition's rules, as the catalog holds them.
#[derive(Debug, Clone)]
pub struct DefinitionRules {
    pub display_name: String,
    /// The workflow categories it serves, as Graph's flags string.
    pub category: String,
    pub parameters: Vec<Parameter>,
    /// The parameters a task of it must give.
    pub required: Vec<String>,
}

/// An argument a task of a definition may take, in Graph's shape.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::parameter)]
pub struct Parameter {
    pub name: String,
    /// The values it takes, when they are a closed set (or suggestions).
    pub values: Vec<String>,
    #[schema(pattern = "^(enum|string|int|bool)$")]
    pub value_type: String,
}

impl Parameter {
    /// The values it takes when it is an enum; any value otherwise.
    fn enumerated(&self) -> Option<&[String]> {
        (self.value_type == "enum").then_some(self.values.as_slice())
    }
}

/// Checks the tasks of a workflow of `category` against the definitions they
/// name, which `definitions` holds by id (a missing id is no definition). An
/// error names the task by index and the property at fault.
pub fn check_tasks(
    category: WorkflowCategory,
    tasks: &[NewTask],
    definitions: &HashMap<Uuid, DefinitionRules>,
) -> Result<(), ValidationError> {
    for (index, task) in tasks.iter().enumerate() {
        let at = |property: &str| format!("tasks[{index}].{property}");
        let Some(definition) = definitions.get(&task.task_definition_id) else {
            return Err(ValidationError::new(
                at("taskDefinitionId"),
                format!(
                    "no built-in task definition has the id '{}' (GET taskDefinitions lists them)",
                    task.task_definition_id
                ),
            ));
        };
        let name = &definition.display_name;
        if !definition
            .category
            .split(',')
            .any(|member| member == category.as_str())
        {
            return Err(ValidationError::new(
                at("taskDefinitionId"),
                format!(
                    "'{name}' serves {} workflows, not {} ones",
                    definition.category.replace(',', " and "),
                    category.as_str()
                ),
            ));
        }
        let mut given = Vec::with_capacity(task.arguments.len());
        for (position, argument) in task.arguments.iter().enumerate() {
            let argument_at = |property: &str| at(&format!("arguments[{position}].{property}"));
            let Some(parameter) = definition
                .parameters
                .iter()
                .find(|parameter| parameter.name == argument.name)
            else {
                let names: Vec<&str> = definition
                    .parameters
                    .iter()
                    .map(|parameter| parameter.name.as_str())
                    .collect();
                let takes = if names.is_empty() {
                    "takes no arguments".to_owned()
                } else {
                    format!("takes {}", names.join(", "))
                };
                return Err(ValidationError::new(
                    argument_at("name"),
                    format!(
                        "'{}' is not a parameter of '{name}', which {takes}",
                        argument.name
                    ),
                ));
            };
            if given.contains(&argument.name.as_str()) {
                return Err(ValidationError::new(
                    argument_at("name"),
                    format!("'{}' is given more than once", argument.name),
                ));
            }
            given.push(argument.name.as_str());
            if let Some(values) = parameter.enumerated() {
                let value = argument.value.as_deref().unwrap_or_default();
                if !values.iter().any(|allowed| allowed == value) {
                    return Err(ValidationError::new(
                        argument_at("value"),
                        format!(
                            "'{}' takes one of '{}', not '{value}'",
                            argument.name,
                            values.join("', '")
                        ),
                    ));
                }
            }
        }
        if let Some(missing) = definition
            .required
            .iter()
            .find(|required| !given.contains(&required.as_str()))
        {
            return Err(ValidationError::new(
                at("arguments"),
                format!("'{name}' needs the argument '{missing}'"),
            ));
        }
    }
    Ok(())
}
