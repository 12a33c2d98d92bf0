//! Custom task extensions: what a create and an update carry, the stored
//! record with what the engine reads of it, and the tasks that name one (a
//! "Run a Custom Task Extension" task's `customTaskExtensionID` argument).

use super::callout_configuration::{
    AuthenticationConfiguration, CallbackConfiguration, ClientConfiguration, EndpointConfiguration,
};
use super::objects;
use super::patch::Patch;
use super::validation::{check_display_name, check_odata_type, ValidationError};
use super::workflow::{NewTask, TaskArgument};
use chrono::{DateTime, Duration, Utc};
use serde::de::IgnoredAny;
use serde::Deserialize;
use url::Url;
use utoipa::ToSchema;
use uuid::{uuid, Uuid};

/// The built-in task definition whose tasks call an extension.
pub const RUN_CUSTOM_TASK_EXTENSION: Uuid = uuid!("4262b724-8dba-4fad-afc3-43fcbb497a0e");
/// Its argument that names the extension, by id.
pub const EXTENSION_ARGUMENT: &str = "customTaskExtensionID";
const ODATA_TYPE: &str = "microsoft.graph.identityGovernance.customTaskExtension";

/// A custom task extension as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomTaskExtension {
    pub id: Uuid,
    pub display_name: String,
    pub description: Option<String>,
    pub endpoint_configuration: EndpointConfiguration,
    pub authentication_configuration: Option<AuthenticationConfiguration>,
    pub client_configuration: Option<ClientConfiguration>,
    pub callback_configuration: Option<CallbackConfiguration>,
    /// The signed-in user who created it; None when an application did.
    pub created_by: Option<Uuid>,
    /// The signed-in user who changed it last; None when an application did.
    pub last_modified_by: Option<Uuid>,
    pub created_date_time: DateTime<Utc>,
    pub last_modified_date_time: DateTime<Utc>,
}

/// What the engine calls and how.
impl CustomTaskExtension {
    /// The endpoint's URL (`url` or `targetUrl`), checked by
    /// `outbound::guard::check_endpoint` when it was stored.
    pub fn url(&self) -> &Url {
        self.endpoint_configuration.url()
    }

    /// The resource a token is asked for, with `azureAdTokenAuthentication`.
    pub fn resource_id(&self) -> Option<&str> {
        match &self.authentication_configuration {
            Some(AuthenticationConfiguration::AzureAdToken(token)) => Some(&token.resource_id),
            _ => None,
        }
    }

    /// How often a call may be retried (0 to 3), when set.
    pub fn maximum_retries(&self) -> Option<i32> {
        self.client_configuration
            .as_ref()
            .and_then(|client| client.maximum_retries)
    }

    /// How long a call may wait for its answer (1,000 to 30,000 ms), when set.
    pub fn timeout_in_milliseconds(&self) -> Option<i32> {
        self.client_configuration
            .as_ref()
            .and_then(|client| client.timeout_in_milliseconds)
    }

    /// How long the task waits for its callback (5 minutes to 3 hours); None
    /// when it waits for none, and succeeds once the call is accepted.
    pub fn callback_timeout(&self) -> Option<Duration> {
        self.callback_configuration
            .as_ref()
            .map(|callback| callback.timeout_duration)
    }

    /// The applications (by application id) that may resume its tasks.
    pub fn authorized_apps(&self) -> Vec<Uuid> {
        self.callback_configuration
            .iter()
            .flat_map(|callback| &callback.authorized_apps)
            .map(|app| app.id)
            .collect()
    }
}

/// An extension to create, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCustomTaskExtension {
    pub display_name: String,
    pub description: Option<String>,
    pub endpoint_configuration: EndpointConfiguration,
    pub authentication_configuration: Option<AuthenticationConfiguration>,
    pub client_configuration: Option<ClientConfiguration>,
    pub callback_configuration: Option<CallbackConfiguration>,
}

