//! A custom task extension in Graph's shape: its configurations as stored,
//! and its authors (`createdBy`, `lastModifiedBy`) only when `$expand` asks for
//! them, as the navigation properties they are.

use super::directory::UserJson;
use super::projection::Resource;
use crate::domain::callout_configuration::{
    AuthenticationConfiguration, CallbackConfiguration, ClientConfiguration, EndpointConfiguration,
};
use crate::domain::custom_task_extension::CustomTaskExtension;
use crate::domain::timestamp;
use crate::domain::user::User;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::customTaskExtension)]
pub struct CustomTaskExtensionJson {
    id: Uuid,
    display_name: String,
    description: Option<String>,
    endpoint_configuration: EndpointConfiguration,
    authentication_configuration: Option<AuthenticationConfiguration>,
    client_configuration: Option<ClientConfiguration>,
    /// Null when a task of the extension waits for no callback.
    callback_configuration: Option<CallbackConfiguration>,
    #[serde(serialize_with = "timestamp::serialize")]
    created_date_time: DateTime<Utc>,
    #[serde(serialize_with = "timestamp::serialize")]
    last_modified_date_time: DateTime<Utc>,
    /// With `$expand=createdBy`: the user, or null when an application
    /// created it or the directory does not hold the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<UserJson>)]
    created_by: Option<Option<UserJson>>,
    /// With `$expand=lastModifiedBy`, as `createdBy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<UserJson>)]
    last_modified_by: Option<Option<UserJson>>,
}

impl From<CustomTaskExtension> for CustomTaskExtensionJson {
    fn from(extension: CustomTaskExtension) -> Self {
        Self {
            id: extension.id,
            display_name: extension.display_name,
            description: extension.description,
            endpoint_configuration: extension.endpoint_configuration,
            authentication_configuration: extension.authentication_configuration,
            client_configuration: extension.client_configuration,
            callback_configuration: extension.callback_configuration,
            created_date_time: extension.created_date_time,
            last_modified_date_time: extension.last_modified_date_time,
            created_by: None,
            last_modified_by: None,
        }
    }
}

impl CustomTaskExtensionJson {
    /// With `createdBy` expanded to `user`, when the directory holds it.
    pub fn with_created_by(self, user: Option<User>) -> Self {
        Self {
            created_by: Some(user.map(UserJson::from)),
            ..self
        }
    }

    /// With `lastModifiedBy` expanded to `user`, when the directory holds it.
    pub fn with_last_modified_by(self, user: Option<User>) -> Self {
        Self {
            last_modified_by: Some(user.map(UserJson::from)),
            ..self
        }
    }
}

impl Resource for CustomTaskExtensionJson {
    const TYPE: &'static str = "customTaskExtension";
    const PROPERTIES: &'static [&'static str] = &[
        "id",
        "displayName",
        "description",
        "endpointConfiguration",
        "authenticationConfiguration",
        "clientConfiguration",
        "callbackConfiguration",
        "createdDateTime",
        "lastModifiedDateTime",
    ];
    const EXPANDABLE: &'static [&'static str] = &["createdBy", "lastModifiedBy"];
}
