//! `/openapi.json` and `/docs`: the document describes every route the router
//! serves, each operation fully, and nothing the router does not serve.

use crate::helpers::TestApp;
use lifecycle_workflows::routes;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const METHODS: [&str; 5] = ["get", "post", "patch", "delete", "put"];

async fn document(app: &TestApp) -> Value {
    // Open: a client reads it before it has a token.
    let response = app
        .send(reqwest::Client::new().get(format!("{}/openapi.json", app.address)))
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(response
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    response.body
}

/// Every (method, path) the document describes.
pub fn operations(document: &Value) -> Vec<(String, String, &Value)> {
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                operations.push((method.to_owned(), path.clone(), operation));
            }
        }
    }
    operations
}

/// Follows a local `$ref` to what it names.
fn resolve<'a>(document: &'a Value, reference: &str) -> Option<&'a Value> {
    document.pointer(reference.strip_prefix('#')?)
}

fn collect_refs<'a>(value: &'a Value, refs: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                refs.push(reference);
            }
            map.values().for_each(|value| collect_refs(value, refs));
        }
        Value::Array(items) => items.iter().for_each(|value| collect_refs(value, refs)),
        _ => {}
    }
}

#[tokio::test]
async fn every_operation_is_described_with_resolvable_schemas() {
    let app = TestApp::spawn().await;
    let document = document(&app).await;
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1."));

    let operations = operations(&document);
    assert!(operations.len() > 100, "{} operations", operations.len());
    let mut ids = BTreeSet::new();
    for (method, path, operation) in &operations {
        let what = format!("{method} {path}");
        for field in ["summary", "description", "operationId"] {
            let text = operation[field].as_str().unwrap_or_default();
            assert!(!text.trim().is_empty(), "{what} has no {field}");
        }
        assert!(
            ids.insert(operation["operationId"].as_str().unwrap()),
            "{what}: operationId repeated"
        );
        assert!(!operation["tags"].as_array().unwrap().is_empty(), "{what}");
        let responses = operation["responses"].as_object().unwrap();
        assert!(
            responses
                .keys()
                .any(|status| status.starts_with('2') || status.starts_with('3')),
            "{what} documents no success"
        );
        // Every `{name}` of the path is a declared, required path parameter.
        let declared: BTreeSet<&str> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|parameter| parameter["in"] == "path")
            .map(|parameter| {
                assert_eq!(parameter["required"], true, "{what}");
                parameter["name"].as_str().unwrap()
            })
            .collect();
        let in_path: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .map(|rest| rest.split_once('}').unwrap().0)
            .collect();
        assert_eq!(declared, in_path, "{what}");
        // Everything under the version but $metadata takes a token.
        if path.starts_with("/beta/") && !path.ends_with("$metadata") {
            assert_eq!(operation["security"], json!([{ "bearer": [] }]), "{what}");
            assert!(responses.contains_key("401"), "{what}");
            assert!(responses.contains_key("503"), "{what}");
        } else {
            assert!(operation.get("security").is_none(), "{what} is open");
        }
        if ["post", "put", "patch"].contains(&method.as_str()) {
            let body = &operation["requestBody"]["content"]["application/json"]["schema"];
            if path.ends_with("restore") {
                assert!(body.is_null(), "{what} takes no body");
            } else {
                assert!(body["$ref"].is_string(), "{what} documents its body");
            }
        }
    }

    let mut refs = Vec::new();
    collect_refs(&document, &mut refs);
    assert!(refs.len() > 100);
    for reference in refs {
        assert!(
            resolve(&document, reference).is_some(),
            "{reference} names nothing"
        );
    }
    // The entities carry Graph's names, with every enum member a client may see.
    let schemas = &document["components"]["schemas"];
    let status = &schemas["microsoft.graph.identityGovernance.lifecycleWorkflowProcessingStatus"];
    let members = status["enum"].as_array().unwrap();
    for member in [
        "queued",
        "completedWithErrors",
        "unknownFutureValue",
        "canceling",
    ] {
        assert!(members.contains(&json!(member)), "{member}");
    }
    let run = &schemas["microsoft.graph.identityGovernance.run"]["properties"];
    assert_eq!(run["totalUsersCount"]["type"], "integer");
}

