//! `POST …/taskProcessingResults/{p}/resume` (and
//! `…/microsoft.graph.identityGovernance.resume`) at every address of a
//! result, in both trees: a custom task extension's callback, which ends the
//! task that waits for it and lets the user's next task start.

use super::body::GraphJson;
use super::collection::ItemPath;
use super::not_found_beneath;
use super::tree::{action, Node};
use crate::auth::{Caller, Need, ResumeTasks};
use crate::db::engine::TaskOutcome;
use crate::db::extension_calls::{self, Callback, Resumption};
use crate::db::page;
use crate::db::task_processing_results::TaskProcessingResults;
use crate::db::transaction::Writer;
use crate::domain::enums::ProcessingStatus;
use crate::domain::validation::check_odata_type;
use crate::domain::workflow::Tree;
use crate::error::GraphError;
use crate::metrics;
use crate::openapi::Operation;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

/// The body of `resume`: the callback Graph's receivers send.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = resumeRequest)]
pub struct ResumeBody {
    /// Who sends the callback (free text, noted on the result).
    source: Option<String>,
    #[serde(rename = "type")]
    #[schema(example = "lifecycleEvent")]
    kind: Option<String>,
    data: CallbackData,
}

/// `microsoft.graph.identityGovernance.customTaskExtensionCallbackData`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = customTaskExtensionCallbackData)]
struct CallbackData {
    #[schema(
        pattern = r"^#?microsoft\.graph\.identityGovernance\.customTaskExtensionCallbackData$"
    )]
    #[serde(rename = "@odata.type")]
    odata_type: Option<String>,
    operation_status: OperationStatus,
}

/// How the extension's work went.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = customTaskExtensionOperationStatus)]
enum OperationStatus {
    Completed,
    Failed,
}

impl ResumeBody {
    /// How the task ends, with a line saying who resumed it.
    fn into_outcome(self, caller: &Caller) -> Result<TaskOutcome, GraphError> {
        check_odata_type(
            self.data.odata_type.as_deref(),
            "microsoft.graph.identityGovernance.customTaskExtensionCallbackData",
        )?;
        if let Some(kind) = self.kind.filter(|kind| kind != "lifecycleEvent") {
            return Err(GraphError::invalid_request(format!(
                "type: '{kind}' is not a callback's type; it is 'lifecycleEvent'."
            )));
        }
        let by = match (caller.app, caller.user) {
            (Some(app), _) => format!(" by application {app}"),
            (None, Some(user)) => format!(" by user {user}"),
            (None, None) => String::new(),
        };
        let from = self
            .source
            .map(|source| {
                format!(
                    " (source: {})",
                    source.chars().take(200).collect::<String>()
                )
            })
            .unwrap_or_default();
        let at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        Ok(match self.data.operation_status {
            OperationStatus::Completed => TaskOutcome {
                status: ProcessingStatus::Completed,
                processing_info: Some(format!("Resumed at {at}{by}{from}: completed.")),
                failure_reason: None,
            },
            OperationStatus::Failed => TaskOutcome {
                status: ProcessingStatus::Failed,
                processing_info: Some(format!("Resumed at {at}{by}{from}: failed.")),
                failure_reason: Some(
                    "The custom task extension reported that its work failed.".to_owned(),
                ),
            },
        })
    }
}

/// `resume` beneath the result at `P`.
pub fn routes<P: ItemPath<TaskProcessingResults>>() -> [Node; 2] {
    action(
        "resume",
        Operation::action::<ResumeBody>(
            "Resume a task waiting for its custom task extension's callback",
        ),
        resume::<P>,
    )
}

async fn resume<P: ItemPath<TaskProcessingResults>>(
    state: web::Data<AppState>,
    writer: Writer,
    caller: Caller,
    tree: Tree,
    path: web::Path<P>,
    body: GraphJson<ResumeBody>,
) -> Result<HttpResponse, GraphError> {
    let may_resume_any = caller.permissions.grant_any(ResumeTasks::ACCEPTED);
    // Only an application an extension names may call without the permission.
    if !may_resume_any && caller.app.is_none() {
        return Err(denied());
    }
    let outcome = body.0.into_outcome(&caller)?;
    let path = path.into_inner();
    let tenant = caller.tenant;
    let found =
        page::find::<TaskProcessingResults>(&state.pool, tenant, tree, path.scope(), path.id())
            .await?;
    let Some(result) = found else {
        let parent = path.parent(tree);
        let message = path.missing(&parent);
        return Err(
            not_found_beneath(&state, tenant, parent, || GraphError::not_found(message)).await,
        );
    };
    let status = outcome.status;
    let callback = Callback {
        may_resume_any,
        app: caller.app,
        outcome,
    };
    let key = result.key();
    let resumed = writer
        .run(async |connection| extension_calls::resume(connection, tenant, key, &callback).await)
        .await?;
    match resumed {
        Resumption::Resumed { waited } => {
            let waited = waited.and_then(|waited| waited.to_std().ok());
            metrics::extension_callback(status.as_str(), waited);
            Ok(HttpResponse::NoContent().finish())
        }
        Resumption::NotWaiting(status) => Err(GraphError::invalid_request(format!(
            "The taskProcessingResult '{}' is {}, not waiting for a custom task extension's \
             callback: only a result that waits for one can be resumed.",
            key.task_processing_result_id,
            status.as_str()
        ))),
        Resumption::Forbidden => Err(denied()),
        Resumption::Gone => Err(GraphError::not_found(
            "The addressed resource was removed while the request ran.",
        )),
    }
}

fn denied() -> GraphError {
    GraphError::access_denied(format!(
        "The token does not grant the permission to {}: it needs {}, or to be an application \
         the task's custom task extension authorizes (callbackConfiguration.authorizedApps).",
        ResumeTasks::ACTION,
        ResumeTasks::ACCEPTED
            .iter()
            .map(|permission| permission.name())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}
