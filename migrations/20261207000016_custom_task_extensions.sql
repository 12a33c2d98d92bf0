-- Custom task extensions: the endpoints a "Run a Custom Task Extension" task
-- calls. Each configuration is Graph's JSON object as validated
-- (domain::callout_configuration), with its @odata.type; a configuration left
-- out is null. createdBy and lastModifiedBy hold the id of the signed-in user
-- of the token that wrote the extension (null for an application's).

create table custom_task_extensions (
    tenant_id                    uuid        not null,
    id                           uuid        not null,
    display_name                 text        not null,
    description                  text,
    endpoint_configuration       jsonb       not null,
    authentication_configuration jsonb,
    client_configuration         jsonb,
    callback_configuration       jsonb,
    created_by                   uuid,
    last_modified_by             uuid,
    created_date_time            timestamptz not null default now(),
    last_modified_date_time      timestamptz not null default now(),
    constraint custom_task_extensions_pkey primary key (tenant_id, id),
    constraint custom_task_extensions_display_name_length_check
        check (char_length(display_name) between 1 and 256)
);

-- Graph calls an extension's displayName the unique string that identifies it.
create unique index custom_task_extensions_display_name_key
    on custom_task_extensions (tenant_id, display_name);

-- How many extensions each tenant has: a create adds one to its row only while
-- the count is below the limit, and a delete takes one, each in the transaction
-- of its write. The row is locked until that transaction ends, so concurrent
-- creates of a tenant take their turns and the limit holds.
create table custom_task_extension_counts (
    tenant_id  uuid    not null,
    extensions integer not null,
    constraint custom_task_extension_counts_pkey primary key (tenant_id),
    constraint custom_task_extension_counts_extensions_check check (extensions >= 0)
);

select distribute_by_tenant('custom_task_extensions');
select distribute_by_tenant('custom_task_extension_counts');
