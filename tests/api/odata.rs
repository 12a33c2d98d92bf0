//! $filter and $search against real rows: each case names the exact ids it must
//! return, in order; errors name the option and the position.

use crate::helpers::{seed_body, user_result_body, Chain, TestApp, LIVE};
use serde_json::{json, Value};
use uuid::Uuid;

fn ids(body: &Value) -> Vec<String> {
    body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn filtered(app: &TestApp, collection: &str, filter: &str) -> Vec<String> {
    let response = app
        .send(
            app.client
                .get(app.url(collection))
                .query(&[("$filter", filter), ("$count", "true")]),
        )
        .await;
    assert_eq!(response.status, 200, "{filter}: {}", response.text);
    let found = ids(&response.body);
    assert_eq!(
        response.body["@odata.count"],
        found.len(),
        "{filter}: $count honours the filter"
    );
    let count = app
        .send(
            app.client
                .get(app.url(&format!("{collection}/$count")))
                .query(&[("$filter", filter)]),
        )
        .await;
    assert_eq!(
        count.text,
        found.len().to_string(),
        "{filter}: /$count honours the filter"
    );
    found
}

/// Four results under one userProcessingResult, with distinct properties.
async fn results(app: &TestApp, chain: &Chain) -> Vec<String> {
    let mut made = vec![chain.task_result.clone()];
    for (status, created, reason, started) in [
        (
            "failed",
            "2026-11-29T08:00:00Z",
            Some("mailbox locked"),
            Some("2026-11-29T08:00:01Z"),
        ),
        ("completed", "2026-11-29T09:00:00Z", Some("it's done"), None),
        (
            "inProgress",
            "2026-11-29T10:00:00.5Z",
            None,
            Some("2026-11-29T10:00:01Z"),
        ),
    ] {
        let mut body = seed_body();
        body["processingStatus"] = json!(status);
        body["createdDateTime"] = json!(created);
        body["failureReason"] = json!(reason);
        body["startedDateTime"] = json!(started);
        body.as_object_mut().unwrap().remove("completedDateTime");
        made.push(app.post(&chain.same_task_path(LIVE), &body).await.id());
    }
    made
}

#[tokio::test]
async fn task_processing_results_filter_on_every_property_and_operator() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let r = results(&app, &chain).await; // r[0] queued 07:00, r[1] failed 08:00, r[2] completed 09:00, r[3] inProgress 10:00
    let collection = format!("{}/taskProcessingResults", chain.user_result_path(LIVE));
    let pick = |indexes: &[usize]| indexes.iter().map(|i| r[*i].clone()).collect::<Vec<_>>();

    let cases: Vec<(String, Vec<String>)> = vec![
        (format!("id eq {}", r[1]), pick(&[1])),
        (format!("id eq '{}'", r[2]), pick(&[2])),
        (format!("id ne {}", r[1]), pick(&[0, 2, 3])),
        (format!("id in ({}, '{}')", r[0], r[3]), pick(&[0, 3])),
        ("processingStatus eq 'failed'".into(), pick(&[1])),
        ("processingStatus ne 'failed'".into(), pick(&[0, 2, 3])),
        ("processingStatus in ('queued', 'inProgress')".into(), pick(&[0, 3])),
        ("createdDateTime eq 2026-11-29T09:00:00Z".into(), pick(&[2])),
        ("createdDateTime ne 2026-11-29T09:00:00Z".into(), pick(&[0, 1, 3])),
        ("createdDateTime gt 2026-11-29T09:00:00Z".into(), pick(&[3])),
        ("createdDateTime ge 2026-11-29T09:00:00Z".into(), pick(&[2, 3])),
        ("createdDateTime lt 2026-11-29T09:00:00+01:00".into(), pick(&[0])),
        ("createdDateTime le 2026-11-29T08:00:00Z".into(), pick(&[0, 1])),
        ("startedDateTime eq null".into(), pick(&[0, 2])),
        ("startedDateTime ne null".into(), pick(&[1, 3])),
        ("startedDateTime gt 2026-11-29T09:00:00Z".into(), pick(&[3])),
        ("completedDateTime eq null".into(), pick(&[0, 1, 2, 3])),
        ("failureReason eq 'it''s done'".into(), pick(&[2])),
        ("failureReason ne 'mailbox locked'".into(), pick(&[0, 2, 3])),
        ("failureReason eq null".into(), pick(&[0, 3])),
        ("processingInfo eq null".into(), pick(&[0, 1, 2, 3])),
        (format!("subject/id eq '{}'", crate::helpers::SUBJECT_ID), pick(&[0, 1, 2, 3])),
        (format!("subject/id ne {}", crate::helpers::SUBJECT_ID), vec![]),
        (format!("task/id eq {}", chain.task), pick(&[0, 1, 2, 3])),
        ("processingStatus eq 'failed' or processingStatus eq 'completed'".into(), pick(&[1, 2])),
        ("not (processingStatus eq 'failed') and startedDateTime ne null".into(), pick(&[3])),
        ("(processingStatus eq 'queued' or processingStatus eq 'failed') and createdDateTime gt 2026-11-29T07:30:00Z".into(), pick(&[1])),
        ("not processingStatus in ('queued', 'failed')".into(), pick(&[2, 3])),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            filtered(&app, &collection, &filter).await,
            expected,
            "{filter}"
        );
    }
}