#[tokio::test]
async fn the_document_and_the_router_agree_route_for_route() {
    let app = TestApp::spawn().await;
    let document = document(&app).await;
    let documented: BTreeSet<(String, String)> = operations(&document)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    let registered: BTreeSet<(String, String)> = routes::endpoints()
        .into_iter()
        .map(|endpoint| {
            assert!(
                !endpoint.operation.summary.trim().is_empty(),
                "{}",
                endpoint.path
            );
            (endpoint.method.as_str().to_lowercase(), endpoint.path)
        })
        .collect();
    assert_eq!(documented, registered);

    // The router itself: every documented operation reaches a handler (not the
    // router's 404 or 405), and every other method on a documented path is the
    // router's 405, so the router serves nothing the document leaves out.
    let paths: BTreeSet<&String> = documented.iter().map(|(_, path)| path).collect();
    for path in paths {
        let url = format!("{}{}", app.address, concrete(path));
        for method in METHODS {
            let documented = documented.contains(&(method.to_owned(), path.clone()));
            let request = app
                .client
                .request(
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    &url,
                )
                .json(&json!({}));
            let response = app.send(request).await;
            let message = response.body["error"]["message"].as_str().unwrap_or("");
            let routed_away = (response.status == 404
                && (message.starts_with("No resource exists at")
                    || message.starts_with("The requested resource does not exist")))
                || (response.status == 405
                    && message.ends_with("is not allowed on this resource."));
            assert_eq!(
                !routed_away, documented,
                "{method} {path}: {} {}",
                response.status, response.text
            );
        }
    }
}

/// A path with a value for each `{parameter}`.
fn concrete(path: &str) -> String {
    let mut concrete = String::new();
    let mut rest = path;
    while let Some((before, after)) = rest.split_once('{') {
        let (name, after) = after.split_once('}').unwrap();
        concrete.push_str(before);
        concrete.push_str(&match name {
            "file" => "index.html".to_owned(),
            name if name.ends_with("DateTime") => "2026-01-01T00:00:00Z".to_owned(),
            _ => uuid::Uuid::new_v4().to_string(),
        });
        rest = after;
    }
    concrete.push_str(rest);
    concrete
}

#[tokio::test]
async fn the_api_page_is_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let open = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = app.send(open.get(format!("{}/docs", app.address))).await;
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location"), Some("docs/"));

    let page = app.send(open.get(format!("{}/docs/", app.address))).await;
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(page.text.contains("swagger-ui"), "{}", page.text);
    // The page's scripts and styles come from the service, never a CDN.
    assert!(!page.text.contains("https://"), "{}", page.text);
    for file in ["swagger-ui.css", "swagger-ui-bundle.js"] {
        let asset = app
            .send(open.get(format!("{}/docs/{file}", app.address)))
            .await;
        assert_eq!(asset.status, 200, "{file}");
        assert!(asset.text.len() > 10_000, "{file}");
    }
    let initializer = app
        .send(open.get(format!("{}/docs/swagger-initializer.js", app.address)))
        .await;
    assert!(
        initializer.text.contains("\"url\": \"/openapi.json\""),
        "{}",
        initializer.text
    );

    let missing = app
        .send(open.get(format!("{}/docs/no-such-file.js", app.address)))
        .await;
    missing.assert_error(404, "itemNotFound");
}

/// Every schema a request body's schema leads to, its own included.
pub fn request_schemas<'a>(document: &'a Value, schema: &'a Value, out: &mut Vec<&'a Value>) {
    if out.iter().any(|seen| std::ptr::eq(*seen, schema)) {
        return;
    }
    out.push(schema);
    let mut refs = Vec::new();
    collect_refs(schema, &mut refs);
    for reference in refs {
        if let Some(target) = resolve(document, reference) {
            request_schemas(document, target, out);
        }
    }
}

