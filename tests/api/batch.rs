//! `$batch`: inner requests through the same routing, authentication and
//! validation as direct ones, in dependsOn order.

use crate::helpers::{client_with_token, seed_body, workflow_body, TestApp, LIVE};
use serde_json::{json, Value};

async fn batch(app: &TestApp, body: &Value) -> crate::helpers::Response {
    app.send(
        app.client
            .post(format!("{}/beta/$batch", app.address))
            .json(body),
    )
    .await
}

fn response<'a>(batch: &'a Value, id: &str) -> &'a Value {
    batch["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|response| response["id"] == id)
        .unwrap_or_else(|| panic!("no response {id} in {batch}"))
}

const BASE: &str = "/identityGovernance/lifecycleWorkflows";

#[tokio::test]
async fn a_batch_mixes_creates_reads_and_failures_each_with_its_status() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let body = json!({"requests": [
        {"id": "create", "method": "POST", "url": format!("{BASE}/workflows"),
         "headers": {"Content-Type": "application/json"}, "body": workflow_body("Batched")},
        {"id": "seed", "method": "POST",
         "url": format!("{BASE}{}", chain.same_task_path(LIVE)),
         "headers": {"Content-Type": "application/json"}, "body": seed_body()},
        {"id": "read", "method": "GET", "url": format!("{BASE}/workflows/{}", chain.workflow)},
        {"id": "count", "method": "GET", "url": format!("{BASE}/workflows/$count")},
        {"id": "missing", "method": "GET", "url": format!("{BASE}/workflows/{}", uuid::Uuid::now_v7())},
        {"id": "invalid", "method": "POST", "url": format!("{BASE}/workflows"),
         "headers": {"Content-Type": "application/json"}, "body": {"displayName": ""}},
        {"id": "bad header", "method": "GET", "url": format!("{BASE}/workflows"),
         "headers": {"Bad Header": "x"}},
    ]});
    let answered = batch(&app, &body).await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    let responses = &answered.body;

    let created = response(responses, "create");
    assert_eq!(created["status"], 201, "{created}");
    assert_eq!(created["body"]["displayName"], "Batched");
    assert!(created["headers"]["location"]
        .as_str()
        .unwrap()
        .contains("/workflows/"));
    assert_eq!(response(responses, "seed")["status"], 201);
    assert_eq!(
        response(responses, "read")["body"]["id"],
        chain.workflow.as_str()
    );
    assert_eq!(response(responses, "count")["body"], "2");
    let missing = response(responses, "missing");
    assert_eq!(missing["status"], 404);
    assert_eq!(missing["body"]["error"]["code"], "itemNotFound");
    let invalid = response(responses, "invalid");
    assert_eq!(invalid["status"], 400);
    assert_eq!(invalid["body"]["error"]["code"], "invalidRequest");
    let bad_header = response(responses, "bad header");
    assert_eq!(bad_header["status"], 400, "{bad_header}");
    assert!(bad_header["body"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("'headers'"));
    assert_eq!(app.count("workflows").await, 2);
    assert_eq!(app.count("task_processing_results").await, 2);
}

#[tokio::test]
async fn depends_on_orders_requests_and_a_failed_dependency_is_a_424() {
    let app = TestApp::spawn().await;
    // Listed in reverse: the list runs after the create it depends on.
    let body = json!({"requests": [
        {"id": "list", "method": "GET", "url": format!("{BASE}/workflows/$count"), "dependsOn": ["create"]},
        {"id": "create", "method": "POST", "url": format!("{BASE}/workflows"),
         "headers": {"Content-Type": "application/json"}, "body": workflow_body("First")},
        {"id": "duplicate", "method": "POST", "url": format!("{BASE}/workflows"), "dependsOn": ["create"],
         "headers": {"Content-Type": "application/json"}, "body": workflow_body("First")},
        {"id": "after duplicate", "method": "GET", "url": format!("{BASE}/workflows"), "dependsOn": ["duplicate"]},
    ]});
    let answered = batch(&app, &body).await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    let responses = &answered.body;
    assert_eq!(response(responses, "create")["status"], 201);
    assert_eq!(
        response(responses, "list")["body"],
        "1",
        "the list ran after the create"
    );
    assert_eq!(response(responses, "duplicate")["status"], 409);
    let skipped = response(responses, "after duplicate");
    assert_eq!(skipped["status"], 424);
    assert_eq!(skipped["body"]["error"]["code"], "failedDependency");
}

#[tokio::test]
async fn invalid_batches_are_400s_naming_the_problem() {
    let app = TestApp::spawn().await;
    let get = |id: &str| json!({"id": id, "method": "GET", "url": format!("{BASE}/workflows")});
    let cases = [
        (json!({"requests": []}), "requests"),
        (json!({"requests": vec![get("1"); 21]}), "requests"),
        (json!({"requests": [get("1"), get("1")]}), "requests[1].id"),
        (
            json!({"requests": [{"id": "1", "method": "BREW", "url": "/x"}]}),
            "requests[0].method",
        ),
        (
            json!({"requests": [{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/beta/me"}]}),
            "requests[0].url",
        ),
        (
            json!({"requests": [{"id": "1", "method": "GET", "url": "/$batch"}]}),
            "requests[0].url",
        ),
        (
            json!({"requests": [{"id": "1", "method": "GET", "url": "/x", "dependsOn": ["2"]}]}),
            "requests[0].dependsOn",
        ),
        (
            json!({"requests": [
            {"id": "1", "method": "GET", "url": "/x", "dependsOn": ["2"]},
            {"id": "2", "method": "GET", "url": "/x", "dependsOn": ["1"]}]}),
            "cycle",
        ),
    ];
    for (body, named) in cases {
        let answered = batch(&app, &body).await;
        let message = answered.assert_error(400, "invalidRequest");
        assert!(message.contains(named), "{named}: {message}");
    }
}

#[tokio::test]
async fn a_batch_needs_a_token_and_its_requests_their_permissions() {
    let app = TestApp::spawn().await;
    let body =
        json!({"requests": [{"id": "1", "method": "GET", "url": format!("{BASE}/workflows")}]});
    let anonymous = app
        .send(
            reqwest::Client::new()
                .post(format!("{}/beta/$batch", app.address))
                .json(&body),
        )
        .await;
    anonymous.assert_error(401, "InvalidAuthenticationToken");

    let reports_only =
        client_with_token(&app.token(app.tenant, &["LifecycleWorkflows-Reports.Read.All"], &[]));
    let answered = app
        .send(
            reports_only
                .post(format!("{}/beta/$batch", app.address))
                .json(&body),
        )
        .await;
    assert_eq!(answered.status, 200);
    let inner = response(&answered.body, "1");
    assert_eq!(inner["status"], 403);
    assert_eq!(inner["body"]["error"]["code"], "accessDenied");
}
