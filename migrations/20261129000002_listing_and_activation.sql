-- Listing, counting and activation.

-- Time-ordered ids made inside a statement (activate creates a variable number of
-- rows in one INSERT … SELECT): a UUIDv7 (RFC 9562) with the milliseconds in the
-- first 48 bits and, as its method 3 allows, the fraction of the millisecond in the
-- 12 bits after the version, so ids made one after another sort in that order.
-- Ids made by the service itself are UUIDv7 as well: id order is creation order.
create function uuid_v7() returns uuid
language sql volatile parallel safe
as $$
    with clock as (
        select (extract(epoch from clock_timestamp()) * 1000000)::bigint as micros
    )
    select encode(
        overlay(
            overlay(uuid_send(gen_random_uuid())
                    placing substring(int8send(micros / 1000) from 3)
                    from 1 for 6)
            placing int2send((x'7000'::int | ((micros % 1000) * 4096 / 1000)::int)::smallint)
            from 7 for 2),
        'hex')::uuid
    from clock
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
