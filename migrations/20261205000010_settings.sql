-- A tenant's Lifecycle Workflows settings (Graph's lifecycleManagementSettings
-- singleton). A tenant without a row has the defaults (domain::settings holds
-- them); the first PATCH writes its row.

create table lifecycle_settings (
    tenant_id                            uuid    not null,
    workflow_schedule_interval_in_hours integer not null,
    sender_domain                        text,
    use_company_branding                 boolean not null,
    constraint lifecycle_settings_pkey primary key (tenant_id),
    constraint lifecycle_settings_interval_check
        check (workflow_schedule_interval_in_hours between 1 and 24)
);

select distribute_by_tenant('lifecycle_settings');
