//! The users of a tenant's directory, and their managers. The engine acts on
//! them through these functions too, inside its own transaction: an update
//! records the properties it changed (`directory_changes`), in the same
//! transaction as the change.

use super::directory_changes;
use super::page::Collection;
use super::transaction::WriteConnection;
use crate::domain::directory::DirectoryChange;
use crate::domain::user::{NewUser, User, UserUpdate, UserWithManager};
use crate::domain::workflow::Tree;
use crate::odata::{Field, FieldKind};
use crate::tenant::Tenant;
use sqlx::{Acquire, PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

/// The tenant's users.
pub struct Users;

/// The columns of a user, as [`User`] reads them, from `users u`.
pub(super) const USER_COLUMNS: &str = "select u.id, u.display_name, u.given_name, u.surname,
        u.user_principal_name, u.mail, u.department, u.job_title, u.company_name,
        u.office_location, u.employee_id, u.employee_type, u.employee_hire_date,
        u.employee_leave_date_time, u.account_enabled, u.created_date_time, u.manager_id";

/// What `$filter` and `$orderby` may name on a list of users: every property
/// but the key, with its kind.
pub const USER_FIELDS: &[Field] = &[
    Field::new("id", "u.id", FieldKind::Guid),
    Field::new("displayName", "u.display_name", FieldKind::String),
    Field::new("givenName", "u.given_name", FieldKind::String),
    Field::new("surname", "u.surname", FieldKind::String),
    Field::new(
        "userPrincipalName",
        "u.user_principal_name",
        FieldKind::String,
    ),
    Field::new("mail", "u.mail", FieldKind::String),
    Field::new("department", "u.department", FieldKind::String),
    Field::new("jobTitle", "u.job_title", FieldKind::String),
    Field::new("companyName", "u.company_name", FieldKind::String),
    Field::new("officeLocation", "u.office_location", FieldKind::String),
    Field::new("employeeId", "u.employee_id", FieldKind::String),
    Field::new("employeeType", "u.employee_type", FieldKind::String),
    Field::new(
        "employeeHireDate",
        "u.employee_hire_date",
        FieldKind::DateTime,
    ),
    Field::new(
        "employeeLeaveDateTime",
        "u.employee_leave_date_time",
        FieldKind::DateTime,
    ),
    Field::new("accountEnabled", "u.account_enabled", FieldKind::Boolean),
    Field::new(
        "createdDateTime",
        "u.created_date_time",
        FieldKind::DateTime,
    ),
];

impl Collection for Users {
    type Scope = ();
    type Row = User;
    type Record = User;
    const ALIAS: &'static str = "u";
    const COLUMNS: &'static str = USER_COLUMNS;
    const FROM: &'static str = " from users u";
    const FILTERABLE: &'static [Field] = USER_FIELDS;
    const SEARCHABLE: Option<&'static str> = Some("u.display_name");

    /// The directory is the same in either tree.
    fn push_where(builder: &mut QueryBuilder<'_, Postgres>, tenant: Tenant, _: Tree, _: ()) {
        builder.push(" where u.tenant_id = ").push_bind(tenant.id());
    }
}

/// Inserts a user and returns it as stored. A userPrincipalName the tenant
/// holds already (in any case) violates `users_user_principal_name_key`.
pub async fn create(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    id: Uuid,
    user: &NewUser,
) -> Result<User, sqlx::Error> {
    insert(connection.get(), tenant, id, user).await
}

/// A user [`create_all`] could not insert: its index, and why.
#[derive(Debug)]
pub struct Refused {
    pub index: usize,
    pub error: sqlx::Error,
}

/// Inserts `users` in one transaction, each as [`create`] does: all of them,
/// or none and the first refused.
pub async fn create_all(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    users: &[(Uuid, NewUser)],
) -> Result<(), Refused> {
    let refused = |index| move |error| Refused { index, error };
    let mut transaction = connection.get().begin().await.map_err(refused(0))?;
    for (index, (id, user)) in users.iter().enumerate() {
        insert(&mut *transaction, tenant, *id, user)
            .await
            .map_err(refused(index))?;
    }
    let last = users.len().saturating_sub(1);
    transaction.commit().await.map_err(refused(last))
}

async fn insert(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    id: Uuid,
    user: &NewUser,
) -> Result<User, sqlx::Error> {
    sqlx::query_as!(
        User,
        "insert into users (tenant_id, id, display_name, given_name, surname, user_principal_name,
                            mail, department, job_title, company_name, office_location,
                            employee_id, employee_type, employee_hire_date,
                            employee_leave_date_time, account_enabled)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         returning id, display_name, given_name, surname, user_principal_name, mail, department,
                   job_title, company_name, office_location, employee_id, employee_type,
                   employee_hire_date, employee_leave_date_time, account_enabled,
                   created_date_time, manager_id",
        tenant.id(),
        id,
        user.display_name,
        user.given_name,
        user.surname,
        user.user_principal_name,
        user.mail,
        user.department,
        user.job_title,
        user.company_name,
        user.office_location,
        user.employee_id,
        user.employee_type,
        user.employee_hire_date,
        user.employee_leave_date_time,
        user.account_enabled,
    )
    .fetch_one(executor)
    .await
}