#[tokio::test]
async fn runs_user_results_tasks_and_workflows_filter_too() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let mut scheduled = crate::helpers::run_body();
    scheduled["workflowExecutionType"] = json!("scheduled");
    scheduled["scheduledDateTime"] = json!("2026-12-01T00:00:00Z");
    scheduled["processingStatus"] = json!("completed");
    scheduled.as_object_mut().unwrap().remove("startedDateTime");
    let second_run = app
        .post(&format!("/{LIVE}/{}/runs", chain.workflow), &scheduled)
        .await
        .id();
    let runs = format!("/{LIVE}/{}/runs", chain.workflow);
    assert_eq!(
        filtered(&app, &runs, "workflowExecutionType eq 'scheduled'").await,
        vec![second_run.clone()]
    );
    assert_eq!(
        filtered(&app, &runs, "scheduledDateTime lt 2026-12-01T00:00:00Z").await,
        vec![chain.run.clone()]
    );
    assert_eq!(
        filtered(&app, &runs, "processingStatus in ('inProgress')").await,
        vec![chain.run.clone()]
    );
    assert_eq!(
        filtered(&app, &runs, "startedDateTime eq null").await,
        vec![second_run.clone()]
    );

    let other_subject = Uuid::new_v4();
    let mut body = user_result_body();
    body["subject"] = json!({"id": other_subject});
    body["workflowVersion"] = json!(2);
    let other_user = app
        .post(
            &format!("{}/userProcessingResults", chain.run_path(LIVE)),
            &body,
        )
        .await
        .id();
    let users = format!("/{LIVE}/{}/userProcessingResults", chain.workflow);
    assert_eq!(
        filtered(&app, &users, &format!("subject/id eq {other_subject}")).await,
        vec![other_user.clone()]
    );
    assert_eq!(
        filtered(&app, &users, "workflowVersion ge 2").await,
        vec![other_user.clone()]
    );
    assert_eq!(
        filtered(&app, &users, "workflowVersion eq 1").await,
        vec![chain.user_result.clone()]
    );

    let tasks = format!("/{LIVE}/{}/tasks", chain.workflow);
    assert_eq!(
        filtered(&app, &tasks, "isEnabled eq true").await,
        vec![chain.task.clone()]
    );
    assert_eq!(
        filtered(&app, &tasks, "executionSequence gt 1").await.len(),
        1
    );
    assert_eq!(
        filtered(&app, &tasks, "category eq 'joiner,leaver'")
            .await
            .len(),
        1
    );

    let second = app.create_workflow("Joiner onboarding").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let workflows = format!("/{LIVE}");
    assert_eq!(
        filtered(&app, &workflows, "displayName eq 'Joiner onboarding'").await,
        vec![second.clone()]
    );
    assert_eq!(
        filtered(&app, &workflows, "category eq 'leaver' and version eq 1")
            .await
            .len(),
        2
    );
    assert_eq!(
        filtered(&app, &workflows, "deletedDateTime eq null")
            .await
            .len(),
        2
    );
    let searched = app
        .send(
            app.client
                .get(app.url("/workflows"))
                .query(&[("$search", "\"ONBOARD\"")]),
        )
        .await;
    assert_eq!(ids(&searched.body), vec![second]);
}

#[tokio::test]
async fn filters_spelled_with_percent_encoding_work() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let url = format!(
        "{}?%24filter=processingStatus%20eq%20%27queued%27&$count=true",
        app.url(&format!(
            "{}/taskProcessingResults",
            chain.user_result_path(LIVE)
        ))
    );
    let response = app.send(app.client.get(url)).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(ids(&response.body), vec![chain.task_result.clone()]);
}

