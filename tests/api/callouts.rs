//! Custom task extensions called by the engine, against a receiver the test
//! starts: Graph's payload and a token verified with the published JWKS,
//! retries, launch-and-continue and launch-and-wait, `resume` and who may send
//! it, a callback that never comes, the address guard, and a call cut off by a
//! crash delivered again.

use crate::engine::{account_enabled, activate, add_user, binary, json_of, task, NewUser};
use crate::helpers::{run_binary, TestApp, LIVE};
use crate::receiver::{Received, Receiver, Reply};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::Duration;
use uuid::Uuid;

const CALL_EXTENSION: &str = "4262b724-8dba-4fad-afc3-43fcbb497a0e";
const DISABLE_ACCOUNT: &str = "1dfdfcc7-52fa-4c2e-bf3a-e3919cc12950";
const RESOURCE: &str = "api://lifecycle-receiver";
const ALLOW_PRIVATE: (&str, &str) = ("LCW_EXTENSIONS_ALLOW_PRIVATE", "true");

/// A receiver that answers `script` in order, then `otherwise`.
fn scripted(script: Vec<Reply>, otherwise: Reply) -> Receiver {
    Receiver::start(move |before, _| {
        script
            .get(before)
            .cloned()
            .unwrap_or_else(|| otherwise.clone())
    })
}

/// No answer for a minute: a caller's time limit, or a crash before the answer.
fn hang() -> Reply {
    Reply::status(202).after(Duration::from_secs(60))
}

/// Waits up to ten seconds for the receiver's `count`th request.
async fn wait_for_calls(receiver: &Receiver, count: usize) -> Vec<Received> {
    for _ in 0..200 {
        let received = receiver.received();
        if received.len() >= count {
            return received;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the receiver got {} requests, not {count}",
        receiver.received().len()
    );
}

/// An application whose tokens may create extensions at local addresses.
async fn local_app() -> TestApp {
    TestApp::spawn_with(&[ALLOW_PRIVATE]).await
}

/// Creates an extension calling `url`; its id.
async fn create_extension(
    app: &TestApp,
    url: &str,
    client: Value,
    callback: Option<Value>,
) -> String {
    let mut body = json!({
        "displayName": format!("Receiver {}", Uuid::new_v4()),
        "endpointConfiguration": {
            "@odata.type": "#microsoft.graph.httpRequestEndpoint",
            "targetUrl": url,
        },
        "authenticationConfiguration": {
            "@odata.type": "#microsoft.graph.azureAdTokenAuthentication",
            "resourceId": RESOURCE,
        },
        "clientConfiguration": client,
    });
    if let Some(callback) = callback {
        body["callbackConfiguration"] = callback;
    }
    let response = app.post("/customTaskExtensions", &body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    response.id()
}

fn client(retries: u32, timeout_ms: u32) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.customExtensionClientConfiguration",
        "maximumRetries": retries,
        "timeoutInMilliseconds": timeout_ms,
    })
}

fn waiting_for(apps: &[Uuid]) -> Value {
    let apps: Vec<Value> = apps.iter().map(|app| json!({"id": app})).collect();
    json!({
        "@odata.type": "#microsoft.graph.identityGovernance.customTaskExtensionCallbackConfiguration",
        "timeoutDuration": "PT5M",
        "authorizedApps": apps,
    })
}

