//! `lifecycle-workflows seed`: demo data that the API then serves.

use crate::helpers::{run_binary, TestApp, BINARY, DELETED, LIVE};
use std::process::Command;

#[tokio::test]
async fn the_seed_subcommand_fills_a_tenant_the_api_then_serves() {
    let app = TestApp::spawn().await;
    let report = run_binary(
        Command::new(BINARY)
            .args(["seed", "--workflows", "5", "--users", "120", "--tenant"])
            .arg(app.tenant.to_string())
            .env("DATABASE_URL", app.database_url())
            .env("RUST_LOG", "warn"),
    );
    // Joiner, leaver, mover, joiner, leaver: 3 + 3 + 1 + 3 + 3 tasks, each run for
    // 120 users in runs of at most 100.
    assert!(
        report.contains(
            "5 workflows (1 deleted), 10 runs, 600 userProcessingResults, 1560 taskProcessingResults"
        ),
        "{report}"
    );

    // Every demo task keeps the rules the API holds created tasks to (checked
    // here in SQL, apart from the service's check): its definition exists,
    // serves its workflow's category, and has its required arguments.
    let unfit: i64 = sqlx::query_scalar(
        "select count(*)
         from tasks t
         join workflows w on w.tenant_id = t.tenant_id and w.id = t.workflow_id
         left join task_definitions d on d.id = t.task_definition_id
         where d.id is null
            or not w.category = any(string_to_array(d.category, ','))
            or exists (select 1 from unnest(d.required_parameters) required (name)
                       where not t.arguments @> jsonb_build_array(
                           jsonb_build_object('name', required.name)))",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(unfit, 0, "demo tasks that break the catalog's rules");

    let live = app.get(&format!("/{LIVE}/$count")).await;
    assert_eq!(live.text, "4");
    let deleted = app.get(&format!("/{DELETED}/$count")).await;
    assert_eq!(deleted.text, "1");

    let workflows = app.get(&format!("/{LIVE}?$orderby=displayName")).await;
    let workflow = &workflows.body["value"][0];
    let workflow_id = workflow["id"].as_str().unwrap();
    let runs = app.get(&format!("/{LIVE}/{workflow_id}/runs")).await;
    assert_eq!(
        runs.body["value"].as_array().unwrap().len(),
        2,
        "{}",
        runs.text
    );
    for run in runs.body["value"].as_array().unwrap() {
        let status = run["processingStatus"].as_str().unwrap();
        assert!(
            ["completed", "completedWithErrors"].contains(&status),
            "{status}"
        );
        assert_eq!(run["totalUnprocessedTasksCount"], 0, "{run}");
    }
    let failed = app
        .get(&format!(
            "/{LIVE}/{workflow_id}/userProcessingResults/$count?$filter=processingStatus eq 'failed'"
        ))
        .await;
    let completed = app
        .get(&format!(
            "/{LIVE}/{workflow_id}/userProcessingResults/$count?$filter=processingStatus eq 'completed'"
        ))
        .await;
    let (failed, completed): (u32, u32) = (
        failed.text.parse().unwrap(),
        completed.text.parse().unwrap(),
    );
    assert_eq!(failed + completed, 120);
    assert!(
        failed > 0 && completed > 0,
        "{failed} failed, {completed} completed"
    );
}
