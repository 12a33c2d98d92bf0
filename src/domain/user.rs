//! The users of a tenant's directory: what a create and an update carry, the
//! stored record, and which of its properties an update changes (each change
//! is recorded, for the workflows that trigger on it).

use super::objects;
use super::patch::Patch;
use super::timestamp::{self, Timestamp};
use super::validation::{check_display_name, check_odata_type, ValidationError};
use chrono::{DateTime, Utc};
use serde::de::IgnoredAny;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

const ODATA_TYPE: &str = "microsoft.graph.user";

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    pub id: Uuid,
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub user_principal_name: String,
    pub mail: Option<String>,
    pub department: Option<String>,
    pub job_title: Option<String>,
    pub company_name: Option<String>,
    pub office_location: Option<String>,
    pub employee_id: Option<String>,
    pub employee_type: Option<String>,
    pub employee_hire_date: Option<DateTime<Utc>>,
    pub employee_leave_date_time: Option<DateTime<Utc>>,
    pub account_enabled: bool,
    pub created_date_time: DateTime<Utc>,
    pub manager_id: Option<Uuid>,
}

/// A user and its manager, as the engine's emails name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserWithManager {
    pub user: User,
    pub manager: Option<User>,
}

/// A user to create, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub user_principal_name: String,
    pub mail: Option<String>,
    pub department: Option<String>,
    pub job_title: Option<String>,
    pub company_name: Option<String>,
    pub office_location: Option<String>,
    pub employee_id: Option<String>,
    pub employee_type: Option<String>,
    pub employee_hire_date: Option<DateTime<Utc>>,
    pub employee_leave_date_time: Option<DateTime<Utc>>,
    pub account_enabled: bool,
}

/// The body of `POST /users`, and a row of `import users`. Graph's own example
/// sends `passwordProfile` and `mailNickname`: both are accepted and neither is
/// stored (the service signs no one in and holds no mailbox).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = userCreate)]
pub struct UserBody {
    #[schema(pattern = r"^#?microsoft\.graph\.user$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[schema(min_length = 1, max_length = 256)]
    display_name: String,
    given_name: Option<String>,
    surname: Option<String>,
    /// `alias@domain`, unique in the tenant without regard to case.
    #[schema(pattern = r"^[^@\s]+@[^@\s]+$")]
    user_principal_name: String,
    mail: Option<String>,
    department: Option<String>,
    job_title: Option<String>,
    company_name: Option<String>,
    office_location: Option<String>,
    employee_id: Option<String>,
    employee_type: Option<String>,
    #[serde(default, deserialize_with = "timestamp::deserialize_option")]
    employee_hire_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "timestamp::deserialize_option")]
    employee_leave_date_time: Option<DateTime<Utc>>,
    #[serde(default = "enabled_by_default")]
    account_enabled: bool,
    /// Accepted and ignored: the service holds no mailbox.
    #[serde(default, rename = "mailNickname")]
    _mail_nickname: Option<String>,
    #[serde(default, deserialize_with = "objects::optional")]
    password_profile: Option<PasswordProfile>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "id")]
    _id: Option<IgnoredAny>,
    #[schema(value_type = Option<Value>, read_only)]
    #[serde(default, rename = "createdDateTime")]
    _created_date_time: Option<IgnoredAny>,
}

/// `passwordProfile`: accepted, so that Graph's create works as documented, and
/// never stored or kept: the password is checked to be text and skipped unread.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = microsoft::graph::passwordProfile)]
pub struct PasswordProfile {
    #[schema(pattern = r"^#?microsoft\.graph\.passwordProfile$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[schema(value_type = Option<String>, write_only)]
    #[serde(default, rename = "password")]
    _password: Option<Unread>,
    #[serde(default, rename = "forceChangePasswordNextSignIn")]
    _force_change_password_next_sign_in: Option<bool>,
    #[serde(default, rename = "forceChangePasswordNextSignInWithMfa")]
    _force_change_password_next_sign_in_with_mfa: Option<bool>,
}

impl PasswordProfile {
    /// Checks the profile's `@odata.type`, if any, naming the property.
    fn check(profile: Option<&Self>) -> Result<(), ValidationError> {
        let given = profile.and_then(|profile| profile.odata_type.as_deref());
        check_odata_type(given, "microsoft.graph.passwordProfile")
            .map_err(|error| error.within("passwordProfile"))
    }
}

/// A JSON string whose content is skipped, never held.
struct Unread;

impl<'de> Deserialize<'de> for Unread {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Skip;

        impl serde::de::Visitor<'_> for Skip {
            type Value = Unread;

            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a string")
            }

            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Unread, E> {
                Ok(Unread)
            }
        }

        deserializer.deserialize_str(Skip)
    }
}

fn enabled_by_default() -> bool {
    true
}

