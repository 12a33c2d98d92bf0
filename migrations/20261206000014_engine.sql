-- The engine: the userProcessingResults it has yet to process, as a durable
-- queue that several service instances share, and the subjects each workflow
-- version was scheduled for, so that a scheduling pass picks a user once per
-- trigger date.

-- One row per userProcessingResult the engine owns (runs it created: scheduled
-- or activated). A worker leases rows by moving available_date_time past now; a
-- worker that dies leaves its rows to whoever claims them when the lease runs
-- out. The row goes when the user is finished.
create table engine_queue (
    tenant_id                 uuid        not null,
    workflow_id               uuid        not null,
    run_id                    uuid        not null,
    user_processing_result_id uuid        not null,
    enqueued_date_time        timestamptz not null default now(),
    available_date_time       timestamptz not null default now(),
    attempts                  integer     not null default 0,
    constraint engine_queue_pkey
        primary key (tenant_id, workflow_id, run_id, user_processing_result_id),
    constraint engine_queue_user_processing_result_fkey
        foreign key (tenant_id, workflow_id, run_id, user_processing_result_id)
        references user_processing_results (tenant_id, workflow_id, run_id, id)
        on delete cascade
);

-- Which tenants have work (across tenants), then a tenant's work in order.
create index engine_queue_available_idx on engine_queue (available_date_time, tenant_id);
create index engine_queue_tenant_available_idx
    on engine_queue (tenant_id, available_date_time, enqueued_date_time);

-- A subject a scheduling pass picked: at most once per workflow version and
-- trigger date (the date its trigger fired on: a time-based attribute plus the
-- offset, or when the change happened).
create table scheduled_subjects (
    tenant_id         uuid        not null,
    workflow_id       uuid        not null,
    workflow_version  integer     not null,
    subject_id        uuid        not null,
    trigger_date_time timestamptz not null,
    run_id            uuid        not null,
    constraint scheduled_subjects_pkey
        primary key (tenant_id, workflow_id, workflow_version, subject_id, trigger_date_time),
    constraint scheduled_subjects_workflow_fkey foreign key (tenant_id, workflow_id)
        references workflows (tenant_id, id) on delete cascade
);

select distribute_by_tenant('engine_queue');
select distribute_by_tenant('scheduled_subjects');
