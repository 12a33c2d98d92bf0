//! Every readable address, checked in the tree that does not hold the workflow and
//! with an unknown id at each depth: always a 404 that says what is missing.

use crate::helpers::{Chain, TestApp, DELETED, LIVE};
use uuid::Uuid;

/// Every GET address of a chain (entities and collections), in `tree`.
fn addresses(chain: &Chain, tree: &str) -> Vec<String> {
    let workflow = format!("/{tree}/{}", chain.workflow);
    let task = format!("{workflow}/tasks/{}", chain.task);
    let by_workflow_user = format!("{workflow}/userProcessingResults/{}", chain.user_result);
    let result = chain.task_result_path(tree);
    let window = "summary(startDateTime=2026-01-01T00:00:00Z,endDateTime=2027-01-01T00:00:00Z)";
    vec![
        workflow.clone(),
        format!("{workflow}/tasks"),
        format!("{workflow}/tasks/$count"),
        task.clone(),
        format!("{task}/taskProcessingResults"),
        format!("{task}/taskProcessingResults/$count"),
        format!("{task}/taskProcessingResults/{}", chain.task_result),
        format!("{workflow}/runs"),
        format!("{workflow}/runs/$count"),
        format!("{workflow}/runs/{window}"),
        chain.run_path(tree),
        format!("{}/taskProcessingResults", chain.run_path(tree)),
        format!("{}/taskProcessingResults/$count", chain.run_path(tree)),
        format!(
            "{}/taskProcessingResults/{}",
            chain.run_path(tree),
            chain.task_result
        ),
        format!("{}/userProcessingResults", chain.run_path(tree)),
        format!("{}/userProcessingResults/$count", chain.run_path(tree)),
        format!("{workflow}/userProcessingResults"),
        format!("{workflow}/userProcessingResults/$count"),
        format!("{workflow}/userProcessingResults/{window}"),
        chain.user_result_path(tree),
        by_workflow_user.clone(),
        format!("{}/taskProcessingResults", chain.user_result_path(tree)),
        format!(
            "{}/taskProcessingResults/$count",
            chain.user_result_path(tree)
        ),
        format!("{by_workflow_user}/taskProcessingResults"),
        format!(
            "{by_workflow_user}/taskProcessingResults/{}",
            chain.task_result
        ),
        result.clone(),
        format!("{result}/task"),
        chain.same_task_path(tree),
        format!("{}/$count", chain.same_task_path(tree)),
        format!("{}/{}", chain.same_task_path(tree), chain.task_result),
    ]
}

#[tokio::test]
async fn every_address_answers_in_its_tree_and_is_a_404_in_the_other() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;

    for (holds, other, says) in [
        (LIVE, DELETED, "is not deleted"),
        (DELETED, LIVE, "is deleted"),
    ] {
        if holds == DELETED {
            app.soft_delete(&chain.workflow).await;
        }
        for path in addresses(&chain, holds) {
            let response = app.get(&path).await;
            assert_eq!(response.status, 200, "{path}: {}", response.text);
        }
        for path in addresses(&chain, other) {
            let message = app.get(&path).await.assert_error(404, "itemNotFound");
            assert!(message.contains(says), "{path}: {message}");
        }
    }
}

#[tokio::test]
async fn an_unknown_id_at_any_depth_is_a_404_that_names_it() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let unknown = Uuid::now_v7().to_string();
    let ids = [
        &chain.workflow,
        &chain.task,
        &chain.run,
        &chain.user_result,
        &chain.task_result,
    ];

    for path in addresses(&chain, LIVE) {
        for id in ids.iter().filter(|id| path.contains(id.as_str())) {
            let broken = path.replace(id.as_str(), &unknown);
            let message = app.get(&broken).await.assert_error(404, "itemNotFound");
            assert!(message.contains(&unknown), "{broken}: {message}");
        }
    }
}