/// The users among `ids` that the tenant holds, in no particular order.
pub async fn by_ids(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    ids: &[Uuid],
) -> Result<Vec<User>, sqlx::Error> {
    sqlx::query_as!(
        User,
        "select id, display_name, given_name, surname, user_principal_name, mail, department,
                job_title, company_name, office_location, employee_id, employee_type,
                employee_hire_date, employee_leave_date_time, account_enabled, created_date_time,
                manager_id
         from users
         where tenant_id = $1 and id = any($2)",
        tenant.id(),
        ids,
    )
    .fetch_all(executor)
    .await
}

/// A user and its manager (for the names and addresses an email gives), in
/// one statement; None when the tenant has no such user.
pub async fn with_manager(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    id: Uuid,
) -> Result<Option<UserWithManager>, sqlx::Error> {
    // The user's row first, then its manager's, if it has one.
    let rows = sqlx::query_as!(
        User,
        "select id, display_name, given_name, surname, user_principal_name, mail, department,
                job_title, company_name, office_location, employee_id, employee_type,
                employee_hire_date, employee_leave_date_time, account_enabled, created_date_time,
                manager_id
         from users
         where tenant_id = $1
           and (id = $2 or id = (select manager_id from users where tenant_id = $1 and id = $2))
         order by id = $2 desc",
        tenant.id(),
        id,
    )
    .fetch_all(executor)
    .await?;
    let mut rows = rows.into_iter();
    Ok(rows
        .next()
        .filter(|user| user.id == id)
        .map(|user| UserWithManager {
            user,
            manager: rows.next(),
        }))
}

/// Applies `update` to a user and records each property whose value it
/// changed, in one transaction; the names of those properties, or None when
/// the tenant has no such user. Setting `accountEnabled` is how the engine
/// disables an account.
pub async fn update(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    id: Uuid,
    update: &UserUpdate,
) -> Result<Option<Vec<&'static str>>, sqlx::Error> {
    let mut transaction = connection.get().begin().await?;
    let current = sqlx::query_as!(
        User,
        "select id, display_name, given_name, surname, user_principal_name, mail, department,
                job_title, company_name, office_location, employee_id, employee_type,
                employee_hire_date, employee_leave_date_time, account_enabled, created_date_time,
                manager_id
         from users
         where tenant_id = $1 and id = $2
         for update",
        tenant.id(),
        id,
    )
    .fetch_optional(&mut *transaction)
    .await?;
    let Some(current) = current else {
        return Ok(None);
    };
    let (user, changed) = update.applied(current);
    if !changed.is_empty() {
        sqlx::query!(
            "update users
             set display_name = $3, given_name = $4, surname = $5, user_principal_name = $6,
                 mail = $7, department = $8, job_title = $9, company_name = $10,
                 office_location = $11, employee_id = $12, employee_type = $13,
                 employee_hire_date = $14, employee_leave_date_time = $15, account_enabled = $16
             where tenant_id = $1 and id = $2",
            tenant.id(),
            id,
            user.display_name,
            user.given_name,
            user.surname,
            user.user_principal_name,
            user.mail,
            user.department,
            user.job_title,
            user.company_name,
            user.office_location,
            user.employee_id,
            user.employee_type,
            user.employee_hire_date,
            user.employee_leave_date_time,
            user.account_enabled,
        )
        .execute(&mut *transaction)
        .await?;
        let changes: Vec<DirectoryChange> = changed
            .iter()
            .map(|name| DirectoryChange::Attribute(name))
            .collect();
        directory_changes::record(&mut transaction, tenant, id, &changes).await?;
    }
    transaction.commit().await?;
    Ok(Some(changed))
}

/// Deletes a user for good (its group memberships go with it), first clearing
/// it as anyone's manager, in one transaction; false when the tenant has no
/// such user.
pub async fn delete(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let mut transaction = connection.get().begin().await?;
    // Locked first, so that no one makes it a manager between the two
    // statements below: such a write waits, then finds it gone.
    let found = sqlx::query_scalar!(
        "select id from users where tenant_id = $1 and id = $2 for update",
        tenant.id(),
        id,
    )
    .fetch_optional(&mut *transaction)
    .await?;
    if found.is_none() {
        return Ok(false);
    }
    sqlx::query!(
        "update users set manager_id = null where tenant_id = $1 and manager_id = $2",
        tenant.id(),
        id,
    )
    .execute(&mut *transaction)
    .await?;
    sqlx::query!(
        "delete from users where tenant_id = $1 and id = $2",
        tenant.id(),
        id,
    )
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(true)
}

/// Makes `manager_id` the manager of user `id`; false when the tenant holds
/// either of them not.
pub async fn set_manager(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    id: Uuid,
    manager_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "update users u set manager_id = m.id
         from users m
         where u.tenant_id = $1 and u.id = $2 and m.tenant_id = $1 and m.id = $3",
        tenant.id(),
        id,
        manager_id,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Clears the manager of user `id`; false when there is no such user or it has
/// no manager.
pub async fn remove_manager(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "update users set manager_id = null
         where tenant_id = $1 and id = $2 and manager_id is not null",
        tenant.id(),
        id,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}
