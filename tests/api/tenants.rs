//! Tenant isolation: a second tenant, with every permission, runs every operation
//! of the API against the first tenant's ids and finds nothing, changes nothing.

use crate::helpers::{
    client_with_token, run_body, seed_body, user_result_body, workflow_body, Chain, TestApp,
    DELETED, LIVE, SUBJECT_ID,
};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

const TABLES: [&str; 5] = [
    "workflows",
    "tasks",
    "runs",
    "user_processing_results",
    "task_processing_results",
];

/// Every row of every table, to compare before and after.
async fn snapshot(app: &TestApp) -> Vec<Value> {
    let mut rows = Vec::new();
    for table in TABLES {
        let json: Vec<Value> = sqlx::query_scalar(&format!(
            "select to_jsonb(t) from {table} t order by tenant_id, id"
        ))
        .fetch_all(&app.db)
        .await
        .unwrap();
        rows.extend(json);
    }
    rows
}

/// Every write of the API beneath a workflow, with a valid body.
fn writes(tree: &str, chain: &Chain) -> Vec<(Method, String, Option<Value>)> {
    let workflow = format!("/{tree}/{}", chain.workflow);
    let processed = json!({"processingStatus": "completed"});
    vec![
        (
            Method::PATCH,
            format!("{workflow}/tasks/{}", chain.task),
            Some(json!({"description": "Taken over"})),
        ),
        (Method::POST, format!("{workflow}/runs"), Some(run_body())),
        (Method::PATCH, chain.run_path(tree), Some(processed.clone())),
        (
            Method::POST,
            format!("{}/userProcessingResults", chain.run_path(tree)),
            Some(user_result_body()),
        ),
        (
            Method::PATCH,
            chain.user_result_path(tree),
            Some(processed.clone()),
        ),
        (
            Method::POST,
            format!("{}/taskProcessingResults", chain.user_result_path(tree)),
            Some(json!({
                "task": {"id": chain.task},
                "createdDateTime": "2026-11-29T07:00:00Z",
                "processingStatus": "queued"
            })),
        ),
        (Method::PATCH, chain.task_result_path(tree), Some(processed)),
        (Method::POST, chain.same_task_path(tree), Some(seed_body())),
    ]
}

#[tokio::test]
async fn a_second_tenant_finds_and_changes_nothing_of_the_first() {
    let app = TestApp::spawn().await;
    let live = app.create_chain().await;
    let deleted = app.create_chain().await;
    app.soft_delete(&deleted.workflow).await;
    let before = snapshot(&app).await;

    let intruder = client_with_token(&app.token(Uuid::new_v4(), &[], &[]));
    let mut operations: Vec<(Method, String, Option<Value>)> = Vec::new();
    for (tree, chain) in [(LIVE, &live), (DELETED, &deleted)] {
        operations.extend(
            chain
                .read_paths(tree)
                .into_iter()
                .map(|path| (Method::GET, path, None)),
        );
        operations.extend(writes(tree, chain));
    }
    let live_workflow = format!("/{LIVE}/{}", live.workflow);
    let deleted_workflow = format!("/{DELETED}/{}", deleted.workflow);
    let subjects = json!({"subjects": [{"id": SUBJECT_ID}]});
    operations.extend([
        (
            Method::PATCH,
            live_workflow.clone(),
            Some(json!({"description": "Taken over"})),
        ),
        (
            Method::POST,
            format!("{live_workflow}/activate"),
            Some(subjects.clone()),
        ),
        (
            Method::POST,
            format!("{live_workflow}/microsoft.graph.identityGovernance.activate"),
            Some(subjects),
        ),
        (Method::DELETE, live_workflow, None),
        (Method::POST, format!("{deleted_workflow}/restore"), None),
        (
            Method::POST,
            format!("{deleted_workflow}/microsoft.graph.identityGovernance.restore"),
            None,
        ),
        (Method::DELETE, deleted_workflow, None),
    ]);

    for (method, path, body) in &operations {
        let mut request = intruder.request(method.clone(), app.url(path));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = app.send(request).await;
        response.assert_error(404, "itemNotFound");
    }
    assert!(operations.len() > 70, "{} operations", operations.len());

    for collection in [LIVE, DELETED] {
        let list = app
            .send(intruder.get(app.url(&format!("/{collection}"))))
            .await;
        assert_eq!(list.status, 200, "{}", list.text);
        assert_eq!(list.body["value"], json!([]), "{collection}");
        let count = app
            .send(intruder.get(app.url(&format!("/{collection}/$count"))))
            .await;
        assert_eq!(count.text, "0", "{collection}");
    }
    assert_eq!(
        snapshot(&app).await,
        before,
        "the first tenant's rows changed"
    );
}

#[tokio::test]
async fn tenants_have_their_own_names_and_never_see_each_other_s_workflows() {
    let app = TestApp::spawn().await;
    let first = app.create_workflow("Leavers").await;
    let second = client_with_token(&app.token(Uuid::new_v4(), &[], &[]));

    // A display name is unique within a tenant, not across tenants.
    let created = app
        .send(
            second
                .post(app.url(&format!("/{LIVE}")))
                .json(&workflow_body("Leavers")),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);

    let theirs = app
        .get(&format!("/{LIVE}/{}", created.body["id"].as_str().unwrap()))
        .await;
    theirs.assert_error(404, "itemNotFound");
    let mine = app
        .get(&format!("/{LIVE}?$filter=displayName eq 'Leavers'"))
        .await;
    let ids: Vec<&Value> = mine.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|workflow| &workflow["id"])
        .collect();
    assert_eq!(ids, [&first["id"]]);
}
