//! The engine end to end on the real Postgres: triggers and scopes evaluated by
//! `schedule --once`, users processed by the workers (`work`, `serve`), the
//! directory acted on, emails sent to a sink the test starts, and statuses and
//! counters recorded; several processes on one database, and one killed
//! mid-run.

use crate::helpers::{run_binary, TestApp, BINARY, LIVE};
use crate::smtp_sink::SmtpSink;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use uuid::Uuid;

const DISABLE_ACCOUNT: &str = "1dfdfcc7-52fa-4c2e-bf3a-e3919cc12950";
const ENABLE_ACCOUNT: &str = "6fc52c9d-398b-4305-9763-15f42c1676fc";
const ADD_TO_GROUPS: &str = "22085229-5809-45e8-97fd-270d28d66910";
const REMOVE_FROM_ALL_GROUPS: &str = "b3a31406-2a15-4c9a-b25b-a658fa5f07fc";
const EMAIL_ON_LAST_DAY: &str = "9c0a1eaf-5bda-4392-9d9e-6e155bb57411";
const EMAIL_AFTER_LAST_DAY: &str = "6f22ddd4-b3a5-47a4-a846-0d7c201a49ce";
const REMOVE_LICENSES: &str = "8fa97d28-3e52-4985-b3a9-a1126f9b8b4e";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// A user of the test's tenant, written behind the API.
pub(crate) struct NewUser<'a> {
    pub name: &'a str,
    pub department: &'a str,
    pub leave: Option<&'a str>,
    pub manager: Option<Uuid>,
}

pub(crate) async fn add_user(app: &TestApp, user: NewUser<'_>) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query(
        "insert into users (tenant_id, id, display_name, given_name, user_principal_name, mail,
                            department, employee_leave_date_time, manager_id)
         values ($1, $2, $3, $3, $4, $4, $5, $6, $7)",
    )
    .bind(app.tenant)
    .bind(id)
    .bind(user.name)
    .bind(format!("{}@example.com", user.name.to_lowercase()))
    .bind(user.department)
    .bind(user.leave.map(at))
    .bind(user.manager)
    .execute(&app.db)
    .await
    .unwrap();
    id
}

async fn add_group(app: &TestApp, members: &[Uuid]) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query("insert into groups (tenant_id, id, display_name) values ($1, $2, $3)")
        .bind(app.tenant)
        .bind(id)
        .bind(format!("Group {id}"))
        .execute(&app.db)
        .await
        .unwrap();
    for member in members {
        sqlx::query("insert into group_members (tenant_id, group_id, user_id) values ($1, $2, $3)")
            .bind(app.tenant)
            .bind(id)
            .bind(member)
            .execute(&app.db)
            .await
            .unwrap();
    }
    id
}

pub(crate) fn task(name: &str, definition: &str, arguments: Value) -> Value {
    json!({"displayName": name, "taskDefinitionId": definition, "arguments": arguments})
}

async fn create_workflow(app: &TestApp, conditions: Value, tasks: Vec<Value>) -> String {
    let body = json!({
        "category": "leaver",
        "displayName": format!("Workflow {}", Uuid::new_v4()),
        "isEnabled": true,
        "isSchedulingEnabled": true,
        "executionConditions": conditions,
        "tasks": tasks,
    });
    let response = app.post(&format!("/{LIVE}"), &body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    response.id()
}

fn leavers_in(rule: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
        "scope": {"@odata.type": "#microsoft.graph.identityGovernance.ruleBasedSubjectSet", "rule": rule},
        "trigger": {
            "@odata.type": "#microsoft.graph.identityGovernance.timeBasedAttributeTrigger",
            "timeBasedAttribute": "employeeLeaveDateTime",
            "offsetInDays": 0
        }
    })
}

/// The binary with the test database and the engine settings the test needs.
pub(crate) fn binary(app: &TestApp, smtp: Option<&SmtpSink>, settings: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BINARY);
    command
        .env("DATABASE_URL", app.database_url())
        .env("LCW_DB_POOL_SIZE", "3")
        .env("LCW_LOG_FORMAT", "json")
        .env("RUST_LOG", "warn")
        .env("LCW_ENGINE_POLL_MS", "50");
    if let Some(smtp) = smtp {
        command.env("LCW_SMTP_URL", smtp.url());
    }
    for (name, value) in settings {
        command.env(name, value);
    }
    command
}