impl UserBody {
    pub fn into_domain(self) -> Result<NewUser, ValidationError> {
        check_odata_type(self.odata_type.as_deref(), ODATA_TYPE)?;
        PasswordProfile::check(self.password_profile.as_ref())?;
        check_display_name(&self.display_name)?;
        check_user_principal_name(&self.user_principal_name)?;
        Ok(NewUser {
            display_name: self.display_name,
            given_name: self.given_name,
            surname: self.surname,
            user_principal_name: self.user_principal_name,
            mail: self.mail,
            department: self.department,
            job_title: self.job_title,
            company_name: self.company_name,
            office_location: self.office_location,
            employee_id: self.employee_id,
            employee_type: self.employee_type,
            employee_hire_date: self.employee_hire_date,
            employee_leave_date_time: self.employee_leave_date_time,
            account_enabled: self.account_enabled,
        })
    }
}

/// A change to a user: a property left `Absent` is kept. What cannot be null is
/// an `Option`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub user_principal_name: Option<String>,
    pub account_enabled: Option<bool>,
    pub given_name: Patch<String>,
    pub surname: Patch<String>,
    pub mail: Patch<String>,
    pub department: Patch<String>,
    pub job_title: Patch<String>,
    pub company_name: Patch<String>,
    pub office_location: Patch<String>,
    pub employee_id: Patch<String>,
    pub employee_type: Patch<String>,
    pub employee_hire_date: Patch<DateTime<Utc>>,
    pub employee_leave_date_time: Patch<DateTime<Utc>>,
}

/// The body of `PATCH /users/{id}`: what is left out is kept, `null` clears.
/// `passwordProfile` and `mailNickname` are accepted and ignored, as on create.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = userUpdate)]
pub struct UserPatchBody {
    #[schema(pattern = r"^#?microsoft\.graph\.user$")]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 256)]
    display_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = String, pattern = r"^[^@\s]+@[^@\s]+$")]
    user_principal_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = bool)]
    account_enabled: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    given_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    surname: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    mail: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    department: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    job_title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    company_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    office_location: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    employee_id: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    employee_type: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<DateTime<Utc>>)]
    employee_hire_date: Patch<Timestamp>,
    #[serde(default)]
    #[schema(value_type = Option<DateTime<Utc>>)]
    employee_leave_date_time: Patch<Timestamp>,
    #[serde(default, rename = "mailNickname")]
    _mail_nickname: Option<String>,
    #[serde(default, deserialize_with = "objects::optional")]
    password_profile: Option<PasswordProfile>,
}

impl UserPatchBody {
    pub fn into_domain(self) -> Result<UserUpdate, ValidationError> {
        check_odata_type(self.odata_type.as_deref(), ODATA_TYPE)?;
        PasswordProfile::check(self.password_profile.as_ref())?;
        let display_name = self.display_name.required("displayName")?;
        if let Some(name) = &display_name {
            check_display_name(name)?;
        }
        let user_principal_name = self.user_principal_name.required("userPrincipalName")?;
        if let Some(name) = &user_principal_name {
            check_user_principal_name(name)?;
        }
        Ok(UserUpdate {
            display_name,
            user_principal_name,
            account_enabled: self.account_enabled.required("accountEnabled")?,
            given_name: self.given_name,
            surname: self.surname,
            mail: self.mail,
            department: self.department,
            job_title: self.job_title,
            company_name: self.company_name,
            office_location: self.office_location,
            employee_id: self.employee_id,
            employee_type: self.employee_type,
            employee_hire_date: self.employee_hire_date.map(|at| at.0),
            employee_leave_date_time: self.employee_leave_date_time.map(|at| at.0),
        })
    }
}

impl UserUpdate {
    /// `user` with the update applied, and the JSON names of the properties whose
    /// value it changed (setting a property to the value it has changes nothing).
    pub fn applied(&self, mut user: User) -> (User, Vec<&'static str>) {
        let mut changed = Vec::new();
        let mut set = |name, changes: bool| {
            if changes {
                changed.push(name);
            }
        };
        set(
            "displayName",
            replace(&mut user.display_name, self.display_name.clone()),
        );
        set(
            "userPrincipalName",
            replace(
                &mut user.user_principal_name,
                self.user_principal_name.clone(),
            ),
        );
        set(
            "accountEnabled",
            replace(&mut user.account_enabled, self.account_enabled),
        );
        set(
            "givenName",
            replace(&mut user.given_name, self.given_name.change()),
        );
        set("surname", replace(&mut user.surname, self.surname.change()));
        set("mail", replace(&mut user.mail, self.mail.change()));
        set(
            "department",
            replace(&mut user.department, self.department.change()),
        );
        set(
            "jobTitle",
            replace(&mut user.job_title, self.job_title.change()),
        );
        set(
            "companyName",
            replace(&mut user.company_name, self.company_name.change()),
        );
        set(
            "officeLocation",
            replace(&mut user.office_location, self.office_location.change()),
        );
        set(
            "employeeId",
            replace(&mut user.employee_id, self.employee_id.change()),
        );
        set(
            "employeeType",
            replace(&mut user.employee_type, self.employee_type.change()),
        );
        set(
            "employeeHireDate",
            replace(
                &mut user.employee_hire_date,
                self.employee_hire_date.change(),
            ),
        );
        set(
            "employeeLeaveDateTime",
            replace(
                &mut user.employee_leave_date_time,
                self.employee_leave_date_time.change(),
            ),
        );
        (user, changed)
    }
}