#[tokio::test]
async fn paging_under_a_filter_walks_every_match_once() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    for index in 0..30 {
        let mut body = seed_body();
        body["processingStatus"] = json!(if index % 3 == 0 {
            "failed"
        } else {
            "completed"
        });
        app.post(&chain.same_task_path(LIVE), &body).await;
    }
    let mut url = format!(
        "{}?$filter=processingStatus eq 'failed'&$top=3",
        app.url(&format!("{}/taskProcessingResults", chain.run_path(LIVE)))
    );
    let mut seen = Vec::new();
    loop {
        let page = app.send(app.client.get(&url)).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|item| item["processingStatus"] == "failed"));
        seen.extend(ids(&page.body));
        match page.body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), 10);
    assert_eq!(seen.len(), 10);
}

#[tokio::test]
async fn bad_filters_are_400s_naming_the_option_and_position() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let collection = format!("{}/taskProcessingResults", chain.user_result_path(LIVE));
    for (filter, fragment) in [
        ("createdDateTime eq 'abc'", "position 20"),
        ("processingStatus gt 'failed'", "position 1"),
        ("colour eq 'red'", "'colour'"),
        ("processingStatus eq 'Failed'", "position 21"),
        ("contains(failureReason, 'x')", "position 9"),
        ("processingStatus eq", "position 20"),
        ("failureReason eq 'x' or", "position 24"),
        ("((((((((((((((((((((((((((((((((((processingStatus eq 'failed'))))))))))))))))))))))))))))))))))", "deeper"),
    ] {
        let response = app.send(app.client.get(app.url(&collection)).query(&[("$filter", filter)])).await;
        let message = response.assert_error(400, "invalidRequest");
        assert!(message.contains("$filter") && message.contains(fragment), "{filter}: {message}");
    }
    let search = app
        .send(
            app.client
                .get(app.url(&collection))
                .query(&[("$search", "\"x\"")]),
        )
        .await;
    let message = search.assert_error(400, "invalidRequest");
    assert!(message.contains("$search"), "{message}");
}

#[tokio::test]
async fn no_filter_text_makes_the_server_fail() {
    use proptest::strategy::{Strategy, ValueTree};
    use proptest::test_runner::TestRunner;
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let collection = app.url(&format!(
        "{}/taskProcessingResults",
        chain.user_result_path(LIVE)
    ));
    let mut runner = TestRunner::deterministic();
    let texts = proptest::string::string_regex("[ -~éß漢\u{1F600}]{0,120}").unwrap();
    let adversarial = [
        "failureReason eq ''; drop table task_processing_results; --'",
        "failureReason eq '\u{0}'",
        "processingStatus eq 'failed' and (",
        "((((((((((((((((((((((((((((((((((((((((",
        "createdDateTime gt 9999-12-31T23:59:59.9999999+14:00",
        "createdDateTime gt 0001-01-01T00:00:00-14:00",
        "id eq 00000000-0000-0000-0000-000000000000 or id in (",
    ];
    let mut statuses = Vec::new();
    for filter in adversarial
        .iter()
        .map(|text| text.to_string())
        .chain((0..150).map(|_| texts.new_tree(&mut runner).unwrap().current()))
    {
        let response = app
            .send(
                app.client
                    .get(&collection)
                    .query(&[("$filter", filter.as_str())]),
            )
            .await;
        assert!(
            matches!(response.status.as_u16(), 200 | 400),
            "{filter:?}: {} {}",
            response.status,
            response.text
        );
        statuses.push(response.status.as_u16());
    }
    assert_eq!(app.count("task_processing_results").await, 1);
    assert!(statuses.contains(&400));
}

