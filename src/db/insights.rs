//! The insights: counts over the runs of a tenant's live workflows scheduled in
//! `[start, end)`, with their users and task results. Every table is read with
//! the tenant as a value, so that Citus sends each statement whole to the
//! tenant's shard. Users come from the runs' counters; tasks are counted from
//! the results, as the counters keep no successful tasks.

use crate::domain::enums::WorkflowCategory;
use crate::domain::insights::{
    ProcessedByCategory, ProcessedSummary, TaskDefinitionProcessed, WorkflowProcessed,
};
use crate::tenant::Tenant;
use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

/// Runs, users and tasks in total.
pub async fn processed_summary(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<ProcessedSummary, sqlx::Error> {
    sqlx::query_as!(
        ProcessedSummary,
        r#"with scheduled as (
               select r.workflow_id, r.id, r.processing_status
               from runs r
               join workflows w on w.tenant_id = $1 and w.id = r.workflow_id
               where r.tenant_id = $1 and w.deleted_date_time is null
                 and r.scheduled_date_time >= $2 and r.scheduled_date_time < $3
           ), users as (
               select coalesce(sum(c.total_users), 0)::bigint as total,
                      coalesce(sum(c.successful_users), 0)::bigint as successful,
                      coalesce(sum(c.failed_users), 0)::bigint as failed
               from scheduled s
               join result_counters c
                 on c.tenant_id = $1 and c.workflow_id = s.workflow_id and c.parent_id = s.id
           ), tasks as (
               select count(*) as total,
                      count(*) filter (where t.processing_status = 'completed') as successful,
                      coalesce(sum(counts_as_failed_task(t.processing_status)), 0)::bigint as failed
               from scheduled s
               join task_processing_results t
                 on t.tenant_id = $1 and t.workflow_id = s.workflow_id and t.run_id = s.id
           )
           select (select count(*) from scheduled) as "total_runs!",
                  (select coalesce(sum(counts_as_successful_user(processing_status)), 0)::bigint
                   from scheduled) as "successful_runs!",
                  (select coalesce(sum(counts_as_failed_user(processing_status)), 0)::bigint
                   from scheduled) as "failed_runs!",
                  users.total as "total_users!", users.successful as "successful_users!",
                  users.failed as "failed_users!",
                  tasks.total as "total_tasks!", tasks.successful as "successful_tasks!",
                  tasks.failed as "failed_tasks!"
           from users cross join tasks"#,
        tenant.id(),
        start,
        end,
    )
    .fetch_one(executor)
    .await
}

