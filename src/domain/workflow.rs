//! Workflows and their tasks.

use super::custom_task_extension;
use super::enums::{TaskCategory, WorkflowCategory};
use super::keys::WorkflowKey;
use super::objects;
use super::patch::Patch;
use super::validation::{check_display_name, check_text, ValidationError};
use crate::error::GraphError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::future::{ready, Ready};
use uuid::Uuid;

/// A workflow holds 1 to 25 tasks.
pub const MAX_TASKS: usize = 25;

/// Which of the two trees an address is in: a workflow is in exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tree {
    Live,
    Deleted,
}

impl Tree {
    pub fn is_deleted(self) -> bool {
        self == Tree::Deleted
    }
}

/// The tree the matched route is in, from the node that registered it.
impl FromRequest for Tree {
    type Error = GraphError;
    type Future = Ready<Result<Self, GraphError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            request.app_data::<Tree>().copied().ok_or_else(|| {
                GraphError::internal(&"a route outside both trees asked for its tree")
            }),
        )
    }
}

/// `workflowExecutionConditions`, polymorphic by `@odata.type`. Each polymorphic
/// type is decoded by `objects::tagged`, which keeps the path of a bad value
/// inside it (`executionConditions.trigger.offsetInDays`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "@odata.type")]
pub enum ExecutionConditions {
    #[serde(rename = "#microsoft.graph.identityGovernance.onDemandExecutionOnly")]
    OnDemandExecutionOnly(OnDemandExecutionOnly),
    #[serde(rename = "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions")]
    TriggerAndScopeBasedConditions(TriggerAndScopeBasedConditions),
}

objects::tagged!(ExecutionConditions as "microsoft.graph.identityGovernance.workflowExecutionConditions" {
    "microsoft.graph.identityGovernance.onDemandExecutionOnly" => OnDemandExecutionOnly(OnDemandExecutionOnly),
    "microsoft.graph.identityGovernance.triggerAndScopeBasedConditions" => TriggerAndScopeBasedConditions(TriggerAndScopeBasedConditions),
});

/// The user properties an `attributeChangeTrigger` may name: those the directory
/// holds and records changes of.
pub const TRIGGER_ATTRIBUTES: &[&str] = &[
    "displayName",
    "givenName",
    "surname",
    "userPrincipalName",
    "mail",
    "department",
    "jobTitle",
    "companyName",
    "officeLocation",
    "employeeId",
    "employeeType",
    "employeeHireDate",
    "employeeLeaveDateTime",
    "accountEnabled",
];

impl ExecutionConditions {
    /// The trigger and scope, unless the workflow runs on demand only.
    pub fn triggered(&self) -> Option<&TriggerAndScopeBasedConditions> {
        match self {
            ExecutionConditions::OnDemandExecutionOnly(_) => None,
            ExecutionConditions::TriggerAndScopeBasedConditions(conditions) => Some(conditions),
        }
    }

