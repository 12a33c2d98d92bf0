//! Collections: every list on both trees, paging, $count, and their errors.

use crate::helpers::{citus, seed_body, Chain, TestApp, DELETED, LIVE};
use serde_json::Value;
use std::collections::HashSet;
use uuid::Uuid;

fn ids(body: &Value) -> Vec<String> {
    body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every collection of a chain, with the ids it must list.
fn collections(chain: &Chain, tree: &str, same_task_result: &str) -> Vec<(String, Vec<String>)> {
    let workflow = format!("/{tree}/{}", chain.workflow);
    let by_workflow_user = format!("{workflow}/userProcessingResults/{}", chain.user_result);
    let results = vec![chain.task_result.clone(), same_task_result.to_owned()];
    vec![
        (format!("{workflow}/runs"), vec![chain.run.clone()]),
        (
            format!("{}/userProcessingResults", chain.run_path(tree)),
            vec![chain.user_result.clone()],
        ),
        (
            format!("{workflow}/userProcessingResults"),
            vec![chain.user_result.clone()],
        ),
        (
            format!("{}/taskProcessingResults", chain.user_result_path(tree)),
            results.clone(),
        ),
        (
            format!("{by_workflow_user}/taskProcessingResults"),
            results.clone(),
        ),
        (
            format!("{}/taskProcessingResults", chain.run_path(tree)),
            results.clone(),
        ),
        (
            format!("{workflow}/tasks/{}/taskProcessingResults", chain.task),
            results.clone(),
        ),
        (chain.same_task_path(tree), results),
    ]
}

#[tokio::test]
async fn every_collection_lists_and_counts_on_both_trees() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let same_task = app
        .post(&chain.same_task_path(LIVE), &seed_body())
        .await
        .id();

    for tree in [LIVE, DELETED] {
        if tree == DELETED {
            app.soft_delete(&chain.workflow).await;
        }
        let workflows = app.get(&format!("/{tree}?$count=true")).await;
        assert_eq!(workflows.status, 200, "{}", workflows.text);
        assert_eq!(ids(&workflows.body), vec![chain.workflow.clone()]);
        assert_eq!(workflows.body["@odata.count"], 1);
        assert!(
            workflows.body["value"][0].get("tasks").is_none(),
            "lists leave tasks out"
        );
        assert!(workflows.body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with(&format!("#identityGovernance/lifecycleWorkflows/{tree}")));
        let tasks = app.get(&format!("/{tree}/{}/tasks", chain.workflow)).await;
        assert_eq!(ids(&tasks.body).len(), 2, "{}", tasks.text);
        assert_eq!(tasks.body["value"][0]["id"], chain.task);

        for (path, expected) in collections(&chain, tree, &same_task) {
            let list = app.get(&format!("{path}?$count=true")).await;
            assert_eq!(list.status, 200, "{path}: {}", list.text);
            assert_eq!(ids(&list.body), expected, "{path}");
            assert_eq!(list.body["@odata.count"], expected.len(), "{path}");
            assert!(list.body.get("@odata.nextLink").is_none(), "{path}");
            let context = list.body["@odata.context"].as_str().unwrap();
            assert!(
                context.contains(&format!(
                    "/$metadata#identityGovernance/lifecycleWorkflows/{tree}('{}')",
                    chain.workflow
                )),
                "{context}"
            );

            let count = app.get(&format!("{path}/$count")).await;
            assert_eq!(count.status, 200, "{path}/$count: {}", count.text);
            assert_eq!(count.text, expected.len().to_string());
            assert!(count
                .header("content-type")
                .unwrap()
                .starts_with("text/plain"));
        }
        let count = app.get(&format!("/{tree}/$count")).await;
        assert_eq!(count.text, "1");
    }
    let live = app.get(&format!("/{LIVE}?$count=true")).await;
    assert_eq!(live.body["@odata.count"], 0);
}

#[tokio::test]
async fn lists_under_a_missing_or_misplaced_parent_are_404s() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let unknown = Uuid::now_v7();

    for (path, named) in [
        (format!("/{LIVE}/{unknown}/runs"), "workflow"),
        (
            format!("/{DELETED}/{}/runs", chain.workflow),
            "is not deleted",
        ),
        (
            format!(
                "/{LIVE}/{}/runs/{unknown}/userProcessingResults",
                chain.workflow
            ),
            "run",
        ),
        (
            format!(
                "/{LIVE}/{}/tasks/{unknown}/taskProcessingResults",
                chain.workflow
            ),
            "task",
        ),
        (
            format!(
                "{}/userProcessingResults/{unknown}/taskProcessingResults/$count",
                chain.run_path(LIVE)
            ),
            "userProcessingResult",
        ),
        (
            format!(
                "{}/taskProcessingResults/{unknown}/task/taskProcessingResults",
                chain.user_result_path(LIVE)
            ),
            "taskProcessingResult",
        ),
    ] {
        let message = app.get(&path).await.assert_error(404, "itemNotFound");
        assert!(message.contains(named), "{path}: {message}");
    }
    // An existing parent with nothing beneath it is an empty list.
    let other = app.create_workflow("Empty").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let empty = app.get(&format!("/{LIVE}/{other}/runs")).await;
    assert_eq!(empty.status, 200);
    assert_eq!(empty.body["value"], serde_json::json!([]));
    assert_eq!(
        app.get(&format!("/{LIVE}/{other}/runs/$count")).await.text,
        "0"
    );
}