/// Runs by the category of their workflow.
pub async fn processed_by_category(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<ProcessedByCategory, sqlx::Error> {
    sqlx::query_as!(
        ProcessedByCategory,
        r#"select
               count(*) filter (where w.category = 'joiner') as "total_joiner_runs!",
               count(*) filter (where w.category = 'joiner' and counts_as_successful_user(r.processing_status) = 1)
                   as "successful_joiner_runs!",
               count(*) filter (where w.category = 'joiner' and counts_as_failed_user(r.processing_status) = 1)
                   as "failed_joiner_runs!",
               count(*) filter (where w.category = 'leaver') as "total_leaver_runs!",
               count(*) filter (where w.category = 'leaver' and counts_as_successful_user(r.processing_status) = 1)
                   as "successful_leaver_runs!",
               count(*) filter (where w.category = 'leaver' and counts_as_failed_user(r.processing_status) = 1)
                   as "failed_leaver_runs!",
               count(*) filter (where w.category = 'mover') as "total_mover_runs!",
               count(*) filter (where w.category = 'mover' and counts_as_successful_user(r.processing_status) = 1)
                   as "successful_mover_runs!",
               count(*) filter (where w.category = 'mover' and counts_as_failed_user(r.processing_status) = 1)
                   as "failed_mover_runs!"
           from runs r
           join workflows w on w.tenant_id = $1 and w.id = r.workflow_id
           where r.tenant_id = $1 and w.deleted_date_time is null
             and r.scheduled_date_time >= $2 and r.scheduled_date_time < $3"#,
        tenant.id(),
        start,
        end,
    )
    .fetch_one(executor)
    .await
}

/// Each workflow with runs in the window, most runs first.
pub async fn workflows_processed(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<WorkflowProcessed>, sqlx::Error> {
    sqlx::query_as!(
        WorkflowProcessed,
        r#"with scheduled as (
               select r.workflow_id, r.id, r.processing_status
               from runs r
               where r.tenant_id = $1
                 and r.scheduled_date_time >= $2 and r.scheduled_date_time < $3
           ), per_workflow as (
               select s.workflow_id, count(*) as total,
                      sum(counts_as_successful_user(s.processing_status))::bigint as successful,
                      sum(counts_as_failed_user(s.processing_status))::bigint as failed
               from scheduled s
               group by s.workflow_id
           ), users as (
               select s.workflow_id, sum(c.total_users)::bigint as total,
                      sum(c.successful_users)::bigint as successful,
                      sum(c.failed_users)::bigint as failed
               from scheduled s
               join result_counters c
                 on c.tenant_id = $1 and c.workflow_id = s.workflow_id and c.parent_id = s.id
               group by s.workflow_id
           )
           select w.id as workflow_id, w.display_name as workflow_display_name,
                  w.category as "workflow_category: WorkflowCategory",
                  w.version as workflow_version,
                  p.total as "total_runs!", p.successful as "successful_runs!",
                  p.failed as "failed_runs!",
                  coalesce(u.total, 0) as "total_users!",
                  coalesce(u.successful, 0) as "successful_users!",
                  coalesce(u.failed, 0) as "failed_users!"
           from per_workflow p
           join workflows w on w.tenant_id = $1 and w.id = p.workflow_id
           left join users u on u.workflow_id = p.workflow_id
           where w.deleted_date_time is null
           order by p.total desc, w.id"#,
        tenant.id(),
        start,
        end,
    )
    .fetch_all(executor)
    .await
}

/// Each task definition whose tasks have results in the window, most results
/// first. The results are first counted per definition and user, so that each
/// user count is a count of rows rather than of distinct values.
pub async fn task_definitions_processed(
    executor: impl PgExecutor<'_>,
    tenant: Tenant,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<TaskDefinitionProcessed>, sqlx::Error> {
    sqlx::query_as!(
        TaskDefinitionProcessed,
        r#"with per_user as (
               select k.task_definition_id, t.user_processing_result_id, count(*) as total,
                      count(*) filter (where t.processing_status = 'completed') as successful,
                      count(*) filter (where counts_as_failed_task(t.processing_status) = 1)
                          as failed
               from runs r
               join workflows w on w.tenant_id = $1 and w.id = r.workflow_id
               join task_processing_results t
                 on t.tenant_id = $1 and t.workflow_id = r.workflow_id and t.run_id = r.id
               join tasks k on k.tenant_id = $1 and k.workflow_id = t.workflow_id and k.id = t.task_id
               where r.tenant_id = $1 and w.deleted_date_time is null
                 and r.scheduled_date_time >= $2 and r.scheduled_date_time < $3
               group by k.task_definition_id, t.user_processing_result_id
           )
           select d.published_id as task_definition_id,
                  d.display_name as task_definition_display_name,
                  sum(p.total)::bigint as "total_tasks!",
                  sum(p.successful)::bigint as "successful_tasks!",
                  sum(p.failed)::bigint as "failed_tasks!",
                  count(*) as "total_users!",
                  count(*) filter (where p.successful > 0) as "successful_users!",
                  count(*) filter (where p.failed > 0) as "failed_users!"
           from per_user p
           join task_definitions d on d.id = p.task_definition_id
           group by d.id
           order by "total_tasks!" desc, d.id"#,
        tenant.id(),
        start,
        end,
    )
    .fetch_all(executor)
    .await
}
