//! The groups of a tenant's directory and their members. The engine adds and
//! removes members through these functions too, inside its own transaction;
//! each change of membership is recorded (`directory_changes`) in the same
//! transaction.

use super::directory_changes;
use super::page::Collection;
use super::transaction::WriteConnection;
use super::users::{USER_COLUMNS, USER_FIELDS};
use crate::domain::directory::DirectoryChange;
use crate::domain::group::{Group, GroupUpdate, NewGroup};
use crate::domain::keys::{GroupKey, UserKey};
use crate::domain::user::User;
use crate::domain::workflow::Tree;
use crate::odata::{Field, FieldKind};
use crate::tenant::Tenant;
use sqlx::{Acquire, PgConnection, PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

/// The tenant's groups.
pub struct Groups;

/// The members of a group: users.
pub struct GroupMembers;

/// The groups a user is a member of.
pub struct MemberOf;

const GROUP_COLUMNS: &str = "select g.id, g.display_name, g.description, g.mail_nickname,
        g.mail_enabled, g.security_enabled, g.group_types, g.created_date_time";

const GROUP_FIELDS: &[Field] = &[
    Field::new("id", "g.id", FieldKind::Guid),
    Field::new("displayName", "g.display_name", FieldKind::String),
    Field::new("description", "g.description", FieldKind::String),
    Field::new("mailNickname", "g.mail_nickname", FieldKind::String),
    Field::new("mailEnabled", "g.mail_enabled", FieldKind::Boolean),
    Field::new("securityEnabled", "g.security_enabled", FieldKind::Boolean),
    Field::new(
        "createdDateTime",
        "g.created_date_time",
        FieldKind::DateTime,
    ),
];

impl Collection for Groups {
    type Scope = ();
    type Row = Group;
    type Record = Group;
    const ALIAS: &'static str = "g";
    const COLUMNS: &'static str = GROUP_COLUMNS;
    const FROM: &'static str = " from groups g";
    const FILTERABLE: &'static [Field] = GROUP_FIELDS;
    const SEARCHABLE: Option<&'static str> = Some("g.display_name");

    fn push_where(builder: &mut QueryBuilder<'_, Postgres>, tenant: Tenant, _: Tree, _: ()) {
        builder.push(" where g.tenant_id = ").push_bind(tenant.id());
    }
}

impl Collection for GroupMembers {
    type Scope = GroupKey;
    type Row = User;
    type Record = User;
    const ALIAS: &'static str = "u";
    const COLUMNS: &'static str = USER_COLUMNS;
    const FROM: &'static str = " from users u
        join group_members m on m.tenant_id = u.tenant_id and m.user_id = u.id";
    const FILTERABLE: &'static [Field] = USER_FIELDS;
    const SEARCHABLE: Option<&'static str> = Some("u.display_name");

    fn push_where(
        builder: &mut QueryBuilder<'_, Postgres>,
        tenant: Tenant,
        _: Tree,
        group: GroupKey,
    ) {
        builder
            .push(" where u.tenant_id = ")
            .push_bind(tenant.id())
            .push(" and m.group_id = ")
            .push_bind(group.group_id);
    }
}

impl Collection for MemberOf {
    type Scope = UserKey;
    type Row = Group;
    type Record = Group;
    const ALIAS: &'static str = "g";
    const COLUMNS: &'static str = GROUP_COLUMNS;
    const FROM: &'static str = " from groups g
        join group_members m on m.tenant_id = g.tenant_id and m.group_id = g.id";
    const FILTERABLE: &'static [Field] = GROUP_FIELDS;
    const SEARCHABLE: Option<&'static str> = Some("g.display_name");

    fn push_where(
        builder: &mut QueryBuilder<'_, Postgres>,
        tenant: Tenant,
        _: Tree,
        user: UserKey,
    ) {
        builder
            .push(" where g.tenant_id = ")
            .push_bind(tenant.id())
            .push(" and m.user_id = ")
            .push_bind(user.user_id);
    }
}

/// Inserts a group and returns it as stored.
pub async fn create(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    id: Uuid,
    group: &NewGroup,
) -> Result<Group, sqlx::Error> {
    sqlx::query_as!(
        Group,
        "insert into groups (tenant_id, id, display_name, description, mail_nickname,
                             mail_enabled, security_enabled, group_types)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         returning id, display_name, description, mail_nickname, mail_enabled, security_enabled,
                   group_types, created_date_time",
        tenant.id(),
        id,
        group.display_name,
        group.description,
        group.mail_nickname,
        group.mail_enabled,
        group.security_enabled,
        &group.group_types,
    )
    .fetch_one(connection.get())
    .await
}

