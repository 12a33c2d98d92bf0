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

-- How a processingStatus counts: users and tasks that failed, users that
-- succeeded, tasks not yet processed (API.md §4).
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

-- A taskProcessingResult counts in its run and in its userProcessingResult.
create function count_task_processing_result() returns trigger
language plpgsql
as $$
declare
    added int := (tg_op = 'INSERT')::int;
    failed int := counts_as_failed_task(new.processing_status);
    unprocessed int := counts_as_unprocessed_task(new.processing_status);
begin
    if tg_op = 'UPDATE' then
        failed := failed - counts_as_failed_task(old.processing_status);
        unprocessed := unprocessed - counts_as_unprocessed_task(old.processing_status);
    end if;
    -- The run's row first, then the userProcessingResult's, in every statement, so
    -- two writers never wait on each other in opposite orders.
    insert into result_counters as c
        (tenant_id, workflow_id, parent_id, stripe, total_tasks, failed_tasks, unprocessed_tasks)
    values
        (new.tenant_id, new.workflow_id, new.run_id, result_counter_stripe(new.id),
         added, failed, unprocessed),
        (new.tenant_id, new.workflow_id, new.user_processing_result_id, result_counter_stripe(new.id),
         added, failed, unprocessed)
    on conflict (tenant_id, workflow_id, parent_id, stripe) do update
    set total_tasks = c.total_tasks + excluded.total_tasks,
        failed_tasks = c.failed_tasks + excluded.failed_tasks,
        unprocessed_tasks = c.unprocessed_tasks + excluded.unprocessed_tasks;
    return null;
end
$$;

-- A userProcessingResult counts in its run.
create function count_user_processing_result() returns trigger
language plpgsql
as $$
declare
    added int := (tg_op = 'INSERT')::int;
    successful int := (new.processing_status = 'completed')::int;
    failed int := counts_as_failed_user(new.processing_status);
begin
    if tg_op = 'UPDATE' then
        successful := successful - (old.processing_status = 'completed')::int;
        failed := failed - counts_as_failed_user(old.processing_status);
    end if;
    insert into result_counters as c
        (tenant_id, workflow_id, parent_id, stripe, total_users, successful_users, failed_users)
    values
        (new.tenant_id, new.workflow_id, new.run_id, result_counter_stripe(new.id),
         added, successful, failed)
    on conflict (tenant_id, workflow_id, parent_id, stripe) do update
    set total_users = c.total_users + excluded.total_users,
        successful_users = c.successful_users + excluded.successful_users,
        failed_users = c.failed_users + excluded.failed_users;
    return null;
end
$$;

create trigger task_processing_results_counted
    after insert on task_processing_results
    for each row execute function count_task_processing_result();
create trigger task_processing_results_recounted
    after update of processing_status on task_processing_results
    for each row when (old.processing_status is distinct from new.processing_status)
    execute function count_task_processing_result();
create trigger user_processing_results_counted
    after insert on user_processing_results
    for each row execute function count_user_processing_result();
create trigger user_processing_results_recounted
    after update of processing_status on user_processing_results
    for each row when (old.processing_status is distinct from new.processing_status)
    execute function count_user_processing_result();

-- What is stored already, counted once.
insert into result_counters
    (tenant_id, workflow_id, parent_id, stripe, total_users, successful_users, failed_users)
select tenant_id, workflow_id, run_id, 0, count(*),
       count(*) filter (where processing_status = 'completed'),
       sum(counts_as_failed_user(processing_status))
from user_processing_results
group by tenant_id, workflow_id, run_id;

insert into result_counters as c
    (tenant_id, workflow_id, parent_id, stripe, total_tasks, failed_tasks, unprocessed_tasks)
select tenant_id, workflow_id, parent_id, 0, count(*),
       sum(counts_as_failed_task(processing_status)),
       sum(counts_as_unprocessed_task(processing_status))
from task_processing_results
cross join lateral (values (run_id), (user_processing_result_id)) parent (parent_id)
group by tenant_id, workflow_id, parent_id
on conflict (tenant_id, workflow_id, parent_id, stripe) do update
set total_tasks = excluded.total_tasks,
    failed_tasks = excluded.failed_tasks,
    unprocessed_tasks = excluded.unprocessed_tasks;
