-- Workflow versions. A workflow row holds its current version; createNewVersion
-- copies that definition into past_workflow_versions before replacing it, so
-- each version is stored once. Tasks belong to the version they were created
-- with: a new version gets tasks of its own, and results keep pointing at the
-- tasks they ran.

create table past_workflow_versions (
    tenant_id               uuid        not null,
    workflow_id             uuid        not null,
    version_number          integer     not null,
    category                text        not null,
    display_name            text        not null,
    description             text,
    is_enabled              boolean     not null,
    is_scheduling_enabled   boolean     not null,
    execution_conditions    jsonb       not null,
    created_date_time       timestamptz not null,
    -- When the next version replaced it.
    last_modified_date_time timestamptz not null,
    constraint past_workflow_versions_pkey primary key (tenant_id, workflow_id, version_number),
    constraint past_workflow_versions_workflow_fkey foreign key (tenant_id, workflow_id)
        references workflows (tenant_id, id) on delete cascade
);

select distribute_by_tenant('past_workflow_versions');

-- When the current version was made: the workflow's createdDateTime until its
-- first new version (the workflows stored so far are set at the end: Citus
-- takes no schema change to a table after a write to it in one transaction).
alter table workflows
    add column version_created_date_time timestamptz not null default now();

-- Every task so far belongs to version 1, the only one there was.
alter table tasks add column workflow_version integer not null default 1;
-- In a block, so that Citus has the new key's statement on its own to send to
-- the shards: from a string of several statements (a migration) it cannot.
do $$
begin
    alter table tasks drop constraint tasks_execution_sequence_key;
    alter table tasks add constraint tasks_execution_sequence_key
        unique (tenant_id, workflow_id, workflow_version, execution_sequence);
end
$$;

-- Every version of every workflow, past and current, as workflowVersion
-- renders it.
create view workflow_versions as
select tenant_id, workflow_id, version_number, category, display_name, description, is_enabled,
       is_scheduling_enabled, execution_conditions, created_date_time, last_modified_date_time
from past_workflow_versions
union all
select tenant_id, id, version, category, display_name, description, is_enabled,
       is_scheduling_enabled, execution_conditions, version_created_date_time,
       last_modified_date_time
from workflows;

-- The tasks of each workflow's current version.
create view current_tasks as
select t.*
from tasks t
join workflows w on w.tenant_id = t.tenant_id and w.id = t.workflow_id
where t.workflow_version = w.version;

update workflows set version_created_date_time = created_date_time;
