//! The record of directory changes that trigger workflows, written in the
//! transaction of the change itself.

use crate::domain::directory::DirectoryChange;
use crate::tenant::Tenant;
use sqlx::PgConnection;
use uuid::Uuid;

/// Records `changes` to user `user_id`, each with an id of its own.
pub(super) async fn record(
    connection: &mut PgConnection,
    tenant: Tenant,
    user_id: Uuid,
    changes: &[DirectoryChange],
) -> Result<(), sqlx::Error> {
    if changes.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = changes.iter().map(|_| Uuid::now_v7()).collect();
    let kinds: Vec<&str> = changes.iter().map(|change| change.kind()).collect();
    let attributes: Vec<Option<&str>> = changes.iter().map(|change| change.attribute()).collect();
    let groups: Vec<Option<Uuid>> = changes.iter().map(|change| change.group_id()).collect();
    // Selected with the user, so that Citus sends the insert whole to the
    // user's shard (rows from unnest alone pass through the coordinator).
    sqlx::query!(
        "insert into directory_changes (tenant_id, id, user_id, kind, attribute, group_id)
         select u.tenant_id, c.id, u.id, c.kind, c.attribute, c.group_id
         from users u
         cross join unnest($3::uuid[], $4::text[], $5::text[], $6::uuid[])
             as c(id, kind, attribute, group_id)
         where u.tenant_id = $1 and u.id = $2",
        tenant.id(),
        user_id,
        &ids,
        &kinds as _,
        &attributes as _,
        &groups as _,
    )
    .execute(connection)
    .await?;
    Ok(())
}
