//! Every SQL statement the service sends, found by sending every operation of
//! the OpenAPI document (lists with every query option and their next page,
//! entities also by an unknown id, creates with an `Idempotency-Key` and once
//! more as a replay) and by the purge that every application runs as it starts.
//!
//! What it finds includes every statement checked into `.sqlx/`, so this test
//! alone sends all the SQL in `src/`, the fixed statements by that proof and the
//! built ones (lists, counts, lookups) by sending every operation with every
//! option that shapes them: a run of the suite on Citus needs it and no more.
//! On a Citus cluster each statement is then explained on the coordinator with
//! values for its parameters: every statement of a request runs on one shard,
//! sent there whole (but activate's, in steps: `STEPWISE`). Only the purge spans
//! tenants (`BACKGROUND`); the signing key, read as every application starts,
//! belongs to none (`STARTUP`).

use crate::helpers::{
    builder_with_token, citus, extension_body, extension_task, run_body, seed_body,
    user_result_body, workflow_body, Chain, Response, TestApp, BASE, SUBJECT_ID,
    TASK_DEFINITION_ID,
};
use crate::openapi::operations;
use crate::receiver::{Receiver, Reply};
use crate::statements::{self, PURGE};
use lifecycle_workflows::config::Settings;
use lifecycle_workflows::db;
use lifecycle_workflows::db::engine::TaskOutcome;
use lifecycle_workflows::db::extension_calls::{Callback, Resumption};
use lifecycle_workflows::db::transaction::WriteConnection;
use lifecycle_workflows::domain::enums::ProcessingStatus;
use lifecycle_workflows::domain::keys::TaskProcessingResultKey;
use lifecycle_workflows::engine::{self, scheduler};
use lifecycle_workflows::tenant::Tenant;
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection, Row};
use std::collections::{BTreeMap, BTreeSet};
use tracing::Instrument;
use uuid::Uuid;

/// The purge's statements: background work that deletes by age across every
/// tenant, once an hour, so it runs on every shard.
const BACKGROUND: [&str; 3] = [
    "set local statement_timeout = 0",
    "delete from workflows where deleted_date_time < $1",
    "delete from idempotency_keys where created_at < $1",
];

/// The statements every application sends as it starts, to read the service's
/// signing key (and store it, when it is the first): of no tenant, on a
/// reference table, under an advisory lock.
const STARTUP: [&str; 3] = [
    "select pg_advisory_xact_lock($1)",
    "select kid, private_key_pem from signing_keys
     order by created_date_time, kid
     limit 1",
    "insert into signing_keys (kid, private_key_pem) values ($1, $2)",
];

/// The engine's statements that span tenants: finding the tenants with work,
/// the workflows due, and the queue's depth for the metrics; and the
/// scheduler's lifting of the statement timeout for its transaction.
const ENGINE_WIDE: [&str; 4] = [
    "set local statement_timeout = 0",
    "select distinct tenant_id from engine_queue where available_date_time <= now() limit $1",
    "select tenant_id, id from workflows
     where deleted_date_time is null and is_enabled and is_scheduling_enabled
       and ($1::timestamptz is null or next_schedule_run_date_time is null
            or next_schedule_run_date_time <= $1)
     order by tenant_id, id",
    r#"select count(*) as "depth!", min(enqueued_date_time) as oldest from engine_queue"#,
];

/// The engine's statement that Citus runs in steps, each on the tenant's
/// shard: the scheduler records its picks by an INSERT … SELECT from the arrays
/// of them, which Citus pulls through the coordinator (once per workflow and
/// pass).
const ENGINE_STEPWISE: [&str; 1] = ["with picked as (
         insert into scheduled_subjects
             (tenant_id, workflow_id, workflow_version, subject_id, trigger_date_time, run_id)
         select $1, $2, $3, subject.id, subject.trigger_date_time, $4
         from unnest($5::uuid[], $6::timestamptz[]) as subject(id, trigger_date_time)
         where $4::uuid is not null
     )
     update workflows set next_schedule_run_date_time = $7
     where tenant_id = $1 and id = $2"];

/// Operations whose statement Citus runs in steps, each on the tenant's shard:
/// activate inserts a run, its userProcessingResults and their
/// taskProcessingResults by modifying CTEs, which Citus runs one after the
/// other through the coordinator (the results' ids are made on the way, and
/// uuid_v7 is volatile). Activations are rare beside the results they start.
const STEPWISE: [&str; 1] = ["activate"];

