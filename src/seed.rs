//! Demo data: `lifecycle-workflows seed` builds a tenant that looks lived in:
//! joiner, leaver and mover workflows, each run once for every user, with mostly
//! completed and some failed results, and every fifth workflow deleted. It goes
//! through the same validation and the same statements as the API's creates,
//! activations and updates.

use crate::db::page::{self, After, PageRequest};
use crate::db::task_processing_results::{Scope, TaskProcessingResults};
use crate::db::transaction::Writer;
use crate::db::{self, Pool};
use crate::domain::enums::{ProcessingStatus, WorkflowCategory, WorkflowExecutionType};
use crate::domain::keys::{RunKey, TaskProcessingResultRef, UserProcessingResultRef};
use crate::domain::patch::{Patch, ProcessingUpdate};
use crate::domain::task_processing_result::TaskProcessingResultUpdate;
use crate::domain::validation::ValidationError;
use crate::domain::workflow::{
    ExecutionConditions, ExecutionTrigger, NewTask, NewWorkflow, OnDemandExecutionOnly,
    RuleBasedSubjectSet, SubjectSet, TimeBasedAttribute, TimeBasedAttributeTrigger, Tree,
    TriggerAndScopeBasedConditions,
};
use crate::odata::Criteria;
use crate::tenant::Tenant;
use chrono::Utc;
use std::collections::HashSet;
use uuid::Uuid;

/// The most subjects one activation takes (as the API allows).
const SUBJECTS_PER_RUN: usize = 100;
/// Every this many task results, one fails.
const FAILING_EVERY: usize = 9;
/// Every this many workflows, one ends up deleted.
const DELETED_EVERY: u32 = 5;

pub struct Plan {
    pub tenant: Tenant,
    pub workflows: u32,
    pub users: u32,
}

/// What a seed created.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    pub workflows: u64,
    pub deleted_workflows: u64,
    pub runs: u64,
    pub user_processing_results: u64,
    pub task_processing_results: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the demo data is not valid: {0:?}")]
    Invalid(ValidationError),
    #[error("the database refused the demo data: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<ValidationError> for SeedError {
    fn from(error: ValidationError) -> Self {
        SeedError::Invalid(error)
    }
}

/// Seeds the plan's tenant; `progress` hears the running count of task results.
pub async fn seed(pool: &Pool, plan: &Plan, progress: &dyn Fn(u64)) -> Result<Seeded, SeedError> {
    let users: Vec<Uuid> = (0..plan.users).map(|_| Uuid::now_v7()).collect();
    // Names are unique among a tenant's live workflows: a batch tag lets seeds repeat.
    let batch = &Uuid::new_v4().simple().to_string()[..6];
    let mut seeded = Seeded::default();
    for index in 0..plan.workflows {
        let workflow = demo_workflow(index, batch).validate()?;
        let workflow_id = Uuid::now_v7();
        let tenant = plan.tenant;
        let writer = Writer::Pool(pool.clone());
        writer
            .run(async |connection| {
                db::workflows::create(connection, tenant, workflow_id, &workflow).await
            })
            .await??;
        seeded.workflows += 1;
        for (chunk, subjects) in users.chunks(SUBJECTS_PER_RUN).enumerate() {
            let run = RunKey {
                workflow_id,
                run_id: Uuid::now_v7(),
            };
            let start = db::runs::Start {
                execution_type: WorkflowExecutionType::OnDemand,
                scheduled_date_time: Utc::now(),
                subjects,
                by_engine: false,
            };
            let created = writer
                .run(async |connection| {
                    db::runs::start(connection, tenant, workflow_id, run.run_id, &start).await
                })
                .await?
                .unwrap_or_default();
            seeded.runs += 1;
            seeded.user_processing_results += subjects.len() as u64;
            seeded.task_processing_results += created;
            // A third of the runs go without a hitch.
            let with_failures = (index as usize + chunk) % 3 != 0;
            record_outcomes(pool, plan.tenant, run, with_failures).await?;
            progress(seeded.task_processing_results);
        }
        if index % DELETED_EVERY == DELETED_EVERY - 1 {
            pool.run(async |connection| {
                db::workflows::soft_delete(connection, plan.tenant, workflow_id).await
            })
            .await?;
            seeded.deleted_workflows += 1;
        }
    }
    Ok(seeded)
}

