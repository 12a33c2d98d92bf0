//! The seed operation: POST …/taskProcessingResults/{p}/task/taskProcessingResults,
//! on both trees, and every bad input of issue 2 (none may leave a row behind).

use crate::helpers::{seed_body, Chain, TestApp, DELETED, LIVE, SUBJECT_ID};
use crate::statements;
use serde_json::{json, Value};
use uuid::Uuid;

async fn deleted_chain(app: &TestApp) -> Chain {
    let chain = app.create_chain().await;
    app.soft_delete(&chain.workflow).await;
    chain
}

#[tokio::test]
async fn creates_a_result_for_the_same_task_in_the_deleted_tree() {
    let app = TestApp::spawn().await;
    let chain = deleted_chain(&app).await;
    let body = json!({
        "@odata.type": "#microsoft.graph.identityGovernance.taskProcessingResult",
        "createdDateTime": "2026-11-29T08:05:00.1234567+01:00",
        "processingStatus": "failed",
        "startedDateTime": "2026-11-29T07:05:01Z",
        "completedDateTime": "2026-11-29T07:05:02.5Z",
        "failureReason": "The mailbox is on hold.",
        "processingInfo": "retried once"
    });

    let response = app.post(&chain.same_task_path(DELETED), &body).await;

    assert_eq!(response.status, 201, "{}", response.text);
    let id = response.id();
    assert_eq!(
        response.header("location").unwrap(),
        format!(
            "{}/taskProcessingResults/{id}",
            app.url(&chain.user_result_path(DELETED))
        )
    );
    assert_eq!(
        response.header("content-type").unwrap(),
        "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
    );
    assert_eq!(response.header("odata-version"), Some("4.0"));
    assert!(Uuid::parse_str(response.header("request-id").unwrap()).is_ok());
    assert_eq!(
        response.body,
        json!({
            "@odata.context": format!(
                "{}/beta/$metadata#identityGovernance/lifecycleWorkflows/deletedItems/workflows('{}')/runs('{}')/userProcessingResults('{}')/taskProcessingResults/$entity",
                app.address, chain.workflow, chain.run, chain.user_result
            ),
            "id": id,
            "createdDateTime": "2026-11-29T07:05:00.123456Z",
            "processingStatus": "failed",
            "startedDateTime": "2026-11-29T07:05:01Z",
            "completedDateTime": "2026-11-29T07:05:02.500Z",
            "failureReason": "The mailbox is on hold.",
            "processingInfo": "retried once",
            "subject": {"id": SUBJECT_ID}
        })
    );

    // Stored for the same task and userProcessingResult as the origin.
    let (task_id, user_result_id): (Uuid, Uuid) = sqlx::query_as(
        "select task_id, user_processing_result_id from task_processing_results where id = $1",
    )
    .bind(Uuid::parse_str(&id).unwrap())
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(task_id.to_string(), chain.task);
    assert_eq!(user_result_id.to_string(), chain.user_result);

    // And readable at its canonical address and through the task.
    let read = app
        .get(&format!(
            "{}/taskProcessingResults/{id}",
            chain.user_result_path(DELETED)
        ))
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, response.body);
    let through_task = app
        .get(&format!("{}/{id}", chain.same_task_path(DELETED)))
        .await;
    assert_eq!(through_task.status, 200);
    assert_eq!(through_task.body["id"], id);
}

#[tokio::test]
async fn creates_a_result_for_the_same_task_in_the_live_tree() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;

    let response = app.post(&chain.same_task_path(LIVE), &seed_body()).await;

    assert_eq!(response.status, 201, "{}", response.text);
    assert!(response
        .header("location")
        .unwrap()
        .starts_with(&app.url(&format!(
            "{}/taskProcessingResults/",
            chain.user_result_path(LIVE)
        ))));
    assert_eq!(response.body["processingStatus"], "completed");
    assert_eq!(response.body["failureReason"], Value::Null);
    assert_eq!(response.body["processingInfo"], Value::Null);
    assert_eq!(app.count("task_processing_results").await, 2);
}

