-- The lean ceiling's statement: the seed create as a minimal schema would write
-- it, finding the origin by its primary key, with the service's parameters
-- ($1 tenant, $2-$5 the origin's workflow, run, userProcessingResult and id, $6
-- the new id, $7-$12 the result's properties, $13 the deleted tree).
insert into lean.task_processing_results
       (tenant_id, workflow_id, run_id, user_processing_result_id, id, task_id, subject_id,
        created_date_time, processing_status, started_date_time, completed_date_time,
        failure_reason, processing_info)
select p.tenant_id, p.workflow_id, p.run_id, p.user_processing_result_id, $6, p.task_id,
       p.subject_id, $7, $8, $9, $10, $11, $12
from lean.task_processing_results p
join lean.workflows w on w.tenant_id = p.tenant_id and w.id = p.workflow_id
where p.tenant_id = $1 and p.workflow_id = $2 and p.run_id = $3
  and p.user_processing_result_id = $4 and p.id = $5
  and (w.deleted_date_time is not null) = $13
returning workflow_id, run_id, user_processing_result_id, id, task_id, subject_id,
          created_date_time, processing_status, started_date_time, completed_date_time,
          failure_reason, processing_info
