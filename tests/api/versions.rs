//! Workflow versions: `createNewVersion` replaces a workflow's definition, tasks
//! included, and the versions it replaced stay readable with their own tasks
//! and the results recorded against them.

use crate::helpers::{
    client_with_token, user_result_body, workflow_body, TestApp, DELETED, LIVE, SUBJECT_ID,
};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A new definition for a leaver workflow: another name, another trigger and
/// one task of another definition.
fn second_definition(display_name: &str) -> Value {
    let mut workflow = workflow_body(display_name);
    workflow["description"] = json!("Offboards leavers, second take");
    workflow["executionConditions"]["trigger"]["offsetInDays"] = json!(14);
    workflow["tasks"] = json!([{
        "displayName": "Revoke sessions",
        "taskDefinitionId": "509589a4-0466-4471-829e-49c5e502bdee"
    }]);
    json!({ "workflow": workflow })
}

fn ids(list: &Value) -> Vec<&str> {
    list["value"]
        .as_array()
        .expect("a value array")
        .iter()
        .map(|item| item["id"].as_str().expect("an id"))
        .collect()
}

#[tokio::test]
async fn a_new_version_replaces_the_definition_and_keeps_the_old_one_with_its_tasks() {
    let app = TestApp::spawn().await;
    let first = app.create_workflow("Offboarding").await;
    let w = first["id"].as_str().unwrap();
    assert_eq!(first["version"], 1);
    let old_tasks: Vec<&str> = first["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|task| task["id"].as_str().unwrap())
        .collect();

    let made = app
        .post(
            &format!("/{LIVE}/{w}/createNewVersion"),
            &second_definition("Offboarding v2"),
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    assert_eq!(made.body["id"], w);
    assert_eq!(made.body["version"], 2);
    assert_eq!(made.body["displayName"], "Offboarding v2");
    assert_eq!(
        made.body["executionConditions"]["trigger"]["offsetInDays"],
        14
    );
    assert_eq!(made.body["createdDateTime"], first["createdDateTime"]);
    let new_tasks = made.body["tasks"].as_array().unwrap();
    assert_eq!(new_tasks.len(), 1);
    let new_task = new_tasks[0]["id"].as_str().unwrap();
    assert!(
        !old_tasks.contains(&new_task),
        "a new version has new tasks"
    );
    assert_eq!(new_tasks[0]["executionSequence"], 1);

    // The workflow is the new version; its tasks are the new version's.
    let workflow = app.get(&format!("/{LIVE}/{w}")).await;
    assert_eq!(workflow.body["version"], 2);
    assert_eq!(workflow.body["tasks"], made.body["tasks"]);
    let tasks = app.get(&format!("/{LIVE}/{w}/tasks")).await;
    assert_eq!(ids(&tasks.body), vec![new_task]);
    let old = app
        .get(&format!("/{LIVE}/{w}/tasks/{}", old_tasks[0]))
        .await;
    assert_eq!(old.status, StatusCode::NOT_FOUND, "{}", old.text);
    assert_eq!(
        old.body["error"]["message"],
        format!(
            "No task with id '{}' exists in workflow '{w}'.",
            old_tasks[0]
        )
    );

    // Both versions, in order; the first was last modified when the second
    // was made.
    let versions = app.get(&format!("/{LIVE}/{w}/versions?$count=true")).await;
    assert_eq!(versions.status, StatusCode::OK, "{}", versions.text);
    assert_eq!(versions.body["@odata.count"], 2);
    let listed = versions.body["value"].as_array().unwrap();
    assert_eq!(listed[0]["versionNumber"], 1);
    assert_eq!(listed[0]["displayName"], "Offboarding");
    assert_eq!(
        listed[0]["executionConditions"]["trigger"]["offsetInDays"],
        7
    );
    assert_eq!(listed[0]["createdDateTime"], first["createdDateTime"]);
    assert_eq!(listed[1]["versionNumber"], 2);
    assert_eq!(listed[1]["displayName"], "Offboarding v2");
    assert_eq!(
        listed[0]["lastModifiedDateTime"],
        listed[1]["createdDateTime"]
    );
    assert_eq!(
        listed[1]["lastModifiedDateTime"],
        workflow.body["lastModifiedDateTime"]
    );
    assert!(listed[0].get("tasks").is_none(), "tasks only when expanded");

    let one = app.get(&format!("/{LIVE}/{w}/versions/1")).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    assert_eq!(
        one.body["@odata.context"],
        format!(
            "{}/beta/$metadata#identityGovernance/lifecycleWorkflows/workflows('{w}')/versions/$entity",
            app.address
        )
    );
    assert_eq!(one.body["versionNumber"], 1);
    let v1_tasks = app.get(&format!("/{LIVE}/{w}/versions/1/tasks")).await;
    assert_eq!(ids(&v1_tasks.body), old_tasks);
    assert_eq!(
        v1_tasks.body["@odata.context"],
        format!(
            "{}/beta/$metadata#identityGovernance/lifecycleWorkflows/workflows('{w}')/versions(1)/tasks",
            app.address
        )
    );
    let v2_tasks = app.get(&format!("/{LIVE}/{w}/versions/2/tasks")).await;
    assert_eq!(ids(&v2_tasks.body), vec![new_task]);
    let old_task = app
        .get(&format!("/{LIVE}/{w}/versions/1/tasks/{}", old_tasks[1]))
        .await;
    assert_eq!(old_task.status, StatusCode::OK, "{}", old_task.text);
    assert_eq!(old_task.body["displayName"], "Notify manager");
    let counted = app
        .get(&format!("/{LIVE}/{w}/versions/1/tasks/$count"))
        .await;
    assert_eq!(counted.text, "2");

    let expanded = app
        .get(&format!("/{LIVE}/{w}/versions?$expand=tasks"))
        .await;
    let listed = expanded.body["value"].as_array().unwrap();
    assert_eq!(listed[0]["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(listed[1]["tasks"][0]["id"], new_task);
}

#[tokio::test]
async fn versions_take_query_options_and_numbers_only() {
    let app = TestApp::spawn().await;
    let w = app.create_workflow("Numbered").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for name in ["Numbered 2", "Numbered 3"] {
        let made = app
            .post(
                &format!("/{LIVE}/{w}/microsoft.graph.identityGovernance.createNewVersion"),
                &second_definition(name),
            )
            .await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    }

    let first_page = app.get(&format!("/{LIVE}/{w}/versions?$top=2")).await;
    let numbers: Vec<&Value> = first_page.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|version| &version["versionNumber"])
        .collect();
    assert_eq!(numbers, [&json!(1), &json!(2)]);
    let next = first_page.body["@odata.nextLink"].as_str().unwrap();
    let second_page = app.send(app.client.get(next)).await;
    assert_eq!(second_page.body["value"][0]["versionNumber"], 3);
    assert!(second_page.body.get("@odata.nextLink").is_none());

    let filtered = app
        .get(&format!(
            "/{LIVE}/{w}/versions?$filter=displayName eq 'Numbered 2'&$select=displayName"
        ))
        .await;
    assert_eq!(filtered.status, StatusCode::OK, "{}", filtered.text);
    assert_eq!(
        filtered.body["value"],
        json!([{"versionNumber": 2, "displayName": "Numbered 2"}])
    );
    let newest = app
        .get(&format!(
            "/{LIVE}/{w}/versions?$orderby=versionNumber desc&$top=1"
        ))
        .await;
    assert_eq!(newest.body["value"][0]["versionNumber"], 3);
    let count = app.get(&format!("/{LIVE}/{w}/versions/$count")).await;
    assert_eq!(count.text, "3");

    for (number, message) in [
        (
            "4",
            format!("No workflowVersion with versionNumber 4 exists in workflow '{w}'."),
        ),
        (
            "0",
            format!("No workflowVersion with versionNumber 0 exists in workflow '{w}'."),
        ),
        (
            "two",
            "'two' is not a valid versionNumber: versions are numbered 1, 2, ...".to_owned(),
        ),
    ] {
        let missing = app.get(&format!("/{LIVE}/{w}/versions/{number}")).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
        assert_eq!(missing.body["error"]["code"], "itemNotFound");
        assert_eq!(missing.body["error"]["message"], message);
    }
    let beneath = app.get(&format!("/{LIVE}/{w}/versions/9/tasks")).await;
    assert_eq!(beneath.status, StatusCode::NOT_FOUND, "{}", beneath.text);
    assert_eq!(
        beneath.body["error"]["message"],
        format!("No workflowVersion with id '9' exists in workflow '{w}'.")
    );

    // Another workflow's version is not this one's.
    let other = app.create_workflow("Unversioned").await;
    let other = other["id"].as_str().unwrap();
    let foreign = app.get(&format!("/{LIVE}/{other}/versions/3")).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text);
    assert_eq!(
        foreign.body["error"]["message"],
        format!("No workflowVersion with versionNumber 3 exists in workflow '{other}'.")
    );
}

#[tokio::test]
async fn results_keep_the_task_and_version_they_ran() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let w = &chain.workflow;
    let made = app
        .post(
            &format!("/{LIVE}/{w}/createNewVersion"),
            &second_definition("Rewritten"),
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    let new_task = made.body["tasks"][0]["id"].as_str().unwrap();

    // The old task's result is under the old version's task, and expands to it.
    let under_old = app
        .get(&format!(
            "/{LIVE}/{w}/versions/1/tasks/{}/taskProcessingResults",
            chain.task
        ))
        .await;
    assert_eq!(ids(&under_old.body), vec![chain.task_result.as_str()]);
    let through_current = app
        .get(&format!(
            "/{LIVE}/{w}/tasks/{}/taskProcessingResults",
            chain.task
        ))
        .await;
    assert_eq!(
        through_current.status,
        StatusCode::NOT_FOUND,
        "{}",
        through_current.text
    );
    let wrong_version = app
        .get(&format!(
            "/{LIVE}/{w}/versions/2/tasks/{}/taskProcessingResults",
            chain.task
        ))
        .await;
    assert_eq!(wrong_version.status, StatusCode::NOT_FOUND);
    let expanded = app
        .get(&format!(
            "{}/taskProcessingResults/{}?$expand=task",
            chain.user_result_path(LIVE),
            chain.task_result
        ))
        .await;
    assert_eq!(expanded.body["task"]["id"], chain.task.as_str());

    // A run now runs the new version: its tasks, and its number.
    let activated = app
        .post(
            &format!("/{LIVE}/{w}/activate"),
            &json!({"subjects": [{"id": SUBJECT_ID}]}),
        )
        .await;
    assert_eq!(
        activated.status,
        StatusCode::NO_CONTENT,
        "{}",
        activated.text
    );
    let users = app
        .get(&format!(
            "/{LIVE}/{w}/userProcessingResults?$filter=processingStatus eq 'queued'"
        ))
        .await;
    let user = &users.body["value"][0];
    assert_eq!(user["workflowVersion"], 2, "{}", users.text);
    let results = app
        .get(&format!(
            "/{LIVE}/{w}/userProcessingResults/{}/taskProcessingResults?$expand=task",
            user["id"].as_str().unwrap()
        ))
        .await;
    let results = results.body["value"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["task"]["id"], new_task);

    // A userProcessingResult recorded now takes the current version.
    let recorded = app
        .post(
            &format!("/{LIVE}/{w}/runs/{}/userProcessingResults", chain.run),
            &user_result_body(),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::CREATED, "{}", recorded.text);
    assert_eq!(recorded.body["workflowVersion"], 2);
}

#[tokio::test]
async fn a_new_version_is_validated_as_a_create_is_and_refused_whole() {
    let app = TestApp::spawn().await;
    let w = app.create_workflow("Guarded").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.create_workflow("Taken").await;
    let path = format!("/{LIVE}/{w}/createNewVersion");

    let mut joiner = second_definition("Guarded");
    joiner["workflow"]["category"] = json!("joiner");
    joiner["workflow"]["tasks"] = json!([{
        "displayName": "Welcome",
        "taskDefinitionId": "70b29d51-b59a-4773-9280-8841dfd3f2ea"
    }]);
    let mut unknown_definition = second_definition("Guarded");
    unknown_definition["workflow"]["tasks"][0]["taskDefinitionId"] =
        json!("00000000-0000-0000-0000-000000000001");
    let mut bad_enum = second_definition("Guarded");
    bad_enum["workflow"]["tasks"] = json!([{
        "displayName": "Disable",
        "taskDefinitionId": "1dfdfcc7-52fa-4c2e-bf3a-e3919cc12950",
        "arguments": [{"name": "disableOnPremisesAccount", "value": "maybe"}]
    }]);
    let mut blank_name = second_definition("Guarded");
    blank_name["workflow"]["displayName"] = json!(" ");
    for (body, names) in [
        (joiner, "property 'workflow.category'"),
        (
            unknown_definition,
            "property 'workflow.tasks[0].taskDefinitionId'",
        ),
        (bad_enum, "property 'workflow.tasks[0].arguments[0].value'"),
        (blank_name, "property 'workflow.displayName'"),
        (
            json!({"workflow": {"category": "leaver"}}),
            "property 'workflow'",
        ),
        (json!({}), "missing field `workflow`"),
        (json!({"workflow": ["leaver"]}), "property 'workflow'"),
    ] {
        let refused = app.post(&path, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
        assert_eq!(refused.body["error"]["code"], "invalidRequest");
        let message = refused.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(names), "{names}: {message}");
        // A refusal after the workflow's row was locked released the lock.
        assert_eq!(app.open_transactions().await, 0, "{names}");
    }

    // Another live workflow's name: 409, and nothing of the version is written.
    let taken = app.post(&path, &second_definition("Taken")).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.text);
    let unchanged = app.get(&format!("/{LIVE}/{w}")).await;
    assert_eq!(unchanged.body["version"], 1);
    assert_eq!(unchanged.body["tasks"].as_array().unwrap().len(), 2);
    assert_eq!(app.count("past_workflow_versions").await, 0);
    assert_eq!(app.count("tasks").await, 4);

    let missing = app
        .post(
            &format!("/{LIVE}/00000000-0000-0000-0000-00000000000f/createNewVersion"),
            &second_definition("Nowhere"),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);

    let reader = client_with_token(&app.token(app.tenant, &["LifecycleWorkflows.Read.All"], &[]));
    let forbidden = app
        .send(reader.post(app.url(&path)).json(&second_definition("Read")))
        .await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.text
    );
    let versions = app
        .send(reader.get(app.url(&format!("/{LIVE}/{w}/versions"))))
        .await;
    assert_eq!(versions.status, StatusCode::OK, "{}", versions.text);
}