#[tokio::test]
async fn the_success_path_is_one_statement_and_the_404_path_two() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;

    let created = app.post(&chain.same_task_path(LIVE), &seed_body()).await;
    assert_eq!(created.status, 201);
    assert_eq!(
        statements::sent_by(created.header("request-id").unwrap()),
        1
    );

    let missing = app.post(&chain.same_task_path(DELETED), &seed_body()).await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        statements::sent_by(missing.header("request-id").unwrap()),
        2
    );
}

#[tokio::test]
async fn evolvable_statuses_are_hidden_unless_the_client_opts_in() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let mut body = seed_body();
    body["processingStatus"] = json!("canceling");

    let hidden = app.post(&chain.same_task_path(LIVE), &body).await;
    assert_eq!(hidden.status, 201);
    assert_eq!(hidden.body["processingStatus"], "unknownFutureValue");
    assert_eq!(hidden.header("preference-applied"), None);

    let shown = app
        .send(
            app.client
                .post(app.url(&chain.same_task_path(LIVE)))
                .header(
                    "Prefer",
                    "odata.maxpagesize=10, include-unknown-enum-members",
                )
                .json(&body),
        )
        .await;
    assert_eq!(shown.status, 201);
    assert_eq!(shown.body["processingStatus"], "canceling");
    assert_eq!(
        shown.header("preference-applied"),
        Some("include-unknown-enum-members")
    );
}

#[tokio::test]
async fn read_only_properties_sent_back_by_sdks_are_ignored() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let mut body = seed_body();
    body["id"] = json!("9d903f8d-4f30-482f-9927-15f6dc48891d");
    body["subject"] = json!({"id": "00000000-0000-0000-0000-000000000001"});
    body["@odata.type"] = json!("microsoft.graph.identityGovernance.taskProcessingResult");

    let response = app.post(&chain.same_task_path(LIVE), &body).await;

    assert_eq!(response.status, 201, "{}", response.text);
    assert_ne!(response.body["id"], "9d903f8d-4f30-482f-9927-15f6dc48891d");
    assert_eq!(response.body["subject"]["id"], SUBJECT_ID);
}

/// A body that breaks one rule, and a fragment the error message must contain.
fn invalid_bodies() -> Vec<(&'static str, Value, &'static str)> {
    let with = |key: &str, value: Value| {
        let mut body = seed_body();
        body[key] = value;
        body
    };
    let without = |key: &str| {
        let mut body = seed_body();
        body.as_object_mut().unwrap().remove(key);
        body
    };
    vec![
        (
            "missing createdDateTime",
            without("createdDateTime"),
            "createdDateTime",
        ),
        (
            "missing processingStatus",
            without("processingStatus"),
            "processingStatus",
        ),
        (
            "status not in the enum",
            with("processingStatus", json!("done")),
            "processingStatus",
        ),
        (
            "status in the wrong case",
            with("processingStatus", json!("Failed")),
            "processingStatus",
        ),
        (
            "the unknownFutureValue sentinel",
            with("processingStatus", json!("unknownFutureValue")),
            "processingStatus",
        ),
        (
            "null for a required property",
            with("createdDateTime", Value::Null),
            "createdDateTime",
        ),
        (
            "null status",
            with("processingStatus", Value::Null),
            "processingStatus",
        ),
        (
            "a number for a string",
            with("failureReason", json!(42)),
            "failureReason",
        ),
        (
            "an object for a timestamp",
            with("startedDateTime", json!({})),
            "startedDateTime",
        ),
        (
            "an unknown property",
            with("colour", json!("blue")),
            "colour",
        ),
        (
            "a task reference",
            with("task", json!({"id": Uuid::nil()})),
            "task",
        ),
        (
            "another @odata.type",
            with(
                "@odata.type",
                json!("#microsoft.graph.identityGovernance.run"),
            ),
            "@odata.type",
        ),
        (
            "a date without a time",
            with("createdDateTime", json!("2026-11-29")),
            "createdDateTime",
        ),
        (
            "a timestamp that is not RFC 3339",
            with("startedDateTime", json!("29/11/2026 07:00")),
            "startedDateTime",
        ),
        (
            "too many fractional digits",
            with("createdDateTime", json!("2026-11-29T07:00:00.123456789Z")),
            "createdDateTime",
        ),
        (
            "completed before started",
            with("completedDateTime", json!("2026-11-29T07:05:00Z")),
            "completedDateTime",
        ),
        (
            "a failureReason over 4,000 characters",
            with("failureReason", json!("x".repeat(4001))),
            "failureReason",
        ),
        // Postgres text cannot hold U+0000.
        (
            "a NUL character in a text",
            with("failureReason", json!("a\u{0}b")),
            "U+0000",
        ),
    ]
}

