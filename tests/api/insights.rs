//! The insights, compared with counts taken apart from the service, in plain
//! SQL over the same rows.

use crate::helpers::{run_body, user_result_body, workflow_body, TestApp, LIVE};
use serde_json::{json, Value};

const STATUSES: [&str; 6] = [
    "queued",
    "inProgress",
    "completed",
    "completedWithErrors",
    "canceled",
    "failed",
];
const START: &str = "2026-11-01T00:00:00Z";
const END: &str = "2026-12-01T00:00:00Z";

/// A small deterministic sequence, so that every run of the test sees the
/// same mix of statuses and times.
struct Sequence(u64);

impl Sequence {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % below as u64) as usize
    }
}

/// Workflows of each category (and one deleted, whose runs do not count), with
/// runs inside and outside the window, users and task results of every status.
async fn populate(app: &TestApp) {
    let mut sequence = Sequence(7);
    let mut joiner = workflow_body("Joiners");
    joiner["category"] = json!("joiner");
    joiner["tasks"] = json!([
        {"displayName": "Welcome", "taskDefinitionId": "70b29d51-b59a-4773-9280-8841dfd3f2ea"},
        {"displayName": "Enable", "taskDefinitionId": "6fc52c9d-398b-4305-9763-15f42c1676fc"}
    ]);
    let mut mover = workflow_body("Movers");
    mover["category"] = json!("mover");
    mover["tasks"] = json!([
        {"displayName": "Revoke", "taskDefinitionId": "509589a4-0466-4471-829e-49c5e502bdee"}
    ]);
    let mut workflows = Vec::new();
    for body in [
        workflow_body("Leavers"),
        joiner,
        mover,
        workflow_body("Gone"),
    ] {
        let made = app.post(&format!("/{LIVE}"), &body).await;
        assert_eq!(made.status, 201, "{}", made.text);
        workflows.push(made.body);
    }
    for workflow in &workflows {
        let w = workflow["id"].as_str().unwrap();
        let tasks: Vec<&str> = workflow["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|task| task["id"].as_str().unwrap())
            .collect();
        for _ in 0..4 {
            let mut run = run_body();
            let day = 20 + sequence.next(20);
            let when = format!("2026-{}-{:02}T08:00:00Z", 10 + day / 30, day % 30 + 1);
            run["scheduledDateTime"] = json!(when);
            run["startedDateTime"] = json!(when);
            run["processingStatus"] = json!(STATUSES[sequence.next(6)]);
            let run = app.post(&format!("/{LIVE}/{w}/runs"), &run).await;
            assert_eq!(run.status, 201, "{}", run.text);
            for _ in 0..sequence.next(4) {
                let mut user = user_result_body();
                user["processingStatus"] = json!(STATUSES[sequence.next(6)]);
                let path = format!("/{LIVE}/{w}/runs/{}/userProcessingResults", run.id());
                let user = app.post(&path, &user).await;
                assert_eq!(user.status, 201, "{}", user.text);
                for task in &tasks {
                    let result = json!({
                        "task": {"id": task},
                        "createdDateTime": "2026-11-29T07:00:00Z",
                        "processingStatus": STATUSES[sequence.next(6)]
                    });
                    let path = format!("{path}/{}/taskProcessingResults", user.id());
                    let made = app.post(&path, &result).await;
                    assert_eq!(made.status, 201, "{}", made.text);
                }
            }
        }
    }
    app.soft_delete(workflows[3]["id"].as_str().unwrap()).await;
}

/// Calls an insight in the form the official Python SDK writes (no comma).
async fn insight(app: &TestApp, function: &str) -> Value {
    let encoded = |value: &str| value.replace(':', "%3A");
    let response = app
        .send(
            app.client
                .get(app.url(&format!(
                    "/insights/microsoft.graph.identityGovernance.{function}(startDateTime={}endDateTime={})",
                    encoded(START),
                    encoded(END)
                )))
                .header("Prefer", "include-unknown-enum-members"),
        )
        .await;
    assert_eq!(response.status, 200, "{function}: {}", response.text);
    response.body
}

/// The runs of live workflows in the window, with what the counts need.
const IN_WINDOW: &str = "
    select r.tenant_id, r.workflow_id, r.id, r.processing_status, w.category
    from runs r join workflows w on w.tenant_id = r.tenant_id and w.id = r.workflow_id
    where r.tenant_id = $1 and w.deleted_date_time is null
      and r.scheduled_date_time >= $2::timestamptz and r.scheduled_date_time < $3::timestamptz";

async fn counted(app: &TestApp, sql: &str) -> Value {
    let row: Value = sqlx::query_scalar(&format!("with in_window as ({IN_WINDOW}) {sql}"))
        .bind(app.tenant)
        .bind(START)
        .bind(END)
        .fetch_one(&app.db)
        .await
        .unwrap();
    row
}

#[tokio::test]
async fn insights_agree_with_an_independent_count() {
    let app = TestApp::spawn().await;
    populate(&app).await;

    let mut summary = insight(&app, "workflowsProcessedSummary").await;
    assert_eq!(
        summary
            .as_object_mut()
            .unwrap()
            .remove("@odata.context")
            .unwrap(),
        format!(
            "{}/beta/$metadata#microsoft.graph.identityGovernance.workflowsInsightsSummary",
            app.address
        )
    );
    let expected = counted(
        &app,
        "select jsonb_build_object(
             'totalRuns', (select count(*) from in_window),
             'successfulRuns', (select count(*) from in_window where processing_status = 'completed'),
             'failedRuns', (select count(*) from in_window
                            where processing_status in ('failed', 'completedWithErrors')),
             'totalUsers', (select count(*) from user_processing_results u
                            join in_window r on u.tenant_id = r.tenant_id and u.workflow_id = r.workflow_id and u.run_id = r.id),
             'successfulUsers', (select count(*) from user_processing_results u
                                 join in_window r on u.tenant_id = r.tenant_id and u.workflow_id = r.workflow_id and u.run_id = r.id
                                 where u.processing_status = 'completed'),
             'failedUsers', (select count(*) from user_processing_results u
                             join in_window r on u.tenant_id = r.tenant_id and u.workflow_id = r.workflow_id and u.run_id = r.id
                             where u.processing_status in ('failed', 'completedWithErrors')),
             'totalTasks', (select count(*) from task_processing_results t
                            join in_window r on t.tenant_id = r.tenant_id and t.workflow_id = r.workflow_id and t.run_id = r.id),
             'successfulTasks', (select count(*) from task_processing_results t
                                 join in_window r on t.tenant_id = r.tenant_id and t.workflow_id = r.workflow_id and t.run_id = r.id
                                 where t.processing_status = 'completed'),
             'failedTasks', (select count(*) from task_processing_results t
                             join in_window r on t.tenant_id = r.tenant_id and t.workflow_id = r.workflow_id and t.run_id = r.id
                             where t.processing_status = 'failed'))",
    )
    .await;
    assert_eq!(summary, expected);
    assert!(summary["totalTasks"].as_i64().unwrap() > 0, "{summary}");

    let mut by_category = insight(&app, "workflowsProcessedByCategory").await;
    by_category
        .as_object_mut()
        .unwrap()
        .remove("@odata.context");
    let mut expected = serde_json::Map::new();
    for category in ["joiner", "leaver", "mover"] {
        let capitalized = format!("{}{}", category[..1].to_uppercase(), &category[1..]);
        let counts = counted(
            &app,
            &format!(
                "select jsonb_build_array(
                     count(*),
                     count(*) filter (where processing_status = 'completed'),
                     count(*) filter (where processing_status in ('failed', 'completedWithErrors')))
                 from in_window where category = '{category}'"
            ),
        )
        .await;
        for (index, kind) in ["total", "successful", "failed"].iter().enumerate() {
            expected.insert(format!("{kind}{capitalized}Runs"), counts[index].clone());
        }
    }
    assert_eq!(by_category, Value::Object(expected));

    let top = insight(&app, "topWorkflowsProcessedSummary").await;
    assert_eq!(
        top["@odata.context"],
        format!("{}/beta/$metadata#Collection(microsoft.graph.identityGovernance.topWorkflowsInsightsSummary)", app.address)
    );
    let expected = counted(
        &app,
        "select jsonb_agg(row order by (row->>'totalRuns')::int desc, row->>'workflowId')
         from (select jsonb_build_object(
                   'workflowId', w.id, 'workflowDisplayName', w.display_name,
                   'workflowCategory', w.category, 'workflowVersion', w.version,
                   'totalRuns', p.total, 'successfulRuns', p.successful, 'failedRuns', p.failed,
                   'totalUsers', coalesce(u.total, 0),
                   'successfulUsers', coalesce(u.successful, 0),
                   'failedUsers', coalesce(u.failed, 0)) as row
               from (select tenant_id, workflow_id, count(*) as total,
                            count(*) filter (where processing_status = 'completed') as successful,
                            count(*) filter (where processing_status in ('failed', 'completedWithErrors'))
                                as failed
                     from in_window group by tenant_id, workflow_id) p
               join workflows w on w.tenant_id = p.tenant_id and w.id = p.workflow_id
               left join (select x.tenant_id, x.workflow_id, count(*) as total,
                                 count(*) filter (where u.processing_status = 'completed') as successful,
                                 count(*) filter (where u.processing_status in ('failed', 'completedWithErrors'))
                                     as failed
                          from user_processing_results u
                          join in_window x on u.tenant_id = x.tenant_id
                                          and u.workflow_id = x.workflow_id and u.run_id = x.id
                          group by x.tenant_id, x.workflow_id) u
                 on u.tenant_id = p.tenant_id and u.workflow_id = p.workflow_id) rows",
    )
    .await;
    assert_eq!(top["value"], expected);
    assert_eq!(
        top["value"].as_array().unwrap().len(),
        3,
        "the deleted workflow's runs do not count"
    );

    let tasks = insight(&app, "topTasksProcessedSummary").await;
    let expected = counted(
        &app,
        "select jsonb_agg(row order by (row->>'totalTasks')::int desc, id)
         from (select d.id, jsonb_build_object(
                   'taskDefinitionId', d.published_id,
                   'taskDefinitionDisplayName', d.display_name,
                   'totalTasks', count(*),
                   'successfulTasks', count(*) filter (where t.processing_status = 'completed'),
                   'failedTasks', count(*) filter (where t.processing_status = 'failed'),
                   'totalUsers', count(distinct t.user_processing_result_id),
                   'successfulUsers', count(distinct t.user_processing_result_id)
                                      filter (where t.processing_status = 'completed'),
                   'failedUsers', count(distinct t.user_processing_result_id)
                                  filter (where t.processing_status = 'failed')) as row
               from in_window r
               join task_processing_results t on t.tenant_id = r.tenant_id and t.workflow_id = r.workflow_id and t.run_id = r.id
               join tasks k on k.tenant_id = t.tenant_id and k.workflow_id = t.workflow_id and k.id = t.task_id
               join task_definitions d on d.id = k.task_definition_id
               group by d.id) rows",
    )
    .await;
    assert_eq!(tasks["value"], expected);
}