/// Statements that are no query of their own, and are not explained.
const CONTROL: [&str; 5] = ["begin", "commit", "rollback", "savepoint", "release"];

/// One statement as its words, so that layout does not tell two apart.
fn words(statement: &str) -> String {
    statement.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The statements checked into `.sqlx/` (every `query!` of `src/`).
fn checked_statements() -> BTreeSet<String> {
    let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/.sqlx");
    std::fs::read_dir(directory)
        .expect("the .sqlx directory")
        .map(|entry| {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let description: Value = serde_json::from_str(&text).unwrap();
            words(description["query"].as_str().expect("a query"))
        })
        .collect()
}

/// The workflow template whose first task the tour reads.
const TEMPLATE_ID: &str = "e821c59e-d28c-44d7-902f-5fed05e926f1";

/// A user with a manager, in a group, for the directory's operations.
#[derive(Default)]
struct Directory {
    user: String,
    manager: String,
    group: String,
}

impl Directory {
    async fn create(app: &TestApp) -> Self {
        let root = format!("{}/beta", app.address);
        let mut ids = Vec::new();
        for name in ["User", "Manager"] {
            let body = json!({"displayName": name, "userPrincipalName": format!("{}@contoso.com", Uuid::new_v4())});
            let created = app
                .send(app.client.post(format!("{root}/users")).json(&body))
                .await;
            ids.push(created.id());
        }
        let group = app
            .send(
                app.client
                    .post(format!("{root}/groups"))
                    .json(&json!({"displayName": "Group"})),
            )
            .await
            .id();
        let (user, manager) = (ids[0].clone(), ids[1].clone());
        let manager_ref = json!({"@odata.id": format!("{root}/users/{manager}")});
        let member_ref = json!({"@odata.id": format!("{root}/directoryObjects/{user}")});
        for (method, url, body) in [
            (
                reqwest::Method::PUT,
                format!("{root}/users/{user}/manager/$ref"),
                manager_ref,
            ),
            (
                reqwest::Method::POST,
                format!("{root}/groups/{group}/members/$ref"),
                member_ref,
            ),
        ] {
            let response = app.send(app.client.request(method, &url).json(&body)).await;
            assert_eq!(response.status, 204, "{url}: {}", response.text);
        }
        Self {
            user,
            manager,
            group,
        }
    }
}

/// The path of an operation for `chain` (a template's task being
/// `template_task`, the chain's task report `report`), `directory` and the
/// custom task extension `extension`, with the summary's window.
fn address(
    template: &str,
    chain: &Chain,
    directory: &Directory,
    extension: &str,
    template_task: &str,
    report: &str,
) -> String {
    let path = template.trim_start_matches(BASE);
    let path = match path.split_once("/workflowTemplates/{workflowTemplateId}") {
        Some((before, after)) => format!(
            "{before}/workflowTemplates/{TEMPLATE_ID}{}",
            after.replace("{taskId}", template_task)
        ),
        None => path.to_owned(),
    };
    let path = path
        .replace("{workflowId}", &chain.workflow)
        .replace("{taskId}", &chain.task)
        .replace("{versionNumber}", "1")
        .replace("{taskReportId}", report)
        .replace("{runId}", &chain.run)
        .replace("{userProcessingResultId}", &chain.user_result)
        .replace("{taskProcessingResultId}", &chain.task_result)
        .replace("{sameTaskResultId}", &chain.task_result)
        .replace("{taskDefinitionId}", TASK_DEFINITION_ID)
        .replace("{startDateTime}", "2026-01-01T00:00:00Z")
        .replace("{endDateTime}", "2027-01-01T00:00:00Z")
        .replace("{file}", "index.html")
        .replace("{userId}", &directory.user)
        .replace("{groupId}", &directory.group)
        .replace("{directoryObjectId}", &directory.user)
        .replace("{customTaskExtensionId}", extension);
    assert!(
        !path.contains('{'),
        "{template} has a parameter the tour cannot fill"
    );
    path
}

/// A valid body for a write, by what it writes (none for restore); a new
/// version runs the custom task extension `extension`.
fn body(
    method: &str,
    template: &str,
    chain: &Chain,
    directory: &Directory,
    extension: &str,
) -> Option<Value> {
    let last = template.rsplit('/').next().unwrap();
    let reference =
        |id: &str| json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{id}")});
    let body = match (method, last) {
        ("post", "users") => {
            json!({"displayName": "Toured", "userPrincipalName": format!("{}@contoso.com", Uuid::new_v4())})
        }
        ("post", "groups") => json!({"displayName": "Toured", "groupTypes": []}),
        // The manager the user has; a user the group has already, so that the
        // refusal's statement (which says why nothing was added) is sent too.
        ("put", "$ref") => reference(&directory.manager),
        ("post", "$ref") => reference(&directory.user),
        ("patch", "{userId}") => json!({"department": "Toured"}),
        ("patch", "{groupId}") => json!({"description": "Toured"}),
        ("post", "$batch") => json!({"requests": [
            {"id": "1", "method": "GET", "url": format!("/identityGovernance/lifecycleWorkflows/workflows/{}/runs", chain.workflow)}
        ]}),
        ("post", "workflows") => workflow_body("Toured"),
        ("post", "runs") => run_body(),
        ("post", "userProcessingResults") => user_result_body(),
        ("post", "taskProcessingResults") if template.ends_with("/task/taskProcessingResults") => {
            seed_body()
        }
        ("post", "taskProcessingResults") => {
            json!({"task": {"id": chain.task}, "createdDateTime": "2026-11-29T07:00:00Z", "processingStatus": "queued"})
        }
        ("post", action) if action.ends_with("activate") => {
            json!({"subjects": [{"id": SUBJECT_ID}]})
        }
        ("post", action) if action.ends_with("createNewVersion") => {
            let mut workflow = workflow_body("Toured");
            workflow["tasks"]
                .as_array_mut()
                .unwrap()
                .push(extension_task(extension));
            json!({ "workflow": workflow })
        }
        ("post", "customTaskExtensions") => extension_body("Toured"),
        ("patch", "{customTaskExtensionId}") => json!({"description": "Toured"}),
        ("post", action) if action.ends_with("restore") => return None,
        // The tour's results wait for no callback: refused, after the lookups.
        ("post", action) if action.ends_with("resume") => {
            json!({"type": "lifecycleEvent", "data": {"operationStatus": "completed"}})
        }
        ("patch", "{workflowId}") => json!({"description": "Toured"}),
        ("patch", "{taskId}") => json!({"displayName": "Toured"}),
        ("patch", "settings") => json!({"workflowScheduleIntervalInHours": 4}),
        ("patch", _) => json!({"processingStatus": "completed"}),
        _ => panic!("no body for {method} {template}"),
    };
    Some(body)
}

/// An operation's parameter by name.
fn parameter<'a>(operation: &'a Value, name: &str) -> Option<&'a Value> {
    operation["parameters"]
        .as_array()?
        .iter()
        .find(|parameter| parameter["name"] == name)
}

