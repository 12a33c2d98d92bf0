//! Hostile input for every request body the service decodes: arbitrary bytes,
//! arbitrary JSON objects built from the bodies' own vocabulary, and valid bodies
//! with a few properties removed, replaced or added. Each input goes through the
//! handler's own path (`json::decode`, then the body's `into_domain`), which must
//! never panic and must answer either a value or a 400 `invalidRequest` that names
//! the property (or, for what is not a JSON object, the request body).
//!
//! The case counts are proptest's (256 a property); `PROPTEST_CASES=100000 cargo
//! test --lib routes::fuzz` runs longer.

use super::batch::BatchBody;
use super::body::Reference;
use super::custom_task_extensions::check_endpoint;
use super::runs::{ProcessingPatchBody, RunBody};
use super::task_processing_results::{TaskProcessingResultBody, TaskProcessingResultPatchBody};
use super::tasks::TaskPatchBody;
use super::user_processing_results::UserProcessingResultBody;
use super::workflows::{ActivateBody, WorkflowBody, WorkflowPatchBody};
use crate::domain::custom_task_extension::{CustomTaskExtensionBody, CustomTaskExtensionPatchBody};
use crate::domain::group::{GroupBody, GroupPatchBody};
use crate::domain::json::decode;
use crate::domain::user::{UserBody, UserPatchBody};
use crate::error::GraphError;
use actix_web::http::StatusCode;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::sync::LazyLock;
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema};
use utoipa::openapi::RefOr;
use uuid::Uuid;

const ID: &str = "8c4a1b6e-0a3f-4a77-9d41-3b0c1f1d2e3f";

/// One body type: how the handler decodes and checks it, and bodies it accepts.
struct BodyKind {
    name: &'static str,
    check: fn(&[u8]) -> Result<(), GraphError>,
    valid: fn() -> Vec<Value>,
}

impl std::fmt::Debug for BodyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

fn checked<T: serde::de::DeserializeOwned, D>(
    bytes: &[u8],
    into_domain: impl FnOnce(T) -> Result<D, GraphError>,
) -> Result<(), GraphError> {
    into_domain(decode::<T>(bytes)?).map(|_| ())
}

