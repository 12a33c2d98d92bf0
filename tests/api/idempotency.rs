//! `Idempotency-Key` on POST: replays without a second write, 422 for another
//! request, per tenant, one write under concurrent duplicates, nothing kept for a
//! failure, and the key committed with the write.

use crate::helpers::{
    client_with_token, run_body, seed_body, workflow_body, Response, TestApp, LIVE,
};
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const KEY: &str = "Idempotency-Key";

async fn keyed_post(app: &TestApp, path: &str, key: &str, body: &Value) -> Response {
    app.send(app.client.post(app.url(path)).header(KEY, key).json(body))
        .await
}

async fn runs_of(app: &TestApp, workflow: &str) -> i64 {
    sqlx::query_scalar("select count(*) from runs where workflow_id = $1::uuid")
        .bind(workflow)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retry_with_the_same_key_replays_the_first_answer_without_writing() {
    let app = TestApp::spawn().await;
    let workflow = app.create_workflow("Keyed").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/{LIVE}/{workflow}/runs");
    let key = Uuid::new_v4().to_string();

    let first = keyed_post(&app, &path, &key, &run_body()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert!(first.header("idempotent-replayed").is_none());
    let again = keyed_post(&app, &path, &key, &run_body()).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.text, first.text, "the same body, byte for byte");
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("content-type"), first.header("content-type"));
    // Each answer is its own request all the same.
    assert_ne!(again.header("request-id"), first.header("request-id"));
    assert_eq!(runs_of(&app, &workflow).await, 1);

    // Without the key the same body writes again, as any POST does.
    let unkeyed = app.post(&path, &run_body()).await;
    assert_eq!(unkeyed.status, StatusCode::CREATED);
    assert_eq!(runs_of(&app, &workflow).await, 2);
}

#[tokio::test]
async fn the_same_key_with_another_request_is_a_422_naming_the_header() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let path = format!("{}/taskProcessingResults", chain.user_result_path(LIVE));
    let key = "result-2026-11-29-0001";
    let body = json!({"task": {"id": chain.task}, "createdDateTime": "2026-11-29T08:00:00Z", "processingStatus": "queued"});
    let before = app.count("task_processing_results").await;
    let first = keyed_post(&app, &path, key, &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);

    let mut changed = body.clone();
    changed["processingStatus"] = json!("completed");
    let message = keyed_post(&app, &path, key, &changed)
        .await
        .assert_error(422, "invalidRequest");
    assert!(message.contains("Idempotency-Key"), "{message}");
    // Another address with the same key and body is another request too.
    let same_task = format!(
        "{}/task/taskProcessingResults",
        chain.task_result_path(LIVE)
    );
    let mut no_task = body.clone();
    no_task.as_object_mut().unwrap().remove("task");
    keyed_post(&app, &same_task, key, &no_task)
        .await
        .assert_error(422, "invalidRequest");
    assert_eq!(app.count("task_processing_results").await, before + 1);
}

#[tokio::test]
async fn keys_are_per_tenant() {
    let app = TestApp::spawn().await;
    let other = client_with_token(&app.token(Uuid::new_v4(), &[], &[]));
    let key = "the-same-key";
    let body = workflow_body("Joiners");
    let ours = keyed_post(&app, &format!("/{LIVE}"), key, &body).await;
    let theirs = app
        .send(
            other
                .post(app.url(&format!("/{LIVE}")))
                .header(KEY, key)
                .json(&body),
        )
        .await;
    assert_eq!(ours.status, StatusCode::CREATED, "{}", ours.text);
    assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.text);
    assert!(theirs.header("idempotent-replayed").is_none());
    assert_ne!(ours.id(), theirs.id());
    // The workflow create runs a transaction of its own inside the key's: its
    // tasks are there, once.
    assert_eq!(app.count("workflows").await, 2);
    assert_eq!(app.count("tasks").await, 4);
}