#[tokio::test]
async fn paging_walks_every_row_exactly_once_while_rows_are_added() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    // Several thousand results under one userProcessingResult, inserted directly.
    citus::bulk(
        &app.db,
        "insert into task_processing_results
             (tenant_id, workflow_id, run_id, user_processing_result_id, id, task_id, subject_id,
              created_date_time, processing_status)
         select tenant_id, workflow_id, run_id, user_processing_result_id, uuid_v7(), task_id, subject_id,
                now(), 'completed'
         from task_processing_results, generate_series(1, 2999)",
    )
    .await;
    let before: HashSet<String> =
        sqlx::query_scalar::<_, Uuid>("select id from task_processing_results")
            .fetch_all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|id| id.to_string())
            .collect();
    assert_eq!(before.len(), 3000);

    let mut url = app.url(&format!(
        "{}/taskProcessingResults?%24top=250&$count=true&tag=x%20y",
        chain.user_result_path(LIVE)
    ));
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = app.send(app.client.get(&url)).await;
        assert_eq!(page.status, 200, "{}", page.text);
        let page_ids = ids(&page.body);
        assert!(!page_ids.is_empty(), "never an empty page");
        assert!(page_ids.len() <= 250);
        seen.extend(page_ids);
        pages += 1;
        // A row added during the walk, behind or ahead of the cursor.
        assert_eq!(
            app.post(&chain.same_task_path(LIVE), &seed_body())
                .await
                .status,
            201
        );
        match page.body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(next.starts_with(&app.address), "absolute: {next}");
                assert!(
                    next.contains("$top=250")
                        && next.contains("$count=true")
                        && next.contains("tag=x+y"),
                    "{next}"
                );
                url = next.to_owned();
            }
            None => break,
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no row twice");
    assert!(
        before.iter().all(|id| unique.contains(id)),
        "every row that was there is seen"
    );
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, seen, "a stable order");
    assert!(pages >= 12, "{pages} pages");
}

#[tokio::test]
async fn the_default_page_is_100_and_top_is_bounded() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    sqlx::query(
        "insert into user_processing_results
             (tenant_id, workflow_id, run_id, id, subject_id, processing_status, workflow_execution_type,
              scheduled_date_time, workflow_version)
         select tenant_id, workflow_id, run_id, uuid_v7(), subject_id, 'queued', 'onDemand', now(), 1
         from user_processing_results, generate_series(1, 149)",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let path = format!("{}/userProcessingResults", chain.run_path(LIVE));

    let first = app.get(&path).await;
    assert_eq!(ids(&first.body).len(), 100);
    let second = app
        .send(
            app.client
                .get(first.body["@odata.nextLink"].as_str().unwrap()),
        )
        .await;
    assert_eq!(ids(&second.body).len(), 50);
    assert!(second.body.get("@odata.nextLink").is_none());
    let exact = app.get(&format!("{path}?$top=150")).await;
    assert_eq!(ids(&exact.body).len(), 150);
    assert!(
        exact.body.get("@odata.nextLink").is_none(),
        "no link to an empty page"
    );

    for query in [
        "$top=0",
        "$top=1000",
        "$top=many",
        "$skiptoken=forged",
        "$count=maybe",
        "$skip=5",
        "$apply=x",
        "$compute=x",
        "$top=1&$top=2",
    ] {
        let option = query.split('=').next().unwrap();
        let message = app
            .get(&format!("{path}?{query}"))
            .await
            .assert_error(400, "invalidRequest");
        assert!(message.contains(option), "{query}: {message}");
    }
}

#[tokio::test]
async fn single_results_are_readable_through_every_address() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    app.soft_delete(&chain.workflow).await;
    let workflow = format!("/{DELETED}/{}", chain.workflow);
    let canonical = app.get(&chain.task_result_path(DELETED)).await;
    assert_eq!(canonical.status, 200);

    for path in [
        format!(
            "{}/taskProcessingResults/{}",
            chain.run_path(DELETED),
            chain.task_result
        ),
        format!(
            "{workflow}/tasks/{}/taskProcessingResults/{}",
            chain.task, chain.task_result
        ),
        format!(
            "{workflow}/userProcessingResults/{}/taskProcessingResults/{}",
            chain.user_result, chain.task_result
        ),
    ] {
        let read = app.get(&path).await;
        assert_eq!(read.status, 200, "{path}: {}", read.text);
        assert_eq!(read.body, canonical.body, "{path}");
    }
    let user = app
        .get(&format!(
            "{workflow}/userProcessingResults/{}",
            chain.user_result
        ))
        .await;
    assert_eq!(user.status, 200, "{}", user.text);
    assert_eq!(user.body["id"], chain.user_result);

    let task = app.get(&format!("{workflow}/tasks/{}", chain.task)).await;
    assert_eq!(task.status, 200, "{}", task.text);
    assert_eq!(task.body["executionSequence"], 1);
    let of_result = app
        .get(&format!("{}/task", chain.task_result_path(DELETED)))
        .await;
    assert_eq!(of_result.status, 200, "{}", of_result.text);
    assert_eq!(of_result.body, task.body);

    let unknown = Uuid::now_v7();
    let message = app
        .get(&format!(
            "{}/taskProcessingResults/{unknown}",
            chain.run_path(DELETED)
        ))
        .await
        .assert_error(404, "itemNotFound");
    assert!(
        message.contains(&format!("in run '{}'", chain.run)),
        "{message}"
    );
    app.get(&format!("{workflow}/tasks/{unknown}"))
        .await
        .assert_error(404, "itemNotFound");
    let other_user = app
        .send(
            app.client
                .get(app.url(&format!("/{LIVE}/{}/userProcessingResults", chain.workflow))),
        )
        .await;
    other_user.assert_error(404, "itemNotFound");
}
