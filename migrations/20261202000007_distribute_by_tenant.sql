-- On a Citus coordinator, every tenant table is distributed by tenant_id,
-- colocated with workflows, so that each request's rows sit on one node and its
-- statements run there whole. Without the citus extension this migration does
-- nothing, and the database stays a single PostgreSQL.

-- Distributes a tenant table (colocated with workflows), or does nothing without
-- Citus; migrations that add tenant tables call it too.
create function distribute_by_tenant(name text) returns void
language plpgsql
as $$
begin
    if not exists (select 1 from pg_extension where extname = 'citus') then
        return;
    end if;
    if name = 'workflows' then
        perform create_distributed_table(name, 'tenant_id');
    else
        perform create_distributed_table(name, 'tenant_id', colocate_with => 'workflows');
    end if;
end
$$;

-- Row triggers that keep the counters on Citus. Its shards cannot give the
-- statement triggers of the single-node schema their transition tables (a
-- query on a shard cannot read them), so on Citus each row adds to the counters
-- of its parents itself. The counters live on the same node as the row
-- (colocated by tenant), so the upsert joins the row's transaction there.
create function count_task_processing_result() returns trigger
language plpgsql
as $$
begin
    insert into result_counters as c
        (tenant_id, workflow_id, parent_id, stripe, total_tasks, failed_tasks, unprocessed_tasks)
    select new.tenant_id, new.workflow_id, parent.id, result_counter_stripe(new.id),
           (tg_op = 'INSERT')::int,
           counts_as_failed_task(new.processing_status)
               - coalesce(counts_as_failed_task(old_status.value), 0),
           counts_as_unprocessed_task(new.processing_status)
               - coalesce(counts_as_unprocessed_task(old_status.value), 0)
    from (values (new.run_id), (new.user_processing_result_id)) parent (id)
    cross join (select case when tg_op = 'UPDATE' then old.processing_status end) old_status (value)
    order by parent.id
    on conflict (tenant_id, workflow_id, parent_id, stripe) do update
    set total_tasks = c.total_tasks + excluded.total_tasks,
        failed_tasks = c.failed_tasks + excluded.failed_tasks,
        unprocessed_tasks = c.unprocessed_tasks + excluded.unprocessed_tasks;
    return null;
end
$$;

create function count_user_processing_result() returns trigger
language plpgsql
as $$
begin
    insert into result_counters as c
        (tenant_id, workflow_id, parent_id, stripe, total_users, successful_users, failed_users)
    select new.tenant_id, new.workflow_id, new.run_id, result_counter_stripe(new.id),
           (tg_op = 'INSERT')::int,
           counts_as_successful_user(new.processing_status)
               - coalesce(counts_as_successful_user(old_status.value), 0),
           counts_as_failed_user(new.processing_status)
               - coalesce(counts_as_failed_user(old_status.value), 0)
    from (select case when tg_op = 'UPDATE' then old.processing_status end) old_status (value)
    on conflict (tenant_id, workflow_id, parent_id, stripe) do update
    set total_users = c.total_users + excluded.total_users,
        successful_users = c.successful_users + excluded.successful_users,
        failed_users = c.failed_users + excluded.failed_users;
    return null;
end
$$;

do $$
begin
    if not exists (select 1 from pg_extension where extname = 'citus') then
        return;
    end if;
    -- Citus distributes no table with triggers: the statement triggers go, and
    -- the row triggers come after.
    drop trigger task_processing_results_counted on task_processing_results;
    drop trigger task_processing_results_recounted on task_processing_results;
    drop trigger user_processing_results_counted on user_processing_results;
    drop trigger user_processing_results_recounted on user_processing_results;
    perform distribute_by_tenant(name)
    from unnest(array['workflows', 'tasks', 'runs', 'user_processing_results',
                      'task_processing_results', 'result_counters', 'idempotency_keys']) name;
    -- Triggers on distributed tables run on the shards; Citus calls them unsafe
    -- because they could reach other nodes. These reach only the counters of
    -- their own tenant, which are colocated with the row.
    set local citus.enable_unsafe_triggers = on;
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
end
$$;
