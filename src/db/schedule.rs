//! The scheduler's statements: which workflows are due, whom a workflow's trigger
//! and scope pick at a moment, and the record of whom each version was run for.

use super::transaction::WriteConnection;
use super::users::USER_FIELDS;
use crate::domain::validation::ValidationError;
use crate::domain::workflow::{
    ExecutionConditions, ExecutionTrigger, MembershipChangeType, SubjectSet, TimeBasedAttribute,
};
use crate::odata::{self, Condition};
use crate::tenant::Tenant;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

/// How far back a pass looks: users whose trigger date fell this many days ago
/// (or a change this long ago) are caught up.
pub const CATCH_UP_DAYS: i64 = 3;

/// A scope rule checked against the users' properties (those a list of users
/// filters on, over the same `users u`); a 400 names its position.
pub fn scope_rule(rule: &str) -> Result<Condition, ValidationError> {
    let refused = |problem: String| ValidationError::new("executionConditions.scope.rule", problem);
    // Refused before parsing, as everywhere (PostgreSQL's text cannot hold it).
    if rule.contains('\0') {
        return Err(refused("cannot contain U+0000".to_owned()));
    }
    odata::check_rule(rule, USER_FIELDS).map_err(refused)
}

/// Checks the scope rule of `conditions`, if they have one.
pub fn check_scope(conditions: &ExecutionConditions) -> Result<(), ValidationError> {
    match conditions.triggered().map(|triggered| &triggered.scope) {
        Some(SubjectSet::RuleBased(scope)) => scope_rule(&scope.rule).map(drop),
        _ => Ok(()),
    }
}

/// A workflow the scheduler evaluates.
pub struct DueWorkflow {
    pub tenant: Tenant,
    pub id: Uuid,
    pub display_name: String,
    pub version: i32,
    pub execution_conditions: ExecutionConditions,
    /// The tenant's workflowScheduleIntervalInHours.
    pub interval_in_hours: i32,
}

/// Locks a live, enabled, scheduling-enabled workflow for a pass, unless another
/// pass holds it; with `due_at`, only if its next scheduled time has come.
pub async fn lock_due(
    connection: &mut PgConnection,
    tenant: Tenant,
    id: Uuid,
    due_at: Option<DateTime<Utc>>,
) -> Result<Option<DueWorkflow>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select w.id, w.display_name, w.version,
                  w.execution_conditions as "execution_conditions: Json<ExecutionConditions>",
                  coalesce((select s.workflow_schedule_interval_in_hours from lifecycle_settings s
                            where s.tenant_id = $1), 3) as "interval_in_hours!"
           from workflows w
           where w.tenant_id = $1 and w.id = $2 and w.deleted_date_time is null
             and w.is_enabled and w.is_scheduling_enabled
             and ($3::timestamptz is null or w.next_schedule_run_date_time is null
                  or w.next_schedule_run_date_time <= $3)
           for update of w skip locked"#,
        tenant.id(),
        id,
        due_at,
    )
    .fetch_optional(connection)
    .await?;
    Ok(row.map(|row| DueWorkflow {
        tenant,
        id: row.id,
        display_name: row.display_name,
        version: row.version,
        execution_conditions: row.execution_conditions.0,
        interval_in_hours: row.interval_in_hours,
    }))
}

/// The scheduling-enabled live workflows of every tenant (`due_at`: only those
/// whose next scheduled time has come), in a stable order.
pub async fn candidates(
    executor: impl PgExecutor<'_>,
    due_at: Option<DateTime<Utc>>,
) -> Result<Vec<(Tenant, Uuid)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select tenant_id, id from workflows
           where deleted_date_time is null and is_enabled and is_scheduling_enabled
             and ($1::timestamptz is null or next_schedule_run_date_time is null
                  or next_schedule_run_date_time <= $1)
           order by tenant_id, id"#,
        due_at,
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (Tenant::new(row.tenant_id), row.id))
        .collect())
}

/// A user a workflow's trigger picked, and why.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pick {
    pub subject_id: Uuid,
    pub user_principal_name: String,
    pub trigger_date_time: DateTime<Utc>,
    pub reason: String,
}

