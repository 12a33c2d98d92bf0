//! Restore, purge, activate, and counters under concurrent writes.

use crate::helpers::{seed_body, workflow_body, TestApp, DELETED, LIVE};
use chrono::{Duration, Utc};
use lifecycle_workflows::db;
use lifecycle_workflows::db::transaction::WriteConnection;
use lifecycle_workflows::domain::enums::ProcessingStatus;
use lifecycle_workflows::domain::keys::{TaskProcessingResultKey, TaskProcessingResultRef};
use lifecycle_workflows::domain::patch::{Patch, ProcessingUpdate};
use lifecycle_workflows::domain::task_processing_result::{
    NewTaskProcessingResult, TaskProcessingResultUpdate,
};
use lifecycle_workflows::domain::workflow::Tree;
use lifecycle_workflows::tenant::Tenant;
use serde_json::json;
use sqlx::Connection;
use uuid::Uuid;

#[tokio::test]
async fn restore_brings_the_whole_subtree_back_by_either_name() {
    let app = TestApp::spawn().await;
    for name in ["restore", "microsoft.graph.identityGovernance.restore"] {
        let chain = app.create_chain().await;
        let before = app.get(&chain.task_result_path(LIVE)).await.body;
        app.soft_delete(&chain.workflow).await;

        let response = app
            .send(
                app.client
                    .post(app.url(&format!("/{DELETED}/{}/{name}", chain.workflow)))
                    .header("Content-Length", "0"),
            )
            .await;

        assert_eq!(response.status, 200, "{name}: {}", response.text);
        assert_eq!(response.body["id"], chain.workflow);
        assert_eq!(response.body["deletedDateTime"], serde_json::Value::Null);
        assert_eq!(response.body["tasks"].as_array().unwrap().len(), 2);
        assert!(response.body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("#identityGovernance/lifecycleWorkflows/workflows/$entity"));
        assert_eq!(app.get(&chain.task_result_path(LIVE)).await.body, before);
        app.get(&format!("/{DELETED}/{}", chain.workflow))
            .await
            .assert_error(404, "itemNotFound");
    }
    assert_eq!(app.count("runs").await, 2);
    assert_eq!(app.count("task_processing_results").await, 2);
}

#[tokio::test]
async fn restore_refuses_bodies_live_workflows_and_name_clashes() {
    let app = TestApp::spawn().await;
    let first = app.create_workflow("Leavers").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let restore = |id: &str| app.url(&format!("/{DELETED}/{id}/restore"));

    app.send(app.client.post(restore(&first)))
        .await
        .assert_error(404, "itemNotFound");
    app.soft_delete(&first).await;
    app.send(app.client.post(restore(&first)).json(&json!({"x": 1})))
        .await
        .assert_error(400, "invalidRequest");
    app.create_workflow("Leavers").await;
    let message = app
        .send(app.client.post(restore(&first)))
        .await
        .assert_error(409, "conflict");
    assert!(message.contains("displayName"), "{message}");
    assert_eq!(
        app.get(&format!("/{DELETED}/{first}")).await.status,
        200,
        "still deleted"
    );
    app.send(
        app.client
            .post(app.url(&format!("/{LIVE}/{first}/restore"))),
    )
    .await
    .assert_error(404, "itemNotFound");
}

#[tokio::test]
async fn the_purge_removes_only_workflows_deleted_before_the_cutoff() {
    let app = TestApp::spawn().await;
    let old = app.create_chain().await;
    let recent = app.create_chain().await;
    let live = app.create_chain().await;
    let now = Utc::now();
    for (chain, age) in [(&old, Duration::days(31)), (&recent, Duration::days(29))] {
        app.soft_delete(&chain.workflow).await;
        sqlx::query("update workflows set deleted_date_time = $1 where id = $2")
            .bind(now - age)
            .bind(Uuid::parse_str(&chain.workflow).unwrap())
            .execute(&app.db)
            .await
            .unwrap();
    }

    let purged = db::workflows::purge_deleted_before(&app.db, now - Duration::days(30))
        .await
        .unwrap();

    assert_eq!(purged, 1);
    app.get(&format!("/{DELETED}/{}", old.workflow))
        .await
        .assert_error(404, "itemNotFound");
    assert_eq!(
        app.get(&format!("/{DELETED}/{}", recent.workflow))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(&format!("/{LIVE}/{}", live.workflow)).await.status,
        200
    );
    assert_eq!(
        app.count("runs").await,
        2,
        "the purged subtree went with it"
    );
    assert_eq!(app.count("task_processing_results").await, 2);
}

