//! Hostile requests against the real server: every route (the chains of both
//! trees, ids sometimes replaced by garbage), query strings of real and broken
//! options, bodies of arbitrary bytes, arbitrary JSON and valid bodies with parts
//! changed, under assorted content types. Every answer must be a 2xx or a 4xx, and
//! every 4xx a Graph error body whose code matches its status and whose request id
//! is the response's.
//!
//! The number of requests is proptest's case count (256; `PROPTEST_CASES=5000
//! cargo test --test api hostile` sends more).

use crate::helpers::{
    run_body, seed_body, user_result_body, workflow_body, Chain, TestApp, DELETED, LIVE, SUBJECT_ID,
};
use crate::openapi;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// A route with `{w}`, `{t}`, `{r}`, `{u}`, `{p}` for the ids of a chain, and a
/// body that it accepts, for the writes.
struct Route {
    method: &'static str,
    path: &'static str,
    valid: Option<fn(&Chain) -> Value>,
}

const fn read(path: &'static str) -> Route {
    Route {
        method: "GET",
        path,
        valid: None,
    }
}

const fn write(method: &'static str, path: &'static str, valid: fn(&Chain) -> Value) -> Route {
    Route {
        method,
        path,
        valid: Some(valid),
    }
}

const SUMMARY: &str =
    "summary(startDateTime=2026-01-01T00:00:00Z,endDateTime=2027-01-01T00:00:00Z)";

const ROUTES: &[Route] = &[
    read("/{tree}"),
    read("/{tree}/$count"),
    read("/{tree}/{w}"),
    read("/{tree}/{w}/tasks"),
    read("/{tree}/{w}/tasks/$count"),
    read("/{tree}/{w}/tasks/{t}"),
    read("/{tree}/{w}/tasks/{t}/taskProcessingResults"),
    read("/{tree}/{w}/tasks/{t}/taskProcessingResults/{p}"),
    read("/{tree}/{w}/runs"),
    read("/{tree}/{w}/runs/$count"),
    read("/{tree}/{w}/runs/{summary}"),
    read("/{tree}/{w}/runs/{r}"),
    read("/{tree}/{w}/runs/{r}/taskProcessingResults"),
    read("/{tree}/{w}/runs/{r}/userProcessingResults"),
    read("/{tree}/{w}/runs/{r}/userProcessingResults/{u}"),
    read("/{tree}/{w}/runs/{r}/userProcessingResults/{u}/taskProcessingResults"),
    read("/{tree}/{w}/runs/{r}/userProcessingResults/{u}/taskProcessingResults/$count"),
    read("/{tree}/{w}/runs/{r}/userProcessingResults/{u}/taskProcessingResults/{p}"),
    read("/{tree}/{w}/runs/{r}/userProcessingResults/{u}/taskProcessingResults/{p}/task"),
    read("/{tree}/{w}/runs/{r}/userProcessingResults/{u}/taskProcessingResults/{p}/task/taskProcessingResults"),
    read("/{tree}/{w}/userProcessingResults"),
    read("/{tree}/{w}/userProcessingResults/{summary}"),
    read("/{tree}/{w}/userProcessingResults/{u}/taskProcessingResults/{p}/task/taskProcessingResults/{p}"),
    write("POST", "/workflows", |_| workflow_body("Hostile")),
    write("PATCH", "/{tree}/{w}", |_| json!({"description": "x", "isEnabled": true})),
    write("POST", "/workflows/{w}/activate", |_| json!({"subjects": [{"id": SUBJECT_ID}]})),
    write("POST", "/workflows/{w}/microsoft.graph.identityGovernance.activate", |_| {
        json!({"subjects": [{"id": SUBJECT_ID}]})
    }),
    write("PATCH", "/{tree}/{w}/tasks/{t}", |_| json!({"displayName": "Renamed"})),
    write("POST", "/{tree}/{w}/runs", |_| run_body()),
    write("PATCH", "/{tree}/{w}/runs/{r}", |_| json!({"processingStatus": "completed"})),
    write("POST", "/{tree}/{w}/runs/{r}/userProcessingResults", |_| user_result_body()),
    write("PATCH", "/{tree}/{w}/runs/{r}/userProcessingResults/{u}", |_| {
        json!({"processingStatus": "failed", "completedDateTime": "2026-11-29T08:00:00Z"})
    }),
    write("POST", "/{tree}/{w}/runs/{r}/userProcessingResults/{u}/taskProcessingResults", |chain| {
        json!({"task": {"id": chain.task}, "createdDateTime": "2026-11-29T07:00:00Z", "processingStatus": "queued"})
    }),
    write("PATCH", "/{tree}/{w}/runs/{r}/userProcessingResults/{u}/taskProcessingResults/{p}", |_| {
        json!({"failureReason": "x", "processingInfo": null})
    }),
    write(
        "POST",
        "/{tree}/{w}/runs/{r}/userProcessingResults/{u}/taskProcessingResults/{p}/task/taskProcessingResults",
        |_| seed_body(),
    ),
    write("POST", "/deletedItems/workflows/{w}/restore", |_| json!({})),
    write("DELETE", "/{tree}/{w}/runs/{r}", |_| json!({})),
    write("PUT", "/{tree}/{w}", |_| json!({})),
    write("POST", "$batch", |chain| {
        json!({"requests": [
            {"id": "1", "method": "GET", "url": format!("/identityGovernance/lifecycleWorkflows/workflows/{}/runs", chain.workflow)},
            {"id": "2", "method": "PATCH", "url": format!("/identityGovernance/lifecycleWorkflows/workflows/{}/runs/{}", chain.workflow, chain.run),
             "headers": {"Content-Type": "application/json"}, "body": {"processingStatus": "inProgress"}, "dependsOn": ["1"]}
        ]})
    }),
];

