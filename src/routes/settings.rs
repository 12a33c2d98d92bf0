//! `{base}/settings`: the tenant's Lifecycle Workflows settings, a singleton
//! that always exists (the defaults until the first PATCH). It cannot be
//! deleted: DELETE, like POST, is the router's 405.

use super::body::GraphJson;
use super::tree::Node;
use crate::auth::{Authorized, ReadSettings, WriteSettings};
use crate::db;
use crate::domain::objects;
use crate::domain::patch::Patch;
use crate::domain::settings::{TenantSettings, TenantSettingsUpdate};
use crate::domain::validation::{check_odata_type, ValidationError};
use crate::error::GraphError;
use crate::openapi::Operation;
use crate::state::AppState;
use crate::wire::{Resource, Wire};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const SEGMENT: &str = "settings";

pub fn routes() -> Node {
    Node::at(format!("/{SEGMENT}"))
        .get(
            Operation::get::<SettingsJson>("Get the tenant's Lifecycle Workflows settings"),
            get,
        )
        .patch(
            Operation::update::<SettingsPatchBody>(
                "Change the tenant's Lifecycle Workflows settings",
            ),
            update,
        )
}

async fn get(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<ReadSettings>,
    wire: Wire,
) -> Result<HttpResponse, GraphError> {
    let settings = db::settings::get(&state.pool, tenant).await?;
    wire.singleton(SEGMENT, SettingsJson::from(settings))
}

async fn update(
    state: web::Data<AppState>,
    Authorized { tenant, .. }: Authorized<WriteSettings>,
    body: GraphJson<SettingsPatchBody>,
) -> Result<HttpResponse, GraphError> {
    let update = body.0.into_domain()?;
    db::settings::update(&state.pool, tenant, &update).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `lifecycleManagementSettings` in Graph's shape.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::lifecycleManagementSettings)]
pub struct SettingsJson {
    workflow_schedule_interval_in_hours: i32,
    email_settings: EmailSettingsJson,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::emailSettings)]
pub struct EmailSettingsJson {
    sender_domain: Option<String>,
    use_company_branding: bool,
}

impl From<TenantSettings> for SettingsJson {
    fn from(settings: TenantSettings) -> Self {
        Self {
            workflow_schedule_interval_in_hours: settings.workflow_schedule_interval_in_hours,
            email_settings: EmailSettingsJson {
                sender_domain: settings.sender_domain,
                use_company_branding: settings.use_company_branding,
            },
        }
    }
}

impl Resource for SettingsJson {
    const TYPE: &'static str = "lifecycleManagementSettings";
    const PROPERTIES: &'static [&'static str] =
        &["workflowScheduleIntervalInHours", "emailSettings"];
    const EXPANDABLE: &'static [&'static str] = &[];
}

/// The body of `PATCH /settings`: what is left out is kept, in `emailSettings`
/// too.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = lifecycleManagementSettingsUpdate)]
pub struct SettingsPatchBody {
    #[schema(pattern = r"^#?microsoft\.graph\.identityGovernance\.lifecycleManagementSettings$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(default)]
    #[schema(value_type = i32, minimum = 1, maximum = 24)]
    workflow_schedule_interval_in_hours: Patch<i32>,
    #[serde(default, deserialize_with = "objects::patch")]
    #[schema(value_type = EmailSettingsPatchBody)]
    email_settings: Patch<EmailSettingsPatchBody>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = emailSettingsUpdate)]
pub struct EmailSettingsPatchBody {
    #[schema(pattern = r"^#?microsoft\.graph\.emailSettings$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 1)]
    sender_domain: Patch<String>,
    #[serde(default)]
    #[schema(value_type = bool)]
    use_company_branding: Patch<bool>,
}

impl SettingsPatchBody {
    fn into_domain(self) -> Result<TenantSettingsUpdate, ValidationError> {
        check_odata_type(
            self.odata_type.as_deref(),
            "microsoft.graph.identityGovernance.lifecycleManagementSettings",
        )?;
        let (sender_domain, use_company_branding) = match self.email_settings {
            Patch::Absent => (Patch::Absent, Patch::Absent),
            Patch::Null => {
                return Err(ValidationError::new("emailSettings", "cannot be null"));
            }
            Patch::Value(email) => {
                check_odata_type(email.odata_type.as_deref(), "microsoft.graph.emailSettings")
                    .map_err(|error| error.within("emailSettings"))?;
                (email.sender_domain, email.use_company_branding)
            }
        };
        TenantSettingsUpdate::new(
            self.workflow_schedule_interval_in_hours,
            sender_domain,
            use_company_branding,
        )
    }
}
