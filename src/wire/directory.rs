//! The directory's JSON: users and groups in Graph's shape. Each carries its
//! `@odata.type`, as Graph's own answers do where a collection or a navigation
//! property holds directory objects (members, memberOf, manager), so that the
//! SDKs tell a user from a group.

use super::projection::Resource;
use crate::domain::group::Group;
use crate::domain::timestamp;
use crate::domain::user::User;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::user)]
pub struct UserJson {
    #[serde(rename = "@odata.type")]
    #[schema(pattern = r"^#microsoft\.graph\.user$")]
    odata_type: &'static str,
    id: Uuid,
    display_name: String,
    given_name: Option<String>,
    surname: Option<String>,
    user_principal_name: String,
    mail: Option<String>,
    department: Option<String>,
    job_title: Option<String>,
    company_name: Option<String>,
    office_location: Option<String>,
    employee_id: Option<String>,
    employee_type: Option<String>,
    #[serde(serialize_with = "timestamp::serialize_option")]
    employee_hire_date: Option<DateTime<Utc>>,
    #[serde(serialize_with = "timestamp::serialize_option")]
    employee_leave_date_time: Option<DateTime<Utc>>,
    account_enabled: bool,
    #[serde(serialize_with = "timestamp::serialize")]
    created_date_time: DateTime<Utc>,
}

impl From<User> for UserJson {
    fn from(user: User) -> Self {
        Self {
            odata_type: "#microsoft.graph.user",
            id: user.id,
            display_name: user.display_name,
            given_name: user.given_name,
            surname: user.surname,
            user_principal_name: user.user_principal_name,
            mail: user.mail,
            department: user.department,
            job_title: user.job_title,
            company_name: user.company_name,
            office_location: user.office_location,
            employee_id: user.employee_id,
            employee_type: user.employee_type,
            employee_hire_date: user.employee_hire_date,
            employee_leave_date_time: user.employee_leave_date_time,
            account_enabled: user.account_enabled,
            created_date_time: user.created_date_time,
        }
    }
}

impl Resource for UserJson {
    const TYPE: &'static str = "user";
    const PROPERTIES: &'static [&'static str] = &[
        "id",
        "displayName",
        "givenName",
        "surname",
        "userPrincipalName",
        "mail",
        "department",
        "jobTitle",
        "companyName",
        "officeLocation",
        "employeeId",
        "employeeType",
        "employeeHireDate",
        "employeeLeaveDateTime",
        "accountEnabled",
        "createdDateTime",
    ];
    const EXPANDABLE: &'static [&'static str] = &[];
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::group)]
pub struct GroupJson {
    #[serde(rename = "@odata.type")]
    #[schema(pattern = r"^#microsoft\.graph\.group$")]
    odata_type: &'static str,
    id: Uuid,
    display_name: String,
    description: Option<String>,
    mail_nickname: Option<String>,
    mail_enabled: bool,
    security_enabled: bool,
    group_types: Vec<String>,
    #[serde(serialize_with = "timestamp::serialize")]
    created_date_time: DateTime<Utc>,
}

impl From<Group> for GroupJson {
    fn from(group: Group) -> Self {
        Self {
            odata_type: "#microsoft.graph.group",
            id: group.id,
            display_name: group.display_name,
            description: group.description,
            mail_nickname: group.mail_nickname,
            mail_enabled: group.mail_enabled,
            security_enabled: group.security_enabled,
            group_types: group.group_types,
            created_date_time: group.created_date_time,
        }
    }
}

impl Resource for GroupJson {
    const TYPE: &'static str = "group";
    const PROPERTIES: &'static [&'static str] = &[
        "id",
        "displayName",
        "description",
        "mailNickname",
        "mailEnabled",
        "securityEnabled",
        "groupTypes",
        "createdDateTime",
    ];
    const EXPANDABLE: &'static [&'static str] = &[];
}