/// Every property name of the request bodies the OpenAPI document describes,
/// nested ones and those behind `$ref`s included, so that generated objects often
/// get past `deny_unknown_fields`. Sorted, without repeats. (`routes::fuzz` reads
/// the same names from the typed document; its test module is not visible from
/// here.)
static KEYS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let document: Value =
        serde_json::from_str(&lifecycle_workflows::routes::openapi_json()).unwrap();
    let mut schemas = Vec::new();
    for (_, _, operation) in openapi::operations(&document) {
        if let Some(body) = operation.pointer("/requestBody/content/application~1json/schema") {
            openapi::request_schemas(&document, body, &mut schemas);
        }
    }
    let mut keys = BTreeSet::new();
    for schema in schemas {
        property_names(schema, &mut keys);
    }
    keys.into_iter().collect()
});

/// The names of the properties declared anywhere inside `schema`.
fn property_names(schema: &Value, out: &mut BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get("properties") {
                out.extend(properties.keys().cloned());
            }
            map.values().for_each(|value| property_names(value, out));
        }
        Value::Array(items) => items.iter().for_each(|item| property_names(item, out)),
        _ => {}
    }
}

fn strings() -> Vec<String> {
    let mut strings: Vec<String> = [
        "",
        " ",
        "\u{0}",
        "x",
        "queued",
        "failed",
        "unknownFutureValue",
        "canceling",
        "leaver",
        "joiner,leaver",
        "onDemand",
        "2026-11-29T07:00:00Z",
        "9999-12-31T23:59:59.9999999-14:00",
        "0000-01-01T00:00:00+14:00",
        "2026-11-29",
        SUBJECT_ID,
        "00000000-0000-0000-0000-000000000000",
        "#microsoft.graph.identityGovernance.onDemandExecutionOnly",
        "#microsoft.graph.user",
        "/users/2b9c4f3e-6d1a-4c8e-9f70-1a2b3c4d5e6f",
        "GET",
        "POST",
        "/$batch",
        "/identityGovernance/lifecycleWorkflows/workflows",
        "//example.com/x",
        "application/json",
        "Content-Length",
        "Host",
        "Authorization",
        "Bearer x",
        "😀",
    ]
    .iter()
    .map(|text| (*text).to_owned())
    .collect();
    strings.push("x".repeat(300));
    strings.push("y".repeat(5000));
    strings
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop::num::f64::NORMAL.prop_map(Value::from),
        "\\PC{0,30}".prop_map(Value::from),
        prop::sample::select(strings()).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => prop::sample::select(KEYS.as_slice()),
        1 => "\\PC{0,10}",
    ]
}

/// What a request sends as its body.
#[derive(Debug, Clone)]
enum Body {
    None,
    Valid,
    /// The route's valid body with the value at a place replaced (or removed).
    Changed(Vec<(Index, Option<Value>)>),
    Json(Value),
    Bytes(Vec<u8>),
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        1 => Just(Body::None),
        2 => Just(Body::Valid),
        5 => prop::collection::vec((any::<Index>(), prop::option::weighted(0.8, any_json())), 1..4)
            .prop_map(Body::Changed),
        2 => prop::collection::vec((key(), any_json()), 0..8)
            .prop_map(|entries| Body::Json(Value::Object(entries.into_iter().collect()))),
        1 => any_json().prop_map(Body::Json),
        1 => prop::collection::vec(any::<u8>(), 0..300).prop_map(Body::Bytes),
    ]
}