/// The users `workflow`'s trigger and scope pick at `at` that its current
/// version has not been run for at the same trigger date. Time-based triggers
/// fire on a day (UTC): the attribute's day plus the offset, caught up for
/// [`CATCH_UP_DAYS`]; change triggers fire at the latest matching change in
/// that window.
pub async fn picks(
    connection: &mut PgConnection,
    workflow: &DueWorkflow,
    at: DateTime<Utc>,
) -> Result<Vec<Pick>, sqlx::Error> {
    let Some(conditions) = workflow.execution_conditions.triggered() else {
        return Ok(Vec::new());
    };
    let tenant = workflow.tenant.id();
    let today = at.date_naive();
    // The candidates are wrapped, so that the check of earlier picks reads their
    // trigger date by name.
    let mut query = QueryBuilder::<Postgres>::new("select * from (");
    match &conditions.trigger {
        ExecutionTrigger::TimeBasedAttribute(trigger) => {
            let column = match trigger.time_based_attribute {
                TimeBasedAttribute::EmployeeHireDate => "employee_hire_date",
                TimeBasedAttribute::EmployeeLeaveDateTime => "employee_leave_date_time",
                TimeBasedAttribute::CreatedDateTime => "created_date_time",
            };
            let offset = Duration::days(i64::from(trigger.offset_in_days));
            let midnight = |day: chrono::NaiveDate| day.and_time(NaiveTime::MIN).and_utc();
            // The attribute's day is in [today - catch-up - offset, today - offset].
            let from = midnight(today) - Duration::days(CATCH_UP_DAYS) - offset;
            let until = midnight(today) + Duration::days(1) - offset;
            query
                .push(format_args!(
                    "select u.id as subject_id, u.user_principal_name, \
                     date_bin('1 day', u.{column}, timestamptz '2000-01-01 00:00:00+00') + "
                ))
                .push_bind(offset)
                .push(format_args!(
                    " as trigger_date_time, '{} ' || to_char(u.{column} at time zone 'UTC', 'YYYY-MM-DD') || ' {:+} days' as reason \
                     from users u where u.tenant_id = ",
                    trigger_attribute_name(trigger.time_based_attribute),
                    trigger.offset_in_days
                ))
                .push_bind(tenant)
                .push(format_args!(" and u.{column} >= "))
                .push_bind(from)
                .push(format_args!(" and u.{column} < "))
                .push_bind(until);
        }
        ExecutionTrigger::AttributeChange(trigger) => {
            let names: Vec<String> = trigger
                .trigger_attributes
                .iter()
                .map(|attribute| attribute.name.clone())
                .collect();
            query
                .push(
                    "select u.id as subject_id, u.user_principal_name, \
                     c.changed_date_time as trigger_date_time, \
                     'changed ' || c.attributes as reason \
                     from (select user_id, max(changed_date_time) as changed_date_time, \
                                  string_agg(distinct attribute, ', ') as attributes \
                           from directory_changes where tenant_id = ",
                )
                .push_bind(tenant)
                .push(" and kind = 'attribute' and attribute = any(")
                .push_bind(names);
            push_change_window(&mut query, at);
            query
                .push(" group by user_id) c join users u on u.tenant_id = ")
                .push_bind(tenant)
                .push(" and u.id = c.user_id where true");
        }
        ExecutionTrigger::MembershipChange(trigger) => {
            let kind = match trigger.change_type {
                MembershipChangeType::Add => "memberAdded",
                MembershipChangeType::Remove => "memberRemoved",
            };
            query
                .push(
                    "select u.id as subject_id, u.user_principal_name, \
                     c.changed_date_time as trigger_date_time, \
                     c.kind || ' ' || c.group_id as reason \
                     from (select distinct on (user_id) user_id, changed_date_time, kind, group_id \
                           from directory_changes where tenant_id = ",
                )
                .push_bind(tenant)
                .push(" and kind = ")
                .push_bind(kind)
                .push(" and group_id = any(")
                .push_bind(scope_groups(&conditions.scope));
            push_change_window(&mut query, at);
            query
                .push(" order by user_id, changed_date_time desc) c join users u on u.tenant_id = ")
                .push_bind(tenant)
                .push(" and u.id = c.user_id where true");
        }
        // Refused when the workflow is created (domain::workflow).
        ExecutionTrigger::UserInactivity(_) => return Ok(Vec::new()),
    }
    if !matches!(conditions.trigger, ExecutionTrigger::MembershipChange(_)) {
        push_scope(&mut query, tenant, &conditions.scope);
    }
    query
        .push(
            ") picked where not exists (select 1 from scheduled_subjects s \
             where s.tenant_id = ",
        )
        .push_bind(tenant)
        .push(" and s.workflow_id = ")
        .push_bind(workflow.id)
        .push(" and s.workflow_version = ")
        .push_bind(workflow.version)
        .push(
            " and s.subject_id = picked.subject_id \
             and s.trigger_date_time = picked.trigger_date_time) order by picked.subject_id",
        );
    query.build_query_as::<Pick>().fetch_all(connection).await
}

