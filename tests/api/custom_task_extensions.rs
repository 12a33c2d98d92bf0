//! `customTaskExtensions`: create, read, list, update and delete in Graph's
//! shape (as the Python SDK writes and reads it), their authors, every refusal
//! with the path it names, the tenant's limit under concurrent creates, the
//! tasks that name an extension, deletes refused while a live workflow runs
//! one (and the locks that keep the two apart), the permissions, and what
//! the engine reads.

use crate::helpers::{
    client_with_token, extension_body, extension_task, workflow_body, Response, TestApp, LIVE,
};
use lifecycle_workflows::db::custom_task_extensions::{self, Deletion};
use lifecycle_workflows::db::transaction::WriteConnection;
use lifecycle_workflows::db::workflows;
use lifecycle_workflows::domain::custom_task_extension::{
    EXTENSION_ARGUMENT, RUN_CUSTOM_TASK_EXTENSION,
};
use lifecycle_workflows::domain::enums::WorkflowCategory;
use lifecycle_workflows::domain::workflow::{
    ExecutionConditions, NewTask, NewWorkflow, OnDemandExecutionOnly, TaskArgument,
};
use lifecycle_workflows::tenant::Tenant;
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};
use std::time::Duration;
use uuid::Uuid;

const EXTENSIONS: &str = "/customTaskExtensions";
const APP_ID: &str = "3c1e0d9a-7b2f-4e6a-9c8d-5f4e3d2c1b0a";

impl TestApp {
    async fn patch(&self, path: &str, body: &Value) -> Response {
        self.send(self.client.patch(self.url(path)).json(body))
            .await
    }

