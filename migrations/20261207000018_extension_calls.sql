-- The calls the engine makes to custom task extensions, recorded in the same
-- transaction that starts their task, so that a call is never lost: a worker
-- that finds one still 'sending' (its sender died) sends it again, with the
-- same taskProcessingResult id for the receiver to drop a duplicate. A call
-- that was answered and expects a callback is 'waiting' until resume arrives
-- or its deadline passes. The row goes when its task ends. The extension is
-- the one the task's customTaskExtensionID argument names.
create table extension_calls (
    tenant_id                 uuid        not null,
    workflow_id               uuid        not null,
    run_id                    uuid        not null,
    user_processing_result_id uuid        not null,
    task_processing_result_id uuid        not null,
    state                     text        not null,
    recorded_date_time        timestamptz not null,
    -- When the endpoint accepted the call, and until when the callback may come.
    answered_date_time        timestamptz,
    deadline_date_time        timestamptz,
    constraint extension_calls_pkey primary key
        (tenant_id, workflow_id, run_id, user_processing_result_id, task_processing_result_id),
    constraint extension_calls_task_processing_result_fkey
        foreign key (tenant_id, workflow_id, run_id, user_processing_result_id, task_processing_result_id)
        references task_processing_results (tenant_id, workflow_id, run_id, user_processing_result_id, id)
        on delete cascade,
    constraint extension_calls_state_check check (state in ('sending', 'waiting')),
    constraint extension_calls_waiting_check
        check ((state = 'waiting') = (deadline_date_time is not null))
);

select distribute_by_tenant('extension_calls');