/// A change to an extension: what is `None` or `Absent` is kept; a
/// configuration sent replaces the stored one whole, and `null` removes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomTaskExtensionUpdate {
    pub display_name: Option<String>,
    pub description: Patch<String>,
    pub endpoint_configuration: Option<EndpointConfiguration>,
    pub authentication_configuration: Patch<AuthenticationConfiguration>,
    pub client_configuration: Patch<ClientConfiguration>,
    pub callback_configuration: Patch<CallbackConfiguration>,
}

/// The body of `POST /customTaskExtensions`. Read-only properties are accepted
/// and ignored, as SDKs send back what they read.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = customTaskExtensionCreate)]
pub struct CustomTaskExtensionBody {
    #[schema(pattern = r"^#?microsoft\.graph\.identityGovernance\.customTaskExtension$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[schema(min_length = 1, max_length = 256)]
    display_name: String,
    description: Option<String>,
    #[serde(deserialize_with = "objects::one")]
    endpoint_configuration: EndpointConfiguration,
    #[serde(default, deserialize_with = "objects::optional")]
    authentication_configuration: Option<AuthenticationConfiguration>,
    #[serde(default, deserialize_with = "objects::optional")]
    client_configuration: Option<ClientConfiguration>,
    /// Left out, a task of the extension waits for no callback.
    #[serde(default, deserialize_with = "objects::optional")]
    callback_configuration: Option<CallbackConfiguration>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "createdDateTime")]
    _created_date_time: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "lastModifiedDateTime")]
    _last_modified_date_time: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "createdBy")]
    _created_by: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "lastModifiedBy")]
    _last_modified_by: Option<IgnoredAny>,
}

impl CustomTaskExtensionBody {
    pub fn into_domain(self) -> Result<NewCustomTaskExtension, ValidationError> {
        check_odata_type(self.odata_type.as_deref(), ODATA_TYPE)?;
        check_display_name(&self.display_name)?;
        Ok(NewCustomTaskExtension {
            display_name: self.display_name,
            description: self.description,
            endpoint_configuration: self.endpoint_configuration,
            authentication_configuration: self.authentication_configuration,
            client_configuration: self.client_configuration,
            callback_configuration: self.callback_configuration,
        })
    }
}

/// The body of `PATCH /customTaskExtensions/{id}`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = customTaskExtensionUpdate)]
pub struct CustomTaskExtensionPatchBody {
    #[schema(pattern = r"^#?microsoft\.graph\.identityGovernance\.customTaskExtension$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 256)]
    display_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    description: Patch<String>,
    #[serde(default, deserialize_with = "objects::patch")]
    #[schema(value_type = EndpointConfiguration)]
    endpoint_configuration: Patch<EndpointConfiguration>,
    #[serde(default, deserialize_with = "objects::patch")]
    #[schema(value_type = Option<AuthenticationConfiguration>)]
    authentication_configuration: Patch<AuthenticationConfiguration>,
    #[serde(default, deserialize_with = "objects::patch")]
    #[schema(value_type = Option<ClientConfiguration>)]
    client_configuration: Patch<ClientConfiguration>,
    /// `null`: tasks of the extension wait for no callback from now on.
    #[serde(default, deserialize_with = "objects::patch")]
    #[schema(value_type = Option<CallbackConfiguration>)]
    callback_configuration: Patch<CallbackConfiguration>,
}

impl CustomTaskExtensionPatchBody {
    pub fn into_domain(self) -> Result<CustomTaskExtensionUpdate, ValidationError> {
        check_odata_type(self.odata_type.as_deref(), ODATA_TYPE)?;
        let display_name = self.display_name.required("displayName")?;
        if let Some(name) = &display_name {
            check_display_name(name)?;
        }
        Ok(CustomTaskExtensionUpdate {
            display_name,
            description: self.description,
            endpoint_configuration: self
                .endpoint_configuration
                .required("endpointConfiguration")?,
            authentication_configuration: self.authentication_configuration,
            client_configuration: self.client_configuration,
            callback_configuration: self.callback_configuration,
        })
    }
}

/// The path of a task's argument in a workflow's body.
fn argument_path(task: usize, argument: usize) -> String {
    format!("tasks[{task}].arguments[{argument}].value")
}

/// Whether an argument of a task of `definition` names an extension.
fn names_extension(definition: Uuid, argument: &TaskArgument) -> bool {
    definition == RUN_CUSTOM_TASK_EXTENSION && argument.name == EXTENSION_ARGUMENT
}