    /// Creates a user of the directory through the API; its id.
    async fn directory_user(&self, display_name: &str) -> Uuid {
        let body = json!({"displayName": display_name,
                          "userPrincipalName": format!("{}@contoso.com", Uuid::new_v4())});
        let created = self
            .send(
                self.client
                    .post(format!("{}/beta/users", self.address))
                    .json(&body),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        Uuid::parse_str(&created.id()).unwrap()
    }
}

/// A body as the Python SDK writes it: every object with its `@odata.type`,
/// the callback's timeout as Python writes a `timedelta`.
fn sdk_body(display_name: &str) -> Value {
    let mut body = extension_body(display_name);
    body["@odata.type"] = json!("#microsoft.graph.identityGovernance.customTaskExtension");
    body["description"] = json!("Grant manager access to mailbox and OneDrive");
    body["clientConfiguration"] = json!({
        "@odata.type": "#microsoft.graph.customExtensionClientConfiguration",
        "maximumRetries": 1,
        "timeoutInMilliseconds": 1000
    });
    let callback = &mut body["callbackConfiguration"];
    callback["timeoutDuration"] = json!("0:20:00");
    callback["authorizedApps"] =
        json!([{"@odata.type": "#microsoft.graph.application", "id": APP_ID}]);
    body
}

fn http_endpoint(url: &str) -> Value {
    json!({"@odata.type": "#microsoft.graph.httpRequestEndpoint", "targetUrl": url})
}

#[tokio::test]
async fn extensions_are_created_read_listed_updated_and_deleted() {
    let app = TestApp::spawn().await;
    let author = app.directory_user("Adele Vance").await;
    let as_author = client_with_token(&app.caller_token(Some(author), None, &[]));
    let created = app
        .send(
            as_author
                .post(app.url(EXTENSIONS))
                .json(&sdk_body("Manager access")),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.id();
    assert_eq!(
        created.header("location").unwrap(),
        app.url(&format!("{EXTENSIONS}/{id}"))
    );
    let expected = json!({
        "@odata.context": format!(
            "{}/beta/$metadata#identityGovernance/lifecycleWorkflows/customTaskExtensions/$entity",
            app.address
        ),
        "id": id,
        "displayName": "Manager access",
        "description": "Grant manager access to mailbox and OneDrive",
        "endpointConfiguration": {
            "@odata.type": "#microsoft.graph.logicAppTriggerEndpointConfiguration",
            "subscriptionId": "c500b67c-e9b7-4ad2-a90d-77d41385ae55",
            "resourceGroupName": "RG-LCM",
            "logicAppWorkflowName": "ManagerAccess",
            "url": "https://prod-1.westus.logic.azure.com/workflows/1/triggers/manual/run"
        },
        "authenticationConfiguration": {
            "@odata.type": "#microsoft.graph.azureAdTokenAuthentication",
            "resourceId": "542dc01a-0b5d-4edc-b3f9-5cfe6393f557"
        },
        "clientConfiguration": {
            "@odata.type": "#microsoft.graph.customExtensionClientConfiguration",
            "maximumRetries": 1,
            "timeoutInMilliseconds": 1000
        },
        "callbackConfiguration": {
            "@odata.type": "#microsoft.graph.identityGovernance.customTaskExtensionCallbackConfiguration",
            "timeoutDuration": "PT20M",
            "authorizedApps": [{"@odata.type": "#microsoft.graph.application", "id": APP_ID}]
        },
        "createdDateTime": created.body["createdDateTime"],
        "lastModifiedDateTime": created.body["createdDateTime"]
    });
    assert_eq!(created.body, expected);
    let read = app.get(&format!("{EXTENSIONS}/{id}")).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.body, expected);

    // Who made it: the token's user, found in the directory.
    let creator = app.get(&format!("{EXTENSIONS}/{id}/createdBy")).await;
    assert_eq!(creator.status, 200, "{}", creator.text);
    assert_eq!(creator.body["@odata.type"], "#microsoft.graph.user");
    assert_eq!(creator.body["id"], author.to_string());
    assert_eq!(
        creator.body["@odata.context"],
        format!("{}/beta/$metadata#users/$entity", app.address)
    );
    let expanded = app
        .get(&format!(
            "{EXTENSIONS}/{id}?$select=displayName&$expand=createdBy,lastModifiedBy"
        ))
        .await;
    assert_eq!(expanded.status, 200, "{}", expanded.text);
    assert_eq!(expanded.body["createdBy"]["displayName"], "Adele Vance");
    assert_eq!(expanded.body["lastModifiedBy"]["id"], author.to_string());
    assert!(expanded.body.get("description").is_none());

    // One more, by a token without a user, with only what is required.
    let minimal = app
        .post(
            EXTENSIONS,
            &json!({"displayName": "Badge printer",
                    "endpointConfiguration": http_endpoint("https://badges.contoso.example/print")}),
        )
        .await;
    assert_eq!(minimal.status, 201, "{}", minimal.text);
    let minimal_id = minimal.id();
    for property in [
        "description",
        "authenticationConfiguration",
        "clientConfiguration",
        "callbackConfiguration",
    ] {
        assert_eq!(minimal.body[property], Value::Null, "{property}");
    }
    let message = app
        .get(&format!("{EXTENSIONS}/{minimal_id}/createdBy"))
        .await
        .assert_error(404, "itemNotFound");
    assert!(message.contains("no signed-in user"), "{message}");
    let expanded = app
        .get(&format!("{EXTENSIONS}/{minimal_id}?$expand=createdBy"))
        .await;
    assert_eq!(expanded.body["createdBy"], Value::Null);
    assert!(expanded.body.get("lastModifiedBy").is_none());

    // Lists page, count, filter and order like the other collections.
    let page = app
        .get(&format!(
            "{EXTENSIONS}?$orderby=displayName&$top=1&$count=true&$select=displayName"
        ))
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.body["@odata.count"], 2);
    assert_eq!(
        page.body["value"],
        json!([{"id": minimal_id, "displayName": "Badge printer"}])
    );
    let next = page.body["@odata.nextLink"].as_str().unwrap();
    let second = app.send(app.client.get(next)).await;
    assert_eq!(second.body["value"][0]["id"], id);
    assert!(second.body.get("@odata.nextLink").is_none());
    let by_author = app
        .get(&format!("{EXTENSIONS}?$filter=createdBy/id eq '{author}'"))
        .await;
    assert_eq!(by_author.body["value"].as_array().unwrap().len(), 1);
    let count = app.get(&format!("{EXTENSIONS}/$count")).await;
    assert_eq!(count.text, "2");

