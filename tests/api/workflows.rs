//! Workflows: create with tasks, get in both trees, soft and permanent delete.

use crate::helpers::{workflow_body, TestApp, DELETED, LIVE, TASK_DEFINITION_ID};
use serde_json::{json, Value};
use uuid::Uuid;

#[tokio::test]
async fn create_returns_the_stored_workflow_with_its_tasks() {
    let app = TestApp::spawn().await;
    let mut body = workflow_body("Offboarding");
    body["id"] = json!("ignored");
    body["version"] = json!(9);

    let response = app.post(&format!("/{LIVE}"), &body).await;

    assert_eq!(response.status, 201, "{}", response.text);
    let id = response.id();
    assert_eq!(
        response.header("location").unwrap(),
        app.url(&format!("/{LIVE}/{id}"))
    );
    let workflow = &response.body;
    assert_eq!(workflow["displayName"], "Offboarding");
    assert_eq!(workflow["category"], "leaver");
    assert_eq!(workflow["isEnabled"], true);
    assert_eq!(workflow["isSchedulingEnabled"], false);
    assert_eq!(workflow["version"], 1);
    assert_eq!(workflow["deletedDateTime"], Value::Null);
    assert_eq!(workflow["nextScheduleRunDateTime"], Value::Null);
    assert_eq!(workflow["executionConditions"], body["executionConditions"]);
    assert!(workflow["createdDateTime"].as_str().unwrap().ends_with('Z'));
    let tasks = workflow["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2);
    assert_eq!(
        tasks[0],
        json!({
            "id": tasks[0]["id"],
            "displayName": "Remove licences",
            "description": null,
            "taskDefinitionId": TASK_DEFINITION_ID,
            "category": "leaver",
            "continueOnError": false,
            "isEnabled": true,
            "executionSequence": 1,
            "arguments": []
        })
    );
    assert_eq!(tasks[1]["category"], "joiner,leaver");
    assert_eq!(tasks[1]["executionSequence"], 2);
    assert_eq!(tasks[1]["isEnabled"], false);
    assert_eq!(
        tasks[1]["arguments"],
        json!([{"name": "cc", "value": "hr@example.com"}])
    );

    let read = app.get(&format!("/{LIVE}/{id}")).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, response.body);
}

#[tokio::test]
async fn on_demand_workflows_and_every_trigger_the_engine_evaluates_are_accepted() {
    let app = TestApp::spawn().await;
    let triggers = [
        json!({"@odata.type": "microsoft.graph.identityGovernance.attributeChangeTrigger", "triggerAttributes": [{"name": "department"}]}),
        json!({"@odata.type": "#microsoft.graph.identityGovernance.membershipChangeTrigger", "changeType": "remove"}),
        // userInactivityTrigger is refused (engine::triggers_and_rules_…).
    ];
    for (index, trigger) in triggers.into_iter().enumerate() {
        let mut body = workflow_body(&format!("Trigger {index}"));
        body["executionConditions"]["trigger"] = trigger;
        body["executionConditions"]["scope"] = json!({
            "@odata.type": "#microsoft.graph.identityGovernance.groupBasedSubjectSet",
            "groups": [{"id": Uuid::nil()}]
        });
        let response = app.post(&format!("/{LIVE}"), &body).await;
        assert_eq!(response.status, 201, "{}", response.text);
    }
    let mut on_demand = workflow_body("On demand");
    on_demand["executionConditions"] =
        json!({"@odata.type": "#microsoft.graph.identityGovernance.onDemandExecutionOnly"});
    on_demand["category"] = json!("mover");
    // A task of a definition that serves movers.
    on_demand["tasks"] = json!([{
        "displayName": "Notify the manager",
        "taskDefinitionId": "aab41899-9972-422a-9d97-f626014578b7"
    }]);
    let response = app.post(&format!("/{LIVE}"), &on_demand).await;
    assert_eq!(response.status, 201, "{}", response.text);
    // mover is an evolvable member.
    assert_eq!(response.body["category"], "unknownFutureValue");
    assert_eq!(response.body["tasks"][0]["category"], "unknownFutureValue");
}

#[tokio::test]
async fn invalid_workflows_are_400s_naming_the_property() {
    let app = TestApp::spawn().await;
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut body = workflow_body("Invalid");
        f(&mut body);
        body
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            edit(&|b| b["displayName"] = json!("x".repeat(257))),
            "displayName",
        ),
        (edit(&|b| b["displayName"] = json!("  ")), "displayName"),
        (edit(&|b| b["tasks"] = json!([])), "tasks"),
        (
            edit(&|b| b["tasks"] = json!(vec![b["tasks"][0].clone(); 26])),
            "tasks",
        ),
        (
            edit(&|b| {
                b["isEnabled"] = json!(false);
                b["isSchedulingEnabled"] = json!(true)
            }),
            "isSchedulingEnabled",
        ),
        (edit(&|b| b["category"] = json!("boss")), "category"),
        (
            edit(&|b| {
                b.as_object_mut().unwrap().remove("executionConditions");
            }),
            "executionConditions",
        ),
        (
            edit(&|b| {
                b["executionConditions"]["@odata.type"] =
                    json!("#microsoft.graph.identityGovernance.somethingElse")
            }),
            "executionConditions",
        ),
        (
            edit(&|b| b["tasks"][0]["taskDefinitionId"] = json!("not-a-uuid")),
            "tasks[0].taskDefinitionId",
        ),
        (
            edit(&|b| b["tasks"][1]["category"] = json!("joiner,boss")),
            "tasks[1].category",
        ),
        (
            edit(&|b| {
                b["tasks"][0]["@odata.type"] = json!("#microsoft.graph.identityGovernance.run")
            }),
            "tasks[0].@odata.type",
        ),
        (edit(&|b| b["isEnabled"] = Value::Null), "isEnabled"),
    ];
    for (body, property) in cases {
        let response = app.post(&format!("/{LIVE}"), &body).await;
        let message = response.assert_error(400, "invalidRequest");
        assert!(
            message.contains(property),
            "'{message}' does not name {property}"
        );
    }
    assert_eq!(app.count("workflows").await, 0);
    assert_eq!(app.count("tasks").await, 0);
}

