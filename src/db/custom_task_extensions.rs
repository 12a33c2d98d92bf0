//! A tenant's custom task extensions. A create counts them against the
//! tenant's limit; a delete is refused while a live workflow's current tasks
//! run the extension. Writes of tasks lock the extensions they name `for share`
//! ([`share`]) and a delete locks its extension `for update` first, so one of
//! the two waits for the other and sees what it wrote.

use super::page::{self, Collection};
use super::transaction::WriteConnection;
use crate::domain::callout_configuration::{
    AuthenticationConfiguration, CallbackConfiguration, ClientConfiguration, EndpointConfiguration,
};
use crate::domain::custom_task_extension::{
    CustomTaskExtension, CustomTaskExtensionUpdate, NewCustomTaskExtension, EXTENSION_ARGUMENT,
    RUN_CUSTOM_TASK_EXTENSION,
};
use crate::domain::workflow::Tree;
use crate::odata::{Field, FieldKind};
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{Acquire, PgConnection, PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

/// The tenant's custom task extensions.
pub struct CustomTaskExtensions;

impl Collection for CustomTaskExtensions {
    type Scope = ();
    type Row = ExtensionRow;
    type Record = CustomTaskExtension;
    const ALIAS: &'static str = "e";
    const COLUMNS: &'static str = "select e.id, e.display_name, e.description,
                e.endpoint_configuration, e.authentication_configuration,
                e.client_configuration, e.callback_configuration, e.created_by,
                e.last_modified_by, e.created_date_time, e.last_modified_date_time";
    const FROM: &'static str = " from custom_task_extensions e";
    const FILTERABLE: &'static [Field] = &[
        Field::new("id", "e.id", FieldKind::Guid),
        Field::new("displayName", "e.display_name", FieldKind::String),
        Field::new("description", "e.description", FieldKind::String),
        Field::new("createdBy/id", "e.created_by", FieldKind::Guid),
        Field::new("lastModifiedBy/id", "e.last_modified_by", FieldKind::Guid),
        Field::new(
            "createdDateTime",
            "e.created_date_time",
            FieldKind::DateTime,
        ),
        Field::new(
            "lastModifiedDateTime",
            "e.last_modified_date_time",
            FieldKind::DateTime,
        ),
    ];

    /// Extensions are outside both trees.
    fn push_where(builder: &mut QueryBuilder<'_, Postgres>, tenant: Tenant, _: Tree, _: ()) {
        builder.push(" where e.tenant_id = ").push_bind(tenant.id());
    }
}

/// An extension of the tenant: what the engine calls for a task that names it.
pub async fn get(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    id: Uuid,
) -> Result<Option<CustomTaskExtension>, sqlx::Error> {
    page::find::<CustomTaskExtensions>(executor, tenant, Tree::Live, (), id).await
}

/// Stores an extension made by `author` and returns it as stored; None when
/// the tenant has `limit` extensions already. A displayName the tenant has
/// already violates `custom_task_extensions_display_name_key`.
pub async fn create(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    id: Uuid,
    extension: &NewCustomTaskExtension,
    author: Option<Uuid>,
    limit: i64,
) -> Result<Option<CustomTaskExtension>, sqlx::Error> {
    let mut transaction = connection.get().begin().await?;
    // Counted first: the tenant's count stays locked until the commit, so
    // concurrent creates count in turn.
    let counted = sqlx::query_scalar!(
        "insert into custom_task_extension_counts as c (tenant_id, extensions)
         values ($1, 1)
         on conflict (tenant_id) do update set extensions = c.extensions + 1
         where c.extensions < $2::bigint
         returning extensions",
        tenant.id(),
        limit,
    )
    .fetch_optional(&mut *transaction)
    .await?;
    if counted.is_none() {
        // The refused upsert locked the count all the same: released now, not
        // when the connection is next used.
        transaction.rollback().await?;
        return Ok(None);
    }
    let row = sqlx::query_as!(
        ExtensionRow,
        r#"insert into custom_task_extensions
               (tenant_id, id, display_name, description, endpoint_configuration,
                authentication_configuration, client_configuration, callback_configuration,
                created_by, last_modified_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
           returning id, display_name, description,
                     endpoint_configuration as "endpoint_configuration: Json<EndpointConfiguration>",
                     authentication_configuration
                         as "authentication_configuration: Json<AuthenticationConfiguration>",
                     client_configuration as "client_configuration: Json<ClientConfiguration>",
                     callback_configuration as "callback_configuration: Json<CallbackConfiguration>",
                     created_by, last_modified_by, created_date_time, last_modified_date_time"#,
        tenant.id(),
        id,
        extension.display_name,
        extension.description,
        Json(&extension.endpoint_configuration) as _,
        extension.authentication_configuration.as_ref().map(Json) as _,
        extension.client_configuration.as_ref().map(Json) as _,
        extension.callback_configuration.as_ref().map(Json) as _,
        author,
    )
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(Some(row.into()))
}

/// Applies `update`, made by `author`; false when the tenant has no such
/// extension.
pub async fn update(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    id: Uuid,
    update: &CustomTaskExtensionUpdate,
    author: Option<Uuid>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query!(
        "update custom_task_extensions
         set display_name = coalesce($3, display_name),
             description = case when $4 then $5 else description end,
             endpoint_configuration = coalesce($6, endpoint_configuration),
             authentication_configuration = case when $7 then $8 else authentication_configuration end,
             client_configuration = case when $9 then $10 else client_configuration end,
             callback_configuration = case when $11 then $12 else callback_configuration end,
             last_modified_by = $13,
             last_modified_date_time = now()
         where tenant_id = $1 and id = $2",
        tenant.id(),
        id,
        update.display_name,
        update.description.is_present(),
        update.description.value(),
        update.endpoint_configuration.as_ref().map(Json) as _,
        update.authentication_configuration.is_present(),
        update.authentication_configuration.value().map(Json) as _,
        update.client_configuration.is_present(),
        update.client_configuration.value().map(Json) as _,
        update.callback_configuration.is_present(),
        update.callback_configuration.value().map(Json) as _,
        author,
    )
    .execute(executor)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// A live workflow whose current tasks run an extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependentWorkflow {
    pub id: Uuid,
    pub display_name: String,
}

/// What [`delete`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    /// The tenant has no such extension.
    Missing,
    /// Live workflows run it, by displayName: it stays.
    InUse(Vec<DependentWorkflow>),
}

