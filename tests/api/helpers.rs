//! The test harness: the real application, started the way `main` starts it, on
//! port 0 and a database of its own, dropped when the test ends (pass or fail).

use lifecycle_workflows::app::Application;
use lifecycle_workflows::auth::{self, TokenRequest};
use lifecycle_workflows::config::{AuthSettings, Settings, DEFAULT_DATABASE_URL};
use lifecycle_workflows::db;
use reqwest::header::HeaderMap;
use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

pub const BASE: &str = "/beta/identityGovernance/lifecycleWorkflows";
pub const TASK_DEFINITION_ID: &str = "8fa97d28-3e52-4985-b3a9-a1126f9b8b4e";
pub const SUBJECT_ID: &str = "2b9c4f3e-6d1a-4c8e-9f70-1a2b3c4d5e6f";
/// "Run a Custom Task Extension".
pub const RUN_CUSTOM_TASK_EXTENSION: &str = "4262b724-8dba-4fad-afc3-43fcbb497a0e";
/// The service's binary, for the subcommands.
pub const BINARY: &str = env!("CARGO_BIN_EXE_lifecycle-workflows");

/// Runs a subcommand of the binary; asserts that it succeeds and returns its stdout.
pub fn run_binary(command: &mut std::process::Command) -> String {
    let output = command.output().expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// The HS256 secret the test applications verify tokens with.
pub const TEST_SECRET: &str = "a secret for the tests, long enough for HS256";

pub struct TestApp {
    pub address: String,
    /// Sends a token of `tenant` with every request that sets none itself.
    pub client: reqwest::Client,
    /// The tenant of `client`'s token, a new one for every application.
    pub tenant: Uuid,
    auth: AuthSettings,
    /// A pool of its own on the test's database, for looking behind the API.
    pub db: PgPool,
    database: String,
    server_options: PgConnectOptions,
}

/// A response with its body read as JSON (`Value::Null` when it is not JSON).
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .expect("the body has an id")
            .to_owned()
    }

    /// Asserts a Graph error body with this status and code; returns its message.
    pub fn assert_error(&self, status: u16, code: &str) -> String {
        assert_eq!(self.status.as_u16(), status, "status of {}", self.text);
        assert_eq!(self.body["error"]["code"], code, "code of {}", self.text);
        let inner = &self.body["error"]["innerError"];
        assert_eq!(
            inner["request-id"].as_str(),
            self.header("request-id"),
            "{}",
            self.text
        );
        assert!(inner["date"].is_string(), "{}", self.text);
        let message = self.body["error"]["message"].as_str().expect("a message");
        assert!(!message.is_empty());
        message.to_owned()
    }
}

/// The ids of a workflow → run → userProcessingResult → taskProcessingResult chain.
#[derive(Clone, Debug)]
pub struct Chain {
    pub workflow: String,
    pub task: String,
    pub run: String,
    pub user_result: String,
    pub task_result: String,
}

impl Chain {
    pub fn run_path(&self, tree: &str) -> String {
        format!("/{tree}/{}/runs/{}", self.workflow, self.run)
    }

    pub fn user_result_path(&self, tree: &str) -> String {
        format!(
            "{}/userProcessingResults/{}",
            self.run_path(tree),
            self.user_result
        )
    }

    pub fn task_result_path(&self, tree: &str) -> String {
        format!(
            "{}/taskProcessingResults/{}",
            self.user_result_path(tree),
            self.task_result
        )
    }