#[tokio::test]
async fn the_background_purge_runs_on_its_interval() {
    let app = TestApp::spawn_with(&[
        ("LCW_DELETED_RETENTION_DAYS", "0"),
        ("LCW_PURGE_INTERVAL_SECS", "1"),
    ])
    .await;
    let chain = app.create_chain().await;
    app.soft_delete(&chain.workflow).await;

    let mut remaining = 1;
    for _ in 0..40 {
        remaining = app.count("workflows").await;
        if remaining == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(remaining, 0);
    assert_eq!(app.count("task_processing_results").await, 0);
}

#[tokio::test]
async fn activate_creates_a_queued_run_with_a_result_per_user_and_enabled_task() {
    let app = TestApp::spawn().await;
    let mut body = workflow_body("On demand");
    body["isEnabled"] = json!(false);
    let workflow = app.post(&format!("/{LIVE}"), &body).await.id();
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());

    for name in ["activate", "microsoft.graph.identityGovernance.activate"] {
        let response = app
            .post(
                &format!("/{LIVE}/{workflow}/{name}"),
                &json!({"subjects": [{"id": alice}, {"id": bob}, {"id": alice}]}),
            )
            .await;
        assert_eq!(response.status, 204, "{name}: {}", response.text);
    }

    let runs = app.get(&format!("/{LIVE}/{workflow}/runs")).await.body;
    assert_eq!(runs["value"].as_array().unwrap().len(), 2);
    let run = &runs["value"][0];
    assert_eq!(run["processingStatus"], "queued");
    assert_eq!(run["workflowExecutionType"], "onDemand");
    assert_eq!(run["totalUsersCount"], 2);
    assert_eq!(
        run["totalTasksCount"], 2,
        "one enabled task for each of two users"
    );
    assert_eq!(run["totalUnprocessedTasksCount"], 2);
    let users = app
        .get(&format!(
            "/{LIVE}/{workflow}/runs/{}/userProcessingResults",
            run["id"].as_str().unwrap()
        ))
        .await
        .body;
    let subjects: Vec<&str> = users["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["subject"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, vec![alice.to_string(), bob.to_string()]);
    assert_eq!(users["value"][0]["workflowVersion"], 1);
    assert_eq!(app.count("task_processing_results").await, 4);
}

#[tokio::test]
async fn invalid_activations_are_refused_and_write_nothing() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let path = format!("/{LIVE}/{}/activate", chain.workflow);
    let many: Vec<_> = (0..101).map(|_| json!({"id": Uuid::new_v4()})).collect();

    for (body, property) in [
        (json!({"subjects": []}), "subjects"),
        (json!({"subjects": many}), "subjects"),
        (json!({"subjects": [{"id": "alice"}]}), "subjects[0].id"),
        (json!({}), "subjects"),
        (
            json!({"subjects": [{"id": Uuid::new_v4()}], "scope": {}}),
            "scope",
        ),
    ] {
        let message = app
            .post(&path, &body)
            .await
            .assert_error(400, "invalidRequest");
        assert!(message.contains(property), "{message}");
    }
    app.soft_delete(&chain.workflow).await;
    let message = app
        .post(&path, &json!({"subjects": [{"id": Uuid::new_v4()}]}))
        .await
        .assert_error(404, "itemNotFound");
    assert!(message.contains("is deleted"), "{message}");
    assert_eq!(app.count("runs").await, 1);
}

