//! The built-in task definitions the engine executes, and what each does to the
//! directory the service holds. Definitions that need systems the service does
//! not hold fail, saying so.

use super::email::EmailKind;
use crate::db::engine::TaskOutcome;
use crate::db::groups::{self, Groups, Membership};
use crate::db::page;
use crate::db::transaction::WriteConnection;
use crate::db::users;
use crate::domain::custom_task_extension::RUN_CUSTOM_TASK_EXTENSION;
use crate::domain::enums::ProcessingStatus;
use crate::domain::user::UserUpdate;
use crate::domain::workflow::{TaskArgument, Tree};
use crate::tenant::Tenant;
use sqlx::PgConnection;
use uuid::{uuid, Uuid};

/// What a task of a definition does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SetAccountEnabled(bool),
    DeleteUser,
    AddToGroups,
    RemoveFromGroups,
    RemoveFromAllGroups,
    Email(EmailKind),
    /// Calls a custom task extension (see `callout`).
    CallExtension,
    /// Needs what the service does not hold (named).
    NoExecutor(&'static str),
}

/// The action of a built-in definition.
pub fn action(definition: Uuid) -> Action {
    const ENABLE: Uuid = uuid!("6fc52c9d-398b-4305-9763-15f42c1676fc");
    const DISABLE: Uuid = uuid!("1dfdfcc7-52fa-4c2e-bf3a-e3919cc12950");
    const DELETE: Uuid = uuid!("8d18588d-9ad3-4c0f-99d0-ec215f0e3dff");
    const ADD_TO_GROUPS: Uuid = uuid!("22085229-5809-45e8-97fd-270d28d66910");
    const REMOVE_FROM_GROUPS: Uuid = uuid!("1953a66c-751c-45e5-8bfe-01462c70da3c");
    const REMOVE_FROM_ALL_GROUPS: Uuid = uuid!("b3a31406-2a15-4c9a-b25b-a658fa5f07fc");
    const TEAMS: [Uuid; 3] = [
        uuid!("e440ed8d-25a1-4618-84ce-091ed5be5594"),
        uuid!("06aa7acb-01af-4824-8899-b14e5ed788d6"),
        uuid!("81f7b200-2816-4b3b-8c5d-dc556f07b024"),
    ];
    const LICENSES: [Uuid; 3] = [
        uuid!("8fa97d28-3e52-4985-b3a9-a1126f9b8b4e"),
        uuid!("683c87a4-2ad4-420b-97d4-220d90afcd24"),
        uuid!("5fc402a8-daaf-4b7b-9203-da868b05fc5f"),
    ];
    const ACCESS_PACKAGES: [Uuid; 4] = [
        uuid!("c1ec1e76-f374-4375-aaa6-0bb6bd4c60be"),
        uuid!("4a0b64f2-c7ec-46ba-b117-18f262946c50"),
        uuid!("42ae2956-193d-4f39-be06-691b8ac4fa1d"),
        uuid!("498770d9-bab7-4e4c-b73d-5ded82a1d0b3"),
    ];
    const TEMPORARY_ACCESS_PASS: Uuid = uuid!("1b555e50-7f65-41d5-b514-5894a026d10d");
    const REFRESH_TOKENS: Uuid = uuid!("509589a4-0466-4471-829e-49c5e502bdee");
    match definition {
        ENABLE => Action::SetAccountEnabled(true),
        DISABLE => Action::SetAccountEnabled(false),
        DELETE => Action::DeleteUser,
        ADD_TO_GROUPS => Action::AddToGroups,
        REMOVE_FROM_GROUPS => Action::RemoveFromGroups,
        REMOVE_FROM_ALL_GROUPS => Action::RemoveFromAllGroups,
        id if TEAMS.contains(&id) => Action::NoExecutor("Teams"),
        id if LICENSES.contains(&id) => Action::NoExecutor("licenses"),
        id if ACCESS_PACKAGES.contains(&id) => Action::NoExecutor("access packages"),
        TEMPORARY_ACCESS_PASS => Action::NoExecutor("temporary access passes"),
        REFRESH_TOKENS => Action::NoExecutor("sign-in sessions or refresh tokens"),
        RUN_CUSTOM_TASK_EXTENSION => Action::CallExtension,
        id => EmailKind::of(id).map_or(Action::NoExecutor("an executor for it"), Action::Email),
    }
}