    // A PATCH replaces what it sends, clears what it sends as null, and
    // records who sent it (here no user).
    let patched = app
        .patch(
            &format!("{EXTENSIONS}/{id}"),
            &json!({"description": null, "callbackConfiguration": null,
                    "clientConfiguration": {"maximumRetries": 3},
                    "endpointConfiguration": http_endpoint("https://hr.contoso.example/onboard")}),
        )
        .await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    let read = app.get(&format!("{EXTENSIONS}/{id}")).await;
    assert_eq!(read.body["description"], Value::Null);
    assert_eq!(read.body["callbackConfiguration"], Value::Null);
    assert_eq!(
        read.body["clientConfiguration"],
        json!({"@odata.type": "#microsoft.graph.customExtensionClientConfiguration",
               "maximumRetries": 3, "timeoutInMilliseconds": null})
    );
    assert_eq!(
        read.body["endpointConfiguration"]["targetUrl"],
        "https://hr.contoso.example/onboard"
    );
    assert_eq!(read.body["displayName"], "Manager access");
    let at = |property: &str| {
        chrono::DateTime::parse_from_rfc3339(read.body[property].as_str().unwrap()).unwrap()
    };
    assert!(
        at("lastModifiedDateTime") > at("createdDateTime"),
        "{}",
        read.text
    );
    let last = app
        .get(&format!("{EXTENSIONS}/{id}/lastModifiedBy"))
        .await
        .assert_error(404, "itemNotFound");
    assert!(last.contains("lastModifiedBy"), "{last}");
    let creator = app.get(&format!("{EXTENSIONS}/{id}/createdBy")).await;
    assert_eq!(creator.status, 200, "{}", creator.text);

    // A user the directory does not hold is no author it can show.
    let stranger = client_with_token(&app.caller_token(Some(Uuid::new_v4()), None, &[]));
    let renamed = app
        .send(
            stranger
                .patch(app.url(&format!("{EXTENSIONS}/{id}")))
                .json(&json!({"displayName": "Manager access (v2)"})),
        )
        .await;
    assert_eq!(renamed.status, 204, "{}", renamed.text);
    let message = app
        .get(&format!("{EXTENSIONS}/{id}/lastModifiedBy"))
        .await
        .assert_error(404, "itemNotFound");
    assert!(message.contains("does not hold"), "{message}");

    let deleted = app.delete(&format!("{EXTENSIONS}/{id}")).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let gone = app
        .get(&format!("{EXTENSIONS}/{id}"))
        .await
        .assert_error(404, "itemNotFound");
    assert_eq!(
        gone,
        format!("No customTaskExtension with id '{id}' exists.")
    );
    for response in [
        app.delete(&format!("{EXTENSIONS}/{id}")).await,
        app.patch(&format!("{EXTENSIONS}/{id}"), &json!({"description": "x"}))
            .await,
        app.get(&format!("{EXTENSIONS}/{id}/createdBy")).await,
    ] {
        response.assert_error(404, "itemNotFound");
    }
    // Another tenant sees none of them.
    let other = client_with_token(&app.token(Uuid::new_v4(), &[], &[]));
    let theirs = app
        .send(other.get(app.url(&format!("{EXTENSIONS}/{minimal_id}"))))
        .await;
    theirs.assert_error(404, "itemNotFound");
}