/// Applies `update` to a group; false when the tenant has no such group.
pub async fn update(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    id: Uuid,
    update: &GroupUpdate,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "update groups
         set display_name = coalesce($3, display_name),
             description = case when $4 then $5 else description end,
             mail_nickname = case when $6 then $7 else mail_nickname end,
             mail_enabled = coalesce($8, mail_enabled),
             security_enabled = coalesce($9, security_enabled),
             group_types = coalesce($10, group_types)
         where tenant_id = $1 and id = $2",
        tenant.id(),
        id,
        update.display_name,
        update.description.is_present(),
        update.description.value(),
        update.mail_nickname.is_present(),
        update.mail_nickname.value(),
        update.mail_enabled,
        update.security_enabled,
        update.group_types.as_deref(),
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Deletes a group for good, with its memberships; false when the tenant has
/// no such group.
pub async fn delete(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "delete from groups where tenant_id = $1 and id = $2",
        tenant.id(),
        id,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// What [`add_member`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    Added,
    AlreadyMember,
    NoGroup,
    NoUser,
}

/// Adds user `user_id` to group `group_id`, recording `memberAdded`, in one
/// transaction.
pub async fn add_member(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    group_id: Uuid,
    user_id: Uuid,
) -> Result<Membership, sqlx::Error> {
    let mut transaction = connection.get().begin().await?;
    let added = sqlx::query_scalar!(
        "insert into group_members (tenant_id, group_id, user_id)
         select g.tenant_id, g.id, u.id
         from groups g
         join users u on u.tenant_id = g.tenant_id
         where g.tenant_id = $1 and g.id = $2 and u.id = $3
         on conflict do nothing
         returning user_id",
        tenant.id(),
        group_id,
        user_id,
    )
    .fetch_optional(&mut *transaction)
    .await?;
    if added.is_none() {
        // Why not: which of the two is missing, or neither.
        let found = sqlx::query!(
            r#"select exists (select 1 from groups where tenant_id = $1 and id = $2) as "group!",
                      exists (select 1 from users where tenant_id = $1 and id = $3) as "user!""#,
            tenant.id(),
            group_id,
            user_id,
        )
        .fetch_one(&mut *transaction)
        .await?;
        return Ok(match (found.group, found.user) {
            (false, _) => Membership::NoGroup,
            (true, false) => Membership::NoUser,
            (true, true) => Membership::AlreadyMember,
        });
    }
    let change = DirectoryChange::MemberAdded(group_id);
    directory_changes::record(&mut transaction, tenant, user_id, &[change]).await?;
    transaction.commit().await?;
    Ok(Membership::Added)
}

/// Removes user `user_id` from group `group_id`, recording `memberRemoved`, in
/// one transaction; false when it was no member (or either is missing).
pub async fn remove_member(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    group_id: Uuid,
    user_id: Uuid,
) -> Result<bool, sqlx::Error> {
    let mut transaction = connection.get().begin().await?;
    let left = leave(&mut transaction, tenant, user_id, Some(group_id)).await?;
    transaction.commit().await?;
    Ok(!left.is_empty())
}

/// Removes user `user_id` from every group it is a member of, recording
/// `memberRemoved` for each, in one transaction; the groups it left.
pub async fn remove_from_all(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    user_id: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let mut transaction = connection.get().begin().await?;
    let left = leave(&mut transaction, tenant, user_id, None).await?;
    transaction.commit().await?;
    Ok(left)
}

/// Removes the user from `group`, or from every group without one, and
/// records each removal; the groups it left.
async fn leave(
    connection: &mut PgConnection,
    tenant: Tenant,
    user_id: Uuid,
    group: Option<Uuid>,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let left = sqlx::query_scalar!(
        "delete from group_members
         where tenant_id = $1 and user_id = $2 and ($3::uuid is null or group_id = $3)
         returning group_id",
        tenant.id(),
        user_id,
        group,
    )
    .fetch_all(&mut *connection)
    .await?;
    let changes: Vec<DirectoryChange> = left
        .iter()
        .map(|group| DirectoryChange::MemberRemoved(*group))
        .collect();
    directory_changes::record(connection, tenant, user_id, &changes).await?;
    Ok(left)
}
