-- Task reports: one per run and task that has results, derived from the results
-- whenever it is read, never stored. A report's id is made from its run's and
-- its task's, so it is the same on every read and can be addressed.

create function task_report_id(run_id uuid, task_id uuid) returns uuid
language sql immutable parallel safe
as $$ select md5(run_id::text || '/' || task_id::text)::uuid $$;

-- A report's users are the userProcessingResults with a result of the task in
-- the run, counted by the status of those results (a user with two results
-- counts in each of their statuses' counts). Unprocessed is queued, in progress
-- or canceled (and canceling or quarantined). The report's status: in progress
-- while any result is (or is canceling, or some are done and some queued),
-- queued while all are; otherwise canceled when all were, failed when every
-- finished result failed, completed with errors when some did, and completed.
create view task_reports as
select t.tenant_id, t.workflow_id, t.run_id, t.task_id,
       task_report_id(t.run_id, t.task_id) as id,
       count(distinct t.user_processing_result_id) as total_users,
       count(distinct t.user_processing_result_id)
           filter (where t.processing_status = 'completed') as successful_users,
       count(distinct t.user_processing_result_id)
           filter (where t.processing_status in ('failed', 'completedWithErrors')) as failed_users,
       count(distinct t.user_processing_result_id)
           filter (where t.processing_status in
                   ('queued', 'inProgress', 'canceled', 'canceling', 'quarantined'))
           as unprocessed_users,
       case
           when bool_or(t.processing_status in ('inProgress', 'canceling')) then 'inProgress'
           when bool_and(t.processing_status in ('queued', 'quarantined')) then 'queued'
           when bool_or(t.processing_status in ('queued', 'quarantined')) then 'inProgress'
           when bool_and(t.processing_status = 'canceled') then 'canceled'
           when bool_and(t.processing_status in ('failed', 'canceled')) then 'failed'
           when bool_or(t.processing_status in ('failed', 'completedWithErrors'))
               then 'completedWithErrors'
           else 'completed'
       end as processing_status,
       min(t.started_date_time) as started_date_time,
       case when bool_and(t.processing_status not in
                          ('queued', 'inProgress', 'canceling', 'quarantined'))
            then max(t.completed_date_time) end as completed_date_time,
       greatest(max(t.created_date_time), max(t.started_date_time), max(t.completed_date_time))
           as last_updated_date_time
from task_processing_results t
group by t.tenant_id, t.workflow_id, t.run_id, t.task_id;
