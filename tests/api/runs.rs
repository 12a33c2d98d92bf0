//! Runs: create and get in both trees; counters derived from what is stored.

use crate::helpers::{run_body, user_result_body, TestApp, DELETED, LIVE};
use serde_json::{json, Value};
use uuid::Uuid;

#[tokio::test]
async fn create_and_get_a_run_in_both_trees() {
    let app = TestApp::spawn().await;
    let live = app.create_workflow("Live").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let deleted = app.create_workflow("Deleted").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.soft_delete(&deleted).await;

    for (tree, workflow) in [(LIVE, live), (DELETED, deleted)] {
        let response = app
            .post(&format!("/{tree}/{workflow}/runs"), &run_body())
            .await;
        assert_eq!(response.status, 201, "{}", response.text);
        let id = response.id();
        assert_eq!(
            response.header("location").unwrap(),
            app.url(&format!("/{tree}/{workflow}/runs/{id}"))
        );
        assert_eq!(
            response.body,
            json!({
                "@odata.context": format!("{}/beta/$metadata#identityGovernance/lifecycleWorkflows/{tree}('{workflow}')/runs/$entity", app.address),
                "id": id,
                "processingStatus": "inProgress",
                "workflowExecutionType": "onDemand",
                "scheduledDateTime": "2026-11-29T07:00:00Z",
                "startedDateTime": "2026-11-29T07:00:05Z",
                "completedDateTime": null,
                "lastUpdatedDateTime": response.body["lastUpdatedDateTime"],
                "totalUsersCount": 0,
                "successfulUsersCount": 0,
                "failedUsersCount": 0,
                "totalTasksCount": 0,
                "failedTasksCount": 0,
                "totalUnprocessedTasksCount": 0
            })
        );
        let read = app.get(&format!("/{tree}/{workflow}/runs/{id}")).await;
        assert_eq!(read.status, 200);
        assert_eq!(read.body, response.body);
    }
}

#[tokio::test]
async fn counters_are_derived_from_the_results_beneath_the_run() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let users = format!("{}/userProcessingResults", chain.run_path(LIVE));
    for status in ["completed", "failed", "completedWithErrors"] {
        let mut body = user_result_body();
        body["processingStatus"] = json!(status);
        assert_eq!(app.post(&users, &body).await.status, 201);
    }
    let tasks = format!("{}/taskProcessingResults", chain.user_result_path(LIVE));
    for status in ["failed", "inProgress", "completed"] {
        let body = json!({"task": {"id": chain.task}, "createdDateTime": "2026-11-29T07:00:00Z", "processingStatus": status});
        assert_eq!(app.post(&tasks, &body).await.status, 201);
    }

    let run = app.get(&chain.run_path(LIVE)).await.body;
    assert_eq!(run["totalUsersCount"], 4);
    assert_eq!(run["successfulUsersCount"], 1);
    assert_eq!(run["failedUsersCount"], 2);
    assert_eq!(run["totalTasksCount"], 4);
    assert_eq!(run["failedTasksCount"], 1);
    assert_eq!(run["totalUnprocessedTasksCount"], 2);
}

