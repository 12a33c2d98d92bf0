//! Database errors as Graph errors. Violations are told apart by constraint name
//! (every constraint in `migrations/` is named), never by message text.

use crate::error::GraphError;

impl From<sqlx::Error> for GraphError {
    /// An internal error logs the line whose `?` converted it.
    #[track_caller]
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::warn!(cause = %error, "database unavailable");
                GraphError::unavailable()
            }
            sqlx::Error::Database(database) if ends_the_session(database.as_ref()) => {
                tracing::warn!(cause = %error, "database unavailable");
                GraphError::unavailable()
            }
            // query_canceled: LCW_DB_STATEMENT_TIMEOUT_MS ran out (or an operator
            // cancelled the statement). Nothing of it was written; a retry may pass.
            sqlx::Error::Database(database) if database.code().as_deref() == Some("57014") => {
                tracing::warn!(cause = %error, "statement cancelled");
                GraphError::unavailable_because(
                    "A database statement took longer than the service allows and was \
                     cancelled; retry after the time in Retry-After.",
                )
            }
            // serialization_failure, deadlock_detected: the statement lost to a
            // concurrent one (a permanent delete of a workflow while a result is
            // recorded beneath it) and was rolled back; a retry may pass.
            sqlx::Error::Database(database)
                if matches!(database.code().as_deref(), Some("40001" | "40P01")) =>
            {
                tracing::warn!(cause = %error, "statement rolled back by a conflict");
                GraphError::unavailable_because(
                    "A database statement conflicted with a concurrent request and was \
                     rolled back; retry after the time in Retry-After.",
                )
            }
            sqlx::Error::Database(database) => match violated_constraint(database.as_ref()) {
                Some(constraint) => {
                    from_constraint(constraint).unwrap_or_else(|| GraphError::internal(&error))
                }
                // character_not_in_repertoire: text with U+0000, which Postgres cannot
                // store; untranslatable_character: the same in a jsonb value (the
                // execution conditions, the task arguments), "unsupported Unicode
                // escape sequence".
                None if matches!(database.code().as_deref(), Some("22021" | "22P05")) => {
                    GraphError::invalid_request(
                        "A text value in the request contains the character U+0000, which cannot be stored.",
                    )
                }
                // datetime_field_overflow: a date-time PostgreSQL cannot store. The
                // parser keeps to the years 0000 to 9999; this is the backstop.
                None if database.code().as_deref() == Some("22008") => GraphError::invalid_request(
                    "A date-time in the request is outside the range the service stores.",
                ),
                None => GraphError::internal(&error),
            },
            _ => GraphError::internal(&error),
        }
    }
}

/// Whether the server is ending the session: a shutdown, a restart or a terminated
/// backend (SQLSTATE 57P01 to 57P05) or a connection failure (class 08). The next
/// attempt, on another connection, may well succeed.
pub(super) fn ends_the_session(error: &dyn sqlx::error::DatabaseError) -> bool {
    error
        .code()
        .is_some_and(|code| code.starts_with("57P") || code.starts_with("08"))
}

/// The client error a violated constraint means, where it means one.
fn from_constraint(constraint: &str) -> Option<GraphError> {
    let constraint = unsharded(constraint);
    CLIENT_ERRORS
        .iter()
        .find(|(name, _)| *name == constraint)
        .map(|(_, error)| error())
}

/// The constraint a violation (SQLSTATE class 23) names. Citus relays a worker's
/// error without the constraint field, so there the name is read from the
/// message, `… constraint "name"`, which the server writes in English unless
/// `lc_messages` says otherwise.
fn violated_constraint(error: &dyn sqlx::error::DatabaseError) -> Option<&str> {
    if let Some(constraint) = error.constraint() {
        return Some(constraint);
    }
    if !error.code().is_some_and(|code| code.starts_with("23")) {
        return None;
    }
    let (_, quoted) = error.message().rsplit_once("constraint \"")?;
    quoted.split_once('"').map(|(name, _)| name)
}

/// The schema's name of a constraint: on Citus a violation names the copy on a
/// shard, which is the constraint's name with `_{shard id}` appended.
fn unsharded(constraint: &str) -> &str {
    match constraint.rsplit_once('_') {
        Some((name, shard)) if !shard.is_empty() && shard.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => constraint,
    }
}

/// The constraints (and unique indexes) a request can violate, with the client
/// error each violation means. Writes rely on these constraints rather than on a
/// read before the write, so the rules hold under concurrent requests and the
/// success path stays one statement. Every other constraint of the schema is in
/// [`UNVIOLATABLE`]; `tests/api/constraints.rs` checks the two against the
/// migrated schema.
pub const CLIENT_ERRORS: &[(&str, MakeError)] = &[
    ("workflows_live_display_name_key", || {
        GraphError::conflict("A live workflow with this displayName already exists in the tenant.")
    }),
    ("workflows_scheduling_needs_enabled_check", || {
        GraphError::invalid_request(
            "Invalid value for property 'isSchedulingEnabled': can only be true when isEnabled is true.",
        )
    }),
    (
        "runs_completed_after_started_check",
        completed_before_started,
    ),
    (
        "user_processing_results_completed_after_started_check",
        completed_before_started,
    ),
    (
        "task_processing_results_completed_after_started_check",
        completed_before_started,
    ),
    ("task_processing_results_task_fkey", || {
        GraphError::invalid_request(
            "Invalid value for property 'task': it is not a task of this workflow.",
        )
    }),
    ("users_user_principal_name_key", || {
        GraphError::conflict(
            "Invalid value for property 'userPrincipalName': another user of the tenant has it (compared without regard to case).",
        )
    }),
    ("custom_task_extensions_display_name_key", || {
        GraphError::conflict(
            "Invalid value for property 'displayName': another custom task extension of the tenant has it.",
        )
    }),
    // The backstop of domain::user's own check, which names the value; the
    // database's white space may be wider than Rust's.
    ("users_user_principal_name_check", || {
        GraphError::invalid_request(
            "Invalid value for property 'userPrincipalName': it is not of the form alias@domain.",
        )
    }),
    // A manager deleted while it was being made one (the deletion locks it
    // first, so the write waits, then finds it gone).
    ("users_manager_fkey", || {
        GraphError::not_found("The manager the request names no longer exists.")
    }),
    // A user or group deleted while a membership of theirs was being written.
    ("group_members_group_fkey", member_gone),
    ("group_members_user_fkey", member_gone),
    // A parent removed between the request's lookup and its write.
    ("runs_workflow_fkey", parent_gone),
    ("tasks_workflow_fkey", parent_gone),
    ("user_processing_results_run_fkey", parent_gone),
    (
        "task_processing_results_user_processing_result_fkey",
        parent_gone,
    ),
];

