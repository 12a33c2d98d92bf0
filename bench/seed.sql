-- The data the benchmark needs, in the tenant of its token (psql variables
-- :tenant, :origins, :deep).
--
-- Chain 0's userProcessingResult holds :deep results (list pages, counters of a
-- big parent); chain :origins + 1 holds one (counters of a small parent). Then
-- the statistics are taken, and only then chains 1..:origins appear: the parents
-- of the spread creates, which the planner's statistics have never seen, as in a
-- real run. The new-parent scenario makes each of its chains with bench_chain()
-- right before its load. The workflows are deleted, so the creates take the
-- operation's documented form (deletedItems).
--
-- Ids are derived from (kind, n) with n in decimal digits, so that wrk, pgbench
-- and PostGraphile's client can address any chain without reading it first, and
-- pgbench can spell one as a prefix and a number.

create or replace function bench_id(kind int, n bigint) returns uuid
language sql immutable parallel safe
as $$ select (lpad(to_hex(kind), 8, '0') || '-0000-7000-8000-' || (100000000000 + n))::uuid $$;

-- Chains first..last: workflow (1) → task (2) → run (3) → userProcessingResult
-- (4, for subject 9) → taskProcessingResult (5).
-- (PL/pgSQL rather than SQL: Citus cannot plan a SQL procedure's statements
-- with parameters.)
create or replace procedure bench_chains(tenant uuid, first bigint, last bigint)
language plpgsql
as $$
begin
insert into workflows (tenant_id, id, category, display_name, is_enabled,
                       execution_conditions, deleted_date_time)
select tenant, bench_id(1, n), 'leaver', 'Benchmark workflow ' || n, true,
       '{"@odata.type": "#microsoft.graph.identityGovernance.onDemandExecutionOnly"}',
       now()
from generate_series(first, last) n;

insert into tasks (tenant_id, workflow_id, id, execution_sequence, display_name,
                   task_definition_id, category)
select tenant, bench_id(1, n), bench_id(2, n), 1, 'Remove all licenses',
       '8fa97d28-3e52-4985-b3a9-a1126f9b8b4e', 'leaver'
from generate_series(first, last) n;

insert into runs (tenant_id, workflow_id, id, processing_status, workflow_execution_type,
                  scheduled_date_time)
select tenant, bench_id(1, n), bench_id(3, n), 'inProgress', 'onDemand', now()
from generate_series(first, last) n;

insert into user_processing_results (tenant_id, workflow_id, run_id, id, subject_id,
                                     processing_status, workflow_execution_type,
                                     scheduled_date_time, workflow_version)
select tenant, bench_id(1, n), bench_id(3, n), bench_id(4, n), bench_id(9, n),
       'inProgress', 'onDemand', now(), 1
from generate_series(first, last) n;

insert into task_processing_results (tenant_id, workflow_id, run_id, user_processing_result_id,
                                     id, task_id, subject_id, created_date_time,
                                     processing_status)
select tenant, bench_id(1, n), bench_id(3, n), bench_id(4, n), bench_id(5, n),
       bench_id(2, n), bench_id(9, n), now(), 'failed'
from generate_series(first, last) n;
end
$$;

call bench_chains(:'tenant', 0, 0);
call bench_chains(:'tenant', :origins + 1, :origins + 1);
insert into task_processing_results (tenant_id, workflow_id, run_id, user_processing_result_id,
                                     id, task_id, subject_id, created_date_time,
                                     processing_status)
select :'tenant', bench_id(1, 0), bench_id(3, 0), bench_id(4, 0), bench_id(6, i),
       bench_id(2, 0), bench_id(9, 0), now(), 'completed'
from generate_series(1, :deep) i;

vacuum analyze;

call bench_chains(:'tenant', 1, :origins);
