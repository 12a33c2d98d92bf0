-- Foreign-key checks look a parent up by its whole key with a generic plan,
-- which estimates `tenant_id = $1` from the column's statistics. Taken while a
-- table was nearly empty, they make every tenant look a row or two big, so
-- every index that leads with tenant_id looks as good as the key, and the
-- planner may pick one that reads all of the tenant's rows for each check: a
-- scheduled run of 10,000 users (50,000 task results, each checking its
-- userProcessingResult) took 87 s instead of 2.4 s (docs/QUERY-PLANS.md). A
-- fixed estimate of a hundred tenants makes a tenant look a hundredth of the
-- table, whatever ANALYZE saw, and the key the one cheap way to find a parent.
-- ANALYZE applies it (autovacuum's or a manual one).
--
-- Citus accepts no such setting on a distributed table; there each shard holds
-- a few tenants' rows and is planned on its own, so it is left alone there.
do $$
declare
    name text;
begin
    if exists (select 1 from pg_extension where extname = 'citus') then
        return;
    end if;
    foreach name in array array['workflows', 'tasks', 'runs', 'user_processing_results',
                                'task_processing_results', 'users', 'groups', 'engine_queue'] loop
        execute format('alter table %I alter column tenant_id set (n_distinct = 100)', name);
    end loop;
end
$$;