fn change(mut value: Value, changes: &[(Index, Option<Value>)]) -> Value {
    for (index, replacement) in changes {
        let mut pointers = Vec::new();
        collect(&value, String::new(), &mut pointers);
        if pointers.is_empty() {
            break;
        }
        let pointer = index.get(&pointers).clone();
        let Some((parent, last)) = pointer.rsplit_once('/') else {
            continue;
        };
        match (value.pointer_mut(parent), replacement) {
            (Some(Value::Object(object)), None) => {
                object.remove(last);
            }
            (Some(_), Some(replacement)) => {
                if let Some(slot) = value.pointer_mut(&pointer) {
                    *slot = replacement.clone();
                }
            }
            _ => {}
        }
    }
    value
}

fn collect(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object {
                collect(
                    inner,
                    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                collect(inner, format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
    if !at.is_empty() {
        out.push(at);
    }
}

fn query() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        6 => prop::sample::select(vec![
            "$top", "%24top", "$skiptoken", "$count", "$filter", "$search", "$orderby", "$select",
            "$expand", "%24select", "$skip", "$format", "tag", "",
        ])
        .prop_map(str::to_owned),
        1 => "[a-z$%]{0,8}",
    ];
    let value =
        prop_oneof![
            prop::sample::select(vec![
            "", "1", "999", "1000", "-1", "true", "yes", "id", "id desc", "processingStatus",
            "processingStatus eq 'failed'", "subject/id eq 2b9c4f3e-6d1a-4c8e-9f70-1a2b3c4d5e6f",
            "createdDateTime ge 0000-01-01T00:00:00+14:00", "failureReason eq '\u{0}'", "\"x\"",
            "task", "subject", "tasks", "displayName,id", "((((", "not not not (id eq null)",
            "eyJhZnRlciI6IjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMCIsImtleXMiOlsiYSIsMV19",
        ])
            .prop_map(str::to_owned),
            "\\PC{0,40}",
        ];
    prop::collection::vec((name, value), 0..5).prop_map(|pairs| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in &pairs {
            query.append_pair(name, value);
        }
        // `$` stays literal in names, as clients write it.
        query.finish().replace("%24", "$")
    })
}

/// What replaces an id of the path, when one is replaced.
fn garbage_id() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "not-a-uuid",
            "00000000-0000-0000-0000-000000000000",
            "%00",
            "..",
            "%2F",
            "%2e%2e",
            "😀",
            "$count",
            "summary()",
            "summary(startDateTime=x)",
            "{id}",
            "'",
            "%",
            "2B9C4F3E-6D1A-4C8E-9F70-1A2B3C4D5E6F",
            "{2b9c4f3e-6d1a-4c8e-9f70-1a2b3c4d5e6f}",
            "2b9c4f3e6d1a4c8e9f701a2b3c4d5e6f",
            " ",
        ])
        .prop_map(str::to_owned),
        any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).to_string()),
        "[a-zA-Z0-9%._~-]{1,60}",
    ]
}

#[derive(Debug, Clone)]
struct Case {
    route: Index,
    deleted_tree: bool,
    garbage: Option<(Index, String)>,
    query: String,
    body: Body,
    content_type: Option<&'static str>,
    prefer: Option<String>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<Index>(),
        any::<bool>(),
        prop::option::weighted(0.3, (any::<Index>(), garbage_id())),
        prop::option::weighted(0.6, query()),
        body(),
        prop::option::weighted(
            0.9,
            prop::sample::select(vec![
                "application/json",
                "application/json",
                "application/json; charset=utf-8",
                "application/json;odata.metadata=minimal",
                "text/plain",
                "application/xml",
                "application/jsonx",
                "json",
                "multipart/mixed; boundary=x",
            ]),
        ),
        prop::option::weighted(
            0.2,
            prop::sample::select(vec![
                "include-unknown-enum-members".to_owned(),
                "odata.maxpagesize=1".to_owned(),
                "odata.maxpagesize=0, include-unknown-enum-members".to_owned(),
                "include-unknown-enum-members; q=\"x\", ,,".to_owned(),
            ]),
        ),
    )
        .prop_map(
            |(route, deleted_tree, garbage, query, body, content_type, prefer)| Case {
                route,
                deleted_tree,
                garbage,
                query: query.unwrap_or_default(),
                body,
                content_type,
                prefer,
            },
        )
}