#[tokio::test]
async fn every_invalid_body_is_a_400_that_names_the_property_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let chain = deleted_chain(&app).await;
    let path = chain.same_task_path(DELETED);

    for (case, body, property) in invalid_bodies() {
        let response = app.post(&path, &body).await;
        let message = response.assert_error(400, "invalidRequest");
        assert!(
            message.contains(property),
            "{case}: '{message}' does not name {property}"
        );
    }
    assert_eq!(app.count("task_processing_results").await, 1);
}

#[tokio::test]
async fn a_failure_reason_of_exactly_4000_characters_is_accepted() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let mut body = seed_body();
    body["failureReason"] = json!("é".repeat(4000));

    let response = app.post(&chain.same_task_path(LIVE), &body).await;

    assert_eq!(response.status, 201, "{}", response.text);
}

#[tokio::test]
async fn bodies_that_are_not_one_json_object_are_400s() {
    let app = TestApp::spawn().await;
    let chain = deleted_chain(&app).await;
    let url = app.url(&chain.same_task_path(DELETED));

    for (case, raw) in [
        ("an array", "[]".to_owned()),
        ("a string", "\"completed\"".to_owned()),
        ("a number", "1".to_owned()),
        ("malformed JSON", "{\"createdDateTime\": ".to_owned()),
        ("trailing garbage", format!("{} x", seed_body())),
        ("an empty body", String::new()),
    ] {
        let response = app
            .send(
                app.client
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .body(raw),
            )
            .await;
        let message = response.assert_error(400, "invalidRequest");
        assert!(message.to_lowercase().contains("json"), "{case}: {message}");
    }
    assert_eq!(app.count("task_processing_results").await, 1);
}

#[tokio::test]
async fn bodies_that_are_not_json_are_415s() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let url = app.url(&chain.same_task_path(LIVE));
    let json = seed_body().to_string();

    let missing = app.send(app.client.post(&url).body(json.clone())).await;
    missing.assert_error(415, "unsupportedMediaType");
    for content_type in [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "not a type",
    ] {
        let response = app
            .send(
                app.client
                    .post(&url)
                    .header("Content-Type", content_type)
                    .body(json.clone()),
            )
            .await;
        response.assert_error(415, "unsupportedMediaType");
    }
    // Parameters such as charset are fine.
    let with_charset = app
        .send(
            app.client
                .post(&url)
                .header("Content-Type", "application/json; charset=utf-8")
                .body(json),
        )
        .await;
    assert_eq!(with_charset.status, 201, "{}", with_charset.text);
    assert_eq!(app.count("task_processing_results").await, 2);
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let app = TestApp::spawn_with(&[("LCW_MAX_BODY_BYTES", "2048")]).await;
    let chain = app.create_chain().await;
    let mut body = seed_body();
    body["processingInfo"] = json!("x".repeat(3000));

    let response = app.post(&chain.same_task_path(LIVE), &body).await;

    let message = response.assert_error(413, "requestTooLarge");
    assert!(message.contains("2048"), "{message}");
    assert_eq!(app.count("task_processing_results").await, 1);
}