    /// Every GET address of the chain (entities, collections, counts and
    /// summaries), in `tree`.
    pub fn read_paths(&self, tree: &str) -> Vec<String> {
        let summary =
            "summary(startDateTime=2026-01-01T00:00:00Z,endDateTime=2027-01-01T00:00:00Z)";
        let workflow = format!("/{tree}/{}", self.workflow);
        let task = format!("{workflow}/tasks/{}", self.task);
        let run = self.run_path(tree);
        let workflow_user = format!("{workflow}/userProcessingResults/{}", self.user_result);
        let mut paths = vec![
            workflow.clone(),
            format!("{workflow}/tasks"),
            format!("{workflow}/tasks/$count"),
            task.clone(),
            format!("{task}/taskProcessingResults"),
            format!("{task}/taskProcessingResults/$count"),
            format!("{task}/taskProcessingResults/{}", self.task_result),
            format!("{workflow}/runs"),
            format!("{workflow}/runs/$count"),
            format!("{workflow}/runs/{summary}"),
            run.clone(),
            format!("{run}/taskProcessingResults"),
            format!("{run}/taskProcessingResults/$count"),
            format!("{run}/taskProcessingResults/{}", self.task_result),
            format!("{run}/userProcessingResults"),
            format!("{run}/userProcessingResults/$count"),
            format!("{workflow}/userProcessingResults"),
            format!("{workflow}/userProcessingResults/$count"),
            format!("{workflow}/userProcessingResults/{summary}"),
        ];
        for user in [self.user_result_path(tree), workflow_user] {
            let result = format!("{user}/taskProcessingResults/{}", self.task_result);
            paths.extend([
                user.clone(),
                format!("{user}/taskProcessingResults"),
                format!("{user}/taskProcessingResults/$count"),
                result.clone(),
                format!("{result}/task"),
                format!("{result}/task/taskProcessingResults"),
                format!("{result}/task/taskProcessingResults/$count"),
                format!("{result}/task/taskProcessingResults/{}", self.task_result),
            ]);
        }
        paths
    }

    /// The seed operation's collection.
    pub fn same_task_path(&self, tree: &str) -> String {
        format!("{}/task/taskProcessingResults", self.task_result_path(tree))
    }
}