    /// Refuses conditions the engine could not evaluate, rather than storing a
    /// workflow that would never run. The scope's rule is checked where users'
    /// properties are known (`db::schedule::scope_rule`).
    fn check_evaluable(&self) -> Result<(), ValidationError> {
        let Some(conditions) = self.triggered() else {
            return Ok(());
        };
        if let SubjectSet::GroupBased(scope) = &conditions.scope {
            if scope.groups.is_empty() {
                return Err(ValidationError::new(
                    "executionConditions.scope.groups",
                    "must name at least one group",
                ));
            }
        }
        match (&conditions.trigger, &conditions.scope) {
            (ExecutionTrigger::UserInactivity(_), _) => Err(ValidationError::new(
                "executionConditions.trigger",
                "a userInactivityTrigger needs sign-in activity, which this service does not \
                 hold: use a timeBasedAttributeTrigger, an attributeChangeTrigger or a \
                 membershipChangeTrigger",
            )),
            (ExecutionTrigger::MembershipChange(_), SubjectSet::RuleBased(_)) => {
                Err(ValidationError::new(
                    "executionConditions.scope",
                    "a membershipChangeTrigger takes a groupBasedSubjectSet: the groups whose \
                     members it watches",
                ))
            }
            (ExecutionTrigger::AttributeChange(trigger), _) => {
                if trigger.trigger_attributes.is_empty() {
                    return Err(ValidationError::new(
                        "executionConditions.trigger.triggerAttributes",
                        "must name at least one attribute",
                    ));
                }
                for (index, attribute) in trigger.trigger_attributes.iter().enumerate() {
                    if !TRIGGER_ATTRIBUTES.contains(&attribute.name.as_str()) {
                        return Err(ValidationError::new(
                            format!("executionConditions.trigger.triggerAttributes[{index}].name"),
                            format!(
                                "'{}' is not a user property whose changes this service \
                                 records ({})",
                                attribute.name,
                                TRIGGER_ATTRIBUTES.join(", ")
                            ),
                        ));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// `onDemandExecutionOnly`: the workflow runs only when activated.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnDemandExecutionOnly {}

/// `triggerAndScopeBasedConditions`: whom the workflow applies to, and when.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerAndScopeBasedConditions {
    pub scope: SubjectSet,
    pub trigger: ExecutionTrigger,
}

/// `subjectSet`: who a trigger-based workflow applies to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "@odata.type")]
pub enum SubjectSet {
    #[serde(rename = "#microsoft.graph.identityGovernance.ruleBasedSubjectSet")]
    RuleBased(RuleBasedSubjectSet),
    #[serde(rename = "#microsoft.graph.identityGovernance.groupBasedSubjectSet")]
    GroupBased(GroupBasedSubjectSet),
}

objects::tagged!(SubjectSet as "microsoft.graph.subjectSet" {
    "microsoft.graph.identityGovernance.ruleBasedSubjectSet" => RuleBased(RuleBasedSubjectSet),
    "microsoft.graph.identityGovernance.groupBasedSubjectSet" => GroupBased(GroupBasedSubjectSet),
});

/// `ruleBasedSubjectSet`: the users a filter over their properties selects.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleBasedSubjectSet {
    pub rule: String,
}

/// `groupBasedSubjectSet`: the members of the groups.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupBasedSubjectSet {
    #[serde(deserialize_with = "objects::many")]
    pub groups: Vec<GroupRef>,
}

/// A group of a `groupBasedSubjectSet`, named by its id (the directory's
/// group entity is `microsoft.graph.group`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = groupReference)]
pub struct GroupRef {
    pub id: Uuid,
}

/// `workflowExecutionTrigger`: when a trigger-based workflow runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "@odata.type")]
pub enum ExecutionTrigger {
    #[serde(rename = "#microsoft.graph.identityGovernance.timeBasedAttributeTrigger")]
    TimeBasedAttribute(TimeBasedAttributeTrigger),
    #[serde(rename = "#microsoft.graph.identityGovernance.attributeChangeTrigger")]
    AttributeChange(AttributeChangeTrigger),
    #[serde(rename = "#microsoft.graph.identityGovernance.membershipChangeTrigger")]
    MembershipChange(MembershipChangeTrigger),
    #[serde(rename = "#microsoft.graph.identityGovernance.userInactivityTrigger")]
    UserInactivity(UserInactivityTrigger),
}

objects::tagged!(ExecutionTrigger as "microsoft.graph.identityGovernance.workflowExecutionTrigger" {
    "microsoft.graph.identityGovernance.timeBasedAttributeTrigger" => TimeBasedAttribute(TimeBasedAttributeTrigger),
    "microsoft.graph.identityGovernance.attributeChangeTrigger" => AttributeChange(AttributeChangeTrigger),
    "microsoft.graph.identityGovernance.membershipChangeTrigger" => MembershipChange(MembershipChangeTrigger),
    "microsoft.graph.identityGovernance.userInactivityTrigger" => UserInactivity(UserInactivityTrigger),
});

/// `timeBasedAttributeTrigger`: days before or after a date of the user's.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TimeBasedAttributeTrigger {
    pub time_based_attribute: TimeBasedAttribute,
    #[serde(deserialize_with = "offset_in_days")]
    #[schema(minimum = -180, maximum = 180)]
    pub offset_in_days: i32,
}

/// `attributeChangeTrigger`: a change to one of the user's attributes.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttributeChangeTrigger {
    #[serde(deserialize_with = "objects::many")]
    pub trigger_attributes: Vec<TriggerAttribute>,
}

/// `membershipChangeTrigger`: the user joining or leaving a group of the scope.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MembershipChangeTrigger {
    pub change_type: MembershipChangeType,
}

