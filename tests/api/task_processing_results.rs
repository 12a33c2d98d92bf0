//! taskProcessingResults under a userProcessingResult, and reading a result
//! through `…/task/taskProcessingResults/{id}`.

use crate::helpers::{user_result_body, Chain, TestApp, DELETED, LIVE, SUBJECT_ID};
use serde_json::{json, Value};
use uuid::Uuid;

fn body(task: &str) -> Value {
    json!({"task": {"id": task}, "createdDateTime": "2026-11-29T07:00:00Z", "processingStatus": "inProgress"})
}

#[tokio::test]
async fn create_under_a_user_processing_result_in_both_trees() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let live = app
        .post(
            &format!("{}/taskProcessingResults", chain.user_result_path(LIVE)),
            &body(&chain.task),
        )
        .await;
    assert_eq!(live.status, 201, "{}", live.text);
    app.soft_delete(&chain.workflow).await;
    let mut bound = body(&chain.task);
    bound.as_object_mut().unwrap().remove("task");
    bound["task@odata.bind"] = json!(format!(
        "https://graph.microsoft.com/beta/identityGovernance/lifecycleWorkflows/workflows/{}/tasks/{}",
        chain.workflow, chain.task
    ));

    let deleted = app
        .post(
            &format!("{}/taskProcessingResults", chain.user_result_path(DELETED)),
            &bound,
        )
        .await;

    assert_eq!(deleted.status, 201, "{}", deleted.text);
    let path = format!(
        "{}/taskProcessingResults/{}",
        chain.user_result_path(DELETED),
        deleted.id()
    );
    assert_eq!(deleted.header("location").unwrap(), app.url(&path));
    assert_eq!(deleted.body["subject"], json!({"id": SUBJECT_ID}));
    assert_eq!(deleted.body["processingStatus"], "inProgress");
    let read = app.get(&path).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, deleted.body);
}

#[tokio::test]
async fn the_task_must_be_named_and_belong_to_the_workflow() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let other = app.create_chain().await;
    let path = format!("{}/taskProcessingResults", chain.user_result_path(LIVE));
    let mut no_task = body(&chain.task);
    no_task.as_object_mut().unwrap().remove("task");

    for (body, property) in [
        (no_task, "task"),
        (body(&other.task), "task"),
        (body(&Uuid::now_v7().to_string()), "task"),
        (body("not-a-uuid"), "task.id"),
    ] {
        let message = app
            .post(&path, &body)
            .await
            .assert_error(400, "invalidRequest");
        assert!(
            message.contains(property),
            "'{message}' does not name {property}"
        );
    }
    assert_eq!(app.count("task_processing_results").await, 2);
}

#[tokio::test]
async fn a_result_of_the_same_task_is_readable_through_the_task_across_runs() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    // A second run and user for the same workflow, with a result of the same task
    // and one of the other task.
    let run = app
        .post(
            &format!("/{LIVE}/{}/runs", chain.workflow),
            &crate::helpers::run_body(),
        )
        .await
        .id();
    let user = app
        .post(
            &format!(
                "/{LIVE}/{}/runs/{run}/userProcessingResults",
                chain.workflow
            ),
            &user_result_body(),
        )
        .await
        .id();
    let elsewhere = Chain {
        run,
        user_result: user,
        task_result: String::new(),
        ..chain.clone()
    };
    let results = format!("{}/taskProcessingResults", elsewhere.user_result_path(LIVE));
    let same_task = app.post(&results, &body(&chain.task)).await.id();
    let workflow = app.get(&format!("/{LIVE}/{}", chain.workflow)).await.body;
    let other_task = workflow["tasks"][1]["id"].as_str().unwrap().to_owned();
    let different_task = app.post(&results, &body(&other_task)).await.id();

    let read = app
        .get(&format!("{}/{same_task}", chain.same_task_path(LIVE)))
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body["id"], same_task);
    assert!(read.body["@odata.context"]
        .as_str()
        .unwrap()
        .contains(&format!(
            "runs('{}')/userProcessingResults('{}')",
            elsewhere.run, elsewhere.user_result
        )));

    let message = app
        .get(&format!("{}/{different_task}", chain.same_task_path(LIVE)))
        .await
        .assert_error(404, "itemNotFound");
    assert!(message.contains("for the task of"), "{message}");
    app.get(&format!("{}/{same_task}", chain.same_task_path(DELETED)))
        .await
        .assert_error(404, "itemNotFound");
}

#[tokio::test]
async fn a_missing_result_is_a_404_naming_it() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let unknown = Uuid::now_v7();

    let message = app
        .get(&format!(
            "{}/taskProcessingResults/{unknown}",
            chain.user_result_path(LIVE)
        ))
        .await
        .assert_error(404, "itemNotFound");

    assert!(
        message.contains(&format!("No taskProcessingResult with id '{unknown}'")),
        "{message}"
    );
    let message = app
        .post(
            &format!(
                "{}/userProcessingResults/{unknown}/taskProcessingResults",
                chain.run_path(LIVE)
            ),
            &body(&chain.task),
        )
        .await
        .assert_error(404, "itemNotFound");
    assert!(
        message.contains(&format!("No userProcessingResult with id '{unknown}'")),
        "{message}"
    );
}