/// A bad value nested inside a body is named by its full path, through the
/// polymorphic objects (`@odata.type`) and arrays on the way.
#[tokio::test]
async fn a_nested_bad_value_is_named_by_its_full_path() {
    let app = TestApp::spawn().await;
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut body = workflow_body("Nested");
        f(&mut body);
        body
    };
    let group_scope = json!({
        "@odata.type": "#microsoft.graph.identityGovernance.groupBasedSubjectSet",
        "groups": [{"id": "not-a-uuid"}]
    });
    let cases: Vec<(Value, &str)> = vec![
        (
            edit(&|b| b["executionConditions"]["trigger"]["offsetInDays"] = json!(181)),
            "'executionConditions.trigger.offsetInDays': offsetInDays must be between -180 and 180, not 181",
        ),
        (
            edit(&|b| b["executionConditions"]["trigger"]["timeBasedAttribute"] = json!("birthday")),
            "'executionConditions.trigger.timeBasedAttribute': unknown variant `birthday`",
        ),
        (
            edit(&|b| b["executionConditions"]["scope"]["rule"] = json!(5)),
            "'executionConditions.scope.rule': invalid type: integer `5`, expected a string",
        ),
        (
            edit(&|b| b["executionConditions"]["scope"] = group_scope.clone()),
            "'executionConditions.scope.groups[0].id'",
        ),
        (
            edit(&|b| b["executionConditions"]["trigger"]["colour"] = json!("red")),
            "'executionConditions.trigger.colour': unknown field `colour`",
        ),
        (
            edit(&|b| b["tasks"][1]["arguments"][0]["value"] = json!(5)),
            "'tasks[1].arguments[0].value'",
        ),
    ];
    for (body, names) in &cases {
        let message = app
            .post(&format!("/{LIVE}"), body)
            .await
            .assert_error(400, "invalidRequest");
        assert!(message.contains(names), "'{message}' does not name {names}");
    }
    let workflow = app.create_workflow("Versioned").await;
    let mut version = json!({"workflow": workflow_body("Versioned")});
    version["workflow"]["executionConditions"]["trigger"]["offsetInDays"] = json!(-181);
    let message = app
        .post(
            &format!(
                "/{LIVE}/{}/createNewVersion",
                workflow["id"].as_str().unwrap()
            ),
            &version,
        )
        .await
        .assert_error(400, "invalidRequest");
    assert!(
        message.contains("'workflow.executionConditions.trigger.offsetInDays'"),
        "{message}"
    );
}

#[tokio::test]
async fn a_live_display_name_is_unique_in_the_tenant() {
    let app = TestApp::spawn().await;
    let first = app.create_workflow("Joiners").await;

    let duplicate = app
        .post(&format!("/{LIVE}"), &workflow_body("Joiners"))
        .await;
    duplicate.assert_error(409, "conflict");
    assert_eq!(app.count("workflows").await, 1);
    assert_eq!(app.count("tasks").await, 2);

    app.soft_delete(first["id"].as_str().unwrap()).await;
    let reused = app
        .post(&format!("/{LIVE}"), &workflow_body("Joiners"))
        .await;
    assert_eq!(reused.status, 201, "{}", reused.text);
}

#[tokio::test]
async fn soft_delete_moves_the_workflow_and_its_subtree_to_deleted_items() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let live = format!("/{LIVE}/{}", chain.workflow);
    let deleted = format!("/{DELETED}/{}", chain.workflow);
    app.get(&deleted).await.assert_error(404, "itemNotFound");

    let response = app.delete(&live).await;
    assert_eq!(response.status, 204);
    assert!(response.text.is_empty());

    let message = app.get(&live).await.assert_error(404, "itemNotFound");
    assert!(message.contains("is deleted"), "{message}");
    let read = app.get(&deleted).await;
    assert_eq!(read.status, 200);
    assert!(read.body["deletedDateTime"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    assert_eq!(read.body["tasks"].as_array().unwrap().len(), 2);
    assert!(read.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/deletedItems/workflows/$entity"));
    assert_eq!(app.get(&chain.task_result_path(DELETED)).await.status, 200);
    assert_eq!(app.count("task_processing_results").await, 1);

    app.delete(&live).await.assert_error(404, "itemNotFound");
}

#[tokio::test]
async fn permanent_delete_removes_a_deleted_workflow_and_its_subtree() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let deleted = format!("/{DELETED}/{}", chain.workflow);
    let message = app.delete(&deleted).await.assert_error(404, "itemNotFound");
    assert!(message.contains("is not deleted"), "{message}");
    app.soft_delete(&chain.workflow).await;

    assert_eq!(app.delete(&deleted).await.status, 204);

    app.get(&deleted).await.assert_error(404, "itemNotFound");
    for table in [
        "workflows",
        "tasks",
        "runs",
        "user_processing_results",
        "task_processing_results",
    ] {
        assert_eq!(app.count(table).await, 0, "{table}");
    }
}

#[tokio::test]
async fn an_unknown_workflow_is_a_404_in_both_trees() {
    let app = TestApp::spawn().await;
    let id = Uuid::now_v7();
    for tree in [LIVE, DELETED] {
        let message = app
            .get(&format!("/{tree}/{id}"))
            .await
            .assert_error(404, "itemNotFound");
        assert!(message.contains(&id.to_string()), "{message}");
    }
}