#[tokio::test]
async fn select_keeps_the_named_properties_and_the_id() {
    use lifecycle_workflows::wire::{
        Resource, RunJson, TaskJson, TaskProcessingResultJson, UserProcessingResultJson,
        WorkflowJson,
    };
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;

    // Each resource's selectable properties are exactly what it renders.
    for (path, properties) in [
        (
            format!("/{LIVE}/{}", chain.workflow),
            WorkflowJson::PROPERTIES,
        ),
        (
            format!("/{LIVE}/{}/tasks/{}", chain.workflow, chain.task),
            TaskJson::PROPERTIES,
        ),
        (chain.run_path(LIVE), RunJson::PROPERTIES),
        (
            chain.user_result_path(LIVE),
            UserProcessingResultJson::PROPERTIES,
        ),
        (
            chain.task_result_path(LIVE),
            TaskProcessingResultJson::PROPERTIES,
        ),
    ] {
        let body = app.get(&path).await.body;
        let mut keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|key| !key.starts_with('@'))
            .collect();
        let mut expected = properties.to_vec();
        keys.sort_unstable();
        expected.sort_unstable();
        assert_eq!(keys, expected, "{path}");
    }

    let run = app
        .get(&format!(
            "{}?$select=processingStatus,totalTasksCount",
            chain.run_path(LIVE)
        ))
        .await;
    assert_eq!(run.status, 200, "{}", run.text);
    let keys: Vec<&String> = run.body.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    assert_eq!(run.body["id"], chain.run);
    assert!(run.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/runs(processingStatus,totalTasksCount)/$entity"));

    let list = app
        .send(
            app.client
                .get(app.url(&format!(
                    "{}/taskProcessingResults",
                    chain.user_result_path(LIVE)
                )))
                .query(&[("$select", "processingStatus"), ("$top", "1")]),
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(
        list.body["value"][0],
        json!({"id": chain.task_result, "processingStatus": "queued"})
    );
    assert!(list.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/taskProcessingResults(processingStatus)"));

    for path in [
        format!("{}?$select=colour", chain.run_path(LIVE)),
        format!("/{LIVE}?$select=id,,displayName"),
        format!(
            "{}?$filter=processingStatus eq 'queued'",
            chain.run_path(LIVE)
        ),
        format!("{}?%24top=1", chain.run_path(LIVE)),
    ] {
        let message = app.get(&path).await.assert_error(400, "invalidRequest");
        assert!(message.contains("'$"), "{path}: {message}");
    }
}

#[tokio::test]
async fn orderby_sorts_by_several_keys_with_ties_broken_by_id() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let r = results(&app, &chain).await; // created 07:00 queued, 08:00 failed, 09:00 completed, 10:00 inProgress
    let collection = app.url(&format!(
        "{}/taskProcessingResults",
        chain.user_result_path(LIVE)
    ));
    assert_eq!(
        sorted(&app, &collection, "createdDateTime desc").await,
        vec![r[3].clone(), r[2].clone(), r[1].clone(), r[0].clone()]
    );
    assert_eq!(
        sorted(&app, &collection, "processingStatus").await,
        vec![r[2].clone(), r[1].clone(), r[3].clone(), r[0].clone()]
    );
    // Nulls last ascending, first descending; then id.
    assert_eq!(
        sorted(&app, &collection, "startedDateTime asc").await,
        vec![r[1].clone(), r[3].clone(), r[0].clone(), r[2].clone()]
    );
    assert_eq!(
        sorted(
            &app,
            &collection,
            "startedDateTime desc, createdDateTime desc"
        )
        .await,
        vec![r[2].clone(), r[0].clone(), r[3].clone(), r[1].clone()]
    );
    assert_eq!(
        sorted(&app, &collection, "subject/id, createdDateTime").await,
        r
    );

    for orderby in [
        "colour",
        "createdDateTime sideways",
        "createdDateTime desc nulls",
        "",
    ] {
        let response = app
            .send(app.client.get(&collection).query(&[("$orderby", orderby)]))
            .await;
        let message = response.assert_error(400, "invalidRequest");
        assert!(message.contains("$orderby"), "{orderby}: {message}");
    }
    // A token from one ordering does not fit another.
    let first = app
        .send(
            app.client
                .get(&collection)
                .query(&[("$orderby", "createdDateTime"), ("$top", "1")]),
        )
        .await;
    let next = first.body["@odata.nextLink"].as_str().unwrap();
    let token = next.split("$skiptoken=").nth(1).unwrap();
    let mismatched = app
        .send(app.client.get(format!("{collection}?$skiptoken={token}")))
        .await;
    let message = mismatched.assert_error(400, "invalidRequest");
    assert!(message.contains("$skiptoken"), "{message}");
}

#[tokio::test]
async fn paging_under_filter_and_orderby_walks_every_match_exactly_once() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    // 60 results with many ties and nulls in the sort keys.
    sqlx::query(
        "insert into task_processing_results
             (tenant_id, workflow_id, run_id, user_processing_result_id, id, task_id, subject_id,
              created_date_time, processing_status, started_date_time, failure_reason)
         select tenant_id, workflow_id, run_id, user_processing_result_id, uuid_v7(), task_id, subject_id,
                timestamptz '2026-11-29 00:00:00+00' + (g % 7) * interval '1 hour',
                (array['failed', 'completed', 'inProgress'])[1 + g % 3],
                case when g % 4 = 0 then null else timestamptz '2026-11-29 00:00:00+00' + (g % 5) * interval '1 minute' end,
                case when g % 2 = 0 then null else 'reason ' || (g % 3) end
         from task_processing_results, generate_series(1, 60) g",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let filter = "processingStatus ne 'inProgress'";
    let expected: Vec<String> = {
        let response = app
            .send(
                app.client
                    .get(app.url(&format!("{}/taskProcessingResults", chain.run_path(LIVE))))
                    .query(&[("$filter", filter), ("$top", "999")]),
            )
            .await;
        ids(&response.body)
    };
    assert_eq!(expected.len(), 41);

    for orderby in [
        "startedDateTime desc, failureReason",
        "failureReason desc, createdDateTime",
        "createdDateTime, startedDateTime desc, processingStatus desc",
    ] {
        let mut url = format!(
            "{}?$filter={filter}&$orderby={orderby}&$top=4",
            app.url(&format!("{}/taskProcessingResults", chain.run_path(LIVE)))
        );
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let page = app.send(app.client.get(&url)).await;
            assert_eq!(page.status, 200, "{orderby}: {}", page.text);
            seen.extend(ids(&page.body));
            pages += 1;
            match page.body["@odata.nextLink"].as_str() {
                Some(next) => url = next.to_owned(),
                None => break,
            }
        }
        let whole = app
            .send(
                app.client
                    .get(app.url(&format!("{}/taskProcessingResults", chain.run_path(LIVE))))
                    .query(&[("$filter", filter), ("$orderby", orderby), ("$top", "999")]),
            )
            .await;
        assert_eq!(
            seen,
            ids(&whole.body),
            "{orderby}: paged order equals the one-page order"
        );
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 41, "{orderby}: every match once");
        assert!(pages >= 11, "{orderby}: {pages} pages");
    }
}