#[tokio::test]
async fn concurrent_duplicates_resolve_to_one_write() {
    let app = TestApp::spawn_with(&[("LCW_DB_POOL_SIZE", "5"), ("LCW_WORKERS", "2")]).await;
    let workflow = app.create_workflow("Raced").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/{LIVE}/{workflow}/runs");
    let key = Uuid::new_v4().to_string();
    let body = run_body();
    let responses = join_all((0..8).map(|_| keyed_post(&app, &path, &key, &body))).await;
    for response in &responses {
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
        assert_eq!(response.text, responses[0].text);
    }
    let replayed = responses
        .iter()
        .filter(|response| response.header("idempotent-replayed").is_some())
        .count();
    assert_eq!(replayed, 7);
    assert_eq!(runs_of(&app, &workflow).await, 1);
}

#[tokio::test]
async fn a_failed_request_keeps_nothing_and_a_success_keeps_its_key_with_its_write() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let same_task = format!(
        "{}/task/taskProcessingResults",
        chain.task_result_path(LIVE)
    );
    let key = "retry-me";

    // Invalid: a 400, and the key stays free for the corrected request.
    let mut invalid = seed_body();
    invalid["processingStatus"] = json!("sleeping");
    keyed_post(&app, &same_task, key, &invalid)
        .await
        .assert_error(400, "invalidRequest");
    // A missing parent: a 404 after the key was claimed; nothing is kept.
    let missing = format!("/{LIVE}/{}/runs", Uuid::new_v4());
    keyed_post(&app, &missing, key, &run_body())
        .await
        .assert_error(404, "itemNotFound");
    assert_eq!(app.count("idempotency_keys").await, 0);

    let created = keyed_post(&app, &same_task, key, &seed_body()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let (status, stored_id): (i16, String) = sqlx::query_as(
        "select k.status, r.id::text from idempotency_keys k
         join task_processing_results r on r.tenant_id = k.tenant_id and r.id::text = $2
         where k.tenant_id = $1 and k.key = $3",
    )
    .bind(app.tenant)
    .bind(created.id())
    .bind(key)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((status, stored_id), (201, created.id()));
}

#[tokio::test]
async fn activate_and_restore_replay_too() {
    let app = TestApp::spawn().await;
    let workflow = app.create_workflow("Activated").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let activate = format!("/{LIVE}/{workflow}/activate");
    let body = json!({"subjects": [{"id": Uuid::new_v4()}, {"id": Uuid::new_v4()}]});
    let first = keyed_post(&app, &activate, "activate-1", &body).await;
    assert_eq!(first.status, StatusCode::NO_CONTENT, "{}", first.text);
    let again = keyed_post(&app, &activate, "activate-1", &body).await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(runs_of(&app, &workflow).await, 1);
    assert_eq!(app.count("user_processing_results").await, 2);

    app.soft_delete(&workflow).await;
    let restore = format!("/deletedItems/workflows/{workflow}/restore");
    let restored = app
        .send(app.client.post(app.url(&restore)).header(KEY, "restore-1"))
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text);
    let replayed = app
        .send(app.client.post(app.url(&restore)).header(KEY, "restore-1"))
        .await;
    assert_eq!(replayed.status, StatusCode::OK, "{}", replayed.text);
    assert_eq!(replayed.text, restored.text);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
}

#[tokio::test]
async fn a_key_past_its_window_is_claimed_afresh_and_purged() {
    let app = TestApp::spawn().await;
    let workflow = app.create_workflow("Windowed").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/{LIVE}/{workflow}/runs");
    let first = keyed_post(&app, &path, "old-key", &run_body()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    sqlx::query("update idempotency_keys set created_at = now() - interval '25 hours'")
        .execute(&app.db)
        .await
        .unwrap();
    let mut other = run_body();
    other["processingStatus"] = json!("queued");
    let second = keyed_post(&app, &path, "old-key", &other).await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text);
    assert!(second.header("idempotent-replayed").is_none());
    assert_ne!(second.id(), first.id());

    sqlx::query("update idempotency_keys set created_at = now() - interval '25 hours'")
        .execute(&app.db)
        .await
        .unwrap();
    let options = app.database_url().parse().unwrap();
    let second = std::time::Duration::from_secs(1);
    let pool = lifecycle_workflows::db::Pool::new(&options, 1, 5 * second, second);
    let purged = lifecycle_workflows::db::idempotency::purge_expired(&pool)
        .await
        .unwrap();
    assert_eq!(purged, 1);
    assert_eq!(app.count("idempotency_keys").await, 0);
}

