-- The lean ceiling's schema: the same taskProcessingResults with their primary
-- key and their two foreign keys and nothing else (no secondary index, no
-- check, no counter), under parents reduced to their keys, filled with what the
-- service's tables hold. bench_chains() writes its chains here too.

drop schema if exists lean cascade;
create schema lean;

create table lean.workflows (
    tenant_id uuid not null,
    id uuid not null,
    deleted_date_time timestamptz,
    primary key (tenant_id, id)
);
create table lean.tasks (
    tenant_id uuid not null,
    workflow_id uuid not null,
    id uuid not null,
    primary key (tenant_id, workflow_id, id)
);
create table lean.user_processing_results (
    tenant_id uuid not null,
    workflow_id uuid not null,
    run_id uuid not null,
    id uuid not null,
    primary key (tenant_id, workflow_id, run_id, id)
);
create table lean.task_processing_results (
    tenant_id uuid not null,
    workflow_id uuid not null,
    run_id uuid not null,
    user_processing_result_id uuid not null,
    id uuid not null,
    task_id uuid not null,
    subject_id uuid not null,
    created_date_time timestamptz not null,
    processing_status text not null,
    started_date_time timestamptz,
    completed_date_time timestamptz,
    failure_reason text,
    processing_info text,
    primary key (tenant_id, workflow_id, run_id, user_processing_result_id, id),
    foreign key (tenant_id, workflow_id, run_id, user_processing_result_id)
        references lean.user_processing_results (tenant_id, workflow_id, run_id, id),
    foreign key (tenant_id, workflow_id, task_id) references lean.tasks (tenant_id, workflow_id, id)
);

insert into lean.workflows select tenant_id, id, deleted_date_time from public.workflows;
insert into lean.tasks select tenant_id, workflow_id, id from public.tasks;
insert into lean.user_processing_results
select tenant_id, workflow_id, run_id, id from public.user_processing_results;
insert into lean.task_processing_results
select tenant_id, workflow_id, run_id, user_processing_result_id, id, task_id, subject_id,
       created_date_time, processing_status, started_date_time, completed_date_time,
       failure_reason, processing_info
from public.task_processing_results;

-- A new chain, in both schemas.
create or replace procedure bench_new_chain(tenant uuid, n bigint)
language sql
as $$
call bench_chains(tenant, n, n);
insert into lean.workflows select tenant_id, id, deleted_date_time from public.workflows
where tenant_id = tenant and id = bench_id(1, n);
insert into lean.tasks select tenant_id, workflow_id, id from public.tasks
where tenant_id = tenant and workflow_id = bench_id(1, n);
insert into lean.user_processing_results select tenant_id, workflow_id, run_id, id
from public.user_processing_results where tenant_id = tenant and id = bench_id(4, n);
insert into lean.task_processing_results
select tenant_id, workflow_id, run_id, user_processing_result_id, id, task_id, subject_id,
       created_date_time, processing_status, started_date_time, completed_date_time,
       failure_reason, processing_info
from public.task_processing_results where tenant_id = tenant and id = bench_id(5, n);
$$;