/// Found by schemathesis: the document offered requests the service refuses.
/// Request bodies offered `unknownFutureValue` (a response-only sentinel) and any
/// `@odata.type`, the create for the same task offered `task`, and the query
/// options offered empty values; each is refused with a 400.
#[test]
fn requests_are_described_as_the_service_takes_them() {
    let document: Value =
        serde_json::from_str(&lifecycle_workflows::routes::openapi_json()).unwrap();
    for (method, path, operation) in operations(&document) {
        if let Some(body) = operation.pointer("/requestBody/content/application~1json/schema") {
            let mut schemas = Vec::new();
            request_schemas(&document, body, &mut schemas);
            let text = serde_json::to_string(&schemas).unwrap();
            assert!(
                !text.contains("unknownFutureValue"),
                "{method} {path} offers unknownFutureValue"
            );
            for schema in schemas {
                if let Some(odata_type) = schema.pointer("/properties/@odata.type") {
                    if odata_type.get("type").is_some() {
                        assert!(
                            odata_type["pattern"].is_string(),
                            "{method} {path}: {odata_type}"
                        );
                    }
                }
            }
        }
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            let name = parameter["name"].as_str().unwrap();
            if ["$filter", "$orderby", "$search", "$skiptoken"].contains(&name) {
                assert_eq!(
                    parameter["schema"]["minLength"], 1,
                    "{method} {path} {name}"
                );
            }
            if ["$select", "$expand"].contains(&name) {
                assert_eq!(parameter["schema"]["minItems"], 1, "{method} {path} {name}");
            }
        }
    }
    // The types told apart by @odata.type take it with or without '#', and no
    // property a variant does not have, as serde reads them.
    for name in [
        "microsoft.graph.identityGovernance.workflowExecutionConditions",
        "microsoft.graph.identityGovernance.workflowExecutionTrigger",
        "microsoft.graph.subjectSet",
    ] {
        for variant in document["components"]["schemas"][name]["oneOf"]
            .as_array()
            .unwrap()
        {
            assert_eq!(variant["additionalProperties"], false, "{name}: {variant}");
            let names = variant["properties"]["@odata.type"]["enum"]
                .as_array()
                .unwrap();
            let tagged = names[0].as_str().unwrap();
            assert!(
                names.contains(&json!(tagged.trim_start_matches('#'))),
                "{name}: {variant}"
            );
        }
    }
    let same_task = &document["components"]["schemas"]["taskProcessingResultCreateForSameTask"];
    assert!(same_task["properties"]["createdDateTime"].is_object());
    assert!(same_task["properties"].get("task").is_none());
    assert!(same_task["properties"].get("task@odata.bind").is_none());
    assert_eq!(same_task["additionalProperties"], false);
}

/// The committed copy of the document, `docs/openapi.json`: a change to the API's
/// description shows in review as a diff of that file. After a deliberate change,
/// regenerate it with `LCW_WRITE_OPENAPI=1 cargo test the_document_matches`.
#[test]
fn the_document_matches_its_committed_copy() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");
    let served: Value = serde_json::from_str(&lifecycle_workflows::routes::openapi_json()).unwrap();
    let pretty = serde_json::to_string_pretty(&served).unwrap() + "\n";
    if std::env::var_os("LCW_WRITE_OPENAPI").is_some() {
        std::fs::write(path, &pretty).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == pretty,
        "/openapi.json differs from docs/openapi.json; if the change is meant, \
         regenerate the copy with LCW_WRITE_OPENAPI=1 cargo test the_document_matches"
    );
}

/// `$select` and `$expand` together offer exactly the properties the entity's
/// schema has: the names a resource declares (`Resource::PROPERTIES`, what it
/// renders unasked, and `EXPANDABLE`) and the fields it serializes are kept in
/// two places, and this holds them together.
#[test]
fn select_and_expand_offer_exactly_the_entity_properties() {
    let document: Value =
        serde_json::from_str(&lifecycle_workflows::routes::openapi_json()).unwrap();
    let mut checked = BTreeSet::new();
    for (method, path, operation) in operations(&document) {
        let selects = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|parameter| parameter["name"] == "$select");
        if !selects {
            continue;
        }
        let response = &operation["responses"]["200"]["content"]["application/json"]["schema"];
        let reference = response["$ref"]
            .as_str()
            .or_else(|| response["properties"]["value"]["items"]["$ref"].as_str())
            .unwrap_or_else(|| panic!("{method} {path}: no entity schema"));
        let entity = resolve(&document, reference).unwrap();
        // Annotations (`@odata.type`) are rendered, never selected.
        let mut properties: BTreeSet<&str> = entity["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|name| !name.starts_with('@'))
            .collect();
        if let Some(parents) = entity["allOf"].as_array() {
            for parent in parents {
                properties.extend(
                    parent["properties"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(name, _)| name.as_str()),
                );
            }
        }
        let offered: BTreeSet<&str> = ["$select", "$expand"]
            .iter()
            .flat_map(|option| {
                operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(move |parameter| parameter["name"] == *option)
            })
            .flat_map(|parameter| parameter["schema"]["items"]["enum"].as_array().unwrap())
            .map(|name| name.as_str().unwrap())
            .collect();
        assert_eq!(
            offered, properties,
            "{method} {path}: $select and $expand vs {reference}"
        );
        checked.insert(reference.to_owned());
    }
    assert!(checked.len() >= 5, "{checked:?}");
}