const BODIES: &[BodyKind] = &[
    BodyKind {
        name: "workflow create",
        check: |bytes| checked(bytes, |body: WorkflowBody| Ok(body.into_domain()?)),
        valid: || vec![workflow(), minimal_workflow()],
    },
    BodyKind {
        name: "workflow update",
        check: |bytes| checked(bytes, |body: WorkflowPatchBody| Ok(body.into_domain()?)),
        valid: || {
            vec![
                json!({"displayName": "Renamed", "description": null, "isEnabled": true, "isSchedulingEnabled": true}),
                json!({"@odata.type": "#microsoft.graph.identityGovernance.workflow", "description": "x"}),
            ]
        },
    },
    BodyKind {
        name: "task update",
        check: |bytes| checked(bytes, |body: TaskPatchBody| Ok(body.into_domain()?)),
        valid: || vec![json!({"displayName": "Renamed", "description": null})],
    },
    BodyKind {
        name: "run create",
        check: |bytes| checked(bytes, |body: RunBody| Ok(body.into_domain()?)),
        valid: || {
            vec![json!({
                "processingStatus": "inProgress", "workflowExecutionType": "onDemand",
                "scheduledDateTime": "2026-11-29T07:00:00Z", "startedDateTime": "2026-11-29T07:00:05Z",
                "totalUsersCount": 3, "id": "ignored", "lastUpdatedDateTime": null
            })]
        },
    },
    BodyKind {
        name: "processing update",
        check: |bytes| {
            checked(bytes, |body: ProcessingPatchBody| {
                Ok(body.into_domain("microsoft.graph.identityGovernance.run")?)
            })
        },
        valid: || {
            vec![json!({
                "processingStatus": "completed", "startedDateTime": "2026-11-29T07:00:00Z",
                "completedDateTime": "2026-11-29T07:00:01.1234567-01:00"
            })]
        },
    },
    BodyKind {
        name: "userProcessingResult create",
        check: |bytes| {
            checked(bytes, |body: UserProcessingResultBody| {
                Ok(body.into_domain()?)
            })
        },
        valid: || {
            vec![
                json!({
                    "subject": {"id": ID}, "processingStatus": "inProgress",
                    "workflowExecutionType": "onDemand", "scheduledDateTime": "2026-11-29T07:00:00Z",
                    "workflowVersion": 2
                }),
                json!({
                    "subject@odata.bind": format!("https://graph.microsoft.com/v1.0/users('{ID}')"),
                    "processingStatus": "queued", "workflowExecutionType": "scheduled",
                    "scheduledDateTime": "2026-11-29T07:00:00"
                }),
            ]
        },
    },
    BodyKind {
        name: "taskProcessingResult create",
        check: |bytes| {
            checked(bytes, |body: TaskProcessingResultBody| {
                Ok(body.for_named_task()?)
            })
        },
        valid: || {
            vec![
                json!({"task": {"id": ID}, "createdDateTime": "2026-11-29T07:00:00Z", "processingStatus": "queued"}),
                json!({
                    "task@odata.bind": format!("/tasks/{ID}"), "createdDateTime": "2026-11-29T07:00:00Z",
                    "processingStatus": "failed", "failureReason": "litigation hold", "processingInfo": null,
                    "subject": {"id": ID}
                }),
            ]
        },
    },
    BodyKind {
        name: "taskProcessingResult create for the same task",
        check: |bytes| {
            checked(bytes, |body: TaskProcessingResultBody| {
                Ok(body.for_same_task(Uuid::nil())?)
            })
        },
        valid: || {
            vec![json!({
                "createdDateTime": "2026-11-29T07:05:00Z", "processingStatus": "completed",
                "startedDateTime": "2026-11-29T07:05:01Z", "completedDateTime": "2026-11-29T07:05:02Z"
            })]
        },
    },
    BodyKind {
        name: "taskProcessingResult update",
        check: |bytes| {
            checked(bytes, |body: TaskProcessingResultPatchBody| {
                Ok(body.into_domain()?)
            })
        },
        valid: || {
            vec![
                json!({"processingStatus": "failed", "failureReason": "x", "processingInfo": null}),
                json!({}),
            ]
        },
    },
    BodyKind {
        name: "activate",
        check: |bytes| checked(bytes, |body: ActivateBody| Ok(body.into_domain()?)),
        valid: || {
            vec![
                json!({"subjects": [{"id": ID}, {"id": ID, "@odata.type": "#microsoft.graph.user"}]}),
            ]
        },
    },
    BodyKind {
        name: "$batch",
        check: |bytes| checked(bytes, |body: BatchBody| body.order()),
        valid: || {
            vec![json!({"requests": [
                {"id": "1", "method": "GET", "url": "/identityGovernance/lifecycleWorkflows/workflows"},
                {"id": "2", "method": "post", "url": "/identityGovernance/lifecycleWorkflows/workflows",
                 "headers": {"Content-Type": "application/json"}, "body": {"a": [1]}, "dependsOn": ["1"]}
            ]})]
        },
    },
    BodyKind {
        name: "user create",
        check: |bytes| checked(bytes, |body: UserBody| Ok(body.into_domain()?)),
        valid: || {
            vec![
                json!({
                    "accountEnabled": true, "displayName": "Adele Vance", "mailNickname": "AdeleV",
                    "userPrincipalName": "AdeleV@contoso.com",
                    "passwordProfile": {"forceChangePasswordNextSignIn": true, "password": "x"}
                }),
                json!({
                    "@odata.type": "#microsoft.graph.user", "displayName": "A", "userPrincipalName": "a@b",
                    "givenName": "A", "surname": null, "mail": "a@b", "department": "Sales",
                    "jobTitle": "Buyer", "companyName": "Contoso", "officeLocation": "1",
                    "employeeId": "7", "employeeType": "Employee",
                    "employeeHireDate": "2027-01-04T08:00:00Z", "employeeLeaveDateTime": null,
                    "id": "ignored", "createdDateTime": null
                }),
            ]
        },
    },
    BodyKind {
        name: "user update",
        check: |bytes| checked(bytes, |body: UserPatchBody| Ok(body.into_domain()?)),
        valid: || {
            vec![json!({
                "displayName": "B", "userPrincipalName": "b@c", "accountEnabled": false,
                "department": null, "employeeLeaveDateTime": "2027-03-31T17:00:00Z",
                "passwordProfile": null, "mailNickname": "b"
            })]
        },
    },
    BodyKind {
        name: "group create",
        check: |bytes| checked(bytes, |body: GroupBody| Ok(body.into_domain()?)),
        valid: || {
            vec![json!({
                "description": "Library", "displayName": "Library Assist", "groupTypes": ["Unified"],
                "mailEnabled": true, "mailNickname": "library", "securityEnabled": false
            })]
        },
    },
    BodyKind {
        name: "group update",
        check: |bytes| checked(bytes, |body: GroupPatchBody| Ok(body.into_domain()?)),
        valid: || vec![json!({"displayName": "B", "description": null, "groupTypes": []})],
    },
    BodyKind {
        name: "customTaskExtension create",
        check: |bytes| {
            checked(bytes, |body: CustomTaskExtensionBody| {
                let extension = body.into_domain()?;
                Ok(check_endpoint(&extension.endpoint_configuration, false)?)
            })
        },
        valid: || vec![custom_task_extension(), minimal_custom_task_extension()],
    },
    BodyKind {
        name: "customTaskExtension update",
        check: |bytes| {
            checked(bytes, |body: CustomTaskExtensionPatchBody| {
                let update = body.into_domain()?;
                match &update.endpoint_configuration {
                    Some(endpoint) => Ok(check_endpoint(endpoint, false)?),
                    None => Ok(()),
                }
            })
        },
        valid: || {
            vec![
                json!({"description": null, "callbackConfiguration": null, "clientConfiguration": null}),
                json!({"endpointConfiguration": {"@odata.type": "#microsoft.graph.httpRequestEndpoint",
                                                 "targetUrl": "https://contoso.example/run"},
                       "authenticationConfiguration": {"@odata.type": "#microsoft.graph.azureAdPopTokenAuthentication"}}),
            ]
        },
    },
    BodyKind {
        name: "$ref",
        check: |bytes| checked(bytes, |body: Reference| Ok(body.directory_object()?)),
        valid: || {
            vec![
                json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{ID}")}),
            ]
        },
    },
];