/// The properties a list option's description names ("… over: a, b, c.").
fn named_properties(operation: &Value, option: &str) -> Vec<String> {
    let parameter =
        parameter(operation, option).unwrap_or_else(|| panic!("a list without {option}"));
    let description = parameter["description"].as_str().unwrap();
    let (_, names) = description.rsplit_once("over: ").unwrap();
    names
        .trim_end_matches('.')
        .split(", ")
        .map(str::to_owned)
        .collect()
}

/// The values a list option's schema allows (`$select`, `$expand`).
fn allowed_values(operation: &Value, option: &str) -> Option<Vec<String>> {
    let values = parameter(operation, option)?["schema"]["items"]["enum"].as_array()?;
    Some(
        values
            .iter()
            .map(|value| value.as_str().unwrap().to_owned())
            .collect(),
    )
}

/// A list request with every option that shapes its statements: a filter on
/// the id (where items have one) and on the last filterable property (a
/// counter, where there are counters), an order on the last orderable one, a
/// count, a selection and every expansion, one item per page.
fn list_options(operation: &Value) -> String {
    let filtered = named_properties(operation, "$filter");
    let ordered = named_properties(operation, "$orderby");
    let last = filtered.last().unwrap();
    let filter = if filtered.iter().any(|name| name == "id") {
        format!("id ne {} and {last} ne null", Uuid::nil())
    } else {
        format!("{last} ne null")
    };
    let mut options = vec![
        format!("$filter={filter}"),
        format!("$orderby={} desc", ordered.last().unwrap()),
        "$top=1".to_owned(),
        "$count=true".to_owned(),
    ];
    for option in ["$select", "$expand"] {
        if let Some(values) = allowed_values(operation, option) {
            options.push(format!("{option}={}", values.join(",")));
        }
    }
    options.join("&")
}