/// An on-demand workflow that calls the extension, then disables the account.
async fn workflow_calling(app: &TestApp, extension: &str, continue_on_error: bool) -> String {
    let mut call = task(
        "Call the receiver",
        CALL_EXTENSION,
        json!([{"name": "customTaskExtensionID", "value": extension}]),
    );
    call["continueOnError"] = json!(continue_on_error);
    let body = json!({
        "category": "leaver",
        "displayName": format!("Calls {}", Uuid::new_v4()),
        "isEnabled": true,
        "executionConditions": {"@odata.type": "#microsoft.graph.identityGovernance.onDemandExecutionOnly"},
        "tasks": [call, task("Disable", DISABLE_ACCOUNT, json!([]))],
    });
    let response = app.post(&format!("/{LIVE}"), &body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    response.id()
}

/// A user and its manager, by their (unique) first names.
async fn a_user(app: &TestApp, name: &str, manager: &str) -> Uuid {
    let manager = add_user(
        app,
        NewUser {
            name: manager,
            department: "Board",
            leave: None,
            manager: None,
        },
    )
    .await;
    add_user(
        app,
        NewUser {
            name,
            department: "Sales",
            leave: None,
            manager: Some(manager),
        },
    )
    .await
}

fn work_until_idle(app: &TestApp, settings: &[(&str, &str)]) -> String {
    run_binary(binary(app, None, settings).args(["work", "--until-idle"]))
}

/// A new user (with a manager) for whom a new workflow that calls `extension`
/// is activated: the workflow and the user.
async fn activated(
    app: &TestApp,
    extension: &str,
    continue_on_error: bool,
    (name, manager): (&str, &str),
) -> (String, Uuid) {
    let user = a_user(app, name, manager).await;
    let workflow = workflow_calling(app, extension, continue_on_error).await;
    activate(app, &workflow, &[user]).await;
    (workflow, user)
}

/// The user's taskProcessingResults, in execution order.
async fn task_results(app: &TestApp, workflow: &str) -> Vec<Value> {
    let runs = json_of(app, &format!("/{LIVE}/{workflow}/runs")).await;
    let run = runs["value"][0]["id"].as_str().unwrap().to_owned();
    let users = json_of(
        app,
        &format!("/{LIVE}/{workflow}/runs/{run}/userProcessingResults"),
    )
    .await;
    let user = users["value"][0]["id"].as_str().unwrap().to_owned();
    let results = json_of(
        app,
        &format!(
            "/{LIVE}/{workflow}/runs/{run}/userProcessingResults/{user}/taskProcessingResults?$expand=task"
        ),
    )
    .await;
    let mut results = results["value"].as_array().unwrap().clone();
    results.sort_by_key(|result| result["task"]["executionSequence"].as_i64());
    results
}

async fn user_status(app: &TestApp, workflow: &str) -> String {
    let users = json_of(app, &format!("/{LIVE}/{workflow}/userProcessingResults")).await;
    users["value"][0]["processingStatus"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The address a receiver calls back, under the documented version.
fn callback_url(app: &TestApp, received: &Value) -> String {
    let path = received["data"]["callbackUriPath"].as_str().unwrap();
    format!("{}/beta{path}", app.address)
}

fn callback(status: &str) -> Value {
    json!({
        "source": "the receiver",
        "type": "lifecycleEvent",
        "data": {
            "@odata.type": "microsoft.graph.identityGovernance.customTaskExtensionCallbackData",
            "operationStatus": status,
        },
    })
}

async fn resume(
    app: &TestApp,
    url: &str,
    token: Option<&str>,
    status: &str,
) -> (StatusCode, Value) {
    let mut request = app.client.post(url).json(&callback(status));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = app.send(request).await;
    (response.status, response.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_call_carries_graphs_payload_and_a_token_the_published_keys_verify() {
    let app = local_app().await;
    let receiver = Receiver::always(Reply::status(202));
    let extension =
        create_extension(&app, &receiver.url("/lifecycle"), client(0, 5000), None).await;
    let (workflow, user) = activated(&app, &extension, false, ("Ada", "Grace")).await;

    let worked = work_until_idle(&app, &[ALLOW_PRIVATE]);
    assert!(worked.contains("processed 1 users"), "{worked}");

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let call = &received[0];
    assert_eq!(
        (call.method.as_str(), call.target.as_str()),
        ("POST", "/lifecycle")
    );
    let body = call.json();
    let results = task_results(&app, &workflow).await;
    let data = &body["data"];
    assert_eq!(body["type"], "lifecycleEvent");
    assert_eq!(
        data["@odata.type"],
        "microsoft.graph.identityGovernance.customTaskExtensionCalloutData"
    );
    assert_eq!(data["subject"]["id"], user.to_string());
    assert_eq!(data["subject"]["displayName"], "Ada");
    assert_eq!(data["subject"]["userPrincipalName"], "ada@example.com");
    assert_eq!(data["subject"]["mail"], "ada@example.com");
    assert_eq!(data["subject"]["manager"]["displayName"], "Grace");
    assert_eq!(data["task"]["id"], results[0]["task"]["id"]);
    assert_eq!(data["task"]["displayName"], "Call the receiver");
    assert_eq!(data["taskProcessingResult"]["id"], results[0]["id"]);
    assert_eq!(data["workflow"]["id"], workflow);
    assert_eq!(data["workflow"]["workflowVersion"], 1);
    let path = data["callbackUriPath"].as_str().unwrap();
    assert!(
        path.starts_with(&format!(
            "/identityGovernance/lifecycleWorkflows/workflows/{workflow}/runs/"
        )) && path.ends_with(&format!(
            "/taskProcessingResults/{}/microsoft.graph.identityGovernance.resume",
            results[0]["id"].as_str().unwrap()
        )),
        "{path}"
    );

    // The token verifies with the key set the service publishes, for the
    // extension's resource and the call's tenant, and for nothing else.
    let token = call
        .header("authorization")
        .and_then(|value| value.strip_prefix("Bearer "))
        .expect("a bearer token");
    let keys: JwkSet = app
        .client
        .get(format!("{}/.well-known/jwks.json", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    let key = keys
        .find(header.kid.as_deref().unwrap())
        .expect("the token's key is published");
    let decoding = DecodingKey::from_jwk(key).unwrap();
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[RESOURCE]);
    let claims = jsonwebtoken::decode::<Value>(token, &decoding, &validation)
        .expect("the token verifies")
        .claims;
    assert_eq!(claims["tid"], app.tenant.to_string());
    validation.set_audience(&["api://another-resource"]);
    assert!(jsonwebtoken::decode::<Value>(token, &decoding, &validation).is_err());

    // Without a callback, the accepted call completes the task, and the user
    // goes on to the next.
    assert_eq!(results[0]["processingStatus"], "completed");
    let info = results[0]["processingInfo"].as_str().unwrap();
    assert!(
        info.starts_with("Attempt 1 at ") && info.contains(": HTTP 202 in "),
        "{info}"
    );
    assert_eq!(results[1]["processingStatus"], "completed");
    assert!(!account_enabled(&app, user).await);
    assert_eq!(user_status(&app, &workflow).await, "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_retried_on_5xx_and_time_outs_and_failures_are_explained() {
    let app = local_app().await;
    // A 500, then no answer within the second allowed, then accepted.
    let receiver = scripted(vec![Reply::status(500), hang()], Reply::status(200));
    let extension =
        create_extension(&app, &receiver.url("/lifecycle"), client(2, 1000), None).await;
    let (workflow, _) = activated(&app, &extension, false, ("Alan", "Joan")).await;
    work_until_idle(&app, &[ALLOW_PRIVATE]);

    let received = receiver.received();
    assert_eq!(received.len(), 3);
    let ids: Vec<Value> = received
        .iter()
        .map(|call| call.json()["data"]["taskProcessingResult"]["id"].clone())
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "one result: {ids:?}");
    let results = task_results(&app, &workflow).await;
    assert_eq!(results[0]["processingStatus"], "completed");
    let info: Vec<&str> = results[0]["processingInfo"]
        .as_str()
        .unwrap()
        .lines()
        .collect();
    assert_eq!(info.len(), 3, "{info:?}");
    assert!(info[0].contains("HTTP 500"), "{info:?}");
    assert!(info[1].contains("timed out"), "{info:?}");
    assert!(info[2].contains("HTTP 200"), "{info:?}");

    // A 4xx is final; retries that run out fail the task, and the user stops.
    for (replies, retries, expected_calls, reason, (name, manager)) in [
        (
            vec![Reply::status(404)],
            3,
            1,
            "answered HTTP 404",
            ("Barbara", "Frances"),
        ),
        (
            vec![Reply::status(503), Reply::status(503)],
            1,
            2,
            "answered HTTP 503",
            ("Dennis", "Ken"),
        ),
    ] {
        let receiver = scripted(replies, Reply::status(200));
        let extension = create_extension(
            &app,
            &receiver.url("/lifecycle"),
            client(retries, 1000),
            None,
        )
        .await;
        let (workflow, _) = activated(&app, &extension, false, (name, manager)).await;
        work_until_idle(&app, &[ALLOW_PRIVATE]);
        assert_eq!(receiver.received().len(), expected_calls);
        let results = task_results(&app, &workflow).await;
        assert_eq!(results[0]["processingStatus"], "failed");
        let failure = results[0]["failureReason"].as_str().unwrap();
        assert!(failure.contains(reason), "{failure}");
        assert_eq!(results[1]["processingStatus"], "canceled");
        assert_eq!(user_status(&app, &workflow).await, "failed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_task_is_ended_by_resume_and_the_user_goes_on() {
    let app = local_app().await;
    let receiver = Receiver::always(Reply::status(202));
    let authorized = Uuid::new_v4();
    let extension = create_extension(
        &app,
        &receiver.url("/lifecycle"),
        client(0, 5000),
        Some(waiting_for(&[authorized])),
    )
    .await;

    // Completed by an authorized application that holds no permission.
    let (workflow, _) = activated(&app, &extension, false, ("Dennis", "Ken")).await;
    work_until_idle(&app, &[ALLOW_PRIVATE]);
    let results = task_results(&app, &workflow).await;
    assert_eq!(results[0]["processingStatus"], "inProgress");
    let info = results[0]["processingInfo"].as_str().unwrap();
    assert!(
        info.contains("Waiting for the callback (resume) until "),
        "{info}"
    );
    assert_eq!(results[1]["processingStatus"], "queued");
    assert_eq!(user_status(&app, &workflow).await, "inProgress");
    // Nothing is left to claim until the callback comes.
    let idle = work_until_idle(&app, &[ALLOW_PRIVATE]);
    assert!(idle.contains("processed 0 users"), "{idle}");

    let url = callback_url(&app, &receiver.received()[0].json());
    let stranger = app.caller_token(None, Some(Uuid::new_v4()), &["User.Read.All"]);
    let (status, body) = resume(&app, &url, Some(&stranger), "completed").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "accessDenied");
    let reader = app.token(app.tenant, &["LifecycleWorkflows.Read.All"], &[]);
    let (status, _) = resume(&app, &url, Some(&reader), "completed").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let token = app.caller_token(None, Some(authorized), &["User.Read.All"]);
    let (status, body) = resume(&app, &url, Some(&token), "completed").await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // A second callback finds nothing waiting.
    let (status, body) = resume(&app, &url, Some(&token), "completed").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("is completed, not waiting"), "{message}");

    work_until_idle(&app, &[ALLOW_PRIVATE]);
    let results = task_results(&app, &workflow).await;
    assert_eq!(results[0]["processingStatus"], "completed");
    assert!(results[0]["processingInfo"]
        .as_str()
        .unwrap()
        .contains(&format!("by application {authorized}")));
    assert_eq!(results[1]["processingStatus"], "completed");
    assert_eq!(user_status(&app, &workflow).await, "completed");

    // Failed by a callback at another of the result's addresses, with the
    // broad permission: the user stops there.
    let (workflow, _) = activated(&app, &extension, false, ("Edsger", "Tony")).await;
    work_until_idle(&app, &[ALLOW_PRIVATE]);
    let results = task_results(&app, &workflow).await;
    let received = receiver.received();
    let run = json_of(&app, &format!("/{LIVE}/{workflow}/runs")).await["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(received.len(), 2);
    let at_run = app.url(&format!(
        "/{LIVE}/{workflow}/runs/{run}/taskProcessingResults/{}/resume",
        results[0]["id"].as_str().unwrap()
    ));
    let (status, body) = resume(&app, &at_run, None, "failed").await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    work_until_idle(&app, &[ALLOW_PRIVATE]);
    let results = task_results(&app, &workflow).await;
    assert_eq!(results[0]["processingStatus"], "failed");
    assert!(results[0]["failureReason"]
        .as_str()
        .unwrap()
        .contains("reported that its work failed"));
    assert_eq!(results[1]["processingStatus"], "canceled");
    assert_eq!(user_status(&app, &workflow).await, "failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_result_that_waits_can_be_resumed() {
    let app = local_app().await;
    let receiver = Receiver::always(Reply::status(202));
    let extension =
        create_extension(&app, &receiver.url("/lifecycle"), client(0, 5000), None).await;
    let (workflow, _) = activated(&app, &extension, false, ("John", "Margaret")).await;

    // Queued (the engine has not run yet), then completed without a callback.
    let results = task_results(&app, &workflow).await;
    let path = format!(
        "/{LIVE}/{workflow}/runs/{}/userProcessingResults/{}/taskProcessingResults/{}/microsoft.graph.identityGovernance.resume",
        json_of(&app, &format!("/{LIVE}/{workflow}/runs")).await["value"][0]["id"].as_str().unwrap(),
        json_of(&app, &format!("/{LIVE}/{workflow}/userProcessingResults")).await["value"][0]["id"].as_str().unwrap(),
        results[0]["id"].as_str().unwrap()
    );
    let response = app.post(&path, &callback("completed")).await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.text
    );
    assert!(
        response.text.contains("is queued, not waiting"),
        "{}",
        response.text
    );

    work_until_idle(&app, &[ALLOW_PRIVATE]);
    let response = app.post(&path, &callback("completed")).await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.text
    );
    assert!(
        response.text.contains("is completed, not waiting"),
        "{}",
        response.text
    );

    // A callback the service cannot read is refused before anything else.
    let response = app
        .post(
            &path,
            &json!({"type": "lifecycleEvent", "data": {"operationStatus": "done"}}),
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{}",
        response.text
    );
    assert!(
        response.text.contains("operationStatus"),
        "{}",
        response.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_that_never_comes_fails_the_task_at_its_deadline() {
    let app = local_app().await;
    let receiver = Receiver::always(Reply::status(202));
    let extension = create_extension(
        &app,
        &receiver.url("/lifecycle"),
        client(0, 5000),
        Some(waiting_for(&[])),
    )
    .await;
    // The user goes on after the failure: continueOnError.
    let (workflow, _) = activated(&app, &extension, true, ("Niklaus", "Kristen")).await;
    work_until_idle(&app, &[ALLOW_PRIVATE]);
    assert_eq!(
        task_results(&app, &workflow).await[0]["processingStatus"],
        "inProgress"
    );

    // Five minutes pass: the deadline, and the user's return to the queue with
    // it, are moved to the past rather than waited for.
    sqlx::query(
        "update extension_calls set deadline_date_time = now() - interval '1 second'
         where tenant_id = $1",
    )
    .bind(app.tenant)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "update engine_queue set available_date_time = now() - interval '1 second'
         where tenant_id = $1",
    )
    .bind(app.tenant)
    .execute(&app.db)
    .await
    .unwrap();
    work_until_idle(&app, &[ALLOW_PRIVATE]);

    let results = task_results(&app, &workflow).await;
    assert_eq!(results[0]["processingStatus"], "failed");
    let failure = results[0]["failureReason"].as_str().unwrap();
    assert!(
        failure.contains("callback did not arrive in time"),
        "{failure}"
    );
    assert_eq!(results[1]["processingStatus"], "completed");
    assert_eq!(user_status(&app, &workflow).await, "completedWithErrors");
    let url = callback_url(&app, &receiver.received()[0].json());
    let (status, _) = resume(&app, &url, None, "completed").await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a late callback finds it failed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inward_addresses_are_refused_when_stored_and_when_called() {
    let app = TestApp::spawn().await;
    for (url, reason) in [
        ("https://127.0.0.1/run", "127.0.0.1 is a loopback address"),
        (
            "https://169.254.169.254/latest",
            "169.254.169.254 is a link-local address",
        ),
        ("https://[fd00::1]/run", "a private (unique local) address"),
        ("http://receiver.example/run", "must use https"),
    ] {
        let body = json!({
            "displayName": "Inward",
            "endpointConfiguration": {"@odata.type": "#microsoft.graph.httpRequestEndpoint", "targetUrl": url},
            "authenticationConfiguration": {"@odata.type": "#microsoft.graph.azureAdTokenAuthentication", "resourceId": RESOURCE},
        });
        let response = app.post("/customTaskExtensions", &body).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{url}: {}",
            response.text
        );
        assert!(response.text.contains(reason), "{url}: {}", response.text);
    }

    // A name is stored; what it resolves to is checked at the call.
    let receiver = Receiver::always(Reply::status(202));
    let url = format!("https://localhost:{}/lifecycle", receiver.port());
    let extension = create_extension(&app, &url, client(3, 1000), None).await;
    let (workflow, _) = activated(&app, &extension, false, ("Radia", "Sophie")).await;
    work_until_idle(&app, &[]);
    let results = task_results(&app, &workflow).await;
    assert_eq!(results[0]["processingStatus"], "failed");
    let failure = results[0]["failureReason"].as_str().unwrap();
    assert!(failure.contains("loopback address"), "{failure}");
    let info = results[0]["processingInfo"].as_str().unwrap();
    assert_eq!(info.lines().count(), 1, "a refusal is not retried: {info}");
    assert!(receiver.received().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_cut_off_by_a_crash_is_delivered_again_and_completes_once() {
    let app = local_app().await;
    // The first delivery is never answered; the process is killed meanwhile.
    let receiver = scripted(vec![hang()], Reply::status(202));
    let extension =
        create_extension(&app, &receiver.url("/lifecycle"), client(0, 30000), None).await;
    let (workflow, _) = activated(&app, &extension, false, ("Shafi", "Silvio")).await;

    let lease = ("LCW_ENGINE_LEASE_SECS", "1");
    let mut doomed = binary(
        &app,
        None,
        &[ALLOW_PRIVATE, lease, ("LCW_ENGINE_WORKERS", "1")],
    )
    .arg("work")
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("the worker starts");
    wait_for_calls(&receiver, 1).await;
    doomed.kill().unwrap();
    doomed.wait().unwrap();
    let recorded: (String, i64) = sqlx::query_as(
        "select state, (select count(*) from extension_calls where tenant_id = $1)
         from extension_calls where tenant_id = $1",
    )
    .bind(app.tenant)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        recorded,
        ("sending".to_owned(), 1),
        "the call was recorded before it was sent"
    );

    // The dead worker's lease runs out; the next one sends the call again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    work_until_idle(&app, &[ALLOW_PRIVATE, lease]);
    let received = receiver.received();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0].json()["data"]["taskProcessingResult"]["id"],
        received[1].json()["data"]["taskProcessingResult"]["id"],
        "the receiver can drop the duplicate"
    );
    let results = task_results(&app, &workflow).await;
    assert_eq!(results.len(), 2, "one result per task");
    assert_eq!(results[0]["processingStatus"], "completed");
    assert_eq!(results[1]["processingStatus"], "completed");
    assert_eq!(user_status(&app, &workflow).await, "completed");
    assert_eq!(app.count("extension_calls").await, 0);
    assert_eq!(app.count("engine_queue").await, 0);
    // Nothing more happens: the task completed once.
    work_until_idle(&app, &[ALLOW_PRIVATE, lease]);
    assert_eq!(receiver.received().len(), 2);
}