#[tokio::test]
async fn an_insight_needs_a_window_that_is_not_empty() {
    let app = TestApp::spawn().await;
    let functions = [
        "workflowsProcessedSummary",
        "workflowsProcessedByCategory",
        "topWorkflowsProcessedSummary",
        "topTasksProcessedSummary",
    ];
    for function in functions {
        for (call, names) in [
            (
                format!("{function}(startDateTime={START})"),
                "'endDateTime'",
            ),
            (format!("{function}(endDateTime={END})"), "'startDateTime'"),
            (
                format!("{function}(startDateTime={END},endDateTime={START})"),
                "'endDateTime'",
            ),
            (
                format!("{function}(startDateTime={START},endDateTime={START})"),
                "'endDateTime'",
            ),
        ] {
            let refused = app.get(&format!("/insights/{call}")).await;
            let message = refused.assert_error(400, "invalidRequest");
            assert!(message.contains(names), "{call}: {message}");
        }
        let short = app
            .get(&format!(
                "/insights/{function}(startDateTime={START},endDateTime={END})"
            ))
            .await;
        assert_eq!(short.status, 200, "{}", short.text);
        if short.body.get("value").is_some() {
            assert_eq!(short.body["value"], json!([]));
        }
    }
    let reader = crate::helpers::client_with_token(&app.token(
        app.tenant,
        &["LifecycleWorkflows-Workflow.Read.All"],
        &[],
    ));
    app.send(reader.get(app.url(&format!(
        "/insights/workflowsProcessedSummary(startDateTime={START},endDateTime={END})"
    ))))
    .await
    .assert_error(403, "accessDenied");
}