#[tokio::test]
async fn a_path_id_that_is_not_a_uuid_is_a_404_naming_the_segment() {
    let app = TestApp::spawn().await;
    let chain = deleted_chain(&app).await;
    let good = chain.same_task_path(DELETED);

    for (segment, replaced) in [
        ("workflowId", good.replace(&chain.workflow, "not-a-uuid")),
        ("runId", good.replace(&chain.run, "12")),
        (
            "userProcessingResultId",
            good.replace(&chain.user_result, "zzz"),
        ),
        (
            "taskProcessingResultId",
            good.replace(&chain.task_result, "'quoted'"),
        ),
    ] {
        let response = app.post(&replaced, &seed_body()).await;
        let message = response.assert_error(404, "itemNotFound");
        assert!(message.contains(segment), "{message}");
    }
    assert_eq!(app.count("task_processing_results").await, 1);
}

#[tokio::test]
async fn each_missing_parent_is_a_404_that_names_it() {
    let app = TestApp::spawn().await;
    let chain = deleted_chain(&app).await;
    let unknown = Uuid::now_v7().to_string();
    let mut cases = Vec::new();
    for (level, id) in [
        ("workflow", &chain.workflow),
        ("run", &chain.run),
        ("userProcessingResult", &chain.user_result),
        ("taskProcessingResult", &chain.task_result),
    ] {
        let mut other = chain.clone();
        match level {
            "workflow" => other.workflow = unknown.clone(),
            "run" => other.run = unknown.clone(),
            "userProcessingResult" => other.user_result = unknown.clone(),
            _ => other.task_result = unknown.clone(),
        }
        assert_ne!(id, &unknown);
        cases.push((level, other));
    }

    for (level, other) in cases {
        let response = app.post(&other.same_task_path(DELETED), &seed_body()).await;
        let message = response.assert_error(404, "itemNotFound");
        assert!(
            message.contains(&format!("No {level} with id '{unknown}'")),
            "{level}: {message}"
        );
    }
    assert_eq!(app.count("task_processing_results").await, 1);
}

#[tokio::test]
async fn the_wrong_tree_is_a_404_in_both_directions() {
    let app = TestApp::spawn().await;
    let live = app.create_chain().await;
    let deleted = deleted_chain(&app).await;

    let through_deleted = app.post(&live.same_task_path(DELETED), &seed_body()).await;
    let message = through_deleted.assert_error(404, "itemNotFound");
    assert!(message.contains("is not deleted"), "{message}");

    let through_live = app.post(&deleted.same_task_path(LIVE), &seed_body()).await;
    let message = through_live.assert_error(404, "itemNotFound");
    assert!(message.contains("is deleted"), "{message}");

    assert_eq!(app.count("task_processing_results").await, 2);
}

#[tokio::test]
async fn a_result_of_another_user_processing_result_is_a_404() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let other_user = app
        .post(
            &format!("{}/userProcessingResults", chain.run_path(LIVE)),
            &crate::helpers::user_result_body(),
        )
        .await;
    assert_eq!(other_user.status, 201);
    let mut misplaced = chain.clone();
    misplaced.user_result = other_user.id();

    let response = app
        .post(&misplaced.same_task_path(LIVE), &seed_body())
        .await;

    let message = response.assert_error(404, "itemNotFound");
    assert!(
        message.contains(&format!(
            "No taskProcessingResult with id '{}'",
            chain.task_result
        )),
        "{message}"
    );
    assert_eq!(app.count("task_processing_results").await, 1);
}

#[tokio::test]
async fn served_under_every_version_prefix_and_with_a_doubled_slash() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let path = format!(
        "/identityGovernance/lifecycleWorkflows{}",
        chain.same_task_path(LIVE)
    );

    for (prefix, context_root) in [("/v1.0", "/v1.0"), ("", ""), ("/beta/", "/beta")] {
        let response = app
            .send(
                app.client
                    .post(format!("{}{prefix}{path}", app.address))
                    .json(&seed_body()),
            )
            .await;
        assert_eq!(response.status, 201, "{prefix}: {}", response.text);
        assert!(
            response.body["@odata.context"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{}{context_root}/$metadata#", app.address)),
            "{prefix}: {}",
            response.body["@odata.context"]
        );
        assert!(response.header("location").unwrap().starts_with(&format!(
            "{}{context_root}/identityGovernance/",
            app.address
        )));
    }
}