async fn sorted(app: &TestApp, collection: &str, orderby: &str) -> Vec<String> {
    let response = app
        .send(app.client.get(collection).query(&[("$orderby", orderby)]))
        .await;
    assert_eq!(response.status, 200, "{orderby}: {}", response.text);
    ids(&response.body)
}

#[tokio::test]
async fn expand_renders_navigation_properties_inline() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let task = app
        .get(&format!("/{LIVE}/{}/tasks/{}", chain.workflow, chain.task))
        .await
        .body;
    let mut expected_task = task.clone();
    expected_task
        .as_object_mut()
        .unwrap()
        .remove("@odata.context");

    let result = app
        .get(&format!("{}?$expand=task", chain.task_result_path(LIVE)))
        .await;
    assert_eq!(result.status, 200, "{}", result.text);
    assert_eq!(result.body["task"], expected_task);
    assert!(
        app.get(&chain.task_result_path(LIVE))
            .await
            .body
            .get("task")
            .is_none(),
        "only when asked"
    );
    // An expanded navigation property stays whatever $select keeps.
    let projected = app
        .get(&format!(
            "{}?$select=processingStatus&$expand=task",
            chain.task_result_path(LIVE)
        ))
        .await;
    assert_eq!(projected.status, 200, "{}", projected.text);
    assert_eq!(projected.body["task"], expected_task);
    assert!(projected.body.get("createdDateTime").is_none());

    let list = app
        .send(
            app.client
                .get(app.url(&format!("{}/taskProcessingResults", chain.run_path(LIVE))))
                .query(&[("$expand", "task,subject")]),
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["value"][0]["task"], expected_task);
    assert_eq!(
        list.body["value"][0]["subject"],
        json!({"id": crate::helpers::SUBJECT_ID})
    );

    let users = app
        .get(&format!(
            "{}/userProcessingResults?$expand=subject",
            chain.run_path(LIVE)
        ))
        .await;
    assert_eq!(users.status, 200, "{}", users.text);

    app.create_workflow("Second").await;
    let workflows = app
        .get(&format!("/{LIVE}?$expand=tasks&$orderby=displayName desc"))
        .await;
    assert_eq!(workflows.status, 200, "{}", workflows.text);
    let value = workflows.body["value"].as_array().unwrap();
    assert_eq!(value.len(), 2);
    assert!(value
        .iter()
        .all(|workflow| workflow["tasks"].as_array().unwrap().len() == 2));
    assert_eq!(
        value[0]["tasks"][0]["id"], chain.task,
        "\"Workflow …\" sorts before \"Second\" descending"
    );

    for (path, named) in [
        (format!("{}?$expand=task", chain.run_path(LIVE)), "task"),
        (
            format!("{}?$expand=workflow", chain.task_result_path(LIVE)),
            "workflow",
        ),
        (format!("/{LIVE}?$expand=runs"), "runs"),
        (format!("/{LIVE}?$expand=tasks,,runs"), "$expand"),
    ] {
        let message = app.get(&path).await.assert_error(400, "invalidRequest");
        assert!(
            message.contains("$expand") && message.contains(named),
            "{path}: {message}"
        );
    }
}
