-- pgbench: the statement the service runs for the seed create
-- (src/db/task_processing_results.rs, create_for_same_task), with the same
-- parameters, under a random chain of 1..:origins. The service makes the new id in
-- Rust; here the schema's uuid_v7() does.
\set n random(1, :origins)
insert into task_processing_results
       (tenant_id, workflow_id, run_id, user_processing_result_id, id, task_id, subject_id,
        created_date_time, processing_status, started_date_time, completed_date_time,
        failure_reason, processing_info)
select p.tenant_id, p.workflow_id, p.run_id, p.user_processing_result_id, uuid_v7(), p.task_id,
       p.subject_id, :created::timestamptz, :status, :started::timestamptz,
       :completed::timestamptz, null, null
from task_processing_results p
join workflows w on w.tenant_id = p.tenant_id and w.id = p.workflow_id
where p.tenant_id = :tenant::uuid and p.workflow_id = bench_id(1, :n) and p.run_id = bench_id(3, :n)
  and p.user_processing_result_id = bench_id(4, :n) and p.id = bench_id(5, :n)
  and (w.deleted_date_time is not null) = true
returning workflow_id, run_id, user_processing_result_id, id, task_id, subject_id,
          created_date_time, processing_status, started_date_time, completed_date_time,
          failure_reason, processing_info;