/// Puts `value`, when there is one, in `slot`: whether it differs from what was there.
fn replace<T: PartialEq>(slot: &mut T, value: Option<T>) -> bool {
    match value {
        Some(value) if *slot != value => {
            *slot = value;
            true
        }
        _ => false,
    }
}

/// `alias@domain`: one `@`, something on each side, no white space, as
/// `users_user_principal_name_check` has it.
fn check_user_principal_name(name: &str) -> Result<(), ValidationError> {
    let valid = match name.split_once('@') {
        Some((alias, domain)) => {
            !alias.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !name.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err(ValidationError::new(
            "userPrincipalName",
            format!("'{name}' is not of the form alias@domain"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::json::decode;

    fn stored() -> User {
        User {
            id: Uuid::nil(),
            display_name: "Adele Vance".to_owned(),
            given_name: Some("Adele".to_owned()),
            surname: None,
            user_principal_name: "adelev@contoso.com".to_owned(),
            mail: None,
            department: Some("Sales".to_owned()),
            job_title: None,
            company_name: None,
            office_location: None,
            employee_id: None,
            employee_type: None,
            employee_hire_date: None,
            employee_leave_date_time: None,
            account_enabled: true,
            created_date_time: DateTime::UNIX_EPOCH,
            manager_id: None,
        }
    }

    fn update(json: &str) -> UserUpdate {
        decode::<UserPatchBody>(json.as_bytes())
            .unwrap()
            .into_domain()
            .unwrap()
    }

    #[test]
    fn an_update_names_only_what_it_changes() {
        let patch = update(
            r#"{"displayName": "Adele Vance", "department": "Marketing", "givenName": null,
                "surname": null, "accountEnabled": false, "employeeHireDate": "2027-01-04T08:00:00Z"}"#,
        );
        let (user, changed) = patch.applied(stored());
        assert_eq!(
            changed,
            [
                "accountEnabled",
                "givenName",
                "department",
                "employeeHireDate"
            ]
        );
        assert_eq!(user.department.as_deref(), Some("Marketing"));
        assert_eq!(user.given_name, None);
        assert!(!user.account_enabled);
        assert_eq!(user.display_name, "Adele Vance");
        let (unchanged, none) = UserUpdate::default().applied(stored());
        assert_eq!((unchanged, none.len()), (stored(), 0));
    }

    #[test]
    fn graph_s_create_example_is_accepted_and_its_password_dropped() {
        let body = decode::<UserBody>(
            br#"{"accountEnabled": true, "displayName": "Adele Vance", "mailNickname": "AdeleV",
                 "userPrincipalName": "AdeleV@contoso.com",
                 "passwordProfile": {"forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d"}}"#,
        )
        .unwrap();
        let user = body.into_domain().unwrap();
        assert_eq!(user.user_principal_name, "AdeleV@contoso.com");
        assert!(!format!("{user:?}").contains("xWwvJ"));
    }

    #[test]
    fn refusals_name_the_property() {
        let refused = |json: &str| match decode::<UserBody>(json.as_bytes()) {
            Ok(body) => body.into_domain().unwrap_err().to_string(),
            Err(error) => error.message,
        };
        for (json, property) in [
            (
                r#"{"displayName": " ", "userPrincipalName": "a@b"}"#,
                "displayName",
            ),
            (
                r#"{"displayName": "A", "userPrincipalName": "a b@c"}"#,
                "userPrincipalName",
            ),
            (
                r#"{"displayName": "A", "userPrincipalName": "a@b@c"}"#,
                "userPrincipalName",
            ),
            (r#"{"displayName": "A"}"#, "userPrincipalName"),
            (
                r#"{"displayName": "A", "userPrincipalName": "a@b", "employeeHireDate": "2027-01-04"}"#,
                "employeeHireDate",
            ),
            (
                r#"{"displayName": "A", "userPrincipalName": "a@b", "passwordProfile": "secret"}"#,
                "passwordProfile",
            ),
            (
                r#"{"displayName": "A", "userPrincipalName": "a@b", "manager": {}}"#,
                "manager",
            ),
        ] {
            let message = refused(json);
            assert!(message.contains(property), "{json}: {message}");
        }
        let cleared = decode::<UserPatchBody>(br#"{"accountEnabled": null}"#)
            .unwrap()
            .into_domain()
            .unwrap_err();
        assert_eq!(cleared.property, "accountEnabled");
        assert!(decode::<UserPatchBody>(br#"{"createdDateTime": null}"#).is_err());
    }
}
