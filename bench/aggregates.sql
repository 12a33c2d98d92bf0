-- The data of bench/aggregates, in the tenant :tenant: 10 live leaver workflows
-- of 25 tasks, each with a run a day for 40 days (from 2026-10-01), 100 users a
-- run and a result per task and user: 1,000,000 taskProcessingResults. Most
-- results completed, one in 20 failed, the last day's still queued.

insert into workflows (tenant_id, id, category, display_name, is_enabled, execution_conditions)
select :'tenant', uuid_v7(), 'leaver', 'Aggregated workflow ' || n, true,
       '{"@odata.type": "#microsoft.graph.identityGovernance.onDemandExecutionOnly"}'
from generate_series(1, 10) n;

insert into tasks (tenant_id, workflow_id, id, execution_sequence, display_name,
                   task_definition_id, category)
select w.tenant_id, w.id, uuid_v7(), s, 'Task ' || s, d.id, 'leaver'
from workflows w
cross join generate_series(1, 25) s
join lateral (select id from task_definitions
              where category like '%leaver%' and cardinality(required_parameters) = 0
              order by id offset (s % 8) limit 1) d on true
where w.tenant_id = :'tenant';

insert into runs (tenant_id, workflow_id, id, processing_status, workflow_execution_type,
                  scheduled_date_time, started_date_time, completed_date_time)
select w.tenant_id, w.id, uuid_v7(),
       case when day = 39 then 'inProgress' when day % 10 = 3 then 'completedWithErrors'
            else 'completed' end,
       'scheduled', at, at, case when day < 39 then at + interval '1 hour' end
from workflows w
cross join generate_series(0, 39) day
cross join lateral (select timestamptz '2026-10-01 06:00:00+00' + day * interval '1 day') t (at)
where w.tenant_id = :'tenant';

insert into user_processing_results (tenant_id, workflow_id, run_id, id, subject_id,
                                     processing_status, workflow_execution_type,
                                     scheduled_date_time, workflow_version)
select r.tenant_id, r.workflow_id, r.id, uuid_v7(), gen_random_uuid(),
       case when r.processing_status = 'inProgress' then 'queued'
            when u % 20 = 0 then 'failed' else 'completed' end,
       'scheduled', r.scheduled_date_time, 1
from runs r
cross join generate_series(1, 100) u
where r.tenant_id = :'tenant';

insert into task_processing_results (tenant_id, workflow_id, run_id, user_processing_result_id,
                                     id, task_id, subject_id, created_date_time,
                                     processing_status)
select u.tenant_id, u.workflow_id, u.run_id, u.id, uuid_v7(), k.id, u.subject_id,
       u.scheduled_date_time,
       case when u.processing_status = 'queued' then 'queued'
            when u.processing_status = 'failed' and k.execution_sequence = 25 then 'failed'
            else 'completed' end
from user_processing_results u
join tasks k on k.tenant_id = u.tenant_id and k.workflow_id = u.workflow_id
where u.tenant_id = :'tenant';

vacuum analyze;