fn trigger_attribute_name(attribute: TimeBasedAttribute) -> &'static str {
    match attribute {
        TimeBasedAttribute::EmployeeHireDate => "employeeHireDate",
        TimeBasedAttribute::EmployeeLeaveDateTime => "employeeLeaveDateTime",
        TimeBasedAttribute::CreatedDateTime => "createdDateTime",
    }
}

/// ` and changed_date_time in (at - catch-up, at]`, closing the `any(` before it.
fn push_change_window(query: &mut QueryBuilder<'_, Postgres>, at: DateTime<Utc>) {
    query
        .push(") and changed_date_time > ")
        .push_bind(at - Duration::days(CATCH_UP_DAYS))
        .push(" and changed_date_time <= ")
        .push_bind(at);
}

fn scope_groups(scope: &SubjectSet) -> Vec<Uuid> {
    match scope {
        SubjectSet::GroupBased(scope) => scope.groups.iter().map(|group| group.id).collect(),
        SubjectSet::RuleBased(_) => Vec::new(),
    }
}

/// ` and …` keeping the users in scope: a rule's condition, or membership of a
/// group.
fn push_scope(query: &mut QueryBuilder<'_, Postgres>, tenant: Uuid, scope: &SubjectSet) {
    match scope {
        SubjectSet::RuleBased(scope) => {
            // Checked when the workflow was created; a rule stored before the
            // check existed and failing it picks nobody.
            match scope_rule(&scope.rule) {
                Ok(condition) => {
                    query.push(" and ");
                    odata::push_condition(query, &condition);
                }
                Err(_) => {
                    query.push(" and false");
                }
            }
        }
        SubjectSet::GroupBased(_) => {
            query
                .push(
                    " and exists (select 1 from group_members m \
                     where m.tenant_id = ",
                )
                .push_bind(tenant)
                .push(" and m.user_id = u.id and m.group_id = any(")
                .push_bind(scope_groups(scope))
                .push("))");
        }
    }
}

/// Records the picks as scheduled in `run_id`, and moves the workflow's next
/// scheduled time to `next`.
pub async fn record(
    connection: &mut WriteConnection<'_>,
    workflow: &DueWorkflow,
    run_id: Option<Uuid>,
    picks: &[Pick],
    next: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let subjects: Vec<Uuid> = picks.iter().map(|pick| pick.subject_id).collect();
    let dates: Vec<DateTime<Utc>> = picks.iter().map(|pick| pick.trigger_date_time).collect();
    sqlx::query!(
        "with picked as (
             insert into scheduled_subjects
                 (tenant_id, workflow_id, workflow_version, subject_id, trigger_date_time, run_id)
             select $1, $2, $3, subject.id, subject.trigger_date_time, $4
             from unnest($5::uuid[], $6::timestamptz[]) as subject(id, trigger_date_time)
             where $4::uuid is not null
         )
         update workflows set next_schedule_run_date_time = $7
         where tenant_id = $1 and id = $2",
        workflow.tenant.id(),
        workflow.id,
        workflow.version,
        run_id,
        &subjects,
        &dates,
        next,
    )
    .execute(connection.get())
    .await?;
    Ok(())
}
