//! `workflowTemplates`: Graph's 10 templates, the same for every tenant, with
//! their tasks; a workflow can be made from each.

use crate::helpers::{client_with_token, TestApp, LIVE};
use serde_json::{json, Value};

const TEMPLATES: &str = "/workflowTemplates";
const OFFBOARD: &str = "e821c59e-d28c-44d7-902f-5fed05e926f1";

fn items(body: &Value) -> &Vec<Value> {
    body["value"].as_array().expect("a value array")
}

#[tokio::test]
async fn the_catalog_lists_graph_s_ten_templates_with_their_tasks() {
    let app = TestApp::spawn().await;
    let all = app.get(&format!("{TEMPLATES}?$count=true")).await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.body["@odata.count"], 10);
    assert_eq!(items(&all.body).len(), 10);
    assert!(items(&all.body)[0].get("tasks").is_none());

    let leavers = app
        .get(&format!(
            "{TEMPLATES}?$filter=category eq 'leaver'&$select=displayName"
        ))
        .await;
    let mut names: Vec<&str> = items(&leavers.body)
        .iter()
        .map(|template| template["displayName"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "Offboard an employee",
            "Post-offboarding of an employee",
            "Pre-offboarding of an employee",
            "Real-time employee termination"
        ]
    );

    let offboard = app.get(&format!("{TEMPLATES}/{OFFBOARD}")).await;
    assert_eq!(offboard.status, 200, "{}", offboard.text);
    assert_eq!(
        offboard.body["@odata.context"],
        format!(
            "{}/beta/$metadata#identityGovernance/lifecycleWorkflows/workflowTemplates/$entity",
            app.address
        )
    );
    assert_eq!(offboard.body["category"], "leaver");
    assert_eq!(
        offboard.body["executionConditions"],
        json!({
            "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
            "scope": {
                "@odata.type": "#microsoft.graph.identityGovernance.ruleBasedSubjectSet",
                "rule": "(department eq 'Marketing')"
            },
            "trigger": {
                "@odata.type": "#microsoft.graph.identityGovernance.timeBasedAttributeTrigger",
                "timeBasedAttribute": "employeeLeaveDateTime",
                "offsetInDays": 0
            }
        })
    );

    let tasks = app.get(&format!("{TEMPLATES}/{OFFBOARD}/tasks")).await;
    assert_eq!(tasks.status, 200, "{}", tasks.text);
    assert_eq!(
        tasks.body["@odata.context"],
        format!(
            "{}/beta/$metadata#identityGovernance/lifecycleWorkflows/workflowTemplates('{OFFBOARD}')/tasks",
            app.address
        )
    );
    let listed: Vec<(&Value, &Value)> = items(&tasks.body)
        .iter()
        .map(|task| (&task["executionSequence"], &task["taskDefinitionId"]))
        .collect();
    assert_eq!(
        listed,
        [
            (&json!(1), &json!("1dfdfcc7-52fa-4c2e-bf3a-e3919cc12950")),
            (&json!(2), &json!("b3a31406-2a15-4c9a-b25b-a658fa5f07fc")),
            (&json!(3), &json!("81f7b200-2816-4b3b-8c5d-dc556f07b024")),
        ]
    );
    let first = &items(&tasks.body)[0];
    assert_eq!(first["displayName"], "Disable user account");
    assert_eq!(first["category"], "leaver");
    assert_eq!(first["isEnabled"], true);
    let one = app
        .get(&format!(
            "{TEMPLATES}/{OFFBOARD}/tasks/{}",
            first["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.body["id"], first["id"]);

    // Arguments a definition cannot do without are there, with empty values.
    let job_change = app
        .get(&format!(
            "{TEMPLATES}/16819b2d-74e9-4fb9-9ba7-48b8a26ab11d/tasks?$filter=executionSequence eq 4"
        ))
        .await;
    assert_eq!(
        items(&job_change.body)[0]["arguments"],
        json!([
            {"name": "assignmentPolicyId", "value": ""},
            {"name": "accessPackageId", "value": ""}
        ])
    );

    let expanded = app.get(&format!("{TEMPLATES}?$expand=tasks")).await;
    let total: usize = items(&expanded.body)
        .iter()
        .map(|template| template["tasks"].as_array().unwrap().len())
        .sum();
    assert_eq!(total, 25);
}

#[tokio::test]
async fn a_workflow_can_be_made_from_every_template() {
    let app = TestApp::spawn().await;
    // Movers' templates say `mover` only to clients that take the evolvable
    // members.
    let all = app
        .send(
            app.client
                .get(app.url(&format!("{TEMPLATES}?$expand=tasks")))
                .header("Prefer", "include-unknown-enum-members"),
        )
        .await;
    let extension = app.create_extension("Job change").await;
    for template in items(&all.body) {
        let tasks: Vec<Value> = template["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|task| {
                let mut arguments = task["arguments"].clone();
                // A template names no extension: its user picks one, as it
                // picks groups.
                for argument in arguments.as_array_mut().unwrap() {
                    if argument["name"] == "customTaskExtensionID" {
                        argument["value"] = json!(extension);
                    }
                }
                json!({
                    "displayName": task["displayName"],
                    "taskDefinitionId": task["taskDefinitionId"],
                    "arguments": arguments
                })
            })
            .collect();
        let mut conditions = template["executionConditions"].clone();
        // A group-based template names no group: its user picks them.
        if conditions["scope"]["groups"] == json!([]) {
            conditions["scope"]["groups"] = json!([{"id": "00000000-0000-0000-0000-000000000000"}]);
        }
        let body = json!({
            "category": template["category"],
            "displayName": template["displayName"],
            "executionConditions": conditions,
            "tasks": tasks
        });
        let made = app.post(&format!("/{LIVE}"), &body).await;
        assert_eq!(
            made.status, 201,
            "{}: {}",
            template["displayName"], made.text
        );
    }
}

#[tokio::test]
async fn templates_are_read_only_and_missing_ones_are_404s() {
    let app = TestApp::spawn().await;
    let unknown = "00000000-0000-0000-0000-0000000000aa";
    let missing = app.get(&format!("{TEMPLATES}/{unknown}")).await;
    assert_eq!(
        missing.assert_error(404, "itemNotFound"),
        format!("No workflowTemplate with id '{unknown}' exists.")
    );
    let missing_task = app
        .get(&format!("{TEMPLATES}/{OFFBOARD}/tasks/{unknown}"))
        .await;
    assert_eq!(
        missing_task.assert_error(404, "itemNotFound"),
        format!("No task with id '{unknown}' exists in workflowTemplate '{OFFBOARD}'.")
    );
    let beneath_missing = app.get(&format!("{TEMPLATES}/{unknown}/tasks")).await;
    beneath_missing.assert_error(404, "itemNotFound");

    let item = app.url(&format!("{TEMPLATES}/{OFFBOARD}"));
    for request in [
        app.client.post(app.url(TEMPLATES)).json(&json!({})),
        app.client.patch(&item).json(&json!({"displayName": "x"})),
        app.client.delete(&item),
    ] {
        app.send(request).await.assert_error(405, "notAllowed");
    }

    let reports =
        client_with_token(&app.token(app.tenant, &["LifecycleWorkflows-Reports.Read.All"], &[]));
    let read = app.send(reports.get(app.url(TEMPLATES))).await;
    assert_eq!(read.status, 200, "{}", read.text);
    let activate_only =
        client_with_token(&app.token(app.tenant, &["LifecycleWorkflows-Workflow.Activate"], &[]));
    let message = app
        .send(activate_only.get(app.url(TEMPLATES)))
        .await
        .assert_error(403, "accessDenied");
    assert!(message.contains("workflow templates"), "{message}");
}
