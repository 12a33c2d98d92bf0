//! Every filterable property of every resource, with each of its operators,
//! against real rows: the ids the service returns must be exactly those an
//! independent evaluation of the filter over the unfiltered list picks.

use crate::helpers::{run_body, seed_body, user_result_body, workflow_body, TestApp, LIVE};
use chrono::{DateTime, Utc};
use lifecycle_workflows::db;
use lifecycle_workflows::odata::{Field, FieldKind};
use serde_json::{json, Value};

/// The value of a property path (`subject/id`) in an item.
fn property<'a>(item: &'a Value, path: &str) -> &'a Value {
    path.split('/').fold(item, |value, step| &value[step])
}

fn literal(kind: FieldKind, value: &Value) -> String {
    match (kind, value) {
        (_, Value::Null) => "null".to_owned(),
        (FieldKind::String | FieldKind::Enum(_), Value::String(text)) => {
            format!("'{}'", text.replace('\'', "''"))
        }
        (_, Value::String(text)) => text.clone(),
        (_, other) => other.to_string(),
    }
}

/// OData's comparison of a stored value with a literal, nulls included.
fn matches(kind: FieldKind, stored: &Value, operator: &str, literal: &Value) -> bool {
    if literal.is_null() {
        return match operator {
            "eq" => stored.is_null(),
            _ => !stored.is_null(),
        };
    }
    if stored.is_null() {
        return operator == "ne";
    }
    let ordering = match kind {
        FieldKind::DateTime => {
            let parse = |value: &Value| value.as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
            parse(stored).cmp(&parse(literal))
        }
        FieldKind::Integer => stored.as_i64().unwrap().cmp(&literal.as_i64().unwrap()),
        _ => return (stored == literal) == (operator == "eq"),
    };
    match operator {
        "eq" => ordering.is_eq(),
        "ne" => ordering.is_ne(),
        "gt" => ordering.is_gt(),
        "ge" => ordering.is_ge(),
        "lt" => ordering.is_lt(),
        _ => ordering.is_le(),
    }
}

async fn check_every_field(app: &TestApp, collection: &str, fields: &[Field], expand: &str) {
    let all = app.get(&format!("{collection}?$top=999{expand}")).await;
    assert_eq!(all.status, 200, "{collection}: {}", all.text);
    let items = all.body["value"].as_array().unwrap().clone();
    assert!(items.len() >= 2, "{collection} needs rows to filter");
    let mut cases = 0;
    for field in fields {
        let mut values: Vec<Value> = items
            .iter()
            .map(|item| property(item, field.name).clone())
            .collect();
        values.dedup();
        values.truncate(3);
        values.push(Value::Null);
        let operators: &[&str] = match field.kind {
            FieldKind::DateTime | FieldKind::Integer => &["eq", "ne", "gt", "ge", "lt", "le"],
            _ => &["eq", "ne"],
        };
        for value in &values {
            for operator in operators
                .iter()
                .filter(|operator| !value.is_null() || matches!(**operator, "eq" | "ne"))
            {
                let filter = format!("{} {operator} {}", field.name, literal(field.kind, value));
                let expected: Vec<&Value> = items
                    .iter()
                    .filter(|item| matches(field.kind, property(item, field.name), operator, value))
                    .map(|item| &item["id"])
                    .collect();
                let response = app
                    .send(
                        app.client
                            .get(app.url(collection))
                            .query(&[("$filter", filter.as_str()), ("$top", "999")]),
                    )
                    .await;
                assert_eq!(
                    response.status, 200,
                    "{collection} {filter}: {}",
                    response.text
                );
                let found: Vec<&Value> = response.body["value"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|item| &item["id"])
                    .collect();
                assert_eq!(found, expected, "{collection} {filter}");
                cases += 1;
            }
        }
        if !matches!(field.kind, FieldKind::DateTime | FieldKind::Integer) && !values[0].is_null() {
            let list: Vec<String> = values
                .iter()
                .filter(|value| !value.is_null())
                .map(|value| literal(field.kind, value))
                .collect();
            let filter = format!("{} in ({})", field.name, list.join(", "));
            let expected = items
                .iter()
                .filter(|item| {
                    values.contains(property(item, field.name))
                        && !property(item, field.name).is_null()
                })
                .count();
            let response = app
                .send(
                    app.client
                        .get(app.url(collection))
                        .query(&[("$filter", filter.as_str()), ("$top", "999")]),
                )
                .await;
            assert_eq!(
                response.body["value"].as_array().map(Vec::len),
                Some(expected),
                "{collection} {filter}: {}",
                response.text
            );
            cases += 1;
        }
    }
    assert!(cases >= fields.len() * 2, "{collection}: {cases} cases");
}

#[tokio::test]
async fn every_filterable_property_and_operator_on_every_resource() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let mut other = workflow_body("Joiners");
    other["category"] = json!("joiner");
    other["tasks"] = json!([{
        "displayName": "Welcome",
        "taskDefinitionId": "70b29d51-b59a-4773-9280-8841dfd3f2ea"
    }]);
    other["isEnabled"] = json!(false);
    other["description"] = serde_json::Value::Null;
    app.post(&format!("/{LIVE}"), &other).await;

    let mut scheduled = run_body();
    scheduled["workflowExecutionType"] = json!("scheduled");
    scheduled["processingStatus"] = json!("completed");
    scheduled["scheduledDateTime"] = json!("2026-12-01T00:00:00Z");
    scheduled["completedDateTime"] = json!("2026-12-01T01:00:00Z");
    let second_run = app
        .post(&format!("/{LIVE}/{}/runs", chain.workflow), &scheduled)
        .await
        .id();
    let mut user = user_result_body();
    user["subject"] = json!({"id": uuid::Uuid::new_v4()});
    user["processingStatus"] = json!("failed");
    user["workflowVersion"] = json!(3);
    user["startedDateTime"] = json!("2026-12-01T00:00:00Z");
    app.post(
        &format!(
            "/{LIVE}/{}/runs/{second_run}/userProcessingResults",
            chain.workflow
        ),
        &user,
    )
    .await;
    for (status, reason) in [("failed", Some("locked")), ("completed", None)] {
        let mut body = seed_body();
        body["processingStatus"] = json!(status);
        body["failureReason"] = json!(reason);
        body["processingInfo"] = json!("retry");
        app.post(&chain.same_task_path(LIVE), &body).await;
    }

    let workflow = format!("/{LIVE}/{}", chain.workflow);
    check_every_field(&app, &format!("/{LIVE}"), db::workflows::FILTERABLE, "").await;
    check_every_field(
        &app,
        &format!("{workflow}/tasks"),
        db::tasks::FILTERABLE,
        "",
    )
    .await;
    check_every_field(&app, &format!("{workflow}/runs"), db::runs::FILTERABLE, "").await;
    check_every_field(
        &app,
        &format!("{workflow}/userProcessingResults"),
        db::user_processing_results::FILTERABLE,
        "",
    )
    .await;
    check_every_field(
        &app,
        &format!("{}/taskProcessingResults", chain.run_path(LIVE)),
        db::task_processing_results::FILTERABLE,
        "&$expand=task",
    )
    .await;
}
