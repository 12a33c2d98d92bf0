-- The data the benchmark needs, in the tenant of its token (psql variables
-- :tenant, :origins, :deep).
--
-- Chains 1..:origins (workflow → task → run → userProcessingResult →
-- taskProcessingResult) are the parents of the creates; chain 0's
-- userProcessingResult holds :deep results, for the list pages. The workflows are
-- deleted, so the creates take the operation's documented form (deletedItems).
-- Ids are derived from (kind, n), so wrk and pgbench can address any chain
-- without reading it first.

create or replace function bench_id(kind int, n bigint) returns uuid
language sql immutable parallel safe
as $$ select (lpad(to_hex(kind), 8, '0') || '-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid $$;

insert into workflows (tenant_id, id, category, display_name, is_enabled,
                       execution_conditions, deleted_date_time)
select :'tenant', bench_id(1, n), 'leaver', 'Benchmark workflow ' || n, true,
       '{"@odata.type": "#microsoft.graph.identityGovernance.onDemandExecutionOnly"}',
       now()
from generate_series(0, :origins) n;

insert into tasks (tenant_id, workflow_id, id, execution_sequence, display_name,
                   task_definition_id, category)
select :'tenant', bench_id(1, n), bench_id(2, n), 1, 'Remove all licenses',
       '8fa97d28-3e52-4985-b3a9-a1126f9b8b4e', 'leaver'
from generate_series(0, :origins) n;

insert into runs (tenant_id, workflow_id, id, processing_status, workflow_execution_type,
                  scheduled_date_time)
select :'tenant', bench_id(1, n), bench_id(3, n), 'inProgress', 'onDemand', now()
from generate_series(0, :origins) n;

insert into user_processing_results (tenant_id, workflow_id, run_id, id, subject_id,
                                     processing_status, workflow_execution_type,
                                     scheduled_date_time, workflow_version)
select :'tenant', bench_id(1, n), bench_id(3, n), bench_id(4, n), bench_id(9, n),
       'inProgress', 'onDemand', now(), 1
from generate_series(0, :origins) n;

insert into task_processing_results (tenant_id, workflow_id, run_id, user_processing_result_id,
                                     id, task_id, subject_id, created_date_time,
                                     processing_status)
select :'tenant', bench_id(1, n), bench_id(3, n), bench_id(4, n), bench_id(5, n),
       bench_id(2, n), bench_id(9, n), now(), 'failed'
from generate_series(0, :origins) n;

insert into task_processing_results (tenant_id, workflow_id, run_id, user_processing_result_id,
                                     id, task_id, subject_id, created_date_time,
                                     processing_status)
select :'tenant', bench_id(1, 0), bench_id(3, 0), bench_id(4, 0), bench_id(6, i),
       bench_id(2, 0), bench_id(9, 0), now(), 'completed'
from generate_series(1, :deep) i;

vacuum analyze;
