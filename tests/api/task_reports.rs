//! taskReports: one per run and task with results, derived from them, compared
//! with an independent count over the same rows.

use crate::helpers::{TestApp, DELETED, LIVE, TASK_DEFINITION_ID};
use serde_json::{json, Value};

const SUBJECTS: [&str; 3] = [
    "00000000-0000-0000-0000-0000000000a1",
    "00000000-0000-0000-0000-0000000000a2",
    "00000000-0000-0000-0000-0000000000a3",
];

fn items(body: &Value) -> &Vec<Value> {
    body["value"].as_array().expect("a value array")
}

/// A workflow with a chain (one queued result), and an activation for three
/// users whose results are then completed, failed and left queued.
async fn reported(app: &TestApp) -> String {
    let chain = app.create_chain().await;
    let w = chain.workflow.clone();
    let subjects: Vec<Value> = SUBJECTS.iter().map(|id| json!({"id": id})).collect();
    let activated = app
        .post(
            &format!("/{LIVE}/{w}/activate"),
            &json!({"subjects": subjects}),
        )
        .await;
    assert_eq!(activated.status, 204, "{}", activated.text);
    let queued = app
        .get(&format!(
            "/{LIVE}/{w}/userProcessingResults?$filter=processingStatus eq 'queued'"
        ))
        .await;
    for (user, status) in items(&queued.body).iter().zip(["completed", "failed"]) {
        let u = user["id"].as_str().unwrap();
        let results = app
            .get(&format!(
                "/{LIVE}/{w}/userProcessingResults/{u}/taskProcessingResults"
            ))
            .await;
        let p = items(&results.body)[0]["id"].as_str().unwrap();
        let patched = app
            .send(
                app.client
                    .patch(app.url(&format!(
                        "/{LIVE}/{w}/userProcessingResults/{u}/taskProcessingResults/{p}"
                    )))
                    .json(&json!({
                        "processingStatus": status,
                        "startedDateTime": "2026-12-04T10:00:00Z",
                        "completedDateTime": "2026-12-04T10:05:00Z"
                    })),
            )
            .await;
        assert_eq!(patched.status, 204, "{}", patched.text);
    }
    w
}

#[tokio::test]
async fn reports_agree_with_an_independent_count_of_the_results() {
    let app = TestApp::spawn().await;
    let w = reported(&app).await;
    let listed = app
        .get(&format!("/{LIVE}/{w}/taskReports?$count=true"))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body["@odata.count"], 2);

    let expected: Value = sqlx::query_scalar(
        "select jsonb_object_agg(run_id::text, counts)
         from (select run_id, jsonb_build_array(
                          count(distinct user_processing_result_id),
                          count(*) filter (where processing_status = 'completed'),
                          count(*) filter (where processing_status = 'failed'),
                          count(*) filter (where processing_status = 'queued')) as counts
               from task_processing_results
               where tenant_id = $1 and workflow_id = $2::uuid
               group by run_id, task_id) per_report",
    )
    .bind(app.tenant)
    .bind(&w)
    .fetch_one(&app.db)
    .await
    .unwrap();
    for report in items(&listed.body) {
        let counts = &expected[report["runId"].as_str().unwrap()];
        let got = json!([
            report["totalUsersCount"],
            report["successfulUsersCount"],
            report["failedUsersCount"],
            report["unprocessedUsersCount"]
        ]);
        assert_eq!(&got, counts, "{report}");
    }
    let activation = items(&listed.body)
        .iter()
        .find(|report| report["totalUsersCount"] == 3)
        .expect("the activation's report");
    assert_eq!(activation["processingStatus"], "inProgress");
    assert_eq!(activation["startedDateTime"], "2026-12-04T10:00:00Z");
    assert_eq!(activation["completedDateTime"], Value::Null);

    // The same id on every read, and addressable.
    let id = activation["id"].as_str().unwrap();
    let one = app.get(&format!("/{LIVE}/{w}/taskReports/{id}")).await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(&one.body["id"], &activation["id"]);
    assert_eq!(
        one.body["@odata.context"],
        format!("{}/beta/$metadata#identityGovernance/lifecycleWorkflows/workflows('{w}')/taskReports/$entity", app.address)
    );
    let task = app.get(&format!("/{LIVE}/{w}/taskReports/{id}/task")).await;
    assert_eq!(task.status, 200, "{}", task.text);
    assert_eq!(task.body["taskDefinitionId"], TASK_DEFINITION_ID);
    let definition = app
        .get(&format!("/{LIVE}/{w}/taskReports/{id}/taskDefinition"))
        .await;
    assert_eq!(definition.status, 200, "{}", definition.text);
    assert_eq!(definition.body["id"], TASK_DEFINITION_ID);
    assert_eq!(
        definition.body["displayName"],
        "Remove all licenses for user"
    );
    let results = app
        .get(&format!(
            "/{LIVE}/{w}/taskReports/{id}/taskProcessingResults?$count=true"
        ))
        .await;
    assert_eq!(results.body["@odata.count"], 3, "{}", results.text);
    let first = items(&results.body)[0]["id"].as_str().unwrap();
    let result = app
        .get(&format!(
            "/{LIVE}/{w}/taskReports/{id}/taskProcessingResults/{first}"
        ))
        .await;
    assert_eq!(result.status, 200, "{}", result.text);
    let expanded = app
        .get(&format!(
            "/{LIVE}/{w}/taskReports?$expand=task&$filter=totalUsersCount eq 3"
        ))
        .await;
    assert_eq!(
        items(&expanded.body)[0]["task"]["taskDefinitionId"],
        TASK_DEFINITION_ID
    );

    // Deleted with its workflow, and read there.
    app.soft_delete(&w).await;
    let deleted = app.get(&format!("/{DELETED}/{w}/taskReports/{id}")).await;
    assert_eq!(deleted.status, 200, "{}", deleted.text);
    let live = app.get(&format!("/{LIVE}/{w}/taskReports/{id}")).await;
    live.assert_error(404, "itemNotFound");
}