/// Does a directory action (every action but email) in the caller's
/// transaction, through the directory's own writes (which record their
/// changes), and says how it went.
pub async fn act(
    connection: &mut PgConnection,
    tenant: Tenant,
    subject_id: Uuid,
    definition: Uuid,
    action: Action,
    arguments: &[TaskArgument],
) -> Result<TaskOutcome, sqlx::Error> {
    let missing = || failed(format!("The user {subject_id} is not in the directory."));
    Ok(match action {
        Action::SetAccountEnabled(enabled) => {
            let update = UserUpdate {
                account_enabled: Some(enabled),
                ..UserUpdate::default()
            };
            match users::update(
                &mut WriteConnection::dedicated(&mut *connection),
                tenant,
                subject_id,
                &update,
            )
            .await?
            {
                None => missing(),
                Some(changed) => completed(format!(
                    "accountEnabled is {enabled}{}",
                    if changed.is_empty() {
                        " (it already was)"
                    } else {
                        ""
                    }
                )),
            }
        }
        Action::DeleteUser => {
            if users::delete(
                &mut WriteConnection::dedicated(&mut *connection),
                tenant,
                subject_id,
            )
            .await?
            {
                completed(format!("Deleted the user {subject_id}."))
            } else {
                missing()
            }
        }
        Action::AddToGroups => {
            let groups = match group_ids(arguments) {
                Ok(groups) => groups,
                Err(outcome) => return Ok(outcome),
            };
            let mut done = Vec::new();
            for group in groups {
                match groups::add_member(
                    &mut WriteConnection::dedicated(&mut *connection),
                    tenant,
                    group,
                    subject_id,
                )
                .await?
                {
                    Membership::NoGroup => return Ok(no_group(group)),
                    Membership::NoUser => return Ok(missing()),
                    Membership::Added => done.push(format!("added to {group}")),
                    Membership::AlreadyMember => done.push(format!("already in {group}")),
                }
            }
            completed(format!("The user was {}.", done.join(", ")))
        }
        Action::RemoveFromGroups => {
            let groups = match group_ids(arguments) {
                Ok(groups) => groups,
                Err(outcome) => return Ok(outcome),
            };
            let mut left = Vec::new();
            for group in groups {
                let held =
                    page::find::<Groups>(&mut *connection, tenant, Tree::Live, (), group).await?;
                if held.is_none() {
                    return Ok(no_group(group));
                }
                if groups::remove_member(
                    &mut WriteConnection::dedicated(&mut *connection),
                    tenant,
                    group,
                    subject_id,
                )
                .await?
                {
                    left.push(group);
                }
            }
            completed(listed(&left))
        }
        Action::RemoveFromAllGroups => {
            let left = groups::remove_from_all(
                &mut WriteConnection::dedicated(&mut *connection),
                tenant,
                subject_id,
            )
            .await?;
            completed(listed(&left))
        }
        Action::NoExecutor(needs) => failed(format!(
            "The task definition {definition} has no executor here: this service holds no {needs}."
        )),
        // Sent outside any transaction (engine::worker).
        Action::Email(_) | Action::CallExtension => {
            failed("A task that calls out reached the directory's executor.".to_owned())
        }
    })
}

fn no_group(group: Uuid) -> TaskOutcome {
    failed(format!("The group {group} is not in the directory."))
}

/// The `groupID` argument: one group id, or several separated by commas.
fn group_ids(arguments: &[TaskArgument]) -> Result<Vec<Uuid>, TaskOutcome> {
    let value = TaskArgument::find(arguments, "groupID").unwrap_or_default();
    let ids: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    if ids.is_empty() {
        return Err(failed("The groupID argument names no group.".to_owned()));
    }
    ids.into_iter()
        .map(|id| {
            Uuid::parse_str(id)
                .map_err(|_| failed(format!("The groupID argument's '{id}' is not a group id.")))
        })
        .collect()
}

fn listed(groups: &[Uuid]) -> String {
    if groups.is_empty() {
        "The user was in none of the groups.".to_owned()
    } else {
        let ids: Vec<String> = groups.iter().map(Uuid::to_string).collect();
        format!("Removed from {}.", ids.join(", "))
    }
}

pub fn completed(info: String) -> TaskOutcome {
    TaskOutcome {
        status: ProcessingStatus::Completed,
        processing_info: Some(info),
        failure_reason: None,
    }
}

pub fn failed(reason: String) -> TaskOutcome {
    TaskOutcome {
        status: ProcessingStatus::Failed,
        processing_info: None,
        failure_reason: Some(reason),
    }
}