/// The arguments of `tasks` that name an extension, with their paths.
fn references(tasks: &[NewTask]) -> impl Iterator<Item = (String, &TaskArgument)> {
    tasks.iter().enumerate().flat_map(|(index, task)| {
        task.arguments
            .iter()
            .enumerate()
            .filter(move |(_, argument)| names_extension(task.task_definition_id, argument))
            .map(move |(position, argument)| (argument_path(index, position), argument))
    })
}

/// Writes each id `tasks` name an extension by as ids are rendered (lower
/// case, hyphenated), so that the stored tasks can be searched for it
/// (`db::custom_task_extensions::delete`); a value that is no id is refused.
pub fn canonicalize_references(tasks: &mut [NewTask]) -> Result<(), ValidationError> {
    for (index, task) in tasks.iter_mut().enumerate() {
        let definition = task.task_definition_id;
        for (position, argument) in task.arguments.iter_mut().enumerate() {
            if !names_extension(definition, argument) {
                continue;
            }
            let value = argument.value.as_deref().unwrap_or_default();
            let id = Uuid::parse_str(value).map_err(|_| {
                ValidationError::new(
                    argument_path(index, position),
                    format!("'{value}' is not the id of a custom task extension: ids are UUIDs"),
                )
            })?;
            argument.value = Some(id.to_string());
        }
    }
    Ok(())
}