#[tokio::test]
async fn the_summary_counts_the_reports_of_the_runs_in_the_window() {
    let app = TestApp::spawn().await;
    let w = reported(&app).await;
    // The chain's run is scheduled 2026-11-29, the activation's now.
    let summary = app
        .get(&format!(
            "/{LIVE}/{w}/taskReports/microsoft.graph.identityGovernance.summary(startDateTime=2026-11-01T00:00:00Z,endDateTime=2099-01-01T00:00:00Z)"
        ))
        .await;
    assert_eq!(summary.status, 200, "{}", summary.text);
    assert_eq!(
        summary.body,
        json!({
            "@odata.context": format!("{}/beta/$metadata#microsoft.graph.identityGovernance.taskReportSummary", app.address),
            "successfulTasks": 0,
            "failedTasks": 0,
            "unprocessedTasks": 2,
            "totalTasks": 2
        })
    );
    let november = app
        .get(&format!(
            "/{LIVE}/{w}/taskReports/summary(startDateTime=2026-11-01T00:00:00Z,endDateTime=2026-12-01T00:00:00Z)"
        ))
        .await;
    assert_eq!(november.body["totalTasks"], 1, "{}", november.text);
    app.get(&format!(
        "/{LIVE}/{w}/taskReports/summary(startDateTime=2026-12-01T00:00:00Z,endDateTime=2026-11-01T00:00:00Z)"
    ))
    .await
    .assert_error(400, "invalidRequest");
    let unknown = "00000000-0000-0000-0000-00000000000f";
    let missing = app
        .get(&format!(
            "/{LIVE}/{unknown}/taskReports/summary(startDateTime=2026-11-01T00:00:00Z,endDateTime=2026-12-01T00:00:00Z)"
        ))
        .await;
    missing.assert_error(404, "itemNotFound");
}

#[tokio::test]
async fn a_report_that_does_not_exist_is_a_404_naming_it() {
    let app = TestApp::spawn().await;
    let w = reported(&app).await;
    let unknown = "00000000-0000-0000-0000-0000000000bb";
    for path in [
        format!("/{LIVE}/{w}/taskReports/{unknown}"),
        format!("/{LIVE}/{w}/taskReports/{unknown}/task"),
        format!("/{LIVE}/{w}/taskReports/{unknown}/taskDefinition"),
        format!("/{LIVE}/{w}/taskReports/{unknown}/taskProcessingResults"),
    ] {
        let message = app.get(&path).await.assert_error(404, "itemNotFound");
        assert_eq!(
            message,
            format!("No taskReport with id '{unknown}' exists in workflow '{w}'."),
            "{path}"
        );
    }
}