#[tokio::test]
async fn counters_stay_exact_under_concurrent_writes_to_one_parent() {
    let app = TestApp::spawn_with(&[("LCW_DB_POOL_SIZE", "5"), ("LCW_WORKERS", "2")]).await;
    let chain = app.create_chain().await;
    let writes = (0..40).map(|index| {
        let mut body = seed_body();
        body["processingStatus"] = json!(if index % 4 == 0 {
            "failed"
        } else {
            "completed"
        });
        let request = app
            .client
            .post(app.url(&chain.same_task_path(LIVE)))
            .json(&body);
        async move { request.send().await.unwrap().status() }
    });

    let statuses = futures_util::future::join_all(writes).await;

    assert!(statuses.iter().all(|status| *status == 201), "{statuses:?}");
    let user = app.get(&chain.user_result_path(LIVE)).await.body;
    assert_eq!(user["totalTasksCount"], 41);
    assert_eq!(user["failedTasksCount"], 10);
    assert_eq!(user["totalUnprocessedTasksCount"], 1);
    let run = app.get(&chain.run_path(LIVE)).await.body;
    assert_eq!(run["totalTasksCount"], 41);
    assert_eq!(run["failedTasksCount"], 10);
}

#[tokio::test]
async fn counters_stay_exact_under_eight_writers_of_five_thousand_creates_and_updates() {
    const WRITERS: usize = 8;
    const CREATES: usize = 5_000;
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let id = |text: &str| Uuid::parse_str(text).unwrap();
    let origin = TaskProcessingResultKey {
        workflow_id: id(&chain.workflow),
        run_id: id(&chain.run),
        user_processing_result_id: id(&chain.user_result),
        task_processing_result_id: id(&chain.task_result),
    };
    let statuses = [
        ProcessingStatus::Completed,
        ProcessingStatus::Failed,
        ProcessingStatus::InProgress,
        ProcessingStatus::Queued,
    ];
    let writers = (0..WRITERS).map(|writer| {
        let url = app.database_url();
        let tenant = Tenant::new(app.tenant);
        tokio::spawn(async move {
            let mut connection = sqlx::PgConnection::connect(&url).await.unwrap();
            for index in 0..CREATES {
                let status = statuses[(writer + index) % statuses.len()];
                let created = db::task_processing_results::create_for_same_task(
                    &mut WriteConnection::dedicated(&mut connection),
                    tenant,
                    Tree::Live,
                    origin,
                    Uuid::now_v7(),
                    &NewTaskProcessingResult {
                        created_date_time: Utc::now(),
                        processing_status: status,
                        started_date_time: None,
                        completed_date_time: None,
                        failure_reason: None,
                        processing_info: None,
                    },
                )
                .await
                .unwrap()
                .expect("the origin is there");
                // Every third result moves on, as a worker would: the unprocessed
                // complete, the completed fail, the failed are retried.
                if index % 3 == 0 {
                    let key = TaskProcessingResultRef {
                        workflow_id: origin.workflow_id,
                        run_id: Some(origin.run_id),
                        user_processing_result_id: origin.user_processing_result_id,
                        task_processing_result_id: created.id,
                    };
                    let update = TaskProcessingResultUpdate {
                        processing: ProcessingUpdate {
                            processing_status: Some(match status {
                                ProcessingStatus::Completed => ProcessingStatus::Failed,
                                ProcessingStatus::Failed => ProcessingStatus::InProgress,
                                _ => ProcessingStatus::Completed,
                            }),
                            started_date_time: Patch::Absent,
                            completed_date_time: Patch::Absent,
                        },
                        failure_reason: Patch::Absent,
                        processing_info: Patch::Absent,
                    };
                    let updated = db::task_processing_results::update(
                        &mut connection,
                        tenant,
                        Tree::Live,
                        key,
                        &update,
                    )
                    .await
                    .unwrap();
                    assert!(updated);
                }
            }
        })
    });
    for writer in futures_util::future::join_all(writers).await {
        writer.unwrap();
    }

    let (total, failed, unprocessed): (i64, i64, i64) = sqlx::query_as(
        "select count(*), count(*) filter (where processing_status = 'failed'),
                count(*) filter (where processing_status in ('queued', 'inProgress'))
         from task_processing_results where user_processing_result_id = $1",
    )
    .bind(origin.user_processing_result_id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(total, (WRITERS * CREATES + 1) as i64);
    for path in [chain.user_result_path(LIVE), chain.run_path(LIVE)] {
        let body = app.get(&path).await.body;
        assert_eq!(body["totalTasksCount"], total, "{path}");
        assert_eq!(body["failedTasksCount"], failed, "{path}");
        assert_eq!(body["totalUnprocessedTasksCount"], unprocessed, "{path}");
    }
}