fn workflow() -> Value {
    json!({
        "category": "leaver",
        "displayName": "Offboard",
        "description": null,
        "isEnabled": true,
        "isSchedulingEnabled": true,
        "executionConditions": {
            "@odata.type": "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
            "scope": {"@odata.type": "microsoft.graph.identityGovernance.groupBasedSubjectSet", "groups": [{"id": ID}]},
            "trigger": {"@odata.type": "#microsoft.graph.identityGovernance.timeBasedAttributeTrigger",
                        "timeBasedAttribute": "employeeLeaveDateTime", "offsetInDays": -180}
        },
        "tasks": [
            {"displayName": "Remove licences", "taskDefinitionId": ID, "category": "leaver,joiner",
             "arguments": [{"name": "cc", "value": null}], "continueOnError": true, "isEnabled": false,
             "id": "ignored", "executionSequence": 4}
        ],
        "id": "ignored", "version": 7, "createdDateTime": "not even a date"
    })
}

/// As the Python SDK writes one: every object with its `@odata.type`, the
/// callback's timeout as Python writes a timedelta.
fn custom_task_extension() -> Value {
    json!({
        "@odata.type": "#microsoft.graph.identityGovernance.customTaskExtension",
        "displayName": "Grant manager access",
        "description": "Grant manager access to mailbox and OneDrive",
        "endpointConfiguration": {
            "@odata.type": "#microsoft.graph.logicAppTriggerEndpointConfiguration",
            "subscriptionId": ID, "resourceGroupName": "RG-LCM", "logicAppWorkflowName": "ManagerAccess",
            "url": "https://prod-1.westus.logic.azure.com/workflows/1/triggers/manual/run"
        },
        "authenticationConfiguration": {
            "@odata.type": "#microsoft.graph.azureAdTokenAuthentication", "resourceId": ID
        },
        "clientConfiguration": {
            "@odata.type": "#microsoft.graph.customExtensionClientConfiguration",
            "maximumRetries": 1, "timeoutInMilliseconds": 1000
        },
        "callbackConfiguration": {
            "@odata.type": "#microsoft.graph.identityGovernance.customTaskExtensionCallbackConfiguration",
            "timeoutDuration": "0:20:00",
            "authorizedApps": [{"@odata.type": "#microsoft.graph.application", "id": ID}]
        },
        "id": "ignored", "createdDateTime": null
    })
}