/// `userInactivityTrigger`: days without a sign-in.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserInactivityTrigger {
    pub inactivity_period_in_days: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::workflowTriggerTimeBasedAttribute)]
pub enum TimeBasedAttribute {
    EmployeeHireDate,
    EmployeeLeaveDateTime,
    CreatedDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = microsoft::graph::identityGovernance::membershipChangeType)]
pub enum MembershipChangeType {
    Add,
    Remove,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = microsoft::graph::identityGovernance::triggerAttribute)]
pub struct TriggerAttribute {
    pub name: String,
}

fn offset_in_days<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
    let days = i32::deserialize(deserializer)?;
    if (-180..=180).contains(&days) {
        Ok(days)
    } else {
        Err(serde::de::Error::custom(format!(
            "offsetInDays must be between -180 and 180, not {days}"
        )))
    }
}

/// `keyValuePair`: a task argument.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = microsoft::graph::keyValuePair)]
pub struct TaskArgument {
    pub name: String,
    pub value: Option<String>,
}

impl TaskArgument {
    /// The value of the argument named `name` (in any case) among `arguments`,
    /// trimmed; None when it is missing or empty.
    pub fn find<'a>(arguments: &'a [TaskArgument], name: &str) -> Option<&'a str> {
        arguments
            .iter()
            .find(|argument| argument.name.eq_ignore_ascii_case(name))
            .and_then(|argument| argument.value.as_deref())
            .map(str::trim)
            .filter(|value| !value.is_empty())
    }
}

/// A validated workflow to create, with its tasks in execution order.
#[derive(Debug, Clone)]
pub struct NewWorkflow {
    pub category: WorkflowCategory,
    pub display_name: String,
    pub description: Option<String>,
    pub is_enabled: bool,
    pub is_scheduling_enabled: bool,
    pub execution_conditions: ExecutionConditions,
    pub tasks: Vec<NewTask>,
}

impl NewWorkflow {
    /// Checks the rules that span properties: a displayName of 1..=256 characters,
    /// 1..=25 tasks, and scheduling only on an enabled workflow; and writes the
    /// ids of the custom task extensions its tasks name as ids are written.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        check_display_name(&self.display_name)?;
        if self.tasks.is_empty() || self.tasks.len() > MAX_TASKS {
            return Err(ValidationError::new(
                "tasks",
                format!(
                    "a workflow has 1 to {MAX_TASKS} tasks, not {}",
                    self.tasks.len()
                ),
            ));
        }
        if self.is_scheduling_enabled && !self.is_enabled {
            return Err(ValidationError::new(
                "isSchedulingEnabled",
                "can only be true when isEnabled is true",
            ));
        }
        self.execution_conditions.check_evaluable()?;
        for (index, task) in self.tasks.iter().enumerate() {
            check_text(
                &format!("tasks[{index}].displayName"),
                &task.display_name,
                usize::MAX,
            )?;
        }
        custom_task_extension::canonicalize_references(&mut self.tasks)?;
        Ok(self)
    }

    /// The task definitions its tasks name, without repeats.
    pub fn definition_ids(&self) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = self
            .tasks
            .iter()
            .map(|task| task.task_definition_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// A task to create with its workflow. Without a category it takes the workflow's.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub display_name: String,
    pub description: Option<String>,
    pub task_definition_id: Uuid,
    pub category: Option<TaskCategory>,
    pub continue_on_error: bool,
    pub is_enabled: bool,
    pub arguments: Vec<TaskArgument>,
}

/// A stored workflow with its tasks.
#[derive(Debug, Clone)]
pub struct Workflow {
    pub id: Uuid,
    pub category: WorkflowCategory,
    pub display_name: String,
    pub description: Option<String>,
    pub is_enabled: bool,
    pub is_scheduling_enabled: bool,
    pub execution_conditions: ExecutionConditions,
    pub created_date_time: DateTime<Utc>,
    pub last_modified_date_time: DateTime<Utc>,
    pub deleted_date_time: Option<DateTime<Utc>>,
    pub next_schedule_run_date_time: Option<DateTime<Utc>>,
    pub version: i32,
    pub tasks: Vec<Task>,
}

impl Workflow {
    pub fn key(&self) -> WorkflowKey {
        WorkflowKey {
            workflow_id: self.id,
        }
    }
}

