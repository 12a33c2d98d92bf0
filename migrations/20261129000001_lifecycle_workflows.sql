-- The Lifecycle Workflows hierarchy: workflow → run → userProcessingResult →
-- taskProcessingResult, plus a workflow's tasks. Every key starts with tenant_id and
-- every foreign key carries the whole ancestor key, so a row can only exist under
-- exactly the parents its URL names. Constraint names are API for src/db/error.rs,
-- which maps violations to Graph errors by name.

create table workflows (
    tenant_id                   uuid        not null,
    id                          uuid        not null,
    category                    text        not null,
    display_name                text        not null,
    description                 text,
    is_enabled                  boolean     not null default false,
    is_scheduling_enabled       boolean     not null default false,
    execution_conditions        jsonb       not null,
    created_date_time           timestamptz not null default now(),
    last_modified_date_time     timestamptz not null default now(),
    deleted_date_time           timestamptz,
    next_schedule_run_date_time timestamptz,
    version                     integer     not null default 1,
    constraint workflows_pkey primary key (tenant_id, id),
    constraint workflows_category_check
        check (category in ('joiner', 'leaver', 'mover')),
    constraint workflows_display_name_length_check
        check (char_length(display_name) between 1 and 256),
    constraint workflows_scheduling_needs_enabled_check
        check (is_enabled or not is_scheduling_enabled),
    constraint workflows_version_check check (version >= 1)
);

-- A live workflow's displayName is unique within its tenant; deleted ones keep theirs.
create unique index workflows_live_display_name_key
    on workflows (tenant_id, display_name)
    where deleted_date_time is null;

create table tasks (
    tenant_id          uuid    not null,
    workflow_id        uuid    not null,
    id                 uuid    not null,
    execution_sequence integer not null,
    display_name       text    not null,
    description        text,
    task_definition_id uuid    not null,
    category           text    not null,
    continue_on_error  boolean not null default false,
    is_enabled         boolean not null default true,
    arguments          jsonb   not null default '[]',
    constraint tasks_pkey primary key (tenant_id, workflow_id, id),
    constraint tasks_workflow_fkey foreign key (tenant_id, workflow_id)
        references workflows (tenant_id, id) on delete cascade,
    constraint tasks_execution_sequence_key
        unique (tenant_id, workflow_id, execution_sequence),
    constraint tasks_category_check
        check (category ~ '^(joiner|leaver|mover)(,(joiner|leaver|mover))*$'),
    constraint tasks_execution_sequence_check check (execution_sequence >= 1),
    constraint tasks_arguments_check check (jsonb_typeof(arguments) = 'array')
);

create table runs (
    tenant_id               uuid        not null,
    workflow_id             uuid        not null,
    id                      uuid        not null,
    processing_status       text        not null,
    workflow_execution_type text        not null,
    scheduled_date_time     timestamptz not null,
    started_date_time       timestamptz,
    completed_date_time     timestamptz,
    last_updated_date_time  timestamptz not null default now(),
    constraint runs_pkey primary key (tenant_id, workflow_id, id),
    constraint runs_workflow_fkey foreign key (tenant_id, workflow_id)
        references workflows (tenant_id, id) on delete cascade,
    constraint runs_processing_status_check check (processing_status in
        ('queued', 'inProgress', 'completed', 'completedWithErrors', 'canceled',
         'failed', 'canceling', 'quarantined')),
    constraint runs_workflow_execution_type_check check (workflow_execution_type in
        ('scheduled', 'onDemand', 'activatedWithScope')),
    constraint runs_completed_after_started_check
        check (completed_date_time >= started_date_time)
);

create table user_processing_results (
    tenant_id               uuid        not null,
    workflow_id             uuid        not null,
    run_id                  uuid        not null,
    id                      uuid        not null,
    subject_id              uuid        not null,
    processing_status       text        not null,
    workflow_execution_type text        not null,
    scheduled_date_time     timestamptz not null,
    started_date_time       timestamptz,
    completed_date_time     timestamptz,
    workflow_version        integer     not null,
    constraint user_processing_results_pkey
        primary key (tenant_id, workflow_id, run_id, id),
    constraint user_processing_results_run_fkey
        foreign key (tenant_id, workflow_id, run_id)
        references runs (tenant_id, workflow_id, id) on delete cascade,
    constraint user_processing_results_processing_status_check check (processing_status in
        ('queued', 'inProgress', 'completed', 'completedWithErrors', 'canceled',
         'failed', 'canceling', 'quarantined')),
    constraint user_processing_results_workflow_execution_type_check
        check (workflow_execution_type in ('scheduled', 'onDemand', 'activatedWithScope')),
    constraint user_processing_results_completed_after_started_check
        check (completed_date_time >= started_date_time),
    constraint user_processing_results_workflow_version_check check (workflow_version >= 1)
);

-- Lists every userProcessingResult of a workflow, across its runs, in id order.
create index user_processing_results_workflow_idx
    on user_processing_results (tenant_id, workflow_id, id);

create table task_processing_results (
    tenant_id                 uuid        not null,
    workflow_id               uuid        not null,
    run_id                    uuid        not null,
    user_processing_result_id uuid        not null,
    id                        uuid        not null,
    task_id                   uuid        not null,
    -- The subject of the parent userProcessingResult, which never changes: copied so
    -- that results render and filter by subject without a join.
    subject_id                uuid        not null,
    created_date_time         timestamptz not null,
    processing_status         text        not null,
    started_date_time         timestamptz,
    completed_date_time       timestamptz,
    failure_reason            text,
    processing_info           text,
    constraint task_processing_results_pkey
        primary key (tenant_id, workflow_id, run_id, user_processing_result_id, id),
    constraint task_processing_results_user_processing_result_fkey
        foreign key (tenant_id, workflow_id, run_id, user_processing_result_id)
        references user_processing_results (tenant_id, workflow_id, run_id, id)
        on delete cascade,
    constraint task_processing_results_task_fkey
        foreign key (tenant_id, workflow_id, task_id)
        references tasks (tenant_id, workflow_id, id) on delete cascade,
    constraint task_processing_results_processing_status_check check (processing_status in
        ('queued', 'inProgress', 'completed', 'completedWithErrors', 'canceled',
         'failed', 'canceling', 'quarantined')),
    constraint task_processing_results_completed_after_started_check
        check (completed_date_time >= started_date_time),
    constraint task_processing_results_failure_reason_length_check
        check (char_length(failure_reason) <= 4000)
);

-- Lists a run's results across its users, and a task's results across runs and users.
create index task_processing_results_run_idx
    on task_processing_results (tenant_id, workflow_id, run_id, id);
create index task_processing_results_task_idx
    on task_processing_results (tenant_id, workflow_id, task_id, id);
