//! `settings`: one per tenant, the defaults until patched, never deleted.

use crate::helpers::{client_with_token, TestApp};
use serde_json::{json, Value};
use uuid::Uuid;

async fn patch(app: &TestApp, body: &Value) -> crate::helpers::Response {
    app.send(app.client.patch(app.url("/settings")).json(body))
        .await
}

#[tokio::test]
async fn settings_are_the_defaults_until_patched_and_keep_what_a_patch_leaves_out() {
    let app = TestApp::spawn().await;
    let fresh = app.get("/settings").await;
    assert_eq!(fresh.status, 200, "{}", fresh.text);
    assert_eq!(
        fresh.body,
        json!({
            "@odata.context": format!("{}/beta/$metadata#identityGovernance/lifecycleWorkflows/settings/$entity", app.address),
            "workflowScheduleIntervalInHours": 3,
            "emailSettings": {"senderDomain": null, "useCompanyBranding": false}
        })
    );

    let patched = patch(&app, &json!({"workflowScheduleIntervalInHours": 24})).await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    assert!(patched.text.is_empty());
    let patched = patch(
        &app,
        &json!({"emailSettings": {"senderDomain": "contoso.com", "useCompanyBranding": true}}),
    )
    .await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    let patched = patch(
        &app,
        &json!({"emailSettings": {"useCompanyBranding": false}}),
    )
    .await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    let read = app.get("/settings").await;
    assert_eq!(read.body["workflowScheduleIntervalInHours"], 24);
    assert_eq!(
        read.body["emailSettings"],
        json!({"senderDomain": "contoso.com", "useCompanyBranding": false})
    );
    let selected = app.get("/settings?$select=emailSettings").await;
    assert_eq!(
        selected.body["@odata.context"],
        format!(
            "{}/beta/$metadata#identityGovernance/lifecycleWorkflows/settings(emailSettings)/$entity",
            app.address
        )
    );
    assert!(selected
        .body
        .get("workflowScheduleIntervalInHours")
        .is_none());

    let cleared = patch(&app, &json!({"emailSettings": {"senderDomain": null}})).await;
    assert_eq!(cleared.status, 204, "{}", cleared.text);
    let read = app.get("/settings").await;
    assert_eq!(read.body["emailSettings"]["senderDomain"], Value::Null);

    // Another tenant has its own.
    let other = client_with_token(&app.token(Uuid::new_v4(), &[], &[]));
    let theirs = app.send(other.get(app.url("/settings"))).await;
    assert_eq!(theirs.body["workflowScheduleIntervalInHours"], 3);
}

#[tokio::test]
async fn bad_settings_are_refused_naming_the_property() {
    let app = TestApp::spawn().await;
    for (body, property) in [
        (
            json!({"workflowScheduleIntervalInHours": 0}),
            "'workflowScheduleIntervalInHours'",
        ),
        (
            json!({"workflowScheduleIntervalInHours": 25}),
            "'workflowScheduleIntervalInHours'",
        ),
        (
            json!({"workflowScheduleIntervalInHours": null}),
            "'workflowScheduleIntervalInHours'",
        ),
        (
            json!({"workflowScheduleIntervalInHours": "3"}),
            "workflowScheduleIntervalInHours",
        ),
        (json!({"emailSettings": null}), "'emailSettings'"),
        (
            json!({"emailSettings": {"senderDomain": " "}}),
            "'emailSettings.senderDomain'",
        ),
        (
            json!({"emailSettings": {"useCompanyBranding": null}}),
            "'emailSettings.useCompanyBranding'",
        ),
        (json!({"emailSettings": {"logo": "x"}}), "logo"),
        (json!({"emailSettings": [null, null]}), "'emailSettings'"),
        (json!({"emailSettings": "contoso.com"}), "'emailSettings'"),
        (json!({"id": "x"}), "id"),
    ] {
        let refused = patch(&app, &body).await;
        let message = refused.assert_error(400, "invalidRequest");
        assert!(message.contains(property), "{body}: {message}");
    }
    let unchanged = app.get("/settings").await;
    assert_eq!(unchanged.body["workflowScheduleIntervalInHours"], 3);
    assert_eq!(app.count("lifecycle_settings").await, 0);

    app.send(app.client.delete(app.url("/settings")))
        .await
        .assert_error(405, "notAllowed");
}

#[tokio::test]
async fn reading_settings_needs_a_workflow_read_and_changing_them_the_broad_write() {
    let app = TestApp::spawn().await;
    let reports =
        client_with_token(&app.token(app.tenant, &["LifecycleWorkflows-Reports.Read.All"], &[]));
    let message = app
        .send(reports.get(app.url("/settings")))
        .await
        .assert_error(403, "accessDenied");
    assert!(
        message.contains("read the Lifecycle Workflows settings"),
        "{message}"
    );

    let workflows = client_with_token(&app.token(
        app.tenant,
        &["LifecycleWorkflows-Workflow.ReadWrite.All"],
        &[],
    ));
    let read = app.send(workflows.get(app.url("/settings"))).await;
    assert_eq!(read.status, 200, "{}", read.text);
    let message = app
        .send(
            workflows
                .patch(app.url("/settings"))
                .json(&json!({"workflowScheduleIntervalInHours": 4})),
        )
        .await
        .assert_error(403, "accessDenied");
    assert!(
        message.contains("change the Lifecycle Workflows settings"),
        "{message}"
    );
}
