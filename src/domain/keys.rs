//! The keys that address an entity in the hierarchy: one type per depth, each
//! holding every ancestor's id, as the URL does.

use super::workflow::Tree;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowKey {
    pub workflow_id: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunKey {
    pub workflow_id: Uuid,
    pub run_id: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProcessingResultKey {
    pub workflow_id: Uuid,
    pub run_id: Uuid,
    pub user_processing_result_id: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskProcessingResultKey {
    pub workflow_id: Uuid,
    pub run_id: Uuid,
    pub user_processing_result_id: Uuid,
    pub task_processing_result_id: Uuid,
}

/// A userProcessingResult addressed with or without its run:
/// `…/runs/{r}/userProcessingResults/{u}` or `…/{w}/userProcessingResults/{u}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProcessingResultRef {
    pub workflow_id: Uuid,
    #[serde(default)]
    pub run_id: Option<Uuid>,
    pub user_processing_result_id: Uuid,
}

/// A taskProcessingResult under a userProcessingResult addressed with or without
/// its run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskProcessingResultRef {
    pub workflow_id: Uuid,
    #[serde(default)]
    pub run_id: Option<Uuid>,
    pub user_processing_result_id: Uuid,
    pub task_processing_result_id: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskKey {
    pub workflow_id: Uuid,
    pub task_id: Uuid,
}

/// A taskProcessingResult addressed through a run: `…/runs/{r}/taskProcessingResults/{p}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunTaskResultKey {
    pub workflow_id: Uuid,
    pub run_id: Uuid,
    pub task_processing_result_id: Uuid,
}

/// A taskProcessingResult addressed through its task: `…/tasks/{t}/taskProcessingResults/{p}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskResultKey {
    pub workflow_id: Uuid,
    pub task_id: Uuid,
    pub task_processing_result_id: Uuid,
}

/// `…/taskProcessingResults/{p}/task/taskProcessingResults/{sameTaskResultId}`:
/// a result of the same task as result `p`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SameTaskResultKey {
    pub workflow_id: Uuid,
    #[serde(default)]
    pub run_id: Option<Uuid>,
    pub user_processing_result_id: Uuid,
    pub task_processing_result_id: Uuid,
    pub same_task_result_id: Uuid,
}

impl RunKey {
    pub fn workflow(self) -> WorkflowKey {
        WorkflowKey {
            workflow_id: self.workflow_id,
        }
    }
}

impl TaskKey {
    pub fn workflow(self) -> WorkflowKey {
        WorkflowKey {
            workflow_id: self.workflow_id,
        }
    }
}

impl UserProcessingResultKey {
    pub fn run(self) -> RunKey {
        RunKey {
            workflow_id: self.workflow_id,
            run_id: self.run_id,
        }
    }
}

impl SameTaskResultKey {
    /// The address of the result whose task is meant.
    pub fn origin(self) -> TaskProcessingResultRef {
        TaskProcessingResultRef {
            workflow_id: self.workflow_id,
            run_id: self.run_id,
            user_processing_result_id: self.user_processing_result_id,
            task_processing_result_id: self.task_processing_result_id,
        }
    }
}

/// Where a request points: a tree and a chain of ids down the hierarchy, as deep as
/// the URL goes. Used to say which part of an address does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address {
    pub tree: Tree,
    pub workflow_id: Uuid,
    pub task_id: Option<Uuid>,
    pub run_id: Option<Uuid>,
    pub user_processing_result_id: Option<Uuid>,
    pub task_processing_result_id: Option<Uuid>,
}

impl Address {
    pub fn workflow(tree: Tree, key: WorkflowKey) -> Self {
        Self {
            tree,
            workflow_id: key.workflow_id,
            task_id: None,
            run_id: None,
            user_processing_result_id: None,
            task_processing_result_id: None,
        }
    }

    pub fn run(tree: Tree, key: RunKey) -> Self {
        Self {
            run_id: Some(key.run_id),
            ..Self::workflow(
                tree,
                WorkflowKey {
                    workflow_id: key.workflow_id,
                },
            )
        }
    }

    pub fn task(tree: Tree, key: TaskKey) -> Self {
        Self {
            task_id: Some(key.task_id),
            ..Self::workflow(
                tree,
                WorkflowKey {
                    workflow_id: key.workflow_id,
                },
            )
        }
    }

    pub fn user_processing_result(tree: Tree, key: impl Into<UserProcessingResultRef>) -> Self {
        let key = key.into();
        Self {
            run_id: key.run_id,
            user_processing_result_id: Some(key.user_processing_result_id),
            ..Self::workflow(
                tree,
                WorkflowKey {
                    workflow_id: key.workflow_id,
                },
            )
        }
    }

    pub fn task_processing_result(tree: Tree, key: impl Into<TaskProcessingResultRef>) -> Self {
        let key = key.into();
        Self {
            task_processing_result_id: Some(key.task_processing_result_id),
            ..Self::user_processing_result(
                tree,
                UserProcessingResultRef {
                    workflow_id: key.workflow_id,
                    run_id: key.run_id,
                    user_processing_result_id: key.user_processing_result_id,
                },
            )
        }
    }
}

impl From<UserProcessingResultKey> for UserProcessingResultRef {
    fn from(key: UserProcessingResultKey) -> Self {
        Self {
            workflow_id: key.workflow_id,
            run_id: Some(key.run_id),
            user_processing_result_id: key.user_processing_result_id,
        }
    }
}

impl From<TaskProcessingResultKey> for TaskProcessingResultRef {
    fn from(key: TaskProcessingResultKey) -> Self {
        Self {
            workflow_id: key.workflow_id,
            run_id: Some(key.run_id),
            user_processing_result_id: key.user_processing_result_id,
            task_processing_result_id: key.task_processing_result_id,
        }
    }
}

impl TaskProcessingResultRef {
    /// The userProcessingResult the result sits under.
    pub fn parent(self) -> UserProcessingResultRef {
        UserProcessingResultRef {
            workflow_id: self.workflow_id,
            run_id: self.run_id,
            user_processing_result_id: self.user_processing_result_id,
        }
    }
}