/// Deletes an extension, unless a live workflow's current tasks run it, in
/// one transaction that takes it off the tenant's count.
pub async fn delete(
    connection: &mut WriteConnection<'_>,
    tenant: Tenant,
    id: Uuid,
) -> Result<Deletion, sqlx::Error> {
    let mut transaction = connection.get().begin().await?;
    // Locked first: a write of tasks naming it waits for the delete, then
    // finds it gone ([`share`]); one that came first has committed its tasks,
    // which the next statement sees.
    let found = sqlx::query_scalar!(
        "select id from custom_task_extensions where tenant_id = $1 and id = $2 for update",
        tenant.id(),
        id,
    )
    .fetch_optional(&mut *transaction)
    .await?;
    if found.is_none() {
        return Ok(Deletion::Missing);
    }
    // The tasks name it as ids are written (`canonicalize_references`).
    let dependents = sqlx::query_as!(
        DependentWorkflow,
        "select w.id, w.display_name
         from workflows w
         where w.tenant_id = $1 and w.deleted_date_time is null
           and exists (
               select 1 from tasks t
               where t.tenant_id = $1 and t.workflow_id = w.id
                 and t.workflow_version = w.version and t.task_definition_id = $3
                 and t.arguments @> jsonb_build_array(
                         jsonb_build_object('name', $4::text, 'value', $2::uuid::text)))
         order by w.display_name, w.id",
        tenant.id(),
        id,
        RUN_CUSTOM_TASK_EXTENSION,
        EXTENSION_ARGUMENT,
    )
    .fetch_all(&mut *transaction)
    .await?;
    if !dependents.is_empty() {
        transaction.rollback().await?;
        return Ok(Deletion::InUse(dependents));
    }
    sqlx::query!(
        "delete from custom_task_extensions where tenant_id = $1 and id = $2",
        tenant.id(),
        id,
    )
    .execute(&mut *transaction)
    .await?;
    sqlx::query!(
        "update custom_task_extension_counts set extensions = extensions - 1
         where tenant_id = $1",
        tenant.id(),
    )
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(Deletion::Deleted)
}

/// Of `ids`, those of the tenant's extensions, each locked against its
/// deletion until the caller's transaction ends: the transaction writes tasks
/// that name them.
pub async fn share(
    connection: &mut PgConnection,
    tenant: Tenant,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "select id from custom_task_extensions
         where tenant_id = $1 and id = any($2)
         for share",
        tenant.id(),
        ids,
    )
    .fetch_all(connection)
    .await
}

/// An extension as its row holds it.
#[derive(sqlx::FromRow)]
pub struct ExtensionRow {
    id: Uuid,
    display_name: String,
    description: Option<String>,
    endpoint_configuration: Json<EndpointConfiguration>,
    authentication_configuration: Option<Json<AuthenticationConfiguration>>,
    client_configuration: Option<Json<ClientConfiguration>>,
    callback_configuration: Option<Json<CallbackConfiguration>>,
    created_by: Option<Uuid>,
    last_modified_by: Option<Uuid>,
    created_date_time: DateTime<Utc>,
    last_modified_date_time: DateTime<Utc>,
}

impl From<ExtensionRow> for CustomTaskExtension {
    fn from(row: ExtensionRow) -> Self {
        Self {
            id: row.id,
            display_name: row.display_name,
            description: row.description,
            endpoint_configuration: row.endpoint_configuration.0,
            authentication_configuration: row.authentication_configuration.map(|json| json.0),
            client_configuration: row.client_configuration.map(|json| json.0),
            callback_configuration: row.callback_configuration.map(|json| json.0),
            created_by: row.created_by,
            last_modified_by: row.last_modified_by,
            created_date_time: row.created_date_time,
            last_modified_date_time: row.last_modified_date_time,
        }
    }
}