/// The path of `route` with the ids of `chain`, one of them possibly replaced.
fn path(route: &Route, chain: &Chain, tree: &str, garbage: &Option<(Index, String)>) -> String {
    let mut path = route
        .path
        .replace("{tree}", tree)
        .replace("{summary}", SUMMARY);
    let ids = [
        ("{w}", &chain.workflow),
        ("{t}", &chain.task),
        ("{r}", &chain.run),
        ("{u}", &chain.user_result),
        ("{p}", &chain.task_result),
    ];
    let present: Vec<&str> = ids
        .iter()
        .map(|(slot, _)| *slot)
        .filter(|slot| path.contains(slot))
        .collect();
    if let Some((index, replacement)) = garbage {
        if !present.is_empty() {
            path = path.replacen(index.get(&present), replacement, 1);
        }
    }
    for (slot, id) in ids {
        path = path.replace(slot, id);
    }
    path
}

fn graph_code(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "invalidRequest",
        401 => "InvalidAuthenticationToken",
        403 => "accessDenied",
        404 => "itemNotFound",
        405 => "notAllowed",
        409 => "conflict",
        413 => "requestTooLarge",
        415 => "unsupportedMediaType",
        _ => return None,
    })
}

#[tokio::test]
async fn hostile_requests_are_answered_2xx_or_4xx_with_graph_error_bodies() {
    let app = TestApp::spawn().await;
    let live = app.create_chain().await;
    let deleted = app.create_chain().await;
    app.soft_delete(&deleted.workflow).await;

    let mut runner = TestRunner::deterministic();
    let requests = Config::default().cases;
    let strategy = case();
    let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
    for _ in 0..requests {
        let case = strategy.new_tree(&mut runner).expect("a case").current();
        let route = case.route.get(ROUTES);
        let (chain, tree) = if case.deleted_tree {
            (&deleted, DELETED)
        } else {
            (&live, LIVE)
        };
        let path = path(route, chain, tree, &case.garbage);
        let mut url = if route.path == "$batch" {
            format!("{}/beta/$batch", app.address)
        } else {
            app.url(&path)
        };
        if !case.query.is_empty() {
            url = format!("{url}?{}", case.query);
        }
        let method = reqwest::Method::from_bytes(route.method.as_bytes()).expect("a method");
        let mut request = app.client.request(method, &url);
        let body = match (&case.body, route.valid) {
            (Body::None, _) => None,
            (Body::Valid, Some(valid)) => Some(valid(chain).to_string().into_bytes()),
            (Body::Changed(changes), Some(valid)) => {
                Some(change(valid(chain), changes).to_string().into_bytes())
            }
            (Body::Json(value), _) => Some(value.to_string().into_bytes()),
            (Body::Bytes(bytes), _) => Some(bytes.clone()),
            (_, None) => None,
        };
        if let Some(body) = &body {
            request = request.body(body.clone());
        }
        if let Some(content_type) = case.content_type {
            request = request.header("Content-Type", content_type);
        }
        if let Some(prefer) = &case.prefer {
            request = request.header("Prefer", prefer.as_str());
        }
        let response = app.send(request).await;
        let status = response.status.as_u16();
        *statuses.entry(status).or_default() += 1;
        let shown = || {
            format!(
                "{} {url}\nbody: {}\n→ {status} {}",
                route.method,
                body.as_deref()
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default(),
                response.text
            )
        };
        assert!(
            (200..300).contains(&status) || (400..500).contains(&status),
            "{}",
            shown()
        );
        if status >= 400 {
            let code =
                graph_code(status).unwrap_or_else(|| panic!("unexpected status: {}", shown()));
            response.assert_error(status, code);
        } else if response
            .header("content-type")
            .is_some_and(|value| value.starts_with("application/json"))
        {
            assert!(!response.body.is_null(), "not JSON: {}", shown());
        }
        if route.path == "$batch" && status == 200 {
            for inner in response.body["responses"].as_array().into_iter().flatten() {
                let inner_status = inner["status"].as_u64().unwrap_or_default();
                assert!(
                    (200..500).contains(&inner_status),
                    "inner {inner}: {}",
                    shown()
                );
            }
        }
    }
    eprintln!("{requests} hostile requests, by status: {statuses:?}");
    assert!(statuses.keys().any(|status| (200..300).contains(status)));
    assert!(statuses.contains_key(&400) && statuses.contains_key(&404));
}

