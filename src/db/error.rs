//! Database errors as Graph errors. Violations are told apart by constraint name
//! (every constraint in `migrations/` is named), never by message text.

use crate::error::GraphError;

impl From<sqlx::Error> for GraphError {
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
            sqlx::Error::Database(database) => match database.constraint() {
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

/// The client error a violated constraint means, where it means one. Writes rely on
/// these constraints rather than on a read before the write, so the rules hold
/// under concurrent requests and the success path stays one statement.
fn from_constraint(constraint: &str) -> Option<GraphError> {
    let error = match constraint {
        "workflows_live_display_name_key" => GraphError::conflict(
            "A live workflow with this displayName already exists in the tenant.",
        ),
        "workflows_scheduling_needs_enabled_check" => GraphError::invalid_request(
            "Invalid value for property 'isSchedulingEnabled': can only be true when isEnabled is true.",
        ),
        "runs_completed_after_started_check"
        | "user_processing_results_completed_after_started_check"
        | "task_processing_results_completed_after_started_check" => GraphError::invalid_request(
            "Invalid value for property 'completedDateTime': must not be earlier than startedDateTime.",
        ),
        "task_processing_results_task_fkey" => GraphError::invalid_request(
            "Invalid value for property 'task': it is not a task of this workflow.",
        ),
        // A parent removed between the request's lookup and its write.
        "runs_workflow_fkey"
        | "tasks_workflow_fkey"
        | "user_processing_results_run_fkey"
        | "task_processing_results_user_processing_result_fkey" => {
            GraphError::not_found("A parent of the resource no longer exists.")
        }
        _ => return None,
    };
    Some(error)
}