#[tokio::test]
async fn the_engine_reads_what_it_calls_and_how() {
    let app = TestApp::spawn().await;
    let id = Uuid::parse_str(&app.post(EXTENSIONS, &sdk_body("Engine")).await.id()).unwrap();
    let tenant = Tenant::new(app.tenant);
    let extension = custom_task_extensions::get(&app.db, tenant, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (extension.id, extension.display_name.as_str()),
        (id, "Engine")
    );
    assert_eq!(
        extension.url().as_str(),
        "https://prod-1.westus.logic.azure.com/workflows/1/triggers/manual/run"
    );
    assert_eq!(
        extension.resource_id(),
        Some("542dc01a-0b5d-4edc-b3f9-5cfe6393f557")
    );
    assert_eq!(extension.maximum_retries(), Some(1));
    assert_eq!(extension.timeout_in_milliseconds(), Some(1000));
    assert_eq!(
        extension.callback_timeout(),
        Some(chrono::Duration::minutes(20))
    );
    assert_eq!(
        extension.authorized_apps(),
        [Uuid::parse_str(APP_ID).unwrap()]
    );

    let patched = app
        .patch(
            &format!("{EXTENSIONS}/{id}"),
            &json!({"callbackConfiguration": null, "clientConfiguration": null,
                    "authenticationConfiguration": {"@odata.type": "#microsoft.graph.azureAdPopTokenAuthentication"}}),
        )
        .await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    let extension = custom_task_extensions::get(&app.db, tenant, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(extension.callback_timeout(), None);
    assert!(extension.authorized_apps().is_empty());
    assert_eq!(extension.resource_id(), None);
    assert_eq!(extension.maximum_retries(), None);
    let missing = custom_task_extensions::get(&app.db, Tenant::new(Uuid::new_v4()), id).await;
    assert_eq!(missing.unwrap(), None);
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_property() {
    let app = TestApp::spawn().await;
    let with = |changes: Value| {
        let mut body = sdk_body("Refused");
        for (key, value) in changes.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    for (body, named) in [
        (with(json!({"displayName": " "})), vec!["'displayName'"]),
        (with(json!({"colour": "red"})), vec!["colour"]),
        (
            with(json!({"@odata.type": "#microsoft.graph.identityGovernance.workflow"})),
            vec!["'@odata.type'"],
        ),
        (
            with(
                json!({"endpointConfiguration": {"@odata.type": "#microsoft.graph.webhookEndpoint", "url": "https://a.example"}}),
            ),
            vec![
                "'endpointConfiguration'",
                "#microsoft.graph.webhookEndpoint",
            ],
        ),
        (
            with(json!({"endpointConfiguration": {"targetUrl": "https://a.example"}})),
            vec!["'endpointConfiguration'", "@odata.type"],
        ),
        (
            with(json!({"endpointConfiguration": http_endpoint("http://hr.contoso.example/run")})),
            vec!["'endpointConfiguration.targetUrl'", "must use https"],
        ),
        (
            with(json!({"endpointConfiguration": {
                "@odata.type": "#microsoft.graph.logicAppTriggerEndpointConfiguration",
                "url": "https://169.254.169.254/latest/meta-data"}})),
            vec![
                "'endpointConfiguration.url'",
                "169.254.169.254 is a link-local address",
            ],
        ),
        (
            with(json!({"endpointConfiguration": {
                "@odata.type": "#microsoft.graph.logicAppTriggerEndpointConfiguration",
                "logicAppWorkflowName": "ManagerAccess"}})),
            vec!["'endpointConfiguration'", "url"],
        ),
        (
            with(json!({"endpointConfiguration": http_endpoint("hr.contoso.example/run")})),
            vec!["'endpointConfiguration.targetUrl'", "not an absolute URL"],
        ),
        (
            with(
                json!({"authenticationConfiguration": {"@odata.type": "#microsoft.graph.azureAdTokenAuthentication"}}),
            ),
            vec!["'authenticationConfiguration'", "resourceId"],
        ),
        (
            with(
                json!({"authenticationConfiguration": {"@odata.type": "#microsoft.graph.basicAuthentication"}}),
            ),
            vec!["#microsoft.graph.basicAuthentication"],
        ),
        (
            with(json!({"clientConfiguration": {"maximumRetries": 4}})),
            vec!["'clientConfiguration.maximumRetries'", "from 0 to 3, not 4"],
        ),
        (
            with(json!({"clientConfiguration": {"timeoutInMilliseconds": 999}})),
            vec![
                "'clientConfiguration.timeoutInMilliseconds'",
                "from 1000 to 30000, not 999",
            ],
        ),
        (
            with(json!({"callbackConfiguration": {"timeoutDuration": "PT4M"}})),
            vec![
                "'callbackConfiguration.timeoutDuration'",
                "from PT5M to PT3H, not PT4M",
            ],
        ),
        (
            with(json!({"callbackConfiguration": {"timeoutDuration": "PT3H1M"}})),
            vec!["from PT5M to PT3H, not PT3H1M"],
        ),
        (
            with(json!({"callbackConfiguration": {"timeoutDuration": "P1M"}})),
            vec!["'callbackConfiguration.timeoutDuration'", "ISO 8601"],
        ),
        (
            with(
                json!({"callbackConfiguration": {"timeoutDuration": "PT5M", "authorizedApps": [{"id": "app"}]}}),
            ),
            vec!["'callbackConfiguration.authorizedApps[0].id'"],
        ),
        (
            with(
                json!({"callbackConfiguration": {"timeoutDuration": "PT5M", "authorizedApps": [{"@odata.type": "#microsoft.graph.servicePrincipal", "id": APP_ID}]}}),
            ),
            vec!["'callbackConfiguration.authorizedApps[0].@odata.type'"],
        ),
        (
            with(json!({"callbackConfiguration": {"authorizedApps": []}})),
            vec!["'callbackConfiguration'", "timeoutDuration"],
        ),
    ] {
        let message = app
            .post(EXTENSIONS, &body)
            .await
            .assert_error(400, "invalidRequest");
        for part in named {
            assert!(message.contains(part), "{body}: {message}");
        }
    }
    let id = app.create_extension("Kept").await;
    let path = format!("{EXTENSIONS}/{id}");
    for (body, named) in [
        (json!({"displayName": null}), "'displayName'"),
        (
            json!({"endpointConfiguration": null}),
            "'endpointConfiguration'",
        ),
        (
            json!({"createdDateTime": "2026-01-01T00:00:00Z"}),
            "createdDateTime",
        ),
        (json!({"createdBy": {"id": APP_ID}}), "createdBy"),
        (
            json!({"endpointConfiguration": http_endpoint("https://10.0.0.7/run")}),
            "'endpointConfiguration.targetUrl'",
        ),
        (
            json!({"clientConfiguration": {"timeoutInMilliseconds": 30001}}),
            "'clientConfiguration.timeoutInMilliseconds'",
        ),
    ] {
        let message = app
            .patch(&path, &body)
            .await
            .assert_error(400, "invalidRequest");
        assert!(message.contains(named), "{body}: {message}");
    }
    // Nothing of the refused writes was stored.
    assert_eq!(app.count("custom_task_extensions").await, 1);
    let kept = app.get(&path).await;
    assert_eq!(kept.body["displayName"], "Kept");

    // A displayName identifies an extension in its tenant.
    let taken = app
        .post(EXTENSIONS, &extension_body("Kept"))
        .await
        .assert_error(409, "conflict");
    assert!(taken.contains("'displayName'"), "{taken}");
    let second = app.create_extension("Second").await;
    let renamed = app
        .patch(
            &format!("{EXTENSIONS}/{second}"),
            &json!({"displayName": "Kept"}),
        )
        .await;
    renamed.assert_error(409, "conflict");
}

#[tokio::test]
async fn a_tenant_has_at_most_its_limit_even_under_concurrent_creates() {
    let app = TestApp::spawn_with(&[
        ("LCW_EXTENSIONS_MAX_PER_TENANT", "3"),
        ("LCW_EXTENSIONS_ALLOW_PRIVATE", "true"),
    ])
    .await;
    // Local stacks may call plain http on loopback.
    let local = app
        .post(
            EXTENSIONS,
            &json!({"displayName": "Local", "endpointConfiguration": http_endpoint("http://127.0.0.1:8081/run")}),
        )
        .await;
    assert_eq!(local.status, 201, "{}", local.text);

    let mut creates = tokio::task::JoinSet::new();
    for index in 0..6 {
        let (client, url) = (app.client.clone(), app.url(EXTENSIONS));
        creates.spawn(async move {
            let response = client
                .post(url)
                .json(&extension_body(&format!("Concurrent {index}")))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        });
    }
    let mut statuses = Vec::new();
    while let Some(outcome) = creates.join_next().await {
        let (status, text) = outcome.unwrap();
        if status == 409 {
            assert!(text.contains("the most it may have"), "{text}");
        }
        statuses.push(status);
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 201, 409, 409, 409, 409]);
    assert_eq!(app.count("custom_task_extensions").await, 3);

    // A replayed create answers as it did, and counts once.
    let replayed = |key: &str| {
        app.client
            .post(app.url(EXTENSIONS))
            .header("Idempotency-Key", key)
            .json(&extension_body("Keyed"))
    };
    let refused = app.send(replayed("full")).await;
    let message = refused.assert_error(409, "conflict");
    assert!(
        message.contains("has 3 custom task extensions"),
        "{message}"
    );
    // The refusal released the count it locked.
    assert_eq!(app.open_transactions().await, 0);

    let local_id = local.id();
    let deleted = app.delete(&format!("{EXTENSIONS}/{local_id}")).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let first = app.send(replayed("room")).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let again = app.send(replayed("room")).await;
    assert_eq!((again.status.as_u16(), again.id()), (201, first.id()));
    assert_eq!(app.count("custom_task_extensions").await, 3);
    let counted: i32 = sqlx::query_scalar(
        "select extensions from custom_task_extension_counts where tenant_id = $1",
    )
    .bind(app.tenant)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(counted, 3);

    // Each tenant has its own limit.
    let other = client_with_token(&app.token(Uuid::new_v4(), &[], &[]));
    let theirs = app
        .send(
            other
                .post(app.url(EXTENSIONS))
                .json(&extension_body("Keyed")),
        )
        .await;
    assert_eq!(theirs.status, 201, "{}", theirs.text);
}

/// A workflow with the tasks of `workflow_body` and one running `extension`.
fn workflow_running(name: &str, extension: &str) -> Value {
    let mut body = workflow_body(name);
    body["tasks"]
        .as_array_mut()
        .unwrap()
        .push(extension_task(extension));
    body
}

#[tokio::test]
async fn tasks_name_extensions_of_the_tenant_and_keep_them_from_deletion() {
    let app = TestApp::spawn().await;
    let extension = app.create_extension("Notify HR").await;
    let unknown = Uuid::new_v4().to_string();
    for (value, expected) in [
        (unknown.as_str(), format!("'{unknown}'")),
        ("x", "'x' is not the id".to_owned()),
        ("", "'' is not the id".to_owned()),
    ] {
        let message = app
            .post(&format!("/{LIVE}"), &workflow_running("Refused", value))
            .await
            .assert_error(400, "invalidRequest");
        assert!(
            message.contains("'tasks[2].arguments[0].value'") && message.contains(&expected),
            "{message}"
        );
    }
    // Another tenant's extension is none of this tenant's.
    let other = client_with_token(&app.token(Uuid::new_v4(), &[], &[]));
    let foreign = app
        .send(
            other
                .post(app.url(EXTENSIONS))
                .json(&extension_body("Theirs")),
        )
        .await
        .id();
    app.post(&format!("/{LIVE}"), &workflow_running("Refused", &foreign))
        .await
        .assert_error(400, "invalidRequest");
    assert_eq!(app.count("workflows").await, 0);

    // Named in any case, stored as ids are written.
    let created = app
        .post(
            &format!("/{LIVE}"),
            &workflow_running("Onboard", &extension.to_uppercase()),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let onboard = created.id();
    assert_eq!(
        created.body["tasks"][2]["arguments"],
        json!([{"name": "customTaskExtensionID", "value": extension}])
    );
    let message = app
        .delete(&format!("{EXTENSIONS}/{extension}"))
        .await
        .assert_error(409, "conflict");
    assert!(
        message.contains(&format!("'Onboard' ({onboard})")),
        "{message}"
    );
    assert_eq!(
        app.open_transactions().await,
        0,
        "the refusal keeps no lock"
    );
    let offboard = app.create_workflow("Offboard").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let version = |tasks: Value| {
        json!({"workflow": {
        "category": "leaver", "displayName": "Offboard",
        "executionConditions": {"@odata.type": "#microsoft.graph.identityGovernance.onDemandExecutionOnly"},
        "tasks": tasks}})
    };
    let refused = app
        .post(
            &format!("/{LIVE}/{offboard}/createNewVersion"),
            &version(json!([extension_task(&unknown)])),
        )
        .await
        .assert_error(400, "invalidRequest");
    assert!(
        refused.contains("'workflow.tasks[0].arguments[0].value'"),
        "{refused}"
    );
    let versioned = app
        .post(
            &format!("/{LIVE}/{offboard}/createNewVersion"),
            &version(json!([extension_task(&extension)])),
        )
        .await;
    assert_eq!(versioned.status, 200, "{}", versioned.text);
    let message = app
        .delete(&format!("{EXTENSIONS}/{extension}"))
        .await
        .assert_error(409, "conflict");
    assert!(
        message.contains("'Offboard'") && message.contains("'Onboard'"),
        "{message}"
    );

    // Only the current tasks of live workflows count.
    let without = app
        .post(
            &format!("/{LIVE}/{offboard}/createNewVersion"),
            &version(json!([{"displayName": "Remove licences",
                              "taskDefinitionId": "8fa97d28-3e52-4985-b3a9-a1126f9b8b4e"}])),
        )
        .await;
    assert_eq!(without.status, 200, "{}", without.text);
    let message = app
        .delete(&format!("{EXTENSIONS}/{extension}"))
        .await
        .assert_error(409, "conflict");
    assert!(!message.contains("'Offboard'"), "{message}");
    app.soft_delete(&onboard).await;
    let deleted = app.delete(&format!("{EXTENSIONS}/{extension}")).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    // A deleted workflow still restores; its task names an extension that is
    // gone, which the engine reports when it runs the task.
    let restore = app.url(&format!("/deletedItems/workflows/{onboard}/restore"));
    let restored = app.send(app.client.post(restore)).await;
    assert_eq!(restored.status, 200, "{}", restored.text);
}

/// The workflow `workflow_running` makes, as the domain holds it.
fn new_workflow(name: &str, extension: Uuid) -> NewWorkflow {
    NewWorkflow {
        category: WorkflowCategory::Leaver,
        display_name: name.to_owned(),
        description: None,
        is_enabled: false,
        is_scheduling_enabled: false,
        execution_conditions: ExecutionConditions::OnDemandExecutionOnly(OnDemandExecutionOnly {}),
        tasks: vec![NewTask {
            display_name: "Call".to_owned(),
            description: None,
            task_definition_id: RUN_CUSTOM_TASK_EXTENSION,
            category: None,
            continue_on_error: false,
            is_enabled: true,
            arguments: vec![TaskArgument {
                name: EXTENSION_ARGUMENT.to_owned(),
                value: Some(extension.to_string()),
            }],
        }],
    }
    .validate()
    .unwrap()
}

#[tokio::test]
async fn a_delete_and_a_write_of_tasks_naming_the_extension_wait_for_each_other() {
    let app = TestApp::spawn().await;
    let tenant = Tenant::new(app.tenant);
    let mut connection = PgConnection::connect(&app.database_url()).await.unwrap();
    let wait = Duration::from_millis(500);

    // The write first: the delete waits for it, then sees its tasks.
    let first = Uuid::parse_str(&app.create_extension("First").await).unwrap();
    let mut transaction = connection.begin().await.unwrap();
    let writer = &mut WriteConnection::dedicated(&mut transaction);
    let created = workflows::create(
        writer,
        tenant,
        Uuid::now_v7(),
        &new_workflow("Racing", first),
    )
    .await
    .unwrap();
    assert!(created.is_ok());
    let (client, url) = (
        app.client.clone(),
        app.url(&format!("{EXTENSIONS}/{first}")),
    );
    let deleting = tokio::spawn(async move { client.delete(url).send().await.unwrap() });
    tokio::time::sleep(wait).await;
    assert!(!deleting.is_finished(), "the delete waits for the write");
    transaction.commit().await.unwrap();
    let deleted = deleting.await.unwrap();
    assert_eq!(deleted.status(), 409);
    assert!(deleted.text().await.unwrap().contains("'Racing'"));

    // The delete first: the write waits for it, then finds the extension gone.
    let second = Uuid::parse_str(&app.create_extension("Second").await).unwrap();
    let mut transaction = connection.begin().await.unwrap();
    let deletion = custom_task_extensions::delete(
        &mut WriteConnection::dedicated(&mut transaction),
        tenant,
        second,
    )
    .await
    .unwrap();
    assert_eq!(deletion, Deletion::Deleted);
    let body = workflow_running("Late", &second.to_string());
    let (client, url) = (app.client.clone(), app.url(&format!("/{LIVE}")));
    let creating = tokio::spawn(async move { client.post(url).json(&body).send().await.unwrap() });
    tokio::time::sleep(wait).await;
    assert!(!creating.is_finished(), "the write waits for the delete");
    transaction.commit().await.unwrap();
    let refused = creating.await.unwrap();
    assert_eq!(refused.status(), 400);
    let message = refused.text().await.unwrap();
    assert!(message.contains(&second.to_string()), "{message}");
    assert_eq!(app.count("workflows").await, 1);
}

#[tokio::test]
async fn extensions_take_their_own_permissions_or_the_broad_ones() {
    let app = TestApp::spawn().await;
    let id = app.create_extension("Guarded").await;
    let client = |scopes: &[&str]| client_with_token(&app.token(app.tenant, scopes, &[]));
    let item = app.url(&format!("{EXTENSIONS}/{id}"));
    for scope in [
        "LifecycleWorkflows-CustomExt.Read.All",
        "LifecycleWorkflows-CustomExt.ReadWrite.All",
        "LifecycleWorkflows.Read.All",
        "LifecycleWorkflows.ReadWrite.All",
    ] {
        let read = app.send(client(&[scope]).get(&item)).await;
        assert_eq!(read.status, 200, "{scope}: {}", read.text);
    }
    for scope in [
        "LifecycleWorkflows-Workflow.ReadWrite.All",
        "LifecycleWorkflows-Reports.Read.All",
        "Directory.ReadWrite.All",
    ] {
        let message = app
            .send(client(&[scope]).get(app.url(EXTENSIONS)))
            .await
            .assert_error(403, "accessDenied");
        assert!(message.contains("read custom task extensions"), "{message}");
    }
    for scope in [
        "LifecycleWorkflows-CustomExt.Read.All",
        "LifecycleWorkflows.Read.All",
    ] {
        let message = app
            .send(client(&[scope]).delete(&item))
            .await
            .assert_error(403, "accessDenied");
        assert!(
            message.contains("change custom task extensions"),
            "{message}"
        );
    }
    let writer = app.token(
        app.tenant,
        &[],
        &["LifecycleWorkflows-CustomExt.ReadWrite.All"],
    );
    let created = app
        .send(
            client_with_token(&writer)
                .post(app.url(EXTENSIONS))
                .json(&extension_body("By an application")),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
}