#[tokio::test]
async fn malformed_keys_and_batch_keys_are_400s_and_other_methods_ignore_it() {
    let app = TestApp::spawn().await;
    let workflow = app.create_workflow("Checked").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/{LIVE}/{workflow}/runs");
    for key in ["", &"k".repeat(256), "with space", "ключ"] {
        let response = app
            .send(
                app.client
                    .post(app.url(&path))
                    .header(
                        KEY,
                        reqwest::header::HeaderValue::from_bytes(key.as_bytes()).unwrap(),
                    )
                    .json(&run_body()),
            )
            .await;
        let message = response.assert_error(400, "invalidRequest");
        assert!(message.contains("Idempotency-Key"), "{message}");
    }
    assert_eq!(runs_of(&app, &workflow).await, 0);

    // A batch commits request by request: its inner requests carry the keys.
    let batch = format!("{}/beta/$batch", app.address);
    let inner = json!({"requests": [{
        "id": "1", "method": "POST", "url": format!("/identityGovernance/lifecycleWorkflows/{LIVE}/{workflow}/runs"),
        "headers": {"Content-Type": "application/json", "Idempotency-Key": "inner-1"},
        "body": run_body()
    }]});
    let keyed_batch = app
        .send(app.client.post(&batch).header(KEY, "outer").json(&inner))
        .await;
    let message = keyed_batch.assert_error(400, "invalidRequest");
    assert!(message.contains("Idempotency-Key"), "{message}");
    for _ in 0..2 {
        let response = app.send(app.client.post(&batch).json(&inner)).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
        assert_eq!(
            response.body["responses"][0]["status"], 201,
            "{}",
            response.text
        );
    }
    assert_eq!(runs_of(&app, &workflow).await, 1);

    // PATCH is idempotent by itself: the header changes nothing there.
    let run = app.post(&path, &run_body()).await.id();
    let patched = app
        .send(
            app.client
                .patch(app.url(&format!("{path}/{run}")))
                .header(KEY, "patch")
                .json(&json!({"processingStatus": "completed"})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::NO_CONTENT, "{}", patched.text);
    assert_eq!(app.count("idempotency_keys").await, 1);
}

#[tokio::test]
async fn the_write_commits_with_its_key_or_not_at_all() {
    let app = TestApp::spawn().await;
    let workflow = app.create_workflow("Atomic").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Recording the response fails after the write went through, inside the same
    // transaction: the write must go with it.
    let mut connection = app.db.acquire().await.unwrap();
    for statement in [
        // On Citus a trigger on a distributed table needs this setting; elsewhere
        // it is an unused name.
        "set citus.enable_unsafe_triggers = on",
        "create function refuse_key() returns trigger language plpgsql as
             $$ begin raise exception 'the key store refuses'; end $$",
        "create trigger refuse_key before update on idempotency_keys
             for each row execute function refuse_key()",
    ] {
        sqlx::query(statement)
            .execute(&mut *connection)
            .await
            .unwrap();
    }
    drop(connection);
    let path = format!("/{LIVE}/{workflow}/runs");
    keyed_post(&app, &path, "doomed", &run_body())
        .await
        .assert_error(500, "generalException");
    assert_eq!(runs_of(&app, &workflow).await, 0);
    assert_eq!(app.count("idempotency_keys").await, 0);

    // Once the key store works again, the retry writes once.
    sqlx::query("drop trigger refuse_key on idempotency_keys")
        .execute(&app.db)
        .await
        .unwrap();
    let retried = keyed_post(&app, &path, "doomed", &run_body()).await;
    assert_eq!(retried.status, StatusCode::CREATED, "{}", retried.text);
    assert_eq!(runs_of(&app, &workflow).await, 1);
}