/// The two trees' collection segments.
pub const LIVE: &str = "workflows";
pub const DELETED: &str = "deletedItems/workflows";

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// Starts the application with these settings on top of the test defaults.
    pub async fn spawn_with(overrides: &[(&str, &str)]) -> Self {
        crate::statements::install();
        let server_url =
            std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
        let server_options =
            PgConnectOptions::from_str(&server_url).expect("DATABASE_URL is a Postgres URL");
        let database = format!("lcw_test_{}", Uuid::new_v4().simple());
        let database_url = server_options
            .clone()
            .database(&database)
            .to_url_lossy()
            .to_string();

        let mut settings: HashMap<String, String> = [
            ("DATABASE_URL", database_url.as_str()),
            ("LCW_LISTEN", "127.0.0.1:0"),
            ("LCW_DB_POOL_SIZE", "3"),
            ("LCW_WORKERS", "1"),
            ("LCW_AUTH_HS256_SECRET", TEST_SECRET),
            // The engine runs only in the tests that start it.
            ("LCW_ENGINE_WORKERS", "0"),
            ("LCW_SCHEDULER_TICK_SECS", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        settings.extend(
            overrides
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let settings =
            Settings::from_lookup(|name| settings.get(name).cloned()).expect("valid test settings");
        let auth = settings.auth.clone();
        citus::create_database(&server_options, &database, settings.db_statement_timeout).await;

        let application = Application::build(settings)
            .await
            .expect("the application starts");
        let port = application.port();
        tokio::spawn(application.run_until_stopped());

        let db = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(server_options.clone().database(&database))
            .await
            .expect("connect to the test database");
        let tenant = Uuid::new_v4();
        // An application that verifies with a JWKS cannot sign: its tests bring tokens.
        let client = auth::mint(&auth, &token_request(tenant, &[], &[]))
            .map(|token| client_with_token(&token))
            .unwrap_or_default();
        Self {
            address: format!("http://127.0.0.1:{port}"),
            client,
            tenant,
            auth,
            db,
            database,
            server_options,
        }
    }

    /// A token this application accepts, for `tenant`, with these delegated
    /// permissions and application roles (with neither: read and write).
    pub fn token(&self, tenant: Uuid, scopes: &[&str], roles: &[&str]) -> String {
        mint(&self.auth, tenant, scopes, roles)
    }

    /// A token of the application's tenant naming its user (`oid`) and its
    /// application (`azp`), with these delegated permissions (with none: read
    /// and write).
    pub fn caller_token(&self, user: Option<Uuid>, app: Option<Uuid>, scopes: &[&str]) -> String {
        let request = TokenRequest {
            user,
            app,
            ..token_request(self.tenant, scopes, &[])
        };
        auth::mint(&self.auth, &request).expect("the test settings sign tokens")
    }

    /// Creates a custom task extension through the API; its id.
    pub async fn create_extension(&self, display_name: &str) -> String {
        let response = self
            .post("/customTaskExtensions", &extension_body(display_name))
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
        response.id()
    }

    /// The URL of the application's database.
    pub fn database_url(&self) -> String {
        self.server_options
            .clone()
            .database(&self.database)
            .to_url_lossy()
            .to_string()
    }

    /// The absolute URL of `path` below the `/beta` container.
    pub fn url(&self, path: &str) -> String {
        format!("{}{BASE}{path}", self.address)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Response {
        let response = request.send().await.expect("the request is answered");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            text,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(self.client.get(self.url(path))).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.send(self.client.post(self.url(path)).json(body)).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.send(self.client.delete(self.url(path))).await
    }

    pub async fn create_workflow(&self, display_name: &str) -> Value {
        let response = self
            .post(&format!("/{LIVE}"), &workflow_body(display_name))
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
        response.body
    }

    /// Builds a whole chain in the live tree through the API.
    pub async fn create_chain(&self) -> Chain {
        let workflow = self
            .create_workflow(&format!("Workflow {}", Uuid::new_v4()))
            .await;
        let workflow_id = workflow["id"].as_str().unwrap().to_owned();
        let task = workflow["tasks"][0]["id"].as_str().unwrap().to_owned();
        let run = self
            .post(&format!("/{LIVE}/{workflow_id}/runs"), &run_body())
            .await;
        assert_eq!(run.status, StatusCode::CREATED, "{}", run.text);
        let user_result = self
            .post(
                &format!(
                    "/{LIVE}/{workflow_id}/runs/{}/userProcessingResults",
                    run.id()
                ),
                &user_result_body(),
            )
            .await;
        assert_eq!(
            user_result.status,
            StatusCode::CREATED,
            "{}",
            user_result.text
        );
        let mut chain = Chain {
            workflow: workflow_id,
            task,
            run: run.id(),
            user_result: user_result.id(),
            task_result: String::new(),
        };
        let task_result = self
            .post(
                &format!("{}/taskProcessingResults", chain.user_result_path(LIVE)),
                &json!({"task": {"id": chain.task}, "createdDateTime": "2026-11-29T07:00:00Z", "processingStatus": "queued"}),
            )
            .await;
        assert_eq!(
            task_result.status,
            StatusCode::CREATED,
            "{}",
            task_result.text
        );
        chain.task_result = task_result.id();
        chain
    }

    pub async fn soft_delete(&self, workflow_id: &str) {
        let response = self.delete(&format!("/{LIVE}/{workflow_id}")).await;
        assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
    }

    /// How many of the service's sessions sit in a transaction they have not
    /// ended: none once a request is answered, or its locks stay held.
    pub async fn open_transactions(&self) -> i64 {
        sqlx::query_scalar(
            "select count(*) from pg_stat_activity
             where datname = current_database() and state like 'idle in transaction%'",
        )
        .fetch_one(&self.db)
        .await
        .unwrap()
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("select count(*) from {table}"))
            .fetch_one(&self.db)
            .await
            .unwrap()
    }
}

/// An application over a pool of `database_url` that start-up never touched (no
/// database created, nothing migrated), for databases that are down, silent or
/// not migrated. Its address, and a client with a token it accepts.
pub fn spawn_over(database_url: &str, overrides: &[(&str, &str)]) -> (String, reqwest::Client) {
    let mut values: HashMap<&str, &str> = [
        ("DATABASE_URL", database_url),
        ("LCW_LISTEN", "127.0.0.1:0"),
        ("LCW_WORKERS", "1"),
        ("LCW_DB_POOL_SIZE", "2"),
        ("LCW_AUTH_HS256_SECRET", TEST_SECRET),
        ("LCW_ENGINE_WORKERS", "0"),
        ("LCW_SCHEDULER_TICK_SECS", "0"),
    ]
    .into();
    values.extend(overrides.iter().copied());
    let settings = Settings::from_lookup(|name| values.get(name).map(|v| v.to_string()))
        .expect("valid test settings");
    let client = client_with_token(&mint(&settings.auth, Uuid::new_v4(), &[], &[]));
    let pool = db::pool(&settings);
    let application = Application::with_pool(settings, pool).expect("the application starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    (address, client)
}

/// Sends `request` as it is on a connection of its own and returns everything the
/// server sent back until it closed the connection (or reset it).
pub async fn exchange_raw(address: &str, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    // The server may answer and close before it has read everything.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 8192];
    let reading = async {
        while let Ok(read @ 1..) = stream.read(&mut chunk).await {
            answer.extend_from_slice(&chunk[..read]);
        }
    };
    tokio::time::timeout(Duration::from_secs(30), reading)
        .await
        .expect("the server answers and closes the connection");
    String::from_utf8_lossy(&answer).into_owned()
}

/// A token signed as `settings` say, valid for an hour.
pub fn mint(settings: &AuthSettings, tenant: Uuid, scopes: &[&str], roles: &[&str]) -> String {
    auth::mint(settings, &token_request(tenant, scopes, roles))
        .expect("the test settings sign tokens")
}

fn token_request(tenant: Uuid, scopes: &[&str], roles: &[&str]) -> TokenRequest {
    let owned = |names: &[&str]| names.iter().map(|name| name.to_string()).collect();
    TokenRequest {
        tenant,
        scopes: owned(scopes),
        roles: owned(roles),
        lifetime: Duration::from_secs(3600),
        user: None,
        app: None,
    }
}

/// A client that sends this bearer token with every request that sets none.
pub fn client_with_token(token: &str) -> reqwest::Client {
    builder_with_token(token).build().expect("a client")
}

/// The builder of [`client_with_token`]'s client, for one set up otherwise too.
pub fn builder_with_token(token: &str) -> reqwest::ClientBuilder {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).expect("a header value");
    value.set_sensitive(true);
    reqwest::Client::builder().default_headers([(AUTHORIZATION, value)].into_iter().collect())
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let nodes = citus::nodes(&self.server_options);
        let statement = format!("drop database if exists \"{}\" with (force)", self.database);
        // Drop runs inside the test's runtime, which cannot block on itself.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                for node in nodes {
                    let mut connection = PgConnection::connect_with(&node).await?;
                    sqlx::query(&statement).execute(&mut connection).await?;
                    connection.close().await?;
                }
                Ok::<_, sqlx::Error>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.database);
        }
    }
}

