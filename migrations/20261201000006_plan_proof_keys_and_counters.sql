-- Creates whose plans do not depend on statistics, and counters kept as rows are
-- written. docs/QUERY-PLANS.md ("Writes") says why each index is shaped as it is.

-- A userProcessingResult and a taskProcessingResult are found by (tenant_id, id)
-- alone: the only index whose two leading columns such a lookup binds, so it can
-- be planned one way only.
alter table user_processing_results
    add constraint user_processing_results_id_key unique (tenant_id, id);
alter table task_processing_results
    add constraint task_processing_results_id_key unique (tenant_id, id);

-- A foreign-key check binds the parent's whole key, (tenant_id, workflow_id, …).
-- An index that shares the first two of those columns and then goes on with
-- another looks as cheap as the key with statistics taken while the table was
-- empty, and reads every sibling. Such indexes now lead with the tenant and then
-- what they search by.
drop index runs_scheduled_idx;
create index runs_scheduled_idx on runs (tenant_id, scheduled_date_time, workflow_id);
drop index user_processing_results_scheduled_idx;
create index user_processing_results_scheduled_idx
    on user_processing_results (tenant_id, scheduled_date_time, workflow_id);
drop index user_processing_results_subject_idx;
create index user_processing_results_subject_idx
    on user_processing_results (tenant_id, subject_id, workflow_id, id);

-- These served counting on read, which result_counters replaces.
drop index user_processing_results_run_status_idx;
drop index task_processing_results_user_processing_result_status_idx;

