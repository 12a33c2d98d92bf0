//! The groups of a tenant's directory: what a create and an update carry, and
//! the stored record.

use super::patch::Patch;
use super::validation::{check_display_name, check_odata_type, ValidationError};
use chrono::{DateTime, Utc};
use serde::de::IgnoredAny;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

const ODATA_TYPE: &str = "microsoft.graph.group";
/// The groupTypes a group may have: `Unified` (a Microsoft 365 group). A
/// dynamic group needs a membership rule, which the service does not evaluate.
pub const GROUP_TYPES: &[&str] = &["Unified"];

/// A group as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Group {
    pub id: Uuid,
    pub display_name: String,
    pub description: Option<String>,
    pub mail_nickname: Option<String>,
    pub mail_enabled: bool,
    pub security_enabled: bool,
    pub group_types: Vec<String>,
    pub created_date_time: DateTime<Utc>,
}

/// A group to create, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroup {
    pub display_name: String,
    pub description: Option<String>,
    pub mail_nickname: Option<String>,
    pub mail_enabled: bool,
    pub security_enabled: bool,
    pub group_types: Vec<String>,
}

/// A change to a group: what is `None` or `Absent` is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupUpdate {
    pub display_name: Option<String>,
    pub description: Patch<String>,
    pub mail_nickname: Patch<String>,
    pub mail_enabled: Option<bool>,
    pub security_enabled: Option<bool>,
    pub group_types: Option<Vec<String>>,
}

/// The body of `POST /groups`, as Graph documents it (`groupTypes: []` for a
/// security group). Without them, a group is a security group that is not
/// mail-enabled.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = groupCreate)]
pub struct GroupBody {
    #[schema(pattern = r"^#?microsoft\.graph\.group$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[schema(min_length = 1, max_length = 256)]
    display_name: String,
    description: Option<String>,
    mail_nickname: Option<String>,
    #[serde(default)]
    mail_enabled: bool,
    #[serde(default = "security_by_default")]
    security_enabled: bool,
    #[serde(default)]
    #[schema(inline, value_type = Vec<GroupTypeInput>)]
    group_types: Vec<String>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "createdDateTime")]
    _created_date_time: Option<IgnoredAny>,
}

/// A member of `groupTypes` a client may send.
#[derive(ToSchema)]
#[schema(as = groupType)]
pub enum GroupTypeInput {
    Unified,
}

fn security_by_default() -> bool {
    true
}

impl GroupBody {
    pub fn into_domain(self) -> Result<NewGroup, ValidationError> {
        check_odata_type(self.odata_type.as_deref(), ODATA_TYPE)?;
        check_display_name(&self.display_name)?;
        Ok(NewGroup {
            display_name: self.display_name,
            description: self.description,
            mail_nickname: self.mail_nickname,
            mail_enabled: self.mail_enabled,
            security_enabled: self.security_enabled,
            group_types: group_types(self.group_types)?,
        })
    }
}

/// The body of `PATCH /groups/{id}`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = groupUpdate)]
pub struct GroupPatchBody {
    #[schema(pattern = r"^#?microsoft\.graph\.group$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 256)]
    display_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    mail_nickname: Patch<String>,
    #[serde(default)]
    #[schema(value_type = bool)]
    mail_enabled: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = bool)]
    security_enabled: Patch<bool>,
    #[serde(default)]
    #[schema(inline, value_type = Vec<GroupTypeInput>)]
    group_types: Patch<Vec<String>>,
}

impl GroupPatchBody {
    pub fn into_domain(self) -> Result<GroupUpdate, ValidationError> {
        check_odata_type(self.odata_type.as_deref(), ODATA_TYPE)?;
        let display_name = self.display_name.required("displayName")?;
        if let Some(name) = &display_name {
            check_display_name(name)?;
        }
        Ok(GroupUpdate {
            display_name,
            description: self.description,
            mail_nickname: self.mail_nickname,
            mail_enabled: self.mail_enabled.required("mailEnabled")?,
            security_enabled: self.security_enabled.required("securityEnabled")?,
            group_types: self
                .group_types
                .required("groupTypes")?
                .map(group_types)
                .transpose()?,
        })
    }
}

/// The group types as stored: members of [`GROUP_TYPES`], each once.
fn group_types(mut types: Vec<String>) -> Result<Vec<String>, ValidationError> {
    if let Some(other) = types
        .iter()
        .find(|name| !GROUP_TYPES.contains(&name.as_str()))
    {
        return Err(ValidationError::new(
            "groupTypes",
            format!(
                "'{other}' is not a group type the service holds (it holds: {})",
                GROUP_TYPES.join(", ")
            ),
        ));
    }
    types.sort_unstable();
    types.dedup();
    Ok(types)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::json::decode;

    #[test]
    fn graph_s_create_examples_are_accepted() {
        for json in [
            r#"{"description": "Self help community for library", "displayName": "Library Assist",
                "groupTypes": ["Unified"], "mailEnabled": true, "mailNickname": "library", "securityEnabled": false}"#,
            r#"{"displayName": "Operations", "groupTypes": [], "mailEnabled": false,
                "mailNickname": "operations", "securityEnabled": true}"#,
        ] {
            let group = decode::<GroupBody>(json.as_bytes())
                .unwrap()
                .into_domain()
                .unwrap();
            assert!(group.group_types.len() <= 1, "{json}");
        }
    }

    #[test]
    fn refusals_name_the_property() {
        let created = |json: &str| {
            decode::<GroupBody>(json.as_bytes())
                .unwrap()
                .into_domain()
                .unwrap_err()
                .property
        };
        assert_eq!(created(r#"{"displayName": ""}"#), "displayName");
        assert_eq!(
            created(r#"{"displayName": "A", "groupTypes": ["DynamicMembership"]}"#),
            "groupTypes"
        );
        let patched = decode::<GroupPatchBody>(br#"{"securityEnabled": null}"#)
            .unwrap()
            .into_domain()
            .unwrap_err();
        assert_eq!(patched.property, "securityEnabled");
    }
}