pub fn workflow_body(display_name: &str) -> Value {
    json!({
        "category": "leaver",
        "displayName": display_name,
        "description": "Offboards leavers",
        "isEnabled": true,
        "executionConditions": {
            "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
            "scope": {
                "@odata.type": "#microsoft.graph.identityGovernance.ruleBasedSubjectSet",
                "rule": "department eq 'Sales'"
            },
            "trigger": {
                "@odata.type": "#microsoft.graph.identityGovernance.timeBasedAttributeTrigger",
                "timeBasedAttribute": "employeeLeaveDateTime",
                "offsetInDays": 7
            }
        },
        "tasks": [
            {"displayName": "Remove licences", "taskDefinitionId": TASK_DEFINITION_ID},
            {
                "displayName": "Notify manager",
                "taskDefinitionId": "52853a3e-f4e5-4eb8-bb24-1ac09a1da935",
                "isEnabled": false,
                "continueOnError": true,
                "category": "leaver,joiner",
                "arguments": [{"name": "cc", "value": "hr@example.com"}]
            }
        ]
    })
}

/// A custom task extension that calls a Logic App and waits for its callback.
pub fn extension_body(display_name: &str) -> Value {
    json!({
        "displayName": display_name,
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
        "callbackConfiguration": {
            "@odata.type": "#microsoft.graph.identityGovernance.customTaskExtensionCallbackConfiguration",
            "timeoutDuration": "PT20M"
        }
    })
}

/// A task that runs the custom task extension `extension`.
pub fn extension_task(extension: &str) -> Value {
    json!({
        "displayName": "Call the extension",
        "taskDefinitionId": RUN_CUSTOM_TASK_EXTENSION,
        "arguments": [{"name": "customTaskExtensionID", "value": extension}]
    })
}

pub fn run_body() -> Value {
    json!({
        "processingStatus": "inProgress",
        "workflowExecutionType": "onDemand",
        "scheduledDateTime": "2026-11-29T07:00:00Z",
        "startedDateTime": "2026-11-29T07:00:05Z"
    })
}

pub fn user_result_body() -> Value {
    json!({
        "subject": {"id": SUBJECT_ID},
        "processingStatus": "inProgress",
        "workflowExecutionType": "onDemand",
        "scheduledDateTime": "2026-11-29T07:00:00Z"
    })
}

pub fn seed_body() -> Value {
    json!({
        "createdDateTime": "2026-11-29T07:05:00Z",
        "processingStatus": "completed",
        "startedDateTime": "2026-11-29T07:05:01Z",
        "completedDateTime": "2026-11-29T07:05:02Z"
    })
}

