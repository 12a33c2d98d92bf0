-- Listing, counting and activation.

-- Time-ordered ids made inside a statement (activate creates a variable number of
-- rows in one INSERT … SELECT): a UUIDv7 from the clock and random bits. Ids made
-- by the service itself are UUIDv7 as well, so id order is creation order.
create function uuid_v7() returns uuid
language sql volatile parallel safe
as $$
    select encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    placing substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
                    from 1 for 6),
            52, 1), 53, 1),
        'hex')::uuid
$$;

-- Counters are computed when read: these indexes carry the status, so counting the
-- results beneath a run or a userProcessingResult reads the index alone.
drop index task_processing_results_run_idx;
create index task_processing_results_run_idx
    on task_processing_results (tenant_id, workflow_id, run_id, id) include (processing_status);
create index task_processing_results_user_processing_result_status_idx
    on task_processing_results (tenant_id, workflow_id, run_id, user_processing_result_id)
    include (processing_status);
create index user_processing_results_run_status_idx
    on user_processing_results (tenant_id, workflow_id, run_id) include (processing_status);

-- Summaries select runs and userProcessingResults of a workflow by scheduledDateTime.
create index runs_scheduled_idx on runs (tenant_id, workflow_id, scheduled_date_time);
create index user_processing_results_scheduled_idx
    on user_processing_results (tenant_id, workflow_id, scheduled_date_time);

-- The purge finds deleted workflows by age.
create index workflows_deleted_idx on workflows (deleted_date_time) where deleted_date_time is not null;
