//! A tenant's settings: one row once patched, the defaults before.

use crate::domain::settings::{TenantSettings, TenantSettingsUpdate};
use crate::tenant::Tenant;
use sqlx::PgExecutor;

/// The tenant's settings.
pub async fn get(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
) -> Result<TenantSettings, sqlx::Error> {
    let stored = sqlx::query_as!(
        TenantSettings,
        "select workflow_schedule_interval_in_hours, sender_domain, use_company_branding
         from lifecycle_settings
         where tenant_id = $1",
        tenant.id(),
    )
    .fetch_optional(executor)
    .await?;
    Ok(stored.unwrap_or_default())
}

/// Applies `update` to the tenant's settings, writing their row, from the
/// defaults, if it has none.
pub async fn update(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    update: &TenantSettingsUpdate,
) -> Result<(), sqlx::Error> {
    let defaults = TenantSettings::default();
    sqlx::query!(
        "insert into lifecycle_settings as s
             (tenant_id, workflow_schedule_interval_in_hours, sender_domain, use_company_branding)
         values ($1, coalesce($2::int, $3::int), $5::text, coalesce($6::bool, $7::bool))
         on conflict (tenant_id) do update
         set workflow_schedule_interval_in_hours =
                 coalesce($2::int, s.workflow_schedule_interval_in_hours),
             sender_domain = case when $4::bool then $5::text else s.sender_domain end,
             use_company_branding = coalesce($6::bool, s.use_company_branding)",
        tenant.id(),
        update.workflow_schedule_interval_in_hours,
        defaults.workflow_schedule_interval_in_hours,
        update.sender_domain.is_present(),
        update.sender_domain.value(),
        update.use_company_branding,
        defaults.use_company_branding,
    )
    .execute(executor)
    .await?;
    Ok(())
}