fn minimal_custom_task_extension() -> Value {
    json!({
        "displayName": "x",
        "endpointConfiguration": {"@odata.type": "microsoft.graph.httpRequestEndpoint", "targetUrl": "https://a.example"}
    })
}

fn minimal_workflow() -> Value {
    json!({
        "category": "joiner",
        "displayName": "x",
        "executionConditions": {"@odata.type": "microsoft.graph.identityGovernance.onDemandExecutionOnly"},
        "tasks": [{"displayName": "t", "taskDefinitionId": ID}]
    })
}

/// Every property name the bodies have, nested ones included, so that generated
/// objects often get past `deny_unknown_fields`: read from the OpenAPI document,
/// so a property added to a body is generated too.
static KEYS: LazyLock<Vec<String>> = LazyLock::new(request_properties);

/// The names of the properties reachable from the request body of every operation
/// of the OpenAPI document: through `$ref`s into its components, object
/// properties, array items, additional properties and `oneOf`/`anyOf`/`allOf`.
/// Sorted, without repeats. `tests/api/hostile.rs` reads the same names from the
/// served JSON: that crate cannot see this `#[cfg(test)]` module.
fn request_properties() -> Vec<String> {
    let document = crate::openapi::document(super::endpoints());
    let components = document
        .components
        .map(|components| components.schemas)
        .unwrap_or_default();
    let operations = document.paths.paths.into_values().flat_map(|item| {
        [
            item.get,
            item.put,
            item.post,
            item.delete,
            item.options,
            item.head,
            item.patch,
            item.trace,
        ]
    });
    let mut pending: Vec<RefOr<Schema>> = operations
        .flatten()
        .filter_map(|operation| operation.request_body)
        .flat_map(|body| body.content.into_values())
        .filter_map(|content| content.schema)
        .collect();
    let (mut names, mut followed) = (BTreeSet::new(), BTreeSet::new());
    while let Some(schema) = pending.pop() {
        match schema {
            RefOr::Ref(reference) => {
                if followed.insert(reference.ref_location.clone()) {
                    let name = reference.ref_location.rsplit('/').next();
                    pending.extend(name.and_then(|name| components.get(name)).cloned());
                }
            }
            RefOr::T(Schema::Object(object)) => {
                names.extend(object.properties.keys().cloned());
                pending.extend(object.properties.into_values());
                if let Some(AdditionalProperties::RefOr(schema)) =
                    object.additional_properties.map(|additional| *additional)
                {
                    pending.push(schema);
                }
            }
            RefOr::T(Schema::Array(array)) => {
                if let ArrayItems::RefOrSchema(items) = array.items {
                    pending.push(*items);
                }
            }
            RefOr::T(Schema::OneOf(one_of)) => pending.extend(one_of.items),
            RefOr::T(Schema::AnyOf(any_of)) => pending.extend(any_of.items),
            RefOr::T(Schema::AllOf(all_of)) => pending.extend(all_of.items),
            RefOr::T(_) => {}
        }
    }
    names.into_iter().collect()
}