/// Found by the timestamp property: a year before 4713 BC, which the parser took
/// from a timestamp without an offset, was a 500 (PostgreSQL's "timestamp out of
/// range"), in a body and in a summary's window alike; five-digit and signed years
/// were stored and rendered as '+200000-…', which is not RFC 3339.
#[tokio::test]
async fn timestamps_outside_rfc_3339_are_400s_not_500s() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    for at in [
        "-5000-01-01T00:00:00",
        "+200000-01-01T00:00:00",
        "-1-1-1T0:0:0",
        "0000-01-01T00:00:00+14:00",
    ] {
        let mut body = run_body();
        body["scheduledDateTime"] = json!(at);
        let response = app
            .post(&format!("/{LIVE}/{}/runs", chain.workflow), &body)
            .await;
        let message = response.assert_error(400, "invalidRequest");
        assert!(message.contains("'scheduledDateTime'"), "{at}: {message}");
        let summary = app
            .get(&format!(
                "/{LIVE}/{}/runs/summary(startDateTime={at},endDateTime=2026-01-01T00:00:00Z)",
                chain.workflow
            ))
            .await;
        let message = summary.assert_error(400, "invalidRequest");
        assert!(message.contains("startDateTime"), "{at}: {message}");
    }
}

/// Found by schemathesis (long run): U+0000 in a string the workflow keeps as
/// jsonb (its execution conditions, its tasks' arguments) was a 500, PostgreSQL's
/// "unsupported Unicode escape sequence" (22P05); in a text column it was
/// already a 400 (22021).
#[tokio::test]
async fn a_nul_character_anywhere_in_a_workflow_is_a_400() {
    let app = TestApp::spawn().await;
    for (pointer, says) in [
        ("/displayName", "U+0000"),
        ("/description", "U+0000"),
        ("/executionConditions/scope/rule", "U+0000"),
        ("/tasks/0/displayName", "U+0000"),
        // No parameter's name holds one: the catalog refuses it first.
        ("/tasks/1/arguments/0/name", "tasks[1].arguments[0].name"),
        ("/tasks/1/arguments/0/value", "U+0000"),
    ] {
        let mut body = workflow_body(&format!("Nul {pointer}"));
        if let Some(Value::String(text)) = body.pointer_mut(pointer) {
            text.push('\u{0}');
        }
        let response = app.post(&format!("/{LIVE}"), &body).await;
        let message = response.assert_error(400, "invalidRequest");
        assert!(message.contains(says), "{pointer}: {message}");
    }
    let mut body = workflow_body("Nul trigger attribute");
    body["executionConditions"]["trigger"] = json!({
        "@odata.type": "#microsoft.graph.identityGovernance.attributeChangeTrigger",
        "triggerAttributes": [{"name": "department\u{0}"}]
    });
    let response = app.post(&format!("/{LIVE}"), &body).await;
    response.assert_error(400, "invalidRequest");
    assert_eq!(app.count("workflows").await, 0);
}

/// The keys hold every property the routes' valid bodies use, however deep (the
/// free-form contents of a batch request's `body` and `headers` aside): the
/// document describes them and `KEYS` follows it there.
#[test]
fn the_keys_hold_every_property_of_the_valid_bodies() {
    let chain = Chain {
        workflow: SUBJECT_ID.to_owned(),
        task: SUBJECT_ID.to_owned(),
        run: SUBJECT_ID.to_owned(),
        user_result: SUBJECT_ID.to_owned(),
        task_result: SUBJECT_ID.to_owned(),
    };
    for route in ROUTES {
        let Some(valid) = route.valid else { continue };
        let mut pointers = Vec::new();
        collect(&valid(&chain), String::new(), &mut pointers);
        for pointer in pointers {
            let free_form = pointer.contains("/body/") || pointer.contains("/headers/");
            let last = pointer.rsplit('/').next().unwrap_or_default();
            let key = last.replace("~1", "/").replace("~0", "~");
            if !free_form && last.parse::<usize>().is_err() {
                assert!(
                    KEYS.contains(&key),
                    "{} {}: {pointer}",
                    route.method,
                    route.path
                );
            }
        }
    }
}
