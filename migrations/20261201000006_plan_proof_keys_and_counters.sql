-- Creates whose plans do not depend on statistics, and counters kept as rows are
-- written. docs/QUERY-PLANS.md ("Writes") says why each index is shaped as it is.

-- The seed create finds its origin by (tenant_id, id) alone: the only index of
-- task_processing_results whose two leading columns that lookup binds, so it can
-- be planned one way only.
alter table task_processing_results
    add constraint task_processing_results_id_key unique (tenant_id, id);

-- A foreign-key check, and the lookup of a run or a userProcessingResult as a
-- parent, binds the parent's whole key, (tenant_id, workflow_id, …). An index
-- that shares the first two of those columns and then goes on with another looks
-- as cheap as the key with statistics taken while the table was empty, and reads
-- every sibling. Such indexes now lead with the tenant and then what they search
-- by.
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
-- behind that only VACUUM can remove). Counter rows are upserted in key order, so
-- two statements never wait on each other in opposite orders. Each trigger
-- function is one statement: nested calls cost the create a tenth of its
-- throughput (docs/DESIGN-NOTES.md).

-- New taskProcessingResults count in their run and their userProcessingResult.
create function count_new_task_processing_results() returns trigger
language plpgsql
as $$
begin
    insert into result_counters as c
        (tenant_id, workflow_id, parent_id, stripe, total_tasks, failed_tasks, unprocessed_tasks)
    select n.tenant_id, n.workflow_id, parent.id, result_counter_stripe(n.id), count(*),
           sum(counts_as_failed_task(n.processing_status)),
           sum(counts_as_unprocessed_task(n.processing_status))
    from new_rows n
    cross join lateral (values (n.run_id), (n.user_processing_result_id)) parent (id)
    group by 1, 2, 3, 4
    order by 1, 2, 3, 4
    on conflict (tenant_id, workflow_id, parent_id, stripe) do update
    set total_tasks = c.total_tasks + excluded.total_tasks,
        failed_tasks = c.failed_tasks + excluded.failed_tasks,
        unprocessed_tasks = c.unprocessed_tasks + excluded.unprocessed_tasks;
    return null;
end
$$;

-- A taskProcessingResult whose status changed moves between the counts.
create function count_changed_task_processing_results() returns trigger
language plpgsql
as $$
begin
    insert into result_counters as c
        (tenant_id, workflow_id, parent_id, stripe, failed_tasks, unprocessed_tasks)
    select n.tenant_id, n.workflow_id, parent.id, result_counter_stripe(n.id),
           sum(counts_as_failed_task(n.processing_status)
               - counts_as_failed_task(o.processing_status)),
           sum(counts_as_unprocessed_task(n.processing_status)
               - counts_as_unprocessed_task(o.processing_status))
    from new_rows n
    join old_rows o on o.tenant_id = n.tenant_id and o.id = n.id
    cross join lateral (values (n.run_id), (n.user_processing_result_id)) parent (id)
    where n.processing_status <> o.processing_status
    group by 1, 2, 3, 4
    order by 1, 2, 3, 4
    on conflict (tenant_id, workflow_id, parent_id, stripe) do update
    set failed_tasks = c.failed_tasks + excluded.failed_tasks,
        unprocessed_tasks = c.unprocessed_tasks + excluded.unprocessed_tasks;
    return null;
end
$$;

-- New userProcessingResults count in their run.
create function count_new_user_processing_results() returns trigger
language plpgsql
as $$
begin
    insert into result_counters as c
        (tenant_id, workflow_id, parent_id, stripe, total_users, successful_users, failed_users)
    select n.tenant_id, n.workflow_id, n.run_id, result_counter_stripe(n.id), count(*),
           sum(counts_as_successful_user(n.processing_status)),
           sum(counts_as_failed_user(n.processing_status))
    from new_rows n
    group by 1, 2, 3, 4
    order by 1, 2, 3, 4
    on conflict (tenant_id, workflow_id, parent_id, stripe) do update
    set total_users = c.total_users + excluded.total_users,
        successful_users = c.successful_users + excluded.successful_users,
        failed_users = c.failed_users + excluded.failed_users;
    return null;
end
$$;

-- A userProcessingResult whose status changed moves between the counts.
create function count_changed_user_processing_results() returns trigger
language plpgsql
as $$
begin
    insert into result_counters as c
        (tenant_id, workflow_id, parent_id, stripe, successful_users, failed_users)
    select n.tenant_id, n.workflow_id, n.run_id, result_counter_stripe(n.id),
           sum(counts_as_successful_user(n.processing_status)
               - counts_as_successful_user(o.processing_status)),
           sum(counts_as_failed_user(n.processing_status)
               - counts_as_failed_user(o.processing_status))
    from new_rows n
    join old_rows o on o.tenant_id = n.tenant_id and o.id = n.id
    where n.processing_status <> o.processing_status
    group by 1, 2, 3, 4
    order by 1, 2, 3, 4
    on conflict (tenant_id, workflow_id, parent_id, stripe) do update
    set successful_users = c.successful_users + excluded.successful_users,
        failed_users = c.failed_users + excluded.failed_users;
    return null;
end
$$;

create trigger task_processing_results_counted
    after insert on task_processing_results
    referencing new table as new_rows
    for each statement execute function count_new_task_processing_results();
create trigger task_processing_results_recounted
    after update on task_processing_results
    referencing old table as old_rows new table as new_rows
    for each statement execute function count_changed_task_processing_results();
create trigger user_processing_results_counted
    after insert on user_processing_results
    referencing new table as new_rows
    for each statement execute function count_new_user_processing_results();
create trigger user_processing_results_recounted
    after update on user_processing_results
    referencing old table as old_rows new table as new_rows
    for each statement execute function count_changed_user_processing_results();

-- What is stored already, counted once.
insert into result_counters
    (tenant_id, workflow_id, parent_id, stripe, total_users, successful_users, failed_users)
select tenant_id, workflow_id, run_id, 0, count(*),
       sum(counts_as_successful_user(processing_status)),
       sum(counts_as_failed_user(processing_status))
from user_processing_results
group by tenant_id, workflow_id, run_id;

insert into result_counters as c
    (tenant_id, workflow_id, parent_id, stripe, total_tasks, failed_tasks, unprocessed_tasks)
select tenant_id, workflow_id, parent.id, 0, count(*),
       sum(counts_as_failed_task(processing_status)),
       sum(counts_as_unprocessed_task(processing_status))
from task_processing_results
cross join lateral (values (run_id), (user_processing_result_id)) parent (id)
group by 1, 2, 3
on conflict (tenant_id, workflow_id, parent_id, stripe) do update
set total_tasks = excluded.total_tasks,
    failed_tasks = excluded.failed_tasks,
    unprocessed_tasks = excluded.unprocessed_tasks;