/// Makes the error a violation answers.
type MakeError = fn() -> GraphError;

fn completed_before_started() -> GraphError {
    GraphError::invalid_request(
        "Invalid value for property 'completedDateTime': must not be earlier than startedDateTime.",
    )
}

fn parent_gone() -> GraphError {
    GraphError::not_found("A parent of the resource no longer exists.")
}

fn member_gone() -> GraphError {
    GraphError::not_found("The user or the group of the membership no longer exists.")
}

/// The constraints no request can violate, and why; a violation of one is the
/// service's fault and answers 500.
pub const UNVIOLATABLE: &[&str] = &[
    // Primary keys are not listed: no request names the key of what it creates
    // (the service makes every id, UUIDv7 by `Uuid::now_v7` or uuid_v7(), and
    // writes idempotency records and counters with `on conflict` on their key).
    // This unique key is on such an id.
    "task_processing_results_id_key",
    // The catalogs of task definitions and workflow templates: their
    // migrations write them, no request does.
    "task_definitions_published_id_key",
    "workflow_templates_category_check",
    "workflow_template_tasks_template_fkey",
    "workflow_template_tasks_definition_fkey",
    "workflow_template_tasks_execution_sequence_key",
    // Written by the counting triggers for rows whose own foreign key, checked
    // first, holds their parent, and so the workflow, in place.
    "result_counters_workflow_fkey",
    // Written by createNewVersion while it holds the workflow's row locked.
    "past_workflow_versions_workflow_fkey",
    // The engine's: a queue entry is inserted in the statement that inserts its
    // userProcessingResult, and a scheduled subject while the scheduler holds
    // its workflow's row locked.
    "engine_queue_user_processing_result_fkey",
    "scheduled_subjects_workflow_fkey",
    // An extension call is recorded in the transaction whose update began its
    // taskProcessingResult, which holds that row locked; its state is a
    // literal, and only `wait` makes it waiting, with its deadline.
    "extension_calls_task_processing_result_fkey",
    "extension_calls_state_check",
    "extension_calls_waiting_check",
    // Refused first: the Idempotency-Key header is 1 to 255 ASCII characters
    // (routes::idempotency::parse_key).
    "idempotency_keys_key_length_check",
    // Refused first: a displayName that is blank or longer than 256 characters
    // (domain::workflow, on create and update).
    "workflows_display_name_length_check",
    // Refused first: an interval outside 1 to 24 hours (domain::settings).
    "lifecycle_settings_interval_check",
    // Refused first: a failureReason longer than 4000 characters (domain::
    // task_processing_result, on create and update).
    "task_processing_results_failure_reason_length_check",
    // Refused first: a workflowVersion below 1; without one the workflow's own
    // version, itself at least 1, is recorded.
    "user_processing_results_workflow_version_check",
    // Enumerations: only members parse (not unknownFutureValue), and the service
    // stores `as_str()` of a parsed member or a literal member.
    "workflows_category_check",
    "tasks_category_check",
    "runs_processing_status_check",
    "runs_workflow_execution_type_check",
    "user_processing_results_processing_status_check",
    "user_processing_results_workflow_execution_type_check",
    "task_processing_results_processing_status_check",
    // The service's own values: a workflow's version starts at 1 and only ever
    // grows by one, tasks get the sequence 1, 2, … when their version is made
    // and never another, and arguments are stored from a list.
    "workflows_version_check",
    "tasks_execution_sequence_check",
    "tasks_execution_sequence_key",
    "tasks_arguments_check",
    // Refused first: a user's or group's displayName that is blank or longer
    // than 256 characters, groupTypes other than Unified (domain::user,
    // domain::group, on create and update).
    "users_display_name_length_check",
    "groups_display_name_length_check",
    "groups_group_types_check",
    // Refused first: a custom task extension's displayName that is blank or
    // longer than 256 characters (domain::custom_task_extension).
    "custom_task_extensions_display_name_length_check",
    // A tenant's count of extensions goes down only with the delete of one of
    // them, in the transaction that took it up with its create.
    "custom_task_extension_counts_extensions_check",
    // Changes are recorded by the service, with a kind it names and the
    // property or group that kind needs (domain::directory).
    "directory_changes_kind_check",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_s_constraint_is_its_table_s() {
        assert_eq!(
            unsharded("workflows_live_display_name_key_102008"),
            "workflows_live_display_name_key"
        );
        assert_eq!(unsharded("runs_workflow_fkey"), "runs_workflow_fkey");
        assert!(from_constraint("runs_completed_after_started_check_102040").is_some());
    }
}