fn schedule(app: &TestApp, at: &str, dry_run: bool) -> String {
    let mut command = binary(app, None, &[]);
    command.args(["schedule", "--once", "--at", at]);
    if dry_run {
        command.arg("--dry-run");
    }
    run_binary(&mut command)
}

fn work_until_idle(app: &TestApp, smtp: &SmtpSink) -> String {
    run_binary(binary(app, Some(smtp), &[]).args(["work", "--until-idle"]))
}

pub(crate) async fn json_of(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body
}

pub(crate) async fn account_enabled(app: &TestApp, user: Uuid) -> bool {
    sqlx::query_scalar("select account_enabled from users where tenant_id = $1 and id = $2")
        .bind(app.tenant)
        .bind(user)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn groups_of(app: &TestApp, user: Uuid) -> i64 {
    sqlx::query_scalar("select count(*) from group_members where tenant_id = $1 and user_id = $2")
        .bind(app.tenant)
        .bind(user)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leaver_workflow_runs_for_exactly_the_users_it_picks() {
    let app = TestApp::spawn().await;
    let smtp = SmtpSink::start(Duration::ZERO).await;
    let manager = add_user(
        &app,
        NewUser {
            name: "Grace",
            department: "Board",
            leave: None,
            manager: None,
        },
    )
    .await;
    let today = add_user(
        &app,
        NewUser {
            name: "Ada",
            department: "Sales",
            leave: Some("2026-12-10T17:00:00Z"),
            manager: Some(manager),
        },
    )
    .await;
    let caught_up = add_user(
        &app,
        NewUser {
            name: "Edsger",
            department: "Sales",
            leave: Some("2026-12-08T12:00:00Z"),
            manager: Some(manager),
        },
    )
    .await;
    let too_late = add_user(
        &app,
        NewUser {
            name: "Dennis",
            department: "Sales",
            leave: Some("2026-12-06T12:00:00Z"),
            manager: None,
        },
    )
    .await;
    let not_yet = add_user(
        &app,
        NewUser {
            name: "Claude",
            department: "Sales",
            leave: Some("2026-12-20T12:00:00Z"),
            manager: None,
        },
    )
    .await;
    let out_of_scope = add_user(
        &app,
        NewUser {
            name: "Barbara",
            department: "Marketing",
            leave: Some("2026-12-10T08:00:00Z"),
            manager: None,
        },
    )
    .await;
    add_group(&app, &[today, caught_up, out_of_scope]).await;
    add_group(&app, &[today]).await;
    let workflow = create_workflow(
        &app,
        leavers_in("department eq 'Sales' and not startsWith(displayName, 'Z')"),
        vec![
            task("Disable", DISABLE_ACCOUNT, json!([])),
            task("Say goodbye", EMAIL_ON_LAST_DAY, json!([])),
            task("Leave every group", REMOVE_FROM_ALL_GROUPS, json!([])),
            task("Tell the manager", EMAIL_AFTER_LAST_DAY, json!([{"name": "customSubject", "value": "{{userDisplayName}} left ({{managerDisplayName}})"}])),
        ],
    )
    .await;

    // A dry run names whom it would pick and why, and writes nothing.
    let dry = schedule(&app, "2026-12-10T09:00:00Z", true);
    assert!(dry.contains("2 users picked, would start a run"), "{dry}");
    assert!(
        dry.contains(&format!(
            "{today} ada@example.com: employeeLeaveDateTime 2026-12-10 +0 days"
        )),
        "{dry}"
    );
    assert!(
        dry.contains(&format!("{caught_up} edsger@example.com")),
        "{dry}"
    );
    for absent in [too_late, not_yet, out_of_scope, manager] {
        assert!(!dry.contains(&absent.to_string()), "{dry}");
    }
    assert_eq!(app.count("runs").await, 0);

    let scheduled = schedule(&app, "2026-12-10T09:00:00Z", false);
    assert!(scheduled.contains("2 users picked, run "), "{scheduled}");
    // The next pass picks nobody again, at the same moment or a day later.
    let again = schedule(&app, "2026-12-10T09:30:00Z", false);
    assert!(again.contains("0 users picked, no run"), "{again}");
    let next_day = schedule(&app, "2026-12-11T09:00:00Z", false);
    assert!(next_day.contains("0 users picked, no run"), "{next_day}");

    let runs = json_of(&app, &format!("/{LIVE}/{workflow}/runs")).await;
    let run = &runs["value"][0];
    assert_eq!(runs["value"].as_array().unwrap().len(), 1);
    assert_eq!(run["workflowExecutionType"], "scheduled");
    assert_eq!(run["processingStatus"], "queued");
    assert_eq!(run["scheduledDateTime"], "2026-12-10T09:00:00Z");
    assert_eq!(run["totalUsersCount"], 2);
    assert_eq!(run["totalUnprocessedTasksCount"], 8);

    let worked = work_until_idle(&app, &smtp);
    assert!(worked.contains("processed 2 users"), "{worked}");

    // The directory was acted on: accounts disabled, memberships gone.
    for user in [today, caught_up] {
        assert!(!account_enabled(&app, user).await);
        assert_eq!(groups_of(&app, user).await, 0);
    }
    assert!(account_enabled(&app, out_of_scope).await);
    assert_eq!(groups_of(&app, out_of_scope).await, 1);
    // Each picked user got their email, and their manager one about them.
    let mut sent: Vec<(String, String)> = smtp
        .received()
        .into_iter()
        .map(|message| (message.recipients.join(","), message.subject))
        .collect();
    sent.sort();
    assert_eq!(
        sent,
        vec![
            (
                "ada@example.com".to_owned(),
                "Your last day, Ada".to_owned()
            ),
            (
                "edsger@example.com".to_owned(),
                "Your last day, Edsger".to_owned()
            ),
            (
                "grace@example.com".to_owned(),
                "Ada left (Grace)".to_owned()
            ),
            (
                "grace@example.com".to_owned(),
                "Edsger left (Grace)".to_owned()
            ),
        ]
    );

    let goodbye = smtp
        .received()
        .into_iter()
        .find(|message| message.subject == "Your last day, Ada");
    assert!(goodbye.is_some_and(|message| message.data.contains("Hello Ada,")));

    // Statuses, times and counters.
    let run_id = run["id"].as_str().unwrap();
    let run = json_of(&app, &format!("/{LIVE}/{workflow}/runs/{run_id}")).await;
    assert_eq!(run["processingStatus"], "completed");
    assert!(run["startedDateTime"].is_string() && run["completedDateTime"].is_string());
    assert_eq!(run["successfulUsersCount"], 2);
    assert_eq!(run["failedUsersCount"], 0);
    assert_eq!(run["totalTasksCount"], 8);
    assert_eq!(run["failedTasksCount"], 0);
    assert_eq!(run["totalUnprocessedTasksCount"], 0);
    let users = json_of(
        &app,
        &format!("/{LIVE}/{workflow}/runs/{run_id}/userProcessingResults"),
    )
    .await;
    for user in users["value"].as_array().unwrap() {
        assert_eq!(user["processingStatus"], "completed");
        assert_eq!(user["totalTasksCount"], 4);
        let tasks = json_of(
            &app,
            &format!(
                "/{LIVE}/{workflow}/runs/{run_id}/userProcessingResults/{}/taskProcessingResults?$expand=task",
                user["id"].as_str().unwrap()
            ),
        )
        .await;
        let mut tasks = tasks["value"].as_array().unwrap().clone();
        tasks.sort_by_key(|task| task["task"]["executionSequence"].as_i64());
        let mut previous = String::new();
        for task in &tasks {
            assert_eq!(task["processingStatus"], "completed", "{task}");
            assert!(task["processingInfo"]
                .as_str()
                .is_some_and(|info| !info.is_empty()));
            // In executionSequence: each started no earlier than the one before ended.
            let started = task["startedDateTime"].as_str().unwrap().to_owned();
            assert!(started >= previous, "{tasks:?}");
            previous = task["completedDateTime"].as_str().unwrap().to_owned();
        }
    }
    assert_eq!(app.count("engine_queue").await, 0);
}

pub(crate) async fn activate(app: &TestApp, workflow: &str, users: &[Uuid]) {
    let subjects: Vec<Value> = users.iter().map(|id| json!({"id": id})).collect();
    let response = app
        .post(
            &format!("/{LIVE}/{workflow}/activate"),
            &json!({"subjects": subjects}),
        )
        .await;
    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
}

async fn only_run(app: &TestApp, workflow: &str) -> Value {
    let runs = json_of(app, &format!("/{LIVE}/{workflow}/runs")).await;
    runs["value"][0].clone()
}

async fn task_statuses(app: &TestApp, workflow: &str) -> Vec<(String, String)> {
    let results = json_of(app, &format!("/{LIVE}/{workflow}/userProcessingResults")).await;
    let user = results["value"][0]["id"].as_str().unwrap().to_owned();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "select p.processing_status, coalesce(p.failure_reason, p.processing_info, '')
         from task_processing_results p
         join tasks t on t.tenant_id = p.tenant_id and t.workflow_id = p.workflow_id and t.id = p.task_id
         where p.tenant_id = $1 and p.user_processing_result_id = $2
         order by t.execution_sequence",
    )
    .bind(app.tenant)
    .bind(Uuid::parse_str(&user).unwrap())
    .fetch_all(&app.db)
    .await
    .unwrap();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_task_stops_the_rest_unless_it_continues_on_error() {
    let app = TestApp::spawn().await;
    let smtp = SmtpSink::start(Duration::ZERO).await;
    let missing_group = Uuid::new_v4();
    for continue_on_error in [false, true] {
        let user = add_user(
            &app,
            NewUser {
                name: "Alan",
                department: "Sales",
                leave: None,
                manager: None,
            },
        )
        .await;
        sqlx::query(
            "update users set account_enabled = false, user_principal_name = $2 where id = $1",
        )
        .bind(user)
        .bind(format!("alan-{user}@example.com"))
        .execute(&app.db)
        .await
        .unwrap();
        let mut failing = task(
            "Join a group that is not there",
            ADD_TO_GROUPS,
            json!([{"name": "groupID", "value": missing_group.to_string()}]),
        );
        failing["continueOnError"] = json!(continue_on_error);
        let mut unsupported = task("Remove licenses", REMOVE_LICENSES, json!([]));
        unsupported["continueOnError"] = json!(true);
        let workflow = create_workflow(
            &app,
            json!({"@odata.type": "#microsoft.graph.identityGovernance.onDemandExecutionOnly"}),
            vec![
                failing,
                task("Enable", ENABLE_ACCOUNT, json!([])),
                unsupported,
            ],
        )
        .await;
        activate(&app, &workflow, &[user]).await;
        work_until_idle(&app, &smtp);

        let statuses = task_statuses(&app, &workflow).await;
        assert_eq!(statuses[0].0, "failed");
        assert!(
            statuses[0].1.contains(&format!(
                "The group {missing_group} is not in the directory"
            )),
            "{statuses:?}"
        );
        let run = only_run(&app, &workflow).await;
        let user_result = json_of(&app, &format!("/{LIVE}/{workflow}/userProcessingResults")).await;
        let user_status = user_result["value"][0]["processingStatus"].clone();
        if continue_on_error {
            assert_eq!(
                statuses[1],
                ("completed".to_owned(), "accountEnabled is true".to_owned())
            );
            // No executor for licenses: failed, naming the definition.
            assert_eq!(statuses[2].0, "failed");
            assert!(
                statuses[2].1.contains(REMOVE_LICENSES)
                    && statuses[2].1.contains("no executor here"),
                "{statuses:?}"
            );
            assert!(account_enabled(&app, user).await);
            assert_eq!(user_status, "completedWithErrors");
            assert_eq!(run["processingStatus"], "completedWithErrors");
            assert_eq!(run["failedTasksCount"], 2);
        } else {
            assert_eq!(statuses[1].0, "canceled");
            assert_eq!(statuses[2].0, "canceled");
            assert!(!account_enabled(&app, user).await);
            assert_eq!(user_status, "failed");
            assert_eq!(run["processingStatus"], "failed");
            assert_eq!(run["failedUsersCount"], 1);
            assert_eq!(run["failedTasksCount"], 1);
        }
        assert_eq!(run["totalUnprocessedTasksCount"], 0);
        assert_eq!(run["workflowExecutionType"], "onDemand");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_deleting_or_versioning_cancels_queued_users() {
    let app = TestApp::spawn().await;
    let smtp = SmtpSink::start(Duration::ZERO).await;
    let user = add_user(
        &app,
        NewUser {
            name: "Kathleen",
            department: "Sales",
            leave: None,
            manager: None,
        },
    )
    .await;
    let on_demand =
        json!({"@odata.type": "#microsoft.graph.identityGovernance.onDemandExecutionOnly"});
    let tasks = || vec![task("Disable", DISABLE_ACCOUNT, json!([]))];
    let disabled = create_workflow(&app, on_demand.clone(), tasks()).await;
    let deleted = create_workflow(&app, on_demand.clone(), tasks()).await;
    let versioned = create_workflow(&app, on_demand.clone(), tasks()).await;
    for workflow in [&disabled, &deleted, &versioned] {
        activate(&app, workflow, &[user]).await;
    }
    let patched = app
        .send(
            app.client
                .patch(app.url(&format!("/{LIVE}/{disabled}")))
                .json(&json!({"isEnabled": false, "isSchedulingEnabled": false})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::NO_CONTENT, "{}", patched.text);
    app.soft_delete(&deleted).await;
    let mut new_version = json_of(&app, &format!("/{LIVE}/{versioned}")).await;
    new_version["tasks"] = json!(tasks());
    let created = app
        .post(
            &format!("/{LIVE}/{versioned}/createNewVersion"),
            &json!({"workflow": {
            "category": "leaver", "displayName": new_version["displayName"], "isEnabled": true,
            "executionConditions": on_demand, "tasks": tasks()}}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);

    work_until_idle(&app, &smtp);
    assert!(account_enabled(&app, user).await, "no canceled task ran");
    for (workflow, tree) in [
        (&disabled, LIVE),
        (&deleted, crate::helpers::DELETED),
        (&versioned, LIVE),
    ] {
        let runs = json_of(&app, &format!("/{tree}/{workflow}/runs")).await;
        assert_eq!(runs["value"][0]["processingStatus"], "canceled", "{runs}");
        let users = json_of(&app, &format!("/{tree}/{workflow}/userProcessingResults")).await;
        assert_eq!(users["value"][0]["processingStatus"], "canceled");
    }
    assert_eq!(app.count("engine_queue").await, 0);
}

/// A workflow with two emails per user, activated for `users` new users.
async fn emails_for(app: &TestApp, users: usize) -> String {
    let mut ids = Vec::new();
    for index in 0..users {
        ids.push(
            add_user(
                app,
                NewUser {
                    name: &format!("User{index}"),
                    department: "Sales",
                    leave: None,
                    manager: None,
                },
            )
            .await,
        );
    }
    let workflow = create_workflow(
        app,
        json!({"@odata.type": "#microsoft.graph.identityGovernance.onDemandExecutionOnly"}),
        vec![
            task("First", EMAIL_ON_LAST_DAY, json!([{"name": "customSubject", "value": "first {{userDisplayName}}"}])),
            task("Second", EMAIL_AFTER_LAST_DAY, json!([{"name": "to", "value": "User"}, {"name": "customSubject", "value": "second {{userDisplayName}}"}])),
        ],
    )
    .await;
    for chunk in ids.chunks(100) {
        activate(app, &workflow, chunk).await;
    }
    workflow
}

/// How many times each (recipient, subject) was sent.
fn sends(smtp: &SmtpSink) -> HashMap<(String, String), usize> {
    let mut sends = HashMap::new();
    for message in smtp.received() {
        *sends
            .entry((message.recipients.join(","), message.subject))
            .or_default() += 1;
    }
    sends
}

async fn statuses(app: &TestApp) -> HashMap<String, i64> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "select processing_status, count(*) from task_processing_results where tenant_id = $1 group by 1",
    )
    .bind(app.tenant)
    .fetch_all(&app.db)
    .await
    .unwrap();
    rows.into_iter().collect()
}

fn start_serving(app: &TestApp, smtp: &SmtpSink, lease_secs: &str) -> Child {
    binary(
        app,
        Some(smtp),
        &[
            ("LCW_LISTEN", "127.0.0.1:0"),
            ("LCW_ENGINE_WORKERS", "2"),
            ("LCW_ENGINE_BATCH", "4"),
            ("LCW_ENGINE_LEASE_SECS", lease_secs),
            ("LCW_SCHEDULER_TICK_SECS", "0"),
            ("LCW_AUTH_HS256_SECRET", crate::helpers::TEST_SECRET),
        ],
    )
    .arg("serve")
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("the service starts")
}

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..600 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_service_processes_process_each_user_exactly_once() {
    let app = TestApp::spawn().await;
    let smtp = SmtpSink::start(Duration::from_millis(2)).await;
    let workflow = emails_for(&app, 120).await;
    let mut first = start_serving(&app, &smtp, "300");
    let mut second = start_serving(&app, &smtp, "300");
    wait_for("the queue to drain", async || {
        app.count("engine_queue").await == 0
    })
    .await;
    first.kill().unwrap();
    second.kill().unwrap();
    let _ = (first.wait(), second.wait());

    let sends = sends(&smtp);
    assert_eq!(sends.len(), 240, "every email sent");
    assert!(sends.values().all(|&count| count == 1), "none sent twice");
    assert_eq!(
        statuses(&app).await,
        HashMap::from([("completed".to_owned(), 240)])
    );
    // Two activations (100 users at most each), both completed.
    let runs = json_of(&app, &format!("/{LIVE}/{workflow}/runs")).await;
    let runs = runs["value"].as_array().unwrap();
    assert!(runs
        .iter()
        .all(|run| run["processingStatus"] == "completed"));
    let users: i64 = runs
        .iter()
        .map(|run| run["successfulUsersCount"].as_i64().unwrap())
        .sum();
    assert_eq!(users, 120);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_mid_run_leaves_work_the_next_one_finishes() {
    let app = TestApp::spawn().await;
    // Slow enough that the kill lands part-way.
    let smtp = SmtpSink::start(Duration::from_millis(20)).await;
    let workflow = emails_for(&app, 100).await;
    let mut doomed = start_serving(&app, &smtp, "2");
    wait_for("some emails", async || smtp.received().len() >= 20).await;
    doomed.kill().unwrap();
    doomed.wait().unwrap();
    let before = smtp.received().len();
    assert!(before < 200, "the kill came before the end ({before} sent)");

    // The dead process's leases run out; the next process takes over.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    work_until_idle(&app, &smtp);

    let sends = sends(&smtp);
    assert!(
        sends.values().all(|&count| count == 1),
        "no email sent twice: {sends:?}"
    );
    let statuses = statuses(&app).await;
    let count = |status: &str| statuses.get(status).copied().unwrap_or_default();
    let (completed, failed, canceled) = (count("completed"), count("failed"), count("canceled"));
    assert_eq!(
        completed + failed + canceled,
        200,
        "every task ended: {statuses:?}"
    );
    // A task cut off while it sent is failed, never sent again (at most one per
    // worker of the killed process), and the user's next task is canceled.
    assert!(failed <= 2 && canceled <= failed, "{statuses:?}");
    let sent = sends.len() as i64;
    assert!(
        sent >= completed && sent <= completed + failed,
        "{sent} sent, {statuses:?}"
    );
    let run = only_run(&app, &workflow).await;
    let expected = if failed == 0 {
        "completed"
    } else {
        "completedWithErrors"
    };
    assert_eq!(run["processingStatus"], expected);
    assert_eq!(app.count("engine_queue").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_and_rules_the_engine_cannot_evaluate_are_refused() {
    let app = TestApp::spawn().await;
    let tasks = vec![task("Disable", DISABLE_ACCOUNT, json!([]))];
    let cases = [
        (
            leavers_in("department eq 'Sales' and"),
            "executionConditions.scope.rule",
            "position 26",
        ),
        (
            leavers_in("department gt 'Sales'"),
            "executionConditions.scope.rule",
            "position 1: a rule compares with eq, ne, in and startsWith, not gt",
        ),
        (
            leavers_in("salary eq 5"),
            "executionConditions.scope.rule",
            "'salary' is not a filterable property",
        ),
        (
            leavers_in("startsWith(accountEnabled, 'x')"),
            "executionConditions.scope.rule",
            "supports only eq, ne and in, not startsWith",
        ),
        (
            json!({
                "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
                "scope": {"@odata.type": "#microsoft.graph.identityGovernance.ruleBasedSubjectSet", "rule": "department eq 'Sales'"},
                "trigger": {"@odata.type": "#microsoft.graph.identityGovernance.userInactivityTrigger", "inactivityPeriodInDays": 30}
            }),
            "executionConditions.trigger",
            "sign-in activity",
        ),
        (
            json!({
                "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
                "scope": {"@odata.type": "#microsoft.graph.identityGovernance.ruleBasedSubjectSet", "rule": "department eq 'Sales'"},
                "trigger": {"@odata.type": "#microsoft.graph.identityGovernance.membershipChangeTrigger", "changeType": "add"}
            }),
            "executionConditions.scope",
            "groupBasedSubjectSet",
        ),
        (
            json!({
                "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
                "scope": {"@odata.type": "#microsoft.graph.identityGovernance.ruleBasedSubjectSet", "rule": "department eq 'Sales'"},
                "trigger": {"@odata.type": "#microsoft.graph.identityGovernance.attributeChangeTrigger", "triggerAttributes": [{"name": "department"}, {"name": "shoeSize"}]}
            }),
            "executionConditions.trigger.triggerAttributes[1].name",
            "'shoeSize' is not a user property",
        ),
        (
            json!({
                "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
                "scope": {"@odata.type": "#microsoft.graph.identityGovernance.groupBasedSubjectSet", "groups": []},
                "trigger": {"@odata.type": "#microsoft.graph.identityGovernance.membershipChangeTrigger", "changeType": "add"}
            }),
            "executionConditions.scope.groups",
            "at least one group",
        ),
    ];
    for (conditions, property, problem) in cases {
        let body = json!({
            "category": "leaver",
            "displayName": "Refused",
            "executionConditions": conditions,
            "tasks": tasks,
        });
        let response = app.post(&format!("/{LIVE}"), &body).await;
        let message = response.assert_error(400, "invalidRequest");
        assert!(message.contains(&format!("'{property}'")), "{message}");
        assert!(message.contains(problem), "{message}");
    }
    assert_eq!(app.count("workflows").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_reports_runs_tasks_and_its_queue_in_the_metrics() {
    let app =
        TestApp::spawn_with(&[("LCW_ENGINE_WORKERS", "1"), ("LCW_ENGINE_POLL_MS", "50")]).await;
    let user = add_user(
        &app,
        NewUser {
            name: "Hedy",
            department: "Sales",
            leave: None,
            manager: None,
        },
    )
    .await;
    let mut unsupported = task("Remove licenses", REMOVE_LICENSES, json!([]));
    unsupported["continueOnError"] = json!(true);
    let workflow = create_workflow(
        &app,
        json!({"@odata.type": "#microsoft.graph.identityGovernance.onDemandExecutionOnly"}),
        vec![task("Disable", DISABLE_ACCOUNT, json!([])), unsupported],
    )
    .await;
    activate(&app, &workflow, &[user]).await;
    wait_for("the run to end", async || {
        only_run(&app, &workflow).await["processingStatus"] == "completedWithErrors"
    })
    .await;
    wait_for("the queue gauge", async || {
        let metrics = app
            .send(app.client.get(format!("{}/metrics", app.address)))
            .await
            .text;
        metrics.lines().any(|line| line == "engine_queue_depth 0")
    })
    .await;
    let metrics = app
        .send(app.client.get(format!("{}/metrics", app.address)))
        .await
        .text;
    for expected in [
        "engine_runs_total{status=\"inProgress\"}".to_owned(),
        "engine_runs_total{status=\"completedWithErrors\"}".to_owned(),
        format!("engine_tasks_total{{definition=\"{DISABLE_ACCOUNT}\",status=\"completed\"}}"),
        format!("engine_tasks_total{{definition=\"{REMOVE_LICENSES}\",status=\"failed\"}}"),
        "engine_queue_oldest_age_seconds 0".to_owned(),
    ] {
        assert!(
            metrics.lines().any(|line| line.starts_with(&expected)),
            "{expected} in\n{metrics}"
        );
    }
}

/// A write to the directory, at `/beta{path}`; its answer.
async fn directory(app: &TestApp, method: reqwest::Method, path: &str, body: Value) -> Value {
    let url = format!("{}/beta{path}", app.address);
    let response = app.send(app.client.request(method, url).json(&body)).await;
    assert!(response.status.is_success(), "{path}: {}", response.text);
    response.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attribute_and_membership_changes_trigger_their_workflows() {
    let app = TestApp::spawn().await;
    let smtp = SmtpSink::start(Duration::ZERO).await;
    let post = reqwest::Method::POST;
    let patch = reqwest::Method::PATCH;
    let mut ids = Vec::new();
    for name in ["mover", "joiner", "bystander"] {
        let user = directory(&app, post.clone(), "/users", json!({
            "displayName": name, "userPrincipalName": format!("{name}@example.com"), "department": "Sales"
        }))
        .await;
        ids.push(user["id"].as_str().unwrap().to_owned());
    }
    let [mover, joiner, bystander] = [&ids[0], &ids[1], &ids[2]];
    let group = |name: &str| json!({"displayName": name, "mailEnabled": false, "mailNickname": name, "securityEnabled": true});
    let watched = directory(&app, post.clone(), "/groups", group("watched")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let target = directory(&app, post.clone(), "/groups", group("target")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let join_target = vec![task(
        "Join the target",
        ADD_TO_GROUPS,
        json!([{"name": "groupID", "value": target}]),
    )];
    let mut moved = json!({
        "category": "mover", "displayName": "Moved to Marketing", "isEnabled": true, "isSchedulingEnabled": true,
        "executionConditions": {
            "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
            "scope": {"@odata.type": "#microsoft.graph.identityGovernance.ruleBasedSubjectSet", "rule": "department eq 'Marketing'"},
            "trigger": {"@odata.type": "#microsoft.graph.identityGovernance.attributeChangeTrigger", "triggerAttributes": [{"name": "department"}]}
        },
        "tasks": join_target,
    });
    let created = app.post(&format!("/{LIVE}"), &moved).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    moved["displayName"] = json!("Joined the watched group");
    moved["executionConditions"] = json!({
        "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
        "scope": {"@odata.type": "#microsoft.graph.identityGovernance.groupBasedSubjectSet", "groups": [{"id": watched}]},
        "trigger": {"@odata.type": "#microsoft.graph.identityGovernance.membershipChangeTrigger", "changeType": "add"}
    });
    let created = app.post(&format!("/{LIVE}"), &moved).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);

    directory(
        &app,
        patch.clone(),
        &format!("/users/{mover}"),
        json!({"department": "Marketing"}),
    )
    .await;
    // Another property, or a group nobody watches, triggers nothing.
    directory(
        &app,
        patch.clone(),
        &format!("/users/{bystander}"),
        json!({"jobTitle": "Lead"}),
    )
    .await;
    let member = |id: &str| json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}")});
    directory(
        &app,
        post.clone(),
        &format!("/groups/{target}/members/$ref"),
        member(bystander),
    )
    .await;
    directory(
        &app,
        post.clone(),
        &format!("/groups/{watched}/members/$ref"),
        member(joiner),
    )
    .await;

    let picked = run_binary(binary(&app, None, &[]).args(["schedule", "--once"]));
    assert!(
        picked.contains(&format!("{mover} mover@example.com: changed department")),
        "{picked}"
    );
    assert!(
        picked.contains(&format!(
            "{joiner} joiner@example.com: memberAdded {watched}"
        )),
        "{picked}"
    );
    assert!(!picked.contains(bystander.as_str()), "{picked}");
    let again = run_binary(binary(&app, None, &[]).args(["schedule", "--once"]));
    assert_eq!(again.matches("0 users picked").count(), 2, "{again}");
    // Out of scope after a change back; picked again after a new change in.
    directory(
        &app,
        patch.clone(),
        &format!("/users/{mover}"),
        json!({"department": "Sales"}),
    )
    .await;
    let out = run_binary(binary(&app, None, &[]).args(["schedule", "--once"]));
    assert!(!out.contains(mover.as_str()), "{out}");
    directory(
        &app,
        patch.clone(),
        &format!("/users/{mover}"),
        json!({"department": "Marketing"}),
    )
    .await;
    let back = run_binary(binary(&app, None, &[]).args(["schedule", "--once"]));
    assert!(back.contains(mover.as_str()), "{back}");

    work_until_idle(&app, &smtp);
    let url = format!("{}/beta/groups/{target}/members", app.address);
    let members = app.send(app.client.get(url)).await.body;
    let mut in_target: Vec<&str> = members["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["id"].as_str().unwrap())
        .collect();
    in_target.sort_unstable();
    let mut expected = vec![mover.as_str(), joiner.as_str(), bystander.as_str()];
    expected.sort_unstable();
    assert_eq!(in_target, expected);
    let completed: i64 = sqlx::query_scalar(
        "select count(*) from user_processing_results where tenant_id = $1 and processing_status = 'completed'",
    )
    .bind(app.tenant)
    .fetch_one(&app.db)
    .await
    .unwrap();
    // The mover twice (two changes in), the joiner once.
    assert_eq!(completed, 3);
}