impl Workflow {
    pub fn tree(&self) -> Tree {
        if self.deleted_date_time.is_some() {
            Tree::Deleted
        } else {
            Tree::Live
        }
    }
}

/// A version of a workflow, past or current: its definition as it was.
#[derive(Debug, Clone)]
pub struct WorkflowVersion {
    pub version_number: i32,
    pub category: WorkflowCategory,
    pub display_name: String,
    pub description: Option<String>,
    pub is_enabled: bool,
    pub is_scheduling_enabled: bool,
    pub execution_conditions: ExecutionConditions,
    pub created_date_time: DateTime<Utc>,
    /// For a past version, when the next one replaced it.
    pub last_modified_date_time: DateTime<Utc>,
}

impl WorkflowVersion {
    /// The key lists page by: the number as a UUID, which sorts as the number
    /// does (`db::versions` computes the same). Numbers start at 1, so the nil
    /// UUID a number below 1 gets is no version's.
    pub fn paging_id(number: i32) -> Uuid {
        Uuid::from_u128(u128::try_from(number).unwrap_or_default())
    }
}

/// A stored task of a workflow.
#[derive(Debug, Clone)]
pub struct Task {
    pub id: Uuid,
    pub execution_sequence: i32,
    pub display_name: String,
    pub description: Option<String>,
    pub task_definition_id: Uuid,
    pub category: TaskCategory,
    pub continue_on_error: bool,
    pub is_enabled: bool,
    pub arguments: Vec<TaskArgument>,
}

/// A change to a live workflow: the properties Graph lets a PATCH set.
#[derive(Debug, Clone, Default)]
pub struct WorkflowUpdate {
    pub display_name: Option<String>,
    pub description: Patch<String>,
    pub is_enabled: Option<bool>,
    pub is_scheduling_enabled: Option<bool>,
}

impl WorkflowUpdate {
    pub fn new(
        display_name: Patch<String>,
        description: Patch<String>,
        is_enabled: Patch<bool>,
        is_scheduling_enabled: Patch<bool>,
    ) -> Result<Self, ValidationError> {
        let display_name = display_name.required("displayName")?;
        if let Some(name) = &display_name {
            check_display_name(name)?;
        }
        let is_enabled = is_enabled.required("isEnabled")?;
        let is_scheduling_enabled = is_scheduling_enabled.required("isSchedulingEnabled")?;
        if is_scheduling_enabled == Some(true) && is_enabled == Some(false) {
            return Err(ValidationError::new(
                "isSchedulingEnabled",
                "can only be true when isEnabled is true",
            ));
        }
        Ok(Self {
            display_name,
            description,
            is_enabled,
            is_scheduling_enabled,
        })
    }
}

/// A change to a task: its displayName and description.
#[derive(Debug, Clone, Default)]
pub struct TaskUpdate {
    pub display_name: Option<String>,
    pub description: Patch<String>,
}

impl TaskUpdate {
    pub fn new(
        display_name: Patch<String>,
        description: Patch<String>,
    ) -> Result<Self, ValidationError> {
        let display_name = display_name.required("displayName")?;
        if let Some(name) = &display_name {
            check_text("displayName", name, usize::MAX)?;
        }
        Ok(Self {
            display_name,
            description,
        })
    }
}

/// The users an on-demand activation runs a workflow for.
pub const MAX_ACTIVATION_SUBJECTS: usize = 100;

/// A validated on-demand activation: 1 to 100 distinct users.
#[derive(Debug, Clone)]
pub struct Activation {
    subjects: Vec<Uuid>,
}

impl Activation {
    pub fn new(subjects: Vec<Uuid>) -> Result<Self, ValidationError> {
        if subjects.is_empty() || subjects.len() > MAX_ACTIVATION_SUBJECTS {
            return Err(ValidationError::new(
                "subjects",
                format!(
                    "must name 1 to {MAX_ACTIVATION_SUBJECTS} users, not {}",
                    subjects.len()
                ),
            ));
        }
        let mut distinct = Vec::with_capacity(subjects.len());
        for subject in subjects {
            if !distinct.contains(&subject) {
                distinct.push(subject);
            }
        }
        Ok(Self { subjects: distinct })
    }

    pub fn subjects(&self) -> &[Uuid] {
        &self.subjects
    }
}