/// Asserts that a read was answered (a page, an entity, a redirect), so that it
/// sent the statements it exists for.
fn answered(operation: &Value, response: &Response, what: &str) {
    documented(operation, response, what);
    let status = response.status;
    assert!(
        status.is_success() || status.is_redirection(),
        "{what}: {status}: {}",
        response.text
    );
}

/// Asserts that the operation documents the status of its response: the tour
/// is after the statements (a write may be refused, as a change to a deleted
/// workflow is), and the other tests check the answers.
fn documented(operation: &Value, response: &Response, what: &str) {
    let status = response.status.as_str();
    assert!(
        operation["responses"].get(status).is_some(),
        "{what}: {status} is not documented: {}",
        response.text
    );
}

struct Tour<'a> {
    app: &'a TestApp,
    /// The application's client, but one that shows a redirect rather than
    /// follows it, as the document describes it.
    client: reqwest::Client,
    /// Each request's id, with the operation it sent.
    requests: Vec<(String, String)>,
    /// The id of the first task of the template at `TEMPLATE_ID`.
    template_task: String,
}

impl Tour<'_> {
    async fn send(&mut self, what: &str, request: reqwest::RequestBuilder) -> Response {
        let response = self.app.send(request).await;
        let id = response.header("request-id").unwrap().to_owned();
        self.requests.push((id, what.to_owned()));
        response
    }

    /// Sends one operation for a chain of its own, and what else shapes its
    /// statements.
    async fn visit(&mut self, method: &str, template: &str, operation: &Value) {
        let (app, client) = (self.app, self.client.clone());
        let chain = app.create_chain().await;
        if template.contains("/deletedItems/") {
            app.soft_delete(&chain.workflow).await;
        }
        let report: Uuid = sqlx::query_scalar("select task_report_id($1::uuid, $2::uuid)")
            .bind(&chain.run)
            .bind(&chain.task)
            .fetch_one(&app.db)
            .await
            .unwrap();
        let directory =
            if template.starts_with("/beta/users") || template.starts_with("/beta/groups") {
                Directory::create(app).await
            } else {
                Directory::default()
            };
        // Made by the tour's user, so that its authors are found.
        let extension = if template.contains("/customTaskExtensions")
            || template.ends_with("createNewVersion")
        {
            let body = extension_body(&format!("Extension {}", Uuid::new_v4()));
            let url = app.url("/customTaskExtensions");
            app.send(client.post(url).json(&body)).await.id()
        } else {
            String::new()
        };
        let path = address(
            template,
            &chain,
            &directory,
            &extension,
            &self.template_task,
            &report.to_string(),
        );
        let url = if template.starts_with(BASE) {
            app.url(&path)
        } else {
            format!("{}{path}", app.address)
        };
        let what = format!("{method} {template}");
        match method {
            "get" if parameter(operation, "$top").is_some() => {
                let url = format!("{url}?{}", list_options(operation));
                let page = self.send(&what, client.get(&url)).await;
                answered(operation, &page, &what);
                if let Some(next) = page.body["@odata.nextLink"].as_str() {
                    let next = self.send(&what, client.get(next)).await;
                    answered(operation, &next, &what);
                }
            }
            "get" => {
                let response = self.send(&what, client.get(&url)).await;
                answered(operation, &response, &what);
                if template.ends_with('}') && template.starts_with("/beta/") {
                    let unknown_key = if template.ends_with("{versionNumber}") {
                        "999".to_owned()
                    } else {
                        Uuid::now_v7().to_string()
                    };
                    let (parent, _) = url.rsplit_once('/').unwrap();
                    let unknown = format!("{parent}/{unknown_key}");
                    let missing = self.send(&what, client.get(&unknown)).await;
                    missing.assert_error(404, "itemNotFound");
                }
            }
            // $batch takes its keys in the inner requests.
            "post" if template.ends_with("$batch") => {
                let body = body(method, template, &chain, &directory, &extension).unwrap();
                let response = self.send(&what, client.post(&url).json(&body)).await;
                documented(operation, &response, &what);
            }
            "post" => {
                let key = Uuid::new_v4().to_string();
                let body = body(method, template, &chain, &directory, &extension);
                let request = || {
                    let request = client.post(&url).header("Idempotency-Key", &key);
                    match &body {
                        Some(body) => request.json(body),
                        None => request,
                    }
                };
                let first = self.send(&what, request()).await;
                documented(operation, &first, &what);
                let replay = self.send(&what, request()).await;
                assert_eq!(
                    replay.status, first.status,
                    "{what}, replayed: {}",
                    replay.text
                );
            }
            "put" => {
                let body = body(method, template, &chain, &directory, &extension).unwrap();
                let response = self.send(&what, client.put(&url).json(&body)).await;
                documented(operation, &response, &what);
            }
            "patch" => {
                let body = body(method, template, &chain, &directory, &extension).unwrap();
                let response = self.send(&what, client.patch(&url).json(&body)).await;
                documented(operation, &response, &what);
            }
            "delete" => {
                let response = self.send(&what, client.delete(&url)).await;
                documented(operation, &response, &what);
            }
            _ => panic!("the tour does not send {what}"),
        }
    }

    /// Every statement its requests sent, in words, with the operations that
    /// sent it.
    fn statements(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut sent: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (id, what) in &self.requests {
            for statement in statements::statements_of(id) {
                sent.entry(words(&statement))
                    .or_default()
                    .insert(what.clone());
            }
        }
        sent
    }
}