/// The extensions `tasks` name, without repeats.
pub fn referenced(tasks: &[NewTask]) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = references(tasks)
        .filter_map(|(_, argument)| Uuid::parse_str(argument.value.as_deref()?).ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Refuses the first argument of `tasks` that names an extension not among
/// `existing`, the tenant's.
pub fn check_references(tasks: &[NewTask], existing: &[Uuid]) -> Result<(), ValidationError> {
    for (path, argument) in references(tasks) {
        let value = argument.value.as_deref().unwrap_or_default();
        let exists = Uuid::parse_str(value).is_ok_and(|id| existing.contains(&id));
        if !exists {
            return Err(ValidationError::new(
                path,
                format!(
                    "no custom task extension of the tenant has the id '{value}' \
                     (GET customTaskExtensions lists them)"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::json::decode;

    const ID: &str = "2B9C4F3E-6D1A-4C8E-9F70-1A2B3C4D5E6F";

    fn task(definition: Uuid, value: &str) -> NewTask {
        NewTask {
            display_name: "Call".to_owned(),
            description: None,
            task_definition_id: definition,
            category: None,
            continue_on_error: false,
            is_enabled: true,
            arguments: vec![TaskArgument {
                name: EXTENSION_ARGUMENT.to_owned(),
                value: Some(value.to_owned()),
            }],
        }
    }

    #[test]
    fn references_are_written_as_ids_are_and_checked_by_path() {
        let other = uuid!("8fa97d28-3e52-4985-b3a9-a1126f9b8b4e");
        let mut tasks = vec![
            task(other, "not read"),
            task(RUN_CUSTOM_TASK_EXTENSION, ID),
            task(RUN_CUSTOM_TASK_EXTENSION, &ID.to_lowercase()),
        ];
        canonicalize_references(&mut tasks).unwrap();
        let id = Uuid::parse_str(ID).unwrap();
        assert_eq!(tasks[1].arguments[0].value, Some(id.to_string()));
        assert_eq!(tasks[0].arguments[0].value.as_deref(), Some("not read"));
        assert_eq!(referenced(&tasks), [id]);
        assert_eq!(check_references(&tasks, &[id]), Ok(()));
        let missing = check_references(&tasks, &[]).unwrap_err();
        assert_eq!(missing.property, "tasks[1].arguments[0].value");
        assert!(missing.message.contains(&id.to_string()), "{missing}");

        let mut unnamed = vec![task(RUN_CUSTOM_TASK_EXTENSION, "")];
        let refused = canonicalize_references(&mut unnamed).unwrap_err();
        assert_eq!(refused.property, "tasks[0].arguments[0].value");
    }

    #[test]
    fn graph_s_create_example_with_a_url_is_accepted() {
        let body = decode::<CustomTaskExtensionBody>(
            br##"{
                "@odata.type": "#microsoft.graph.identityGovernance.customTaskExtension",
                "displayName": "Grant manager access to mailbox and OneDrive",
                "description": "Grant manager access to mailbox and OneDrive",
                "endpointConfiguration": {
                    "@odata.type": "#microsoft.graph.logicAppTriggerEndpointConfiguration",
                    "subscriptionId": "c500b67c-e9b7-4ad2-a90d-77d41385ae55",
                    "resourceGroupName": "RG-LCM",
                    "logicAppWorkflowName": "ManagerAccess",
                    "url": "https://prod-1.westus.logic.azure.com/workflows/1/triggers/manual/run"
                },
                "authenticationConfiguration": {
                    "@odata.type": "#microsoft.graph.azureAdTokenAuthentication",
                    "resourceId": "542dc01a-0b5d-4edc-b3f9-5cfe6393f557"
                },
                "clientConfiguration": {
                    "@odata.type": "#microsoft.graph.customExtensionClientConfiguration",
                    "maximumRetries": 1,
                    "timeoutInMilliseconds": 1000
                },
                "callbackConfiguration": {
                    "@odata.type": "#microsoft.graph.identityGovernance.customTaskExtensionCallbackConfiguration",
                    "timeoutDuration": "PT5M"
                },
                "id": "ignored", "createdBy": {"id": "ignored"}
            }"##,
        )
        .unwrap();
        let new = body.into_domain().unwrap();
        assert_eq!(
            new.display_name,
            "Grant manager access to mailbox and OneDrive"
        );
        assert_eq!(
            new.callback_configuration
                .map(|callback| callback.timeout_duration),
            Some(Duration::minutes(5))
        );
    }

    #[test]
    fn refusals_name_the_path() {
        let refused = |json: &str| match decode::<CustomTaskExtensionBody>(json.as_bytes()) {
            Ok(body) => body.into_domain().unwrap_err().to_string(),
            Err(error) => error.message,
        };
        let endpoint = r##""endpointConfiguration": {"@odata.type": "#microsoft.graph.httpRequestEndpoint", "targetUrl": "https://a.example/run"}"##;
        for (json, path) in [
            (format!(r##"{{"displayName": " ", {endpoint}}}"##), "'displayName'"),
            (r#"{"displayName": "A"}"#.to_owned(), "endpointConfiguration"),
            (
                format!(r##"{{"displayName": "A", {endpoint}, "clientConfiguration": {{"maximumRetries": 9}}}}"##),
                "'clientConfiguration.maximumRetries'",
            ),
            (
                format!(r##"{{"displayName": "A", {endpoint}, "callbackConfiguration": {{"timeoutDuration": "PT2M"}}}}"##),
                "'callbackConfiguration.timeoutDuration'",
            ),
            (
                format!(r##"{{"displayName": "A", {endpoint}, "callbackConfiguration": {{"timeoutDuration": "PT5M", "authorizedApps": [{{"id": "x"}}]}}}}"##),
                "'callbackConfiguration.authorizedApps[0].id'",
            ),
            (
                r##"{"displayName": "A", "endpointConfiguration": {"@odata.type": "#microsoft.graph.httpRequestEndpoint", "targetUrl": "x"}}"##.to_owned(),
                "'endpointConfiguration.targetUrl'",
            ),
            (
                format!(r##"{{"displayName": "A", {endpoint}, "authenticationConfiguration": {{"@odata.type": "#microsoft.graph.azureAdTokenAuthentication"}}}}"##),
                "resourceId",
            ),
        ] {
            let message = refused(&json);
            assert!(message.contains(path), "{json}: {message}");
        }
        let cleared = decode::<CustomTaskExtensionPatchBody>(br#"{"endpointConfiguration": null}"#)
            .unwrap()
            .into_domain()
            .unwrap_err();
        assert_eq!(cleared.property, "endpointConfiguration");
        assert!(decode::<CustomTaskExtensionPatchBody>(br#"{"createdBy": null}"#).is_err());
    }
}