#[tokio::test]
async fn invalid_runs_are_400s() {
    let app = TestApp::spawn().await;
    let workflow = app.create_workflow("Runs").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/{LIVE}/{workflow}/runs");
    let edit = |key: &str, value: Value| {
        let mut body = run_body();
        body[key] = value;
        body
    };
    for (body, property) in [
        (
            edit("workflowExecutionType", json!("sometimes")),
            "workflowExecutionType",
        ),
        (
            edit("completedDateTime", json!("2026-11-29T07:00:00Z")),
            "completedDateTime",
        ),
        (edit("scheduledDateTime", Value::Null), "scheduledDateTime"),
        (
            edit(
                "@odata.type",
                json!("#microsoft.graph.identityGovernance.workflow"),
            ),
            "@odata.type",
        ),
        (edit("totalUsers", json!(3)), "totalUsers"),
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
    // Read-only counters are ignored, not refused.
    let ignored = app.post(&path, &edit("totalUsersCount", json!(99))).await;
    assert_eq!(ignored.status, 201);
    assert_eq!(ignored.body["totalUsersCount"], 0);
    assert_eq!(app.count("runs").await, 1);
}

#[tokio::test]
async fn runs_are_404s_in_the_wrong_tree_or_under_another_workflow() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let other = app.create_workflow("Other").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    app.get(&chain.run_path(DELETED))
        .await
        .assert_error(404, "itemNotFound");
    let message = app
        .get(&format!("/{LIVE}/{other}/runs/{}", chain.run))
        .await
        .assert_error(404, "itemNotFound");
    assert!(
        message.contains(&format!("No run with id '{}'", chain.run)),
        "{message}"
    );
    let unknown = Uuid::now_v7();
    let message = app
        .post(&format!("/{LIVE}/{unknown}/runs"), &run_body())
        .await
        .assert_error(404, "itemNotFound");
    assert!(
        message.contains(&format!("No workflow with id '{unknown}'")),
        "{message}"
    );
    app.post(&format!("/{DELETED}/{}/runs", chain.workflow), &run_body())
        .await
        .assert_error(404, "itemNotFound");
    assert_eq!(app.count("runs").await, 1);
}

#[tokio::test]
async fn counters_filter_sort_count_and_page_like_any_integer() {
    let app = TestApp::spawn().await;
    let workflow = app.create_workflow("Counted").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let runs_path = format!("/{LIVE}/{workflow}/runs");
    // Runs with 0, 1, 2 and 3 users, the last user of each failed.
    let mut runs = Vec::new();
    for users in 0..4 {
        let run = app.post(&runs_path, &run_body()).await.id();
        for user in 0..users {
            let mut body = user_result_body();
            if user == users - 1 {
                body["processingStatus"] = json!("failed");
            }
            let path = format!("{runs_path}/{run}/userProcessingResults");
            assert_eq!(app.post(&path, &body).await.status, 201);
        }
        runs.push(run);
    }
    let ids = |body: &Value| -> Vec<String> {
        body["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|run| run["id"].as_str().unwrap().to_owned())
            .collect()
    };

    let filtered = app
        .get(&format!("{runs_path}?$filter=totalUsersCount ge 2"))
        .await;
    assert_eq!(filtered.status, 200, "{}", filtered.text);
    assert_eq!(ids(&filtered.body), runs[2..].to_vec());
    let count = app
        .get(&format!(
            "{runs_path}/$count?$filter=failedUsersCount eq 1 and totalUsersCount lt 3"
        ))
        .await;
    assert_eq!(count.text, "2");

    // Sorted by a counter, one run a page: every page follows the order.
    let mut url = app.url(&format!("{runs_path}?$orderby=totalUsersCount desc&$top=1"));
    let mut seen = Vec::new();
    loop {
        let page = app.send(app.client.get(&url)).await;
        assert_eq!(page.status, 200, "{}", page.text);
        seen.extend(ids(&page.body));
        match page.body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    let mut newest_first = runs.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    // A userProcessingResult's counters too.
    let users = format!("{runs_path}/{}/userProcessingResults", runs[3]);
    let user = app.get(&format!("{users}?$top=1")).await.body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let task = app.get(&format!("/{LIVE}/{workflow}")).await.body["tasks"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let result = json!({"task": {"id": task}, "createdDateTime": "2026-11-29T07:00:00Z", "processingStatus": "failed"});
    let created = app
        .post(&format!("{users}/{user}/taskProcessingResults"), &result)
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let failing = app
        .get(&format!(
            "{users}?$filter=failedTasksCount gt 0&$orderby=totalTasksCount desc"
        ))
        .await;
    assert_eq!(failing.status, 200, "{}", failing.text);
    assert_eq!(ids(&failing.body), vec![user]);
}