/// A value for a parameter that Postgres takes as `type_name`: every uuid is
/// the tenant's, so that the tenant a statement names is the one it routes by;
/// text is null, which fits whatever column it is written to.
fn literal(type_name: &str, tenant: Uuid) -> String {
    match type_name {
        "uuid" => format!("'{tenant}'::uuid"),
        "uuid[]" => format!("array['{tenant}'::uuid]"),
        array if array.ends_with("[]") => format!("'{{}}'::{array}"),
        "boolean" => "true".to_owned(),
        "smallint" | "integer" | "bigint" => "1".to_owned(),
        "jsonb" | "json" => format!("'{{}}'::{type_name}"),
        "bytea" => "''::bytea".to_owned(),
        "text" | "character varying" => "null".to_owned(),
        "timestamp with time zone" => "'2026-01-01T00:00:00Z'::timestamptz".to_owned(),
        "interval" => "'1 day'::interval".to_owned(),
        // An enum: its first label.
        other => format!("(enum_range(null::{other}))[1]"),
    }
}

/// `statement` with each `$n` replaced by `values[n - 1]`.
fn with_values(statement: &str, values: &[String]) -> String {
    let mut out = String::with_capacity(statement.len());
    let mut rest = statement;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        match after[..digits].parse::<usize>() {
            Ok(number) => out.push_str(&values[number - 1]),
            Err(_) => out.push('$'),
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// The plan of `statement` on `connection`'s server, with a value in place of
/// each parameter: Citus plans a prepared INSERT … SELECT only when it runs
/// it, so `explain execute` cannot show it.
async fn explain(connection: &mut PgConnection, statement: &str, tenant: Uuid) -> String {
    sqlx::raw_sql(&format!("prepare census as {statement}"))
        .execute(&mut *connection)
        .await
        .unwrap_or_else(|error| panic!("{statement}: {error}"));
    let types: Vec<String> = sqlx::query_scalar(
        "select parameter_types::text[] from pg_prepared_statements where name = 'census'",
    )
    .fetch_one(&mut *connection)
    .await
    .unwrap();
    sqlx::raw_sql("deallocate census")
        .execute(&mut *connection)
        .await
        .unwrap();
    let values: Vec<String> = types.iter().map(|name| literal(name, tenant)).collect();
    let explain = format!("explain (costs off) {}", with_values(statement, &values));
    let rows = sqlx::raw_sql(&explain)
        .fetch_all(&mut *connection)
        .await
        .unwrap_or_else(|error| panic!("{explain}: {error}"));
    rows.iter()
        .map(|row| row.get::<String, _>(0))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether every step of a coordinator's plan runs on one shard: each of its
/// tasks is one, and nothing is repartitioned.
fn steps_on_one_shard(plan: &str) -> bool {
    plan.lines()
        .filter_map(|line| line.trim().strip_prefix("Task Count: "))
        .all(|count| count == "1")
        && !plan.contains("repartition")
}

/// Whether a coordinator's plan sends the statement whole to one shard: one
/// adaptive scan with one task, nothing planned or pulled apart first. A plan
/// without a Citus scan reads no distributed table.
fn whole_on_one_shard(plan: &str) -> bool {
    let scans: Vec<&str> = plan
        .lines()
        .filter(|line| line.contains("Custom Scan (Citus"))
        .collect();
    scans.is_empty()
        || (scans.len() == 1
            && scans[0].contains("Citus Adaptive")
            && steps_on_one_shard(plan)
            && !plan.contains("Distributed Subplan"))
}

fn is_control(statement: &str) -> bool {
    let first = statement.split_whitespace().next().unwrap_or_default();
    CONTROL.iter().any(|word| first.eq_ignore_ascii_case(word))
}

#[tokio::test]
async fn every_statement_is_sent_and_a_requests_run_on_one_shard() {
    // The engine calls a custom task extension at a local receiver.
    let app = TestApp::spawn_with(&[("LCW_EXTENSIONS_ALLOW_PRIVATE", "true")]).await;
    let document: Value =
        serde_json::from_str(&lifecycle_workflows::routes::openapi_json()).unwrap();
    // The tour signs in as a user of the directory, who writes the custom task
    // extensions and is found as their author.
    let user = json!({"displayName": "Tour", "userPrincipalName": "tour@contoso.com"});
    let user = app
        .send(
            app.client
                .post(format!("{}/beta/users", app.address))
                .json(&user),
        )
        .await
        .id();
    let mut tour = Tour {
        app: &app,
        client: builder_with_token(&app.caller_token(Some(Uuid::parse_str(&user).unwrap()), None, &[]))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        requests: Vec::new(),
        template_task: sqlx::query_scalar::<_, Uuid>(
            "select id from workflow_template_tasks where template_id = $1::uuid and execution_sequence = 1",
        )
        .bind(TEMPLATE_ID)
        .fetch_one(&app.db)
        .await
        .unwrap()
        .to_string(),
    };
    for (method, template, operation) in operations(&document) {
        tour.visit(&method, &template, operation).await;
    }
    let mut sent = tour.statements();
    for statement in drive_the_engine(&app).await {
        sent.entry(words(&statement))
            .or_default()
            .insert(statements::ENGINE.to_owned());
    }
    let engine_wide: BTreeSet<String> = ENGINE_WIDE.iter().map(|s| words(s)).collect();
    let engine_stepwise: BTreeSet<String> = ENGINE_STEPWISE.iter().map(|s| words(s)).collect();

    let purged: BTreeSet<String> = statements::statements_of(PURGE)
        .iter()
        .map(|statement| words(statement))
        .filter(|statement| !is_control(statement))
        .collect();
    let background: BTreeSet<String> = BACKGROUND.iter().map(|s| words(s)).collect();
    assert_eq!(purged, background, "the purge sends only what is listed");

    let signing: BTreeSet<String> = statements::statements_of(statements::SIGNING)
        .iter()
        .map(|statement| words(statement))
        .filter(|statement| !is_control(statement))
        .collect();
    let startup: BTreeSet<String> = STARTUP.iter().map(|s| words(s)).collect();
    assert_eq!(signing, startup, "starting sends only what is listed");

    let unsent: Vec<String> = checked_statements()
        .into_iter()
        .filter(|statement| {
            !sent.contains_key(statement)
                && !background.contains(statement)
                && !startup.contains(statement)
        })
        .collect();
    assert!(unsent.is_empty(), "the tour never sent: {unsent:#?}");

    let mut connection = PgConnection::connect(&app.database_url()).await.unwrap();
    let mut spread = Vec::new();
    let spans_tenants =
        |statement: &String| is_control(statement) || engine_wide.contains(statement);
    for (statement, operations) in sent
        .iter()
        .filter(|(statement, _)| !spans_tenants(statement))
    {
        let first = statement.split_whitespace().next().unwrap().to_lowercase();
        assert!(
            ["select", "insert", "update", "delete", "with"].contains(&first.as_str()),
            "neither a query nor transaction control: {statement}"
        );
        let plan = explain(&mut connection, statement, app.tenant).await;
        // The engine starts scheduled runs with activate's statement.
        let is_stepwise = |what: &String| STEPWISE.iter().any(|action| what.ends_with(action));
        let stepwise = engine_stepwise.contains(statement)
            || operations.iter().any(is_stepwise)
                && operations
                    .iter()
                    .all(|what| is_stepwise(what) || what == statements::ENGINE);
        let routed = if stepwise {
            steps_on_one_shard(&plan)
        } else {
            whole_on_one_shard(&plan)
        };
        if citus::enabled() && !routed {
            spread.push(format!("{statement}\nsent by {operations:?}\n{plan}"));
        }
    }
    assert!(
        spread.is_empty(),
        "{} statements span shards:\n\n{}",
        spread.len(),
        spread.join("\n\n")
    );
}

/// Drives the engine over a directory and workflows made for it, in a span
/// whose statements are counted: a scheduling pass, then workers until the
/// queue is empty (the tour's activations included), so that every statement of
/// the engine is sent: each directory action, an email (failing: no SMTP
/// server here, which stops the user's remaining tasks), a user canceled before
/// it started, and the queue's gauge.
async fn drive_the_engine(app: &TestApp) -> Vec<String> {
    let tenant = app.tenant;
    let directory = [
        "insert into users (tenant_id, id, display_name, user_principal_name, department, employee_leave_date_time, manager_id)
         values ($1, '00000000-0000-0000-0000-00000000000a', 'Manager', 'manager@example.com', 'Board', null, null),
                ($1, '00000000-0000-0000-0000-00000000000b', 'Leaver', 'leaver@example.com', 'Sales', now(), '00000000-0000-0000-0000-00000000000a'),
                ($1, '00000000-0000-0000-0000-00000000000c', 'Other', 'other@example.com', 'Sales', null, null)",
        "insert into groups (tenant_id, id, display_name) values ($1, '00000000-0000-0000-0000-0000000000f1', 'Group')",
        "insert into group_members (tenant_id, group_id, user_id) values ($1, '00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-00000000000b')",
    ];
    for statement in directory {
        sqlx::query(statement)
            .bind(tenant)
            .execute(&app.db)
            .await
            .unwrap();
    }
    let group = json!([{"name": "groupID", "value": "00000000-0000-0000-0000-0000000000f1"}]);
    let continuing = |name: &str, definition: &str, arguments: Value| json!({"displayName": name, "taskDefinitionId": definition, "continueOnError": true, "arguments": arguments});
    let workflow = |name: &str, conditions: Value, tasks: Value| {
        json!({"category": "leaver", "displayName": name, "isEnabled": true,
               "isSchedulingEnabled": conditions["trigger"].is_object(),
               "executionConditions": conditions, "tasks": tasks})
    };
    let on_demand =
        json!({"@odata.type": "#microsoft.graph.identityGovernance.onDemandExecutionOnly"});
    let scheduled = workflow(
        "Scheduled",
        json!({
            "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
            "scope": {"@odata.type": "#microsoft.graph.identityGovernance.ruleBasedSubjectSet", "rule": "department eq 'Sales'"},
            "trigger": {"@odata.type": "#microsoft.graph.identityGovernance.timeBasedAttributeTrigger",
                        "timeBasedAttribute": "employeeLeaveDateTime", "offsetInDays": 0}
        }),
        json!([
            continuing("Disable", "1dfdfcc7-52fa-4c2e-bf3a-e3919cc12950", json!([])),
            continuing("Add", "22085229-5809-45e8-97fd-270d28d66910", group.clone()),
            continuing("Remove", "1953a66c-751c-45e5-8bfe-01462c70da3c", group),
            continuing("Remove all", "b3a31406-2a15-4c9a-b25b-a658fa5f07fc", json!([])),
            {"displayName": "Email", "taskDefinitionId": "9c0a1eaf-5bda-4392-9d9e-6e155bb57411"},
            {"displayName": "Never", "taskDefinitionId": "8d18588d-9ad3-4c0f-99d0-ec215f0e3dff"},
        ]),
    );
    let deleting = workflow(
        "Deleting",
        on_demand.clone(),
        json!([{"displayName": "Delete", "taskDefinitionId": "8d18588d-9ad3-4c0f-99d0-ec215f0e3dff"}]),
    );
    let disabled = workflow(
        "Disabled",
        on_demand.clone(),
        json!([{"displayName": "Enable", "taskDefinitionId": "6fc52c9d-398b-4305-9763-15f42c1676fc"}]),
    );
    // A call that waits for its callback, which comes; then the next task.
    let receiver = Receiver::always(Reply::status(202));
    let mut extension = extension_body("Called");
    extension["endpointConfiguration"]["url"] = json!(receiver.url("/called"));
    extension["callbackConfiguration"] = json!({
        "@odata.type": "#microsoft.graph.identityGovernance.customTaskExtensionCallbackConfiguration",
        "timeoutDuration": "PT5M",
    });
    let extension = app.post("/customTaskExtensions", &extension).await;
    assert_eq!(extension.status, 201, "{}", extension.text);
    let calling = workflow(
        "Calling",
        on_demand,
        json!([
            continuing("Call", "4262b724-8dba-4fad-afc3-43fcbb497a0e",
                       json!([{"name": "customTaskExtensionID", "value": extension.id()}])),
            {"displayName": "Enable", "taskDefinitionId": "6fc52c9d-398b-4305-9763-15f42c1676fc"},
        ]),
    );
    let mut ids = Vec::new();
    for body in [scheduled, deleting, disabled, calling] {
        let response = app.post("/workflows", &body).await;
        assert_eq!(response.status, 201, "{}", response.text);
        ids.push(response.id());
    }
    for workflow in &ids[1..] {
        let activated = app
            .post(
                &format!("/workflows/{workflow}/activate"),
                &json!({"subjects": [{"id": "00000000-0000-0000-0000-00000000000c"}]}),
            )
            .await;
        assert_eq!(activated.status, 204, "{}", activated.text);
    }
    let patched = app
        .send(
            app.client
                .patch(app.url(&format!("/workflows/{}", ids[2])))
                .json(&json!({"isEnabled": false})),
        )
        .await;
    assert_eq!(patched.status, 204, "{}", patched.text);

    let settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(app.database_url()),
        "LCW_DB_POOL_SIZE" => Some("2".to_owned()),
        "LCW_EXTENSIONS_ALLOW_PRIVATE" => Some("true".to_owned()),
        _ => None,
    })
    .unwrap();
    let pool = db::pool(&settings);
    async {
        let pass = scheduler::Pass {
            at: chrono::Utc::now(),
            every_workflow: false,
            dry_run: false,
        };
        let scheduled = scheduler::pass(&pool, pass).await.unwrap();
        assert!(scheduled.iter().any(|workflow| workflow.picks.len() == 1));
        let callouts = engine::Callouts::load(&pool, &settings).await.unwrap();
        let worker = engine::worker(&pool, &settings.engine, callouts).unwrap();
        engine::work_until_idle(&worker, 1).await.unwrap();
        assert_eq!(receiver.received().len(), 1);
        resume_the_waiting_call(app).await;
        engine::work_until_idle(&worker, 1).await.unwrap();
        db::engine::depth(&pool).await.unwrap();
    }
    .instrument(tracing::info_span!("engine"))
    .await;
    let statuses: Vec<String> = sqlx::query_scalar(
        "select distinct processing_status from task_processing_results where tenant_id = $1",
    )
    .bind(tenant)
    .fetch_all(&app.db)
    .await
    .unwrap();
    for status in ["completed", "failed", "canceled"] {
        assert!(statuses.iter().any(|s| s == status), "{statuses:?}");
    }
    statements::statements_of(statements::ENGINE)
}

/// Ends the one call that waits for its callback as `resume` does, on a
/// connection of the engine's span.
async fn resume_the_waiting_call(app: &TestApp) {
    let row = sqlx::query(
        "select workflow_id, run_id, user_processing_result_id, task_processing_result_id
         from extension_calls where tenant_id = $1 and state = 'waiting'",
    )
    .bind(app.tenant)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let key = TaskProcessingResultKey {
        workflow_id: row.get(0),
        run_id: row.get(1),
        user_processing_result_id: row.get(2),
        task_processing_result_id: row.get(3),
    };
    let callback = Callback {
        may_resume_any: true,
        app: None,
        outcome: TaskOutcome {
            status: ProcessingStatus::Completed,
            processing_info: None,
            failure_reason: None,
        },
    };
    let mut connection = PgConnection::connect(&app.database_url()).await.unwrap();
    let resumed = db::extension_calls::resume(
        &mut WriteConnection::dedicated(&mut connection),
        Tenant::new(app.tenant),
        key,
        &callback,
    )
    .await
    .unwrap();
    assert!(matches!(resumed, Resumption::Resumed { .. }));
}