-- The counters of runs and userProcessingResults. A parent's counters are the sum
-- of its rows here; each write adds to one of 16 stripes (chosen by the written
-- row's id), so concurrent creates under one parent seldom wait on the same row,
-- and a read sums at most 16 rows whatever the parent holds.
create table result_counters (
    tenant_id          uuid     not null,
    workflow_id        uuid     not null,
    -- A run's or a userProcessingResult's id.
    parent_id          uuid     not null,
    stripe             smallint not null,
    total_users        bigint   not null default 0,
    successful_users   bigint   not null default 0,
    failed_users       bigint   not null default 0,
    total_tasks        bigint   not null default 0,
    failed_tasks       bigint   not null default 0,
    unprocessed_tasks  bigint   not null default 0,
    constraint result_counters_pkey primary key (tenant_id, workflow_id, parent_id, stripe),
    constraint result_counters_workflow_fkey foreign key (tenant_id, workflow_id)
        references workflows (tenant_id, id) on delete cascade
);

-- How a processingStatus counts: users that succeeded, users and tasks that
-- failed, tasks not yet processed.
create function counts_as_successful_user(status text) returns int
language sql immutable parallel safe
as $$ select (status = 'completed')::int $$;
create function counts_as_failed_user(status text) returns int
language sql immutable parallel safe
as $$ select (status in ('failed', 'completedWithErrors'))::int $$;
create function counts_as_failed_task(status text) returns int
language sql immutable parallel safe
as $$ select (status = 'failed')::int $$;
create function counts_as_unprocessed_task(status text) returns int
language sql immutable parallel safe
as $$ select (status in ('queued', 'inProgress'))::int $$;

create function result_counter_stripe(id uuid) returns smallint
language sql immutable parallel safe
as $$ select (get_byte(uuid_send(id), 15) % 16)::smallint $$;

-- Each writing statement adds to the counters once per parent and stripe, from
-- its transition tables: a statement that writes thousands of rows under one
-- parent (activate, an import) updates at most 16 counter rows, not one row
-- thousands of times in one transaction (every update leaves a row version
-- behind that only VACUUM can remove).

-- Adds up `deltas` per counter row and adds the sums to result_counters. Rows
-- are upserted in key order, so two statements never wait on each other in
-- opposite orders; sums that are all zero (an update that left every status as
-- it was) write nothing.
create function add_to_result_counters(deltas result_counters[]) returns void
language sql
as $$
    insert into result_counters as c
    select tenant_id, workflow_id, parent_id, stripe,
           sum(total_users), sum(successful_users), sum(failed_users),
           sum(total_tasks), sum(failed_tasks), sum(unprocessed_tasks)
    from unnest(deltas)
    group by tenant_id, workflow_id, parent_id, stripe
    having sum(total_users) <> 0 or sum(successful_users) <> 0 or sum(failed_users) <> 0
        or sum(total_tasks) <> 0 or sum(failed_tasks) <> 0 or sum(unprocessed_tasks) <> 0
    order by tenant_id, workflow_id, parent_id, stripe
    on conflict (tenant_id, workflow_id, parent_id, stripe) do update
    set total_users = c.total_users + excluded.total_users,
        successful_users = c.successful_users + excluded.successful_users,
        failed_users = c.failed_users + excluded.failed_users,
        total_tasks = c.total_tasks + excluded.total_tasks,
        failed_tasks = c.failed_tasks + excluded.failed_tasks,
        unprocessed_tasks = c.unprocessed_tasks + excluded.unprocessed_tasks
$$;

-- What a taskProcessingResult counts for, times `sign` (+1 for a row as written,
-- -1 for the row an update replaced): its run's and its userProcessingResult's
-- tasks.
create function task_counts(result task_processing_results, sign int)
returns setof result_counters
language sql immutable parallel safe
as $$
    select result.tenant_id, result.workflow_id, parent.id, result_counter_stripe(result.id),
           0::bigint, 0::bigint, 0::bigint, sign::bigint,
           sign * counts_as_failed_task(result.processing_status)::bigint,
           sign * counts_as_unprocessed_task(result.processing_status)::bigint
    from (values (result.run_id), (result.user_processing_result_id)) parent (id)
$$;

-- What a userProcessingResult counts for, times `sign`: its run's users.
create function user_counts(result user_processing_results, sign int)
returns setof result_counters
language sql immutable parallel safe
as $$
    select result.tenant_id, result.workflow_id, result.run_id, result_counter_stripe(result.id),
           sign::bigint,
           sign * counts_as_successful_user(result.processing_status)::bigint,
           sign * counts_as_failed_user(result.processing_status)::bigint,
           0::bigint, 0::bigint, 0::bigint
$$;

create function count_task_processing_results() returns trigger
language plpgsql
as $$
begin
    if tg_op = 'INSERT' then
        perform add_to_result_counters(array(
            select counts from new_rows n, task_counts(n, 1) counts));
    else
        perform add_to_result_counters(array(
            select counts from new_rows n, task_counts(n, 1) counts
            union all
            select counts from old_rows o, task_counts(o, -1) counts));
    end if;
    return null;
end
$$;

create function count_user_processing_results() returns trigger
language plpgsql
as $$
begin
    if tg_op = 'INSERT' then
        perform add_to_result_counters(array(
            select counts from new_rows n, user_counts(n, 1) counts));
    else
        perform add_to_result_counters(array(
            select counts from new_rows n, user_counts(n, 1) counts
            union all
            select counts from old_rows o, user_counts(o, -1) counts));
    end if;
    return null;
end
$$;

create trigger task_processing_results_counted
    after insert on task_processing_results
    referencing new table as new_rows
    for each statement execute function count_task_processing_results();
create trigger task_processing_results_recounted
    after update on task_processing_results
    referencing old table as old_rows new table as new_rows
    for each statement execute function count_task_processing_results();
create trigger user_processing_results_counted
    after insert on user_processing_results
    referencing new table as new_rows
    for each statement execute function count_user_processing_results();
create trigger user_processing_results_recounted
    after update on user_processing_results
    referencing old table as old_rows new table as new_rows
    for each statement execute function count_user_processing_results();

-- What is stored already, counted once.
select add_to_result_counters(array(
    select counts from user_processing_results u, user_counts(u, 1) counts));
select add_to_result_counters(array(
    select counts from task_processing_results t, task_counts(t, 1) counts));