/// Strings the service gives meaning to, and near misses.
fn special_strings() -> Vec<String> {
    let mut strings: Vec<String> = [
        "#microsoft.graph.identityGovernance.onDemandExecutionOnly",
        "#microsoft.graph.identityGovernance.triggerAndScopeBasedConditions",
        "#microsoft.graph.identityGovernance.ruleBasedSubjectSet",
        "microsoft.graph.identityGovernance.groupBasedSubjectSet",
        "#microsoft.graph.identityGovernance.timeBasedAttributeTrigger",
        "#microsoft.graph.identityGovernance.attributeChangeTrigger",
        "#microsoft.graph.identityGovernance.membershipChangeTrigger",
        "#microsoft.graph.identityGovernance.userInactivityTrigger",
        "#microsoft.graph.identityGovernance.workflow",
        "#microsoft.graph.identityGovernance.task",
        "microsoft.graph.identityGovernance.run",
        "#microsoft.graph.identityGovernance.taskProcessingResult",
        "#microsoft.graph.identityGovernance.userProcessingResult",
        "#",
        "##microsoft.graph.identityGovernance.workflow",
        "queued",
        "inProgress",
        "completed",
        "completedWithErrors",
        "canceled",
        "failed",
        "unknownFutureValue",
        "canceling",
        "quarantined",
        "Failed",
        "joiner",
        "leaver",
        "mover",
        "joiner,leaver",
        "leaver, mover",
        "joiner,,leaver",
        ",",
        "onDemand",
        "scheduled",
        "activatedWithScope",
        "employeeHireDate",
        "employeeLeaveDateTime",
        "add",
        "remove",
        "2026-11-29T07:00:00Z",
        "2026-11-29T07:00:00.1234567Z",
        "2026-11-29T07:00:00.12345678Z",
        "9999-12-31T23:59:59.9999999-14:00",
        "0000-01-01T00:00:00+14:00",
        "2026-02-30T00:00:00Z",
        "2026-11-29",
        "2026-11-29T24:00:00Z",
        "2026-11-29T07:00:60Z",
        "+002026-11-29T07:00:00Z",
        "2026-11-29T07:00:00+99:99",
        "2026-11-29T07:00:00.Z",
        ID,
        "00000000-0000-0000-0000-000000000000",
        "8C4A1B6E0A3F4A779D413B0C1F1D2E3F",
        "{8c4a1b6e-0a3f-4a77-9d41-3b0c1f1d2e3f}",
        "https://graph.microsoft.com/v1.0/users/8c4a1b6e-0a3f-4a77-9d41-3b0c1f1d2e3f",
        "users('8c4a1b6e-0a3f-4a77-9d41-3b0c1f1d2e3f')",
        "/tasks/8c4a1b6e-0a3f-4a77-9d41-3b0c1f1d2e3f",
        "tasks(",
        "users()",
        "/users//",
        "?#",
        "GET",
        "post",
        "DELETE",
        "CONNECT",
        "get ",
        "/identityGovernance/lifecycleWorkflows/workflows",
        "/$batch",
        "/%24BATCH",
        "workflows",
        "https://example.com/beta/workflows",
        "//example.com",
        "application/json",
        "Content-Length",
        "Host",
        "Authorization",
        "",
        " ",
        "\u{0}",
        "\u{feff}",
        "\u{10ffff}",
        "é",
        "😀",
    ]
    .iter()
    .map(|text| (*text).to_owned())
    .collect();
    strings.push("x".repeat(257));
    strings.push("y".repeat(4001));
    strings
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop::num::f64::NORMAL.prop_map(Value::from),
        prop::sample::select(vec![
            0i64,
            1,
            -1,
            25,
            26,
            100,
            101,
            180,
            181,
            -180,
            -181,
            2_147_483_647,
            2_147_483_648,
            -2_147_483_649,
            4_294_967_296,
        ])
        .prop_map(Value::from),
        Just(json!(1.0)),
        Just(json!(1e300)),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::from),
        2 => number(),
        2 => "\\PC{0,40}".prop_map(Value::from),
        1 => any::<String>().prop_map(Value::from),
        4 => prop::sample::select(special_strings()).prop_map(Value::from),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(KEYS.as_slice()),
        1 => "\\PC{0,12}",
    ]
}

/// Any JSON value, objects keyed mostly by the bodies' property names.
fn any_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn any_object() -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), any_json()), 0..10)
        .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>()))
}

/// A change to one place of a body.
#[derive(Debug, Clone)]
enum Mutation {
    Remove,
    Replace(Value),
    Insert(String, Value),
}

fn mutation() -> impl Strategy<Value = (Index, Mutation)> {
    let change = prop_oneof![
        1 => Just(Mutation::Remove),
        3 => any_json().prop_map(Mutation::Replace),
        2 => (key(), any_json()).prop_map(|(key, value)| Mutation::Insert(key, value)),
    ];
    (any::<Index>(), change)
}