/// The suite on a Citus cluster: with `LCW_TEST_CITUS_WORKERS` set (the workers'
/// `host:port`, comma-separated) and `DATABASE_URL` naming the coordinator, each
/// test's database is made on every node with the extension and the workers
/// registered; the service's migrations then distribute it.
pub mod citus {
    use sqlx::postgres::PgConnectOptions;
    use sqlx::{Connection, PgConnection};
    use std::time::Duration;

    fn workers() -> Vec<(String, u16)> {
        let Ok(list) = std::env::var("LCW_TEST_CITUS_WORKERS") else {
            return Vec::new();
        };
        list.split(',')
            .filter(|worker| !worker.trim().is_empty())
            .map(|worker| {
                let (host, port) = worker.trim().rsplit_once(':').expect("host:port");
                (host.to_owned(), port.parse().expect("a port"))
            })
            .collect()
    }

    /// Whether the suite runs on a Citus cluster.
    pub fn enabled() -> bool {
        !workers().is_empty()
    }

    /// Runs a bulk statement of a test's own setup with no statement timeout on
    /// the workers either (as the README says bulk loads need): Citus passes a
    /// `SET LOCAL` on to the workers when told to.
    pub async fn bulk(db: &sqlx::PgPool, statement: &str) {
        let mut transaction = db.begin().await.expect("a transaction");
        if enabled() {
            for setting in [
                "set local citus.propagate_set_commands = 'local'",
                "set local statement_timeout = 0",
            ] {
                sqlx::query(setting)
                    .execute(&mut *transaction)
                    .await
                    .expect(setting);
            }
        }
        sqlx::query(statement)
            .execute(&mut *transaction)
            .await
            .unwrap_or_else(|error| panic!("{statement}: {error}"));
        transaction.commit().await.expect("commit");
    }

    /// The maintenance databases of the coordinator and the workers.
    pub fn nodes(coordinator: &PgConnectOptions) -> Vec<PgConnectOptions> {
        let coordinator = coordinator.clone().database("postgres");
        let workers = workers()
            .into_iter()
            .map(|(host, port)| coordinator.clone().host(&host).port(port));
        std::iter::once(coordinator.clone())
            .chain(workers)
            .collect()
    }

    async fn run(options: &PgConnectOptions, statement: &str) {
        let mut connection = PgConnection::connect_with(options)
            .await
            .expect("connect to a node");
        sqlx::query(statement)
            .execute(&mut connection)
            .await
            .unwrap_or_else(|error| panic!("{statement}: {error}"));
        connection.close().await.expect("close");
    }

    /// Makes `database` on every node; the service creates it itself on a single
    /// PostgreSQL. The workers time statements out as the service does, as the
    /// README asks of a cluster: the coordinator's timeout does not reach them.
    pub async fn create_database(
        coordinator: &PgConnectOptions,
        database: &str,
        statement_timeout: Duration,
    ) {
        if !enabled() {
            return;
        }
        for node in nodes(coordinator) {
            run(&node, &format!("create database \"{database}\"")).await;
            run(&node.clone().database(database), "create extension citus").await;
        }
        // Four shards a table rather than 32: distributing is most of what a
        // test's database costs, and four tell a routed statement from a
        // spread one as well as 32 do.
        run(
            &coordinator.clone().database("postgres"),
            &format!("alter database \"{database}\" set citus.shard_count = 4"),
        )
        .await;
        let coordinator = coordinator.clone().database(database);
        let host = coordinator.get_host().to_owned();
        let port = coordinator.get_port();
        run(
            &coordinator,
            &format!("select citus_set_coordinator_host('{host}', {port})"),
        )
        .await;
        // Adding a node alters the (cluster-wide) role on it, which two tests
        // adding nodes at once would do concurrently: one at a time.
        static ADDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
        let _adding = ADDING.lock().await;
        for (host, port) in workers() {
            run(
                &coordinator,
                &format!("select citus_add_node('{host}', {port})"),
            )
            .await;
        }
        for worker in nodes(&coordinator).iter().skip(1) {
            let timeout = statement_timeout.as_millis();
            run(
                worker,
                &format!("alter database \"{database}\" set statement_timeout = {timeout}"),
            )
            .await;
        }
    }
}
