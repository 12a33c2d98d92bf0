-- The directory the engine acts on: a tenant's users and groups, at Graph's own
-- paths (/users, /groups), and the changes to them that trigger workflows.

create table users (
    tenant_id                uuid        not null,
    id                       uuid        not null,
    display_name             text        not null,
    given_name               text,
    surname                  text,
    user_principal_name      text        not null,
    mail                     text,
    department               text,
    job_title                text,
    company_name             text,
    office_location          text,
    employee_id              text,
    employee_type            text,
    employee_hire_date       timestamptz,
    employee_leave_date_time timestamptz,
    account_enabled          boolean     not null default true,
    created_date_time        timestamptz not null default now(),
    manager_id               uuid,
    constraint users_pkey primary key (tenant_id, id),
    -- Deleting a user first clears it as a manager (db::users), so the key
    -- never holds a missing user.
    constraint users_manager_fkey foreign key (tenant_id, manager_id)
        references users (tenant_id, id),
    constraint users_display_name_length_check
        check (char_length(display_name) between 1 and 256),
    constraint users_user_principal_name_check
        check (user_principal_name ~ '^[^@\s]+@[^@\s]+$')
);

-- Graph compares userPrincipalName without regard to case.
create unique index users_user_principal_name_key
    on users (tenant_id, lower(user_principal_name));
create index users_manager_idx on users (tenant_id, manager_id) where manager_id is not null;
-- The time-based triggers select users by date.
create index users_employee_hire_date_idx on users (tenant_id, employee_hire_date);
create index users_employee_leave_date_time_idx on users (tenant_id, employee_leave_date_time);
create index users_created_date_time_idx on users (tenant_id, created_date_time);

create table groups (
    tenant_id         uuid        not null,
    id                uuid        not null,
    display_name      text        not null,
    description       text,
    mail_nickname     text,
    mail_enabled      boolean     not null default false,
    security_enabled  boolean     not null default true,
    -- Graph's groupTypes: empty for a security or distribution group,
    -- {Unified} for a Microsoft 365 group.
    group_types       text[]      not null default '{}',
    created_date_time timestamptz not null default now(),
    constraint groups_pkey primary key (tenant_id, id),
    constraint groups_display_name_length_check
        check (char_length(display_name) between 1 and 256),
    constraint groups_group_types_check check (group_types <@ array['Unified'])
);

create table group_members (
    tenant_id         uuid        not null,
    group_id          uuid        not null,
    user_id           uuid        not null,
    created_date_time timestamptz not null default now(),
    constraint group_members_pkey primary key (tenant_id, group_id, user_id),
    constraint group_members_group_fkey foreign key (tenant_id, group_id)
        references groups (tenant_id, id) on delete cascade,
    constraint group_members_user_fkey foreign key (tenant_id, user_id)
        references users (tenant_id, id) on delete cascade
);

-- memberOf, and removing a user from all groups.
create index group_members_user_idx on group_members (tenant_id, user_id, group_id);

-- What changed in the directory, for attributeChangeTrigger and
-- membershipChangeTrigger: written in the transaction of the change, read by
-- the scheduler. No foreign keys: a change outlives the user it was made to.
create table directory_changes (
    tenant_id         uuid        not null,
    id                uuid        not null,
    user_id           uuid        not null,
    kind              text        not null,
    -- The user property that changed (its JSON name), for 'attribute'.
    attribute         text,
    -- The group joined or left, for 'memberAdded' and 'memberRemoved'.
    group_id          uuid,
    changed_date_time timestamptz not null default now(),
    constraint directory_changes_pkey primary key (tenant_id, id),
    constraint directory_changes_kind_check check (
        (kind = 'attribute' and attribute is not null and group_id is null)
        or (kind in ('memberAdded', 'memberRemoved') and group_id is not null and attribute is null))
);

create index directory_changes_changed_idx on directory_changes (tenant_id, changed_date_time);

select distribute_by_tenant('users');
select distribute_by_tenant('groups');
select distribute_by_tenant('group_members');
select distribute_by_tenant('directory_changes');