/// The JSON pointers of every value in `value`, itself included.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                pointers(inner, format!("{at}/{escaped}"), out);
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                pointers(inner, format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

fn apply(mut value: Value, mutations: &[(Index, Mutation)]) -> Value {
    for (index, mutation) in mutations {
        let mut all = Vec::new();
        pointers(&value, String::new(), &mut all);
        let pointer = index.get(&all).clone();
        match mutation {
            Mutation::Remove => {
                if let Some((parent, last)) = pointer.rsplit_once('/') {
                    let last = last.replace("~1", "/").replace("~0", "~");
                    match value.pointer_mut(parent) {
                        Some(Value::Object(object)) => {
                            object.remove(&last);
                        }
                        Some(Value::Array(items)) => {
                            if let Ok(position) = last.parse::<usize>() {
                                if position < items.len() {
                                    items.remove(position);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            Mutation::Replace(replacement) => {
                if pointer.is_empty() {
                    // Keep the top level an object: replace its content instead.
                    if let Value::Object(object) = replacement {
                        value = Value::Object(object.clone());
                    }
                } else if let Some(slot) = value.pointer_mut(&pointer) {
                    *slot = replacement.clone();
                }
            }
            Mutation::Insert(key, inserted) => match value.pointer_mut(&pointer) {
                Some(Value::Object(object)) => {
                    object.insert(key.clone(), inserted.clone());
                }
                Some(Value::Array(items)) => items.push(inserted.clone()),
                _ => {}
            },
        }
    }
    value
}

/// A valid body of the kind, changed in one to three places.
fn mutated(kind: &'static BodyKind) -> impl Strategy<Value = Value> {
    (
        prop::sample::select((kind.valid)()),
        prop::collection::vec(mutation(), 1..4),
    )
        .prop_map(|(valid, mutations)| apply(valid, &mutations))
}

/// Whether an error message names what is at fault: a property (as the body
/// decoder and the validation write it) or the body as a whole.
fn names_the_fault(message: &str, json_object: bool) -> bool {
    let names_property = message.contains("property '")
        || message.contains("field `")
        || message.contains("variant `");
    names_property || (!json_object && message.contains("request body"))
}

fn check_outcome(kind: &BodyKind, input: &[u8], json_object: bool) -> Result<(), TestCaseError> {
    if let Err(error) = (kind.check)(input) {
        let shown = String::from_utf8_lossy(input);
        prop_assert_eq!(
            error.status,
            StatusCode::BAD_REQUEST,
            "{}: {}",
            kind.name,
            shown
        );
        prop_assert_eq!(error.code(), "invalidRequest", "{}: {}", kind.name, shown);
        prop_assert!(
            names_the_fault(&error.message, json_object),
            "{}: the error for {} does not name the fault: {}",
            kind.name,
            shown,
            error.message
        );
        prop_assert!(!error.message.contains("An internal error"));
    }
    Ok(())
}

fn kind() -> impl Strategy<Value = &'static BodyKind> {
    prop::sample::select(BODIES.iter().collect::<Vec<_>>())
}

proptest! {
    #[test]
    fn arbitrary_bytes_are_a_value_or_a_400(kind in kind(), bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_outcome(kind, &bytes, false)?;
    }

    #[test]
    fn arbitrary_text_after_an_opening_brace_is_a_value_or_a_400(kind in kind(), text in "\\{\\PC{0,200}") {
        check_outcome(kind, text.as_bytes(), false)?;
    }

    #[test]
    fn arbitrary_json_objects_are_a_value_or_a_400_naming_the_property(kind in kind(), object in any_object()) {
        let bytes = serde_json::to_vec(&object).map_err(|error| TestCaseError::fail(error.to_string()))?;
        check_outcome(kind, &bytes, true)?;
    }

    #[test]
    fn valid_bodies_changed_in_places_are_a_value_or_a_400_naming_the_property(
        (kind, body) in kind().prop_flat_map(|kind| (Just(kind), mutated(kind)))
    ) {
        let bytes = serde_json::to_vec(&body).map_err(|error| TestCaseError::fail(error.to_string()))?;
        check_outcome(kind, &bytes, true)?;
    }
}

#[test]
fn the_valid_bodies_are_accepted() {
    for kind in BODIES {
        for body in (kind.valid)() {
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            if let Err(error) = (kind.check)(&bytes) {
                panic!("{}: {body} was refused: {}", kind.name, error.message);
            }
        }
    }
}

/// The keys hold every property the valid bodies use, however deep (the free-form
/// contents of a batch request's `body` and `headers` aside): the document
/// describes them and `request_properties` follows it there.
#[test]
fn the_keys_hold_every_property_of_the_valid_bodies() {
    fn check(kind: &str, value: &Value) {
        match value {
            Value::Object(object) => {
                for (key, inner) in object {
                    assert!(KEYS.contains(key), "{kind}: {key} is not among the keys");
                    if key != "body" && key != "headers" {
                        check(kind, inner);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| check(kind, item)),
            _ => {}
        }
    }
    for kind in BODIES {
        for body in (kind.valid)() {
            check(kind.name, &body);
        }
    }
}

/// Found by `valid_bodies_changed_in_places_…`: an array in place of a nested
/// object was read by position, and one longer than the object was reported as
/// JSON that is not valid ("trailing characters"), naming no property.
#[test]
fn arrays_in_place_of_objects_are_refused_naming_the_property() {
    let mut body = workflow();
    if let Some(Value::Array(arguments)) = body.pointer_mut("/tasks/0/arguments") {
        arguments.push(json!(["", "", null]));
    }
    let message = |kind: usize, body: &Value| {
        (BODIES[kind].check)(body.to_string().as_bytes())
            .err()
            .map(|error| error.message)
            .unwrap_or_default()
    };
    let refused = message(0, &body);
    assert!(refused.contains("'tasks[0].arguments[1]'"), "{refused}");
    assert!(!refused.contains("not valid JSON"), "{refused}");
    for (kind, pointer, array) in [
        (0, "/tasks/0/arguments/0", json!(["cc", "hr@example.com"])),
        (0, "/tasks/0", json!(["t", null, ID])),
        (
            0,
            "/executionConditions/scope",
            json!([
                "#microsoft.graph.identityGovernance.ruleBasedSubjectSet",
                "x"
            ]),
        ),
        (0, "/executionConditions/scope/groups/0", json!([ID])),
        (5, "/subject", json!([ID])),
        (6, "/task", json!([ID])),
        (9, "/subjects/0", json!([ID])),
        (
            10,
            "/requests/0",
            json!([
                "1",
                "GET",
                "/identityGovernance/lifecycleWorkflows/workflows"
            ]),
        ),
        (11, "/passwordProfile", json!(["x", true])),
    ] {
        let mut body = (BODIES[kind].valid)().remove(0);
        if let Some(slot) = body.pointer_mut(pointer) {
            *slot = array;
        }
        let refused = message(kind, &body);
        let property = pointer
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        assert!(
            refused.contains(property) && refused.contains("invalid type"),
            "{}: {pointer}: {refused}",
            BODIES[kind].name
        );
    }
}

/// The create for the same task takes its task from the address: a body naming
/// one, even as null, is refused naming the property (the document leaves both
/// out, so a request with either does not match it).
#[test]
fn the_create_for_the_same_task_refuses_a_task_even_null() {
    let same_task = BODIES
        .iter()
        .find(|kind| kind.name == "taskProcessingResult create for the same task")
        .expect("the kind");
    for (property, value) in [
        ("task", json!(null)),
        ("task", json!({"id": ID})),
        ("task@odata.bind", json!(null)),
        ("task@odata.bind", json!(format!("/tasks/{ID}"))),
    ] {
        let mut body = (same_task.valid)().remove(0);
        body[property] = value;
        let error = (same_task.check)(body.to_string().as_bytes())
            .err()
            .unwrap_or_else(|| panic!("{body} was accepted"));
        assert!(
            error.message.contains(&format!("'{property}'")),
            "{body}: {}",
            error.message
        );
    }
}

#[test]
fn deep_nesting_anywhere_is_a_400() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for kind in BODIES {
        for key in ["id", "tasks", "subject", "requests", "body", "unknown"] {
            let input = format!("{{\"{key}\": {deep}}}");
            let error = (kind.check)(input.as_bytes())
                .err()
                .unwrap_or_else(|| panic!("{}: {key} was accepted", kind.name));
            assert_eq!(error.status, StatusCode::BAD_REQUEST, "{}", kind.name);
        }
    }
}