#[tokio::test]
async fn versions_follow_their_workflow_through_delete_restore_and_purge() {
    let app = TestApp::spawn().await;
    let w = app.create_workflow("Travelling").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let made = app
        .post(
            &format!("/{LIVE}/{w}/createNewVersion"),
            &second_definition("Travelling"),
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);

    app.soft_delete(&w).await;
    let live = app.get(&format!("/{LIVE}/{w}/versions")).await;
    assert_eq!(live.status, StatusCode::NOT_FOUND, "{}", live.text);
    let deleted = app.get(&format!("/{DELETED}/{w}/versions/1/tasks")).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert_eq!(deleted.body["value"].as_array().unwrap().len(), 2);
    let new_version_of_deleted = app
        .post(
            &format!("/{LIVE}/{w}/createNewVersion"),
            &second_definition("Travelling"),
        )
        .await;
    assert_eq!(new_version_of_deleted.status, StatusCode::NOT_FOUND);
    assert_eq!(
        new_version_of_deleted.body["error"]["message"],
        format!("The workflow '{w}' is deleted: address it under deletedItems/workflows.")
    );

    let restored = app
        .send(app.client.post(app.url(&format!("/{DELETED}/{w}/restore"))))
        .await;
    assert_eq!(restored.status, StatusCode::OK, "{}", restored.text);
    let count = app.get(&format!("/{LIVE}/{w}/versions/$count")).await;
    assert_eq!(count.text, "2");

    app.soft_delete(&w).await;
    let purged = app.delete(&format!("/{DELETED}/{w}")).await;
    assert_eq!(purged.status, StatusCode::NO_CONTENT, "{}", purged.text);
    assert_eq!(app.count("past_workflow_versions").await, 0);
    assert_eq!(app.count("tasks").await, 0);
}

#[tokio::test]
async fn concurrent_new_versions_take_their_numbers_in_turn() {
    let app = TestApp::spawn().await;
    let w = app.create_workflow("Contended").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/{LIVE}/{w}/createNewVersion");
    let bodies: Vec<Value> = (0..4).map(|_| second_definition("Contended")).collect();
    let answers =
        futures_util::future::join_all(bodies.iter().map(|body| app.post(&path, body))).await;
    let mut numbers: Vec<i64> = answers
        .iter()
        .map(|answer| {
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
            answer.body["version"].as_i64().unwrap()
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, [2, 3, 4, 5]);
    let count = app.get(&format!("/{LIVE}/{w}/versions/$count")).await;
    assert_eq!(count.text, "5");
}