/// Completes a run as the engine would: every task result completed or, with
/// failures, one in `FAILING_EVERY` failed with a reason; a user with a failed task
/// failed, and the run completed, or completed with errors.
async fn record_outcomes(
    pool: &Pool,
    tenant: Tenant,
    run: RunKey,
    with_failures: bool,
) -> Result<(), SeedError> {
    let started = Utc::now();
    let mut failed_users = HashSet::new();
    let mut users = HashSet::new();
    let mut after = None;
    let mut position = 0;
    loop {
        let page = page::list::<TaskProcessingResults>(
            pool,
            tenant,
            Tree::Live,
            Scope::Run(run),
            &Criteria::default(),
            PageRequest { after, size: 999 },
        )
        .await?;
        for result in &page.items {
            position += 1;
            let failed = with_failures && position % FAILING_EVERY == 0;
            users.insert(result.user_processing_result_id);
            if failed {
                failed_users.insert(result.user_processing_result_id);
            }
            let update = TaskProcessingResultUpdate::new(
                finished(outcome(failed), started)?,
                if failed {
                    Patch::Value("The mailbox is on litigation hold.".to_owned())
                } else {
                    Patch::Absent
                },
                Patch::Absent,
            )?;
            let key = TaskProcessingResultRef {
                workflow_id: run.workflow_id,
                run_id: Some(run.run_id),
                user_processing_result_id: result.user_processing_result_id,
                task_processing_result_id: result.id,
            };
            db::task_processing_results::update(pool, tenant, Tree::Live, key, &update).await?;
        }
        match page.next {
            Some(next) => {
                after = Some(After {
                    id: next.id,
                    keys: next.keys,
                })
            }
            None => break,
        }
    }
    for user in &users {
        let key = UserProcessingResultRef {
            workflow_id: run.workflow_id,
            run_id: Some(run.run_id),
            user_processing_result_id: *user,
        };
        let update = finished(outcome(failed_users.contains(user)), started)?;
        db::user_processing_results::update(pool, tenant, Tree::Live, key, &update).await?;
    }
    let status = if failed_users.is_empty() {
        ProcessingStatus::Completed
    } else {
        ProcessingStatus::CompletedWithErrors
    };
    db::runs::update(pool, tenant, Tree::Live, run, &finished(status, started)?).await?;
    Ok(())
}

fn outcome(failed: bool) -> ProcessingStatus {
    if failed {
        ProcessingStatus::Failed
    } else {
        ProcessingStatus::Completed
    }
}

fn finished(
    status: ProcessingStatus,
    started: chrono::DateTime<Utc>,
) -> Result<ProcessingUpdate, ValidationError> {
    ProcessingUpdate::new(
        Patch::Value(status),
        Patch::Value(started),
        Patch::Value(Utc::now()),
    )
}

/// The `index`th workflow: joiners, leavers and movers in turn, with the tasks
/// each usually has (Graph's built-in task definitions).
fn demo_workflow(index: u32, batch: &str) -> NewWorkflow {
    let (category, name, tasks, conditions): (_, _, &[(&str, &str)], _) = match index % 3 {
        0 => (
            WorkflowCategory::Joiner,
            "Onboard new hires",
            &[
                (
                    "Enable user account",
                    "6fc52c9d-398b-4305-9763-15f42c1676fc",
                ),
                (
                    "Generate TAP and send email",
                    "1b555e50-7f65-41d5-b514-5894a026d10d",
                ),
                ("Send welcome email", "70b29d51-b59a-4773-9280-8841dfd3f2ea"),
            ],
            trigger(TimeBasedAttribute::EmployeeHireDate, -2),
        ),
        1 => (
            WorkflowCategory::Leaver,
            "Offboard leavers",
            &[
                (
                    "Remove all licenses",
                    "8fa97d28-3e52-4985-b3a9-a1126f9b8b4e",
                ),
                (
                    "Remove user from all groups",
                    "b3a31406-2a15-4c9a-b25b-a658fa5f07fc",
                ),
                (
                    "Disable user account",
                    "1dfdfcc7-52fa-4c2e-bf3a-e3919cc12950",
                ),
            ],
            trigger(TimeBasedAttribute::EmployeeLeaveDateTime, 0),
        ),
        _ => (
            WorkflowCategory::Mover,
            "Notify managers of moves",
            &[(
                "Send email to notify manager of user move",
                "aab41899-9972-422a-9d97-f626014578b7",
            )],
            ExecutionConditions::OnDemandExecutionOnly(OnDemandExecutionOnly {}),
        ),
    };
    NewWorkflow {
        category,
        display_name: format!("{name} {} ({batch})", index + 1),
        description: Some(format!("Demo data: {name}.")),
        is_enabled: true,
        is_scheduling_enabled: false,
        execution_conditions: conditions,
        tasks: tasks
            .iter()
            .map(|(display_name, definition)| NewTask {
                display_name: (*display_name).to_owned(),
                description: None,
                task_definition_id: Uuid::parse_str(definition)
                    .unwrap_or_else(|_| unreachable!("the definitions above are UUIDs")),
                category: None,
                continue_on_error: false,
                is_enabled: true,
                arguments: Vec::new(),
            })
            .collect(),
    }
}

fn trigger(attribute: TimeBasedAttribute, offset_in_days: i32) -> ExecutionConditions {
    ExecutionConditions::TriggerAndScopeBasedConditions(TriggerAndScopeBasedConditions {
        scope: SubjectSet::RuleBased(RuleBasedSubjectSet {
            rule: "department eq 'Sales'".to_owned(),
        }),
        trigger: ExecutionTrigger::TimeBasedAttribute(TimeBasedAttributeTrigger {
            time_based_attribute: attribute,
            offset_in_days,
        }),
    })
}
