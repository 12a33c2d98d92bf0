//! What the built-in tasks do to the directory, each in the caller's
//! transaction (the task's result is ended in the same one, so an action and
//! its record commit together), recording the changes as the API's writes do.

use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// Sets the user's accountEnabled; None when the directory does not hold the
/// user, else whether the value changed.
pub async fn set_account_enabled(
    connection: &mut PgConnection,
    tenant: Tenant,
    user_id: Uuid,
    enabled: bool,
) -> Result<Option<bool>, sqlx::Error> {
    let before = sqlx::query_scalar!(
        "select account_enabled from users where tenant_id = $1 and id = $2 for update",
        tenant.id(),
        user_id,
    )
    .fetch_optional(&mut *connection)
    .await?;
    let Some(before) = before else {
        return Ok(None);
    };
    if before == enabled {
        return Ok(Some(false));
    }
    sqlx::query!(
        "with changed as (
             update users set account_enabled = $3 where tenant_id = $1 and id = $2
         )
         insert into directory_changes (tenant_id, id, user_id, kind, attribute)
         values ($1, uuid_v7(), $2, 'attribute', 'accountEnabled')",
        tenant.id(),
        user_id,
        enabled,
    )
    .execute(&mut *connection)
    .await?;
    Ok(Some(true))
}

/// Deletes the user, first clearing it as anyone's manager; false when the
/// directory does not hold it.
pub async fn delete_user(
    connection: &mut PgConnection,
    tenant: Tenant,
    user_id: Uuid,
) -> Result<bool, sqlx::Error> {
    sqlx::query!(
        "update users set manager_id = null where tenant_id = $1 and manager_id = $2",
        tenant.id(),
        user_id,
    )
    .execute(&mut *connection)
    .await?;
    let deleted = sqlx::query!(
        "delete from users where tenant_id = $1 and id = $2",
        tenant.id(),
        user_id,
    )
    .execute(&mut *connection)
    .await?;
    Ok(deleted.rows_affected() == 1)
}

/// How a membership change went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    Changed,
    /// Already a member (add) or not a member (remove).
    Unchanged,
    NoSuchGroup,
}

/// Adds the user to the group, recording the change.
pub async fn add_member(
    connection: &mut PgConnection,
    tenant: Tenant,
    group_id: Uuid,
    user_id: Uuid,
) -> Result<Membership, sqlx::Error> {
    let outcome = sqlx::query!(
        r#"with target as (
               select id from groups where tenant_id = $1 and id = $2
           ), added as (
               insert into group_members (tenant_id, group_id, user_id)
               select $1, id, $3 from target
               on conflict do nothing
               returning group_id
           ), recorded as (
               insert into directory_changes (tenant_id, id, user_id, kind, group_id)
               select $1, uuid_v7(), $3, 'memberAdded', group_id from added
           )
           select exists (select 1 from target) as "group_exists!",
                  exists (select 1 from added) as "added!""#,
        tenant.id(),
        group_id,
        user_id,
    )
    .fetch_one(&mut *connection)
    .await?;
    Ok(match (outcome.group_exists, outcome.added) {
        (false, _) => Membership::NoSuchGroup,
        (true, true) => Membership::Changed,
        (true, false) => Membership::Unchanged,
    })
}

/// Removes the user from the groups (all of the user's when `groups` is None),
/// recording each change; the groups it left.
pub async fn remove_memberships(
    connection: &mut PgConnection,
    tenant: Tenant,
    user_id: Uuid,
    groups: Option<&[Uuid]>,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"with removed as (
               delete from group_members
               where tenant_id = $1 and user_id = $2 and ($3::uuid[] is null or group_id = any($3))
               returning group_id
           ), recorded as (
               insert into directory_changes (tenant_id, id, user_id, kind, group_id)
               select $1, uuid_v7(), $2, 'memberRemoved', group_id from removed
           )
           select group_id as "group_id!" from removed order by group_id"#,
        tenant.id(),
        user_id,
        groups,
    )
    .fetch_all(&mut *connection)
    .await
}

/// Whether the tenant holds the group.
pub async fn group_exists(
    connection: &mut PgConnection,
    tenant: Tenant,
    group_id: Uuid,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from groups where tenant_id = $1 and id = $2) as "exists!""#,
        tenant.id(),
        group_id,
    )
    .fetch_one(connection)
    .await
}

/// What an email's placeholders and recipients read of a user and its manager.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Recipient {
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub user_principal_name: String,
    pub mail: Option<String>,
    pub employee_hire_date: Option<DateTime<Utc>>,
    pub employee_leave_date_time: Option<DateTime<Utc>>,
    pub manager_display_name: Option<String>,
    pub manager_mail: Option<String>,
}

/// The user with its manager's name and address; None when not held.
pub async fn recipient(
    connection: &mut PgConnection,
    tenant: Tenant,
    user_id: Uuid,
) -> Result<Option<Recipient>, sqlx::Error> {
    sqlx::query_as!(
        Recipient,
        r#"select u.display_name, u.given_name, u.surname, u.user_principal_name, u.mail,
                  u.employee_hire_date, u.employee_leave_date_time,
                  m.display_name as "manager_display_name?",
                  coalesce(m.mail, m.user_principal_name) as "manager_mail?"
           from users u
           left join users m on m.tenant_id = $1 and m.id = u.manager_id
           where u.tenant_id = $1 and u.id = $2"#,
        tenant.id(),
        user_id,
    )
    .fetch_optional(connection)
    .await
}
