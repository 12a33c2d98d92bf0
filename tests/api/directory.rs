//! The directory at Graph's own paths: users (with their manager and groups)
//! and groups (with their members), every status and error code they answer,
//! the changes they record for the workflows that trigger on them, the import
//! command, the functions the engine calls, and a result's subject expanded
//! to its user.

use crate::helpers::{
    client_with_token, run_binary, user_result_body, Response, TestApp, BINARY, LIVE,
};
use lifecycle_workflows::db::groups::{self, Membership};
use lifecycle_workflows::db::transaction::WriteConnection;
use lifecycle_workflows::db::users;
use lifecycle_workflows::domain::user::UserUpdate;
use lifecycle_workflows::tenant::Tenant;
use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};
use std::process::Command;
use uuid::Uuid;

impl TestApp {
    /// The absolute URL of `path` below `/beta`, where the directory is.
    fn beta(&self, path: &str) -> String {
        format!("{}/beta{path}", self.address)
    }

    async fn directory_get(&self, path: &str) -> Response {
        self.send(self.client.get(self.beta(path))).await
    }

    async fn directory_write(&self, method: &str, path: &str, body: Option<&Value>) -> Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let request = self.client.request(method, self.beta(path));
        let request = match body {
            Some(body) => request.json(body),
            None => request,
        };
        self.send(request).await
    }

    /// Creates a user through the API; its id.
    async fn create_user(&self, display_name: &str, principal: &str) -> String {
        let body = json!({"displayName": display_name, "userPrincipalName": principal});
        let created = self.directory_write("POST", "/users", Some(&body)).await;
        assert_eq!(created.status, 201, "{}", created.text);
        created.id()
    }

    async fn create_group(&self, display_name: &str) -> String {
        let body = json!({"displayName": display_name, "groupTypes": [], "mailEnabled": false,
                          "mailNickname": "g", "securityEnabled": true});
        let created = self.directory_write("POST", "/groups", Some(&body)).await;
        assert_eq!(created.status, 201, "{}", created.text);
        created.id()
    }

    /// The changes recorded for `user`: (kind, attribute, group), oldest first.
    async fn changes(&self, user: &str) -> Vec<(String, Option<String>, Option<Uuid>)> {
        sqlx::query_as(
            "select kind, attribute, group_id from directory_changes
             where tenant_id = $1 and user_id = $2::uuid order by id",
        )
        .bind(self.tenant)
        .bind(user)
        .fetch_all(&self.db)
        .await
        .unwrap()
    }
}

fn reference(collection: &str, id: &str) -> Value {
    json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/{collection}/{id}")})
}

fn assert_v7(id: &str) {
    assert_eq!(Uuid::parse_str(id).unwrap().get_version_num(), 7, "{id}");
}

#[tokio::test]
async fn users_are_created_read_listed_updated_and_deleted() {
    let app = TestApp::spawn().await;
    // Graph's own example: the password and mail nickname are accepted, not kept.
    let created = app
        .directory_write(
            "POST",
            "/users",
            Some(&json!({
                "accountEnabled": true, "displayName": "Adele Vance", "mailNickname": "AdeleV",
                "userPrincipalName": "AdeleV@contoso.com", "department": "Sales",
                "employeeHireDate": "2027-01-04T08:00:00+01:00",
                "passwordProfile": {"forceChangePasswordNextSignIn": true, "password": "xWwvJ]6NMw+bWH-d"},
                "id": "ignored", "createdDateTime": "ignored"
            })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.id();
    assert_v7(&id);
    assert_eq!(
        created.header("location").unwrap(),
        app.beta(&format!("/users/{id}"))
    );
    let body = &created.body;
    assert_eq!(
        body["@odata.context"],
        format!("{}/beta/$metadata#users/$entity", app.address)
    );
    assert_eq!(body["@odata.type"], "#microsoft.graph.user");
    assert_eq!(body["employeeHireDate"], "2027-01-04T07:00:00Z");
    assert_eq!(body["accountEnabled"], true);
    assert_eq!(body["surname"], Value::Null);
    assert!(body["createdDateTime"].is_string());
    assert!(!created.text.contains("xWwvJ") && body.get("passwordProfile").is_none());

    // Every version prefix serves the same directory.
    for version in ["/beta", "/v1.0", ""] {
        let read = app
            .send(
                app.client
                    .get(format!("{}{version}/users/{id}", app.address)),
            )
            .await;
        assert_eq!(read.status, 200, "{version}: {}", read.text);
        assert_eq!(
            read.body["@odata.context"],
            format!("{}{version}/$metadata#users/$entity", app.address)
        );
        assert_eq!(read.body["displayName"], "Adele Vance");
    }

    for index in 0..3 {
        app.create_user(
            &format!("User {index}"),
            &format!("user{index}@contoso.com"),
        )
        .await;
    }
    let page = app.directory_get("/users?$filter=startsWith ne null").await;
    page.assert_error(400, "invalidRequest");
    let page = app
        .directory_get("/users?$filter=department eq 'Sales'&$select=displayName&$count=true")
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.body["@odata.count"], 1);
    assert_eq!(
        page.body["value"][0],
        json!({"@odata.type": "#microsoft.graph.user", "id": id, "displayName": "Adele Vance"})
    );
    assert_eq!(
        page.body["@odata.context"],
        format!("{}/beta/$metadata#users(displayName)", app.address)
    );
    let first = app
        .directory_get("/users?$top=2&$orderby=displayName desc&$count=true")
        .await;
    assert_eq!(first.body["@odata.count"], 4);
    assert_eq!(first.body["value"][0]["displayName"], "User 2");
    let next = first.body["@odata.nextLink"].as_str().unwrap();
    let second = app.send(app.client.get(next)).await;
    assert_eq!(second.body["value"][1]["displayName"], "Adele Vance");
    assert!(second.body.get("@odata.nextLink").is_none());
    let searched = app.directory_get("/users?$search=\"user 1\"").await;
    assert_eq!(searched.body["value"].as_array().unwrap().len(), 1);
    let counted = app.directory_get("/users/$count").await;
    assert_eq!(counted.text, "4");

    let patched = app
        .directory_write(
            "PATCH",
            &format!("/users/{id}"),
            Some(
                &json!({"jobTitle": "Buyer", "department": null, "accountEnabled": false,
                         "passwordProfile": {"password": "new"}}),
            ),
        )
        .await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    let read = app.directory_get(&format!("/users/{id}")).await;
    assert_eq!(read.body["jobTitle"], "Buyer");
    assert_eq!(read.body["department"], Value::Null);
    assert_eq!(read.body["accountEnabled"], false);

    let deleted = app
        .directory_write("DELETE", &format!("/users/{id}"), None)
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let message = app
        .directory_get(&format!("/users/{id}"))
        .await
        .assert_error(404, "itemNotFound");
    assert!(message.contains(&id), "{message}");
    for method in ["PATCH", "DELETE"] {
        let again = app
            .directory_write(method, &format!("/users/{id}"), Some(&json!({})))
            .await;
        let message = again.assert_error(404, "itemNotFound");
        assert!(message.contains("No user with id"), "{method}: {message}");
    }
    let message = app
        .directory_get("/users/not-a-uuid")
        .await
        .assert_error(404, "itemNotFound");
    assert!(message.contains("userId"), "{message}");
}

#[tokio::test]
async fn bad_user_input_is_a_400_naming_the_property_and_a_taken_name_a_409() {
    let app = TestApp::spawn().await;
    let id = app.create_user("Adele Vance", "AdeleV@contoso.com").await;
    for (body, property) in [
        (json!({"userPrincipalName": "a@b"}), "displayName"),
        (
            json!({"displayName": " ", "userPrincipalName": "a@b"}),
            "displayName",
        ),
        (
            json!({"displayName": "x".repeat(257), "userPrincipalName": "a@b"}),
            "displayName",
        ),
        (json!({"displayName": "A"}), "userPrincipalName"),
        (
            json!({"displayName": "A", "userPrincipalName": "no-at-sign"}),
            "userPrincipalName",
        ),
        (
            json!({"displayName": "A", "userPrincipalName": "a@b", "accountEnabled": "yes"}),
            "accountEnabled",
        ),
        (
            json!({"displayName": "A", "userPrincipalName": "a@b", "employeeLeaveDateTime": "2027-01-04"}),
            "employeeLeaveDateTime",
        ),
        (
            json!({"displayName": "A", "userPrincipalName": "a@b", "@odata.type": "#microsoft.graph.group"}),
            "@odata.type",
        ),
        (
            json!({"displayName": "A", "userPrincipalName": "a@b", "favouriteColour": "red"}),
            "favouriteColour",
        ),
    ] {
        let response = app.directory_write("POST", "/users", Some(&body)).await;
        let message = response.assert_error(400, "invalidRequest");
        assert!(message.contains(property), "{body}: {message}");
    }
    for (body, property) in [
        (
            json!({"createdDateTime": "2026-01-01T00:00:00Z"}),
            "createdDateTime",
        ),
        (json!({"id": id}), "id"),
        (json!({"displayName": null}), "displayName"),
        (json!({"accountEnabled": null}), "accountEnabled"),
        (json!({"userPrincipalName": "a b@c"}), "userPrincipalName"),
    ] {
        let response = app
            .directory_write("PATCH", &format!("/users/{id}"), Some(&body))
            .await;
        let message = response.assert_error(400, "invalidRequest");
        assert!(message.contains(property), "{body}: {message}");
    }
    // Unique without regard to case, on create and on update.
    let taken = json!({"displayName": "Other", "userPrincipalName": "adelev@CONTOSO.com"});
    let message = app
        .directory_write("POST", "/users", Some(&taken))
        .await
        .assert_error(409, "conflict");
    assert!(message.contains("userPrincipalName"), "{message}");
    let other = app.create_user("Other", "other@contoso.com").await;
    let message = app
        .directory_write(
            "PATCH",
            &format!("/users/{other}"),
            Some(&json!({"userPrincipalName": "ADELEV@contoso.com"})),
        )
        .await
        .assert_error(409, "conflict");
    assert!(message.contains("userPrincipalName"), "{message}");
    let response = app
        .send(
            app.client
                .post(app.beta("/users"))
                .header("content-type", "text/plain")
                .body("{}"),
        )
        .await;
    response.assert_error(415, "unsupportedMediaType");
}

#[tokio::test]
async fn a_user_s_manager_is_set_read_and_removed_by_reference() {
    let app = TestApp::spawn().await;
    let user = app.create_user("Adele Vance", "adelev@contoso.com").await;
    let boss = app.create_user("Megan Bowen", "meganb@contoso.com").await;
    let manager_ref = format!("/users/{user}/manager/$ref");

    let message = app
        .directory_get(&format!("/users/{user}/manager"))
        .await
        .assert_error(404, "itemNotFound");
    assert!(message.contains("has no manager"), "{message}");
    for collection in ["users", "directoryObjects"] {
        let set = app
            .directory_write("PUT", &manager_ref, Some(&reference(collection, &boss)))
            .await;
        assert_eq!(set.status, 204, "{collection}: {}", set.text);
    }
    let manager = app.directory_get(&format!("/users/{user}/manager")).await;
    assert_eq!(manager.status, 200, "{}", manager.text);
    assert_eq!(manager.body["id"], boss);
    assert_eq!(manager.body["@odata.type"], "#microsoft.graph.user");
    assert_eq!(manager.body["displayName"], "Megan Bowen");

    let message = app
        .directory_write("PUT", &manager_ref, Some(&reference("users", &user)))
        .await
        .assert_error(400, "invalidRequest");
    assert!(
        message.contains("@odata.id") && message.contains("own manager"),
        "{message}"
    );
    let stranger = Uuid::now_v7().to_string();
    let message = app
        .directory_write("PUT", &manager_ref, Some(&reference("users", &stranger)))
        .await
        .assert_error(404, "itemNotFound");
    assert!(message.contains(&stranger), "{message}");
    let message = app
        .directory_write("PUT", &manager_ref, Some(&reference("groups", &boss)))
        .await
        .assert_error(400, "invalidRequest");
    assert!(message.contains("@odata.id"), "{message}");
    let message = app
        .directory_write("PUT", &manager_ref, Some(&json!({"@odata.id": 5})))
        .await
        .assert_error(400, "invalidRequest");
    assert!(message.contains("@odata.id"), "{message}");
    let message = app
        .directory_write(
            "PUT",
            &format!("/users/{stranger}/manager/$ref"),
            Some(&reference("users", &boss)),
        )
        .await
        .assert_error(404, "itemNotFound");
    assert!(message.contains(&stranger), "{message}");

    let removed = app.directory_write("DELETE", &manager_ref, None).await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    let message = app
        .directory_write("DELETE", &manager_ref, None)
        .await
        .assert_error(404, "itemNotFound");
    assert!(message.contains("has no manager"), "{message}");

    // Deleting a manager first clears it as anyone's manager.
    app.directory_write("PUT", &manager_ref, Some(&reference("users", &boss)))
        .await;
    let deleted = app
        .directory_write("DELETE", &format!("/users/{boss}"), None)
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    app.directory_get(&format!("/users/{user}/manager"))
        .await
        .assert_error(404, "itemNotFound");
    let message = app
        .directory_get(&format!("/users/{stranger}/manager"))
        .await
        .assert_error(404, "itemNotFound");
    assert!(message.contains("No user with id"), "{message}");
}

#[tokio::test]
async fn groups_are_created_read_updated_and_deleted() {
    let app = TestApp::spawn().await;
    let created = app
        .directory_write(
            "POST",
            "/groups",
            Some(&json!({
                "description": "Self help community for library", "displayName": "Library Assist",
                "groupTypes": ["Unified"], "mailEnabled": true, "mailNickname": "library",
                "securityEnabled": false
            })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.id();
    assert_v7(&id);
    assert_eq!(
        created.header("location").unwrap(),
        app.beta(&format!("/groups/{id}"))
    );
    assert_eq!(
        created.body["@odata.context"],
        format!("{}/beta/$metadata#groups/$entity", app.address)
    );
    assert_eq!(created.body["groupTypes"], json!(["Unified"]));
    assert_eq!(created.body["securityEnabled"], false);
    app.create_group("Operations").await;

    let list = app
        .directory_get("/groups?$filter=mailEnabled eq true&$count=true")
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["@odata.count"], 1);
    assert_eq!(list.body["value"][0]["displayName"], "Library Assist");
    let patched = app
        .directory_write(
            "PATCH",
            &format!("/groups/{id}"),
            Some(&json!({"description": null, "displayName": "Library", "groupTypes": []})),
        )
        .await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    let read = app.directory_get(&format!("/groups/{id}")).await;
    assert_eq!(read.body["displayName"], "Library");
    assert_eq!(read.body["description"], Value::Null);
    assert_eq!(read.body["groupTypes"], json!([]));

    for (method, body, property) in [
        ("POST", json!({"description": "x"}), "displayName"),
        (
            "POST",
            json!({"displayName": "A", "groupTypes": ["DynamicMembership"]}),
            "groupTypes",
        ),
        (
            "POST",
            json!({"displayName": "A", "groupTypes": "Unified"}),
            "groupTypes",
        ),
        ("PATCH", json!({"mailEnabled": null}), "mailEnabled"),
        ("PATCH", json!({"createdDateTime": null}), "createdDateTime"),
    ] {
        let path = if method == "POST" {
            "/groups".to_owned()
        } else {
            format!("/groups/{id}")
        };
        let message = app
            .directory_write(method, &path, Some(&body))
            .await
            .assert_error(400, "invalidRequest");
        assert!(message.contains(property), "{body}: {message}");
    }

    let deleted = app
        .directory_write("DELETE", &format!("/groups/{id}"), None)
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    for method in ["GET", "PATCH", "DELETE"] {
        let message = app
            .directory_write(method, &format!("/groups/{id}"), Some(&json!({})))
            .await
            .assert_error(404, "itemNotFound");
        assert!(message.contains(&id), "{method}: {message}");
    }
}

#[tokio::test]
async fn members_are_added_listed_and_removed_by_reference_and_each_change_is_recorded() {
    let app = TestApp::spawn().await;
    let user = app.create_user("Adele Vance", "adelev@contoso.com").await;
    let group = app.create_group("Operations").await;
    let members_ref = format!("/groups/{group}/members/$ref");

    let added = app
        .directory_write(
            "POST",
            &members_ref,
            Some(&reference("directoryObjects", &user)),
        )
        .await;
    assert_eq!(added.status, 204, "{}", added.text);
    let message = app
        .directory_write("POST", &members_ref, Some(&reference("users", &user)))
        .await
        .assert_error(400, "invalidRequest");
    assert!(
        message.contains("@odata.id") && message.contains("already a member"),
        "{message}"
    );
    let stranger = Uuid::now_v7().to_string();
    let message = app
        .directory_write("POST", &members_ref, Some(&reference("users", &stranger)))
        .await
        .assert_error(404, "itemNotFound");
    assert!(message.contains(&stranger), "{message}");
    let message = app
        .directory_write(
            "POST",
            &format!("/groups/{stranger}/members/$ref"),
            Some(&reference("users", &user)),
        )
        .await
        .assert_error(404, "itemNotFound");
    assert!(
        message.contains(&stranger) && message.contains("group"),
        "{message}"
    );

    let members = app
        .directory_get(&format!("/groups/{group}/members?$count=true"))
        .await;
    assert_eq!(members.status, 200, "{}", members.text);
    assert_eq!(members.body["@odata.count"], 1);
    assert_eq!(
        members.body["value"][0]["@odata.type"],
        "#microsoft.graph.user"
    );
    assert_eq!(members.body["value"][0]["id"], user);
    let member_of = app.directory_get(&format!("/users/{user}/memberOf")).await;
    assert_eq!(member_of.status, 200, "{}", member_of.text);
    assert_eq!(
        member_of.body["value"],
        json!([{"@odata.type": "#microsoft.graph.group", "id": group, "displayName": "Operations",
                "description": null, "mailNickname": "g", "mailEnabled": false,
                "securityEnabled": true, "groupTypes": [],
                "createdDateTime": member_of.body["value"][0]["createdDateTime"]}])
    );
    app.directory_get(&format!("/users/{stranger}/memberOf"))
        .await
        .assert_error(404, "itemNotFound");
    app.directory_get(&format!("/groups/{stranger}/members"))
        .await
        .assert_error(404, "itemNotFound");

    let member_ref = format!("/groups/{group}/members/{user}/$ref");
    let removed = app.directory_write("DELETE", &member_ref, None).await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    let message = app
        .directory_write("DELETE", &member_ref, None)
        .await
        .assert_error(404, "itemNotFound");
    assert!(
        message.contains(&user) && message.contains("member"),
        "{message}"
    );
    let empty = app.directory_get(&format!("/users/{user}/memberOf")).await;
    assert_eq!(empty.body["value"], json!([]));

    // A PATCH records each property whose value changed, and nothing else.
    let patched = app
        .directory_write(
            "PATCH",
            &format!("/users/{user}"),
            Some(
                &json!({"displayName": "Adele Vance", "department": "Sales", "jobTitle": null,
                         "employeeLeaveDateTime": "2027-03-31T17:00:00Z"}),
            ),
        )
        .await;
    assert_eq!(patched.status, 204, "{}", patched.text);
    let group_id = Uuid::parse_str(&group).unwrap();
    let attribute = |name: &str| ("attribute".to_owned(), Some(name.to_owned()), None);
    assert_eq!(
        app.changes(&user).await,
        [
            ("memberAdded".to_owned(), None, Some(group_id)),
            ("memberRemoved".to_owned(), None, Some(group_id)),
            attribute("department"),
            attribute("employeeLeaveDateTime"),
        ]
    );
    let ids: Vec<Uuid> = sqlx::query_scalar("select id from directory_changes")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(ids.iter().all(|id| id.get_version_num() == 7));
}

#[tokio::test]
async fn the_directory_needs_directory_permissions() {
    let app = TestApp::spawn().await;
    let user = app.create_user("Adele Vance", "adelev@contoso.com").await;
    let group = app.create_group("Operations").await;
    let with = |scopes: &[&str]| client_with_token(&app.token(app.tenant, scopes, &[]));

    // Lifecycle Workflows permissions, even the broadest, reach no directory.
    let workflows = with(&[
        "LifecycleWorkflows.ReadWrite.All",
        "LifecycleWorkflows.Read.All",
    ]);
    let denied = app.send(workflows.get(app.beta("/users"))).await;
    let message = denied.assert_error(403, "accessDenied");
    assert!(
        message.contains("read users") && message.contains("User.Read.All"),
        "{message}"
    );
    let denied = app.send(workflows.get(app.beta("/groups"))).await;
    let message = denied.assert_error(403, "accessDenied");
    assert!(message.contains("read groups"), "{message}");

    let user_reader = with(&["User.Read.All"]);
    let read = app
        .send(user_reader.get(app.beta(&format!("/users/{user}"))))
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    let denied = app
        .send(
            user_reader
                .patch(app.beta(&format!("/users/{user}")))
                .json(&json!({"jobTitle": "x"})),
        )
        .await;
    let message = denied.assert_error(403, "accessDenied");
    assert!(message.contains("change users"), "{message}");
    let denied = app
        .send(user_reader.get(app.beta(&format!("/users/{user}/memberOf"))))
        .await;
    denied.assert_error(403, "accessDenied");

    // Membership changes need Group.ReadWrite.All (or Directory.ReadWrite.All).
    let group_reader = with(&["Group.Read.All", "User.ReadWrite.All"]);
    let denied = app
        .send(
            group_reader
                .post(app.beta(&format!("/groups/{group}/members/$ref")))
                .json(&reference("directoryObjects", &user)),
        )
        .await;
    let message = denied.assert_error(403, "accessDenied");
    assert!(message.contains("Group.ReadWrite.All"), "{message}");
    let group_writer = with(&["Group.ReadWrite.All"]);
    let added = app
        .send(
            group_writer
                .post(app.beta(&format!("/groups/{group}/members/$ref")))
                .json(&reference("directoryObjects", &user)),
        )
        .await;
    assert_eq!(added.status, 204, "{}", added.text);

    // Another tenant's ids are not found.
    let stranger = client_with_token(&app.token(Uuid::new_v4(), &[], &[]));
    let hidden = app
        .send(stranger.get(app.beta(&format!("/users/{user}"))))
        .await;
    hidden.assert_error(404, "itemNotFound");
    let none = app.send(stranger.get(app.beta("/users"))).await;
    assert_eq!(none.body["value"], json!([]));
}

#[tokio::test]
async fn expanding_a_result_s_subject_shows_the_user_the_directory_holds() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let user = app.create_user("Adele Vance", "adelev@contoso.com").await;
    let mut body = user_result_body();
    body["subject"]["id"] = json!(user);
    let run = chain.run_path(LIVE);
    let known = app
        .post(&format!("{run}/userProcessingResults"), &body)
        .await;
    assert_eq!(known.status, 201, "{}", known.text);
    // The chain's own result's subject is not in the directory.
    assert_eq!(known.body["subject"], json!({"id": user}));

    let list = app
        .get(&format!("{run}/userProcessingResults?$expand=subject"))
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    let subjects: Vec<&Value> = list.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| &result["subject"])
        .collect();
    assert_eq!(subjects.len(), 2);
    assert_eq!(*subjects[0], json!({"id": crate::helpers::SUBJECT_ID}));
    assert_eq!(subjects[1]["displayName"], "Adele Vance");
    assert_eq!(subjects[1]["@odata.type"], "#microsoft.graph.user");
    assert_eq!(subjects[1]["id"], user);

    let unexpanded = app.get(&format!("{run}/userProcessingResults")).await;
    assert_eq!(unexpanded.body["value"][1]["subject"], json!({"id": user}));
    let one = app
        .get(&format!(
            "{run}/userProcessingResults/{}?$expand=subject",
            known.id()
        ))
        .await;
    assert_eq!(
        one.body["subject"]["userPrincipalName"],
        "adelev@contoso.com"
    );

    // A taskProcessingResult's subject is its user's.
    let task_result = app
        .post(
            &format!(
                "{run}/userProcessingResults/{}/taskProcessingResults",
                known.id()
            ),
            &json!({"task": {"id": chain.task}, "createdDateTime": "2026-11-29T07:00:00Z",
                    "processingStatus": "queued"}),
        )
        .await;
    assert_eq!(task_result.status, 201, "{}", task_result.text);
    let results = app
        .get(&format!("{run}/taskProcessingResults?$expand=subject,task"))
        .await;
    assert_eq!(results.status, 200, "{}", results.text);
    let expanded = &results.body["value"][1];
    assert_eq!(expanded["subject"]["displayName"], "Adele Vance");
    assert_eq!(expanded["task"]["id"], chain.task);
    assert_eq!(
        results.body["value"][0]["subject"],
        json!({"id": crate::helpers::SUBJECT_ID})
    );
}

#[tokio::test]
async fn the_engine_s_functions_act_in_the_caller_s_transaction() {
    let app = TestApp::spawn().await;
    let user = app.create_user("Adele Vance", "adelev@contoso.com").await;
    let boss = app.create_user("Megan Bowen", "meganb@contoso.com").await;
    let (first, second) = (app.create_group("One").await, app.create_group("Two").await);
    app.directory_write(
        "PUT",
        &format!("/users/{user}/manager/$ref"),
        Some(&reference("users", &boss)),
    )
    .await;
    let tenant = Tenant::new(app.tenant);
    let (user_id, boss_id) = (
        Uuid::parse_str(&user).unwrap(),
        Uuid::parse_str(&boss).unwrap(),
    );
    let groups_ids = [
        Uuid::parse_str(&first).unwrap(),
        Uuid::parse_str(&second).unwrap(),
    ];

    let mut connection = PgConnection::connect(&app.database_url()).await.unwrap();
    let mut transaction = connection.begin().await.unwrap();
    let writer = &mut WriteConnection::dedicated(&mut transaction);
    let disable = UserUpdate {
        account_enabled: Some(false),
        ..UserUpdate::default()
    };
    let changed = users::update(writer, tenant, user_id, &disable)
        .await
        .unwrap();
    assert_eq!(changed, Some(vec!["accountEnabled"]));
    let again = users::update(writer, tenant, user_id, &disable)
        .await
        .unwrap();
    assert_eq!(again, Some(vec![]));
    let nobody = users::update(writer, tenant, Uuid::now_v7(), &disable).await;
    assert_eq!(nobody.unwrap(), None);
    for group in groups_ids {
        let added = groups::add_member(writer, tenant, group, user_id)
            .await
            .unwrap();
        assert_eq!(added, Membership::Added);
    }
    let twice = groups::add_member(writer, tenant, groups_ids[0], user_id).await;
    assert_eq!(twice.unwrap(), Membership::AlreadyMember);
    let nobody = groups::add_member(writer, tenant, groups_ids[0], Uuid::now_v7()).await;
    assert_eq!(nobody.unwrap(), Membership::NoUser);
    let nowhere = groups::add_member(writer, tenant, Uuid::now_v7(), user_id).await;
    assert_eq!(nowhere.unwrap(), Membership::NoGroup);
    assert!(
        groups::remove_member(writer, tenant, groups_ids[0], user_id)
            .await
            .unwrap()
    );
    assert!(
        !groups::remove_member(writer, tenant, groups_ids[0], user_id)
            .await
            .unwrap()
    );
    groups::add_member(writer, tenant, groups_ids[0], user_id)
        .await
        .unwrap();
    let mut left = groups::remove_from_all(writer, tenant, user_id)
        .await
        .unwrap();
    left.sort();
    let mut expected = groups_ids.to_vec();
    expected.sort();
    assert_eq!(left, expected);

    let found = users::with_manager(&mut *transaction, tenant, user_id)
        .await
        .unwrap()
        .unwrap();
    assert!(!found.user.account_enabled);
    let manager = found.manager.unwrap();
    assert_eq!(
        (manager.id, manager.display_name.as_str()),
        (boss_id, "Megan Bowen")
    );
    let alone = users::with_manager(&mut *transaction, tenant, boss_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alone.manager, None);

    // Nothing is seen outside the transaction until it commits.
    assert!(app.changes(&user).await.is_empty());
    transaction.commit().await.unwrap();
    let kinds: Vec<String> = app.changes(&user).await.into_iter().map(|c| c.0).collect();
    assert_eq!(
        kinds,
        [
            "attribute",
            "memberAdded",
            "memberAdded",
            "memberRemoved",
            "memberAdded",
            "memberRemoved",
            "memberRemoved"
        ]
    );

    let mut connection = PgConnection::connect(&app.database_url()).await.unwrap();
    let writer = &mut WriteConnection::dedicated(&mut connection);
    assert!(users::delete(writer, tenant, boss_id).await.unwrap());
    assert!(!users::delete(writer, tenant, boss_id).await.unwrap());
    let found = users::with_manager(&app.db, tenant, user_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.manager, None);
}

#[tokio::test]
async fn a_batch_reaches_the_directory() {
    let app = TestApp::spawn().await;
    let user = app.create_user("Adele Vance", "adelev@contoso.com").await;
    let batch = app
        .send(app.client.post(app.beta("/$batch")).json(&json!({"requests": [
            {"id": "1", "method": "POST", "url": "/groups", "headers": {"Content-Type": "application/json"},
             "body": {"displayName": "Operations"}},
            {"id": "2", "method": "GET", "url": format!("/users/{user}?$select=displayName")},
        ]})))
        .await;
    assert_eq!(batch.status, 200, "{}", batch.text);
    let responses = batch.body["responses"].as_array().unwrap();
    assert_eq!(responses[0]["status"], 201, "{}", batch.text);
    assert_eq!(responses[1]["status"], 200, "{}", batch.text);
    assert_eq!(responses[1]["body"]["displayName"], "Adele Vance");
}

#[tokio::test]
async fn users_are_imported_from_csv_and_json_lines_in_transactions() {
    let app = TestApp::spawn().await;
    let folder = std::env::temp_dir().join(format!("lcw-import-{}", Uuid::new_v4()));
    std::fs::create_dir_all(&folder).unwrap();
    let import = |file: &std::path::Path, format: Option<&str>| {
        let mut command = Command::new(BINARY);
        command
            .args(["import", "users"])
            .arg(file)
            .args(["--tenant", &app.tenant.to_string()])
            .env("DATABASE_URL", app.database_url())
            .env("RUST_LOG", "warn");
        if let Some(format) = format {
            command.args(["--format", format]);
        }
        command
    };

    let csv = folder.join("users.csv");
    std::fs::write(
        &csv,
        "displayName,userPrincipalName,department,accountEnabled,employeeHireDate\n\
         Adele Vance,adelev@contoso.com,Sales,true,2027-01-04T08:00:00Z\n\
         \"Bowen, Megan\",meganb@contoso.com,,false,\n",
    )
    .unwrap();
    let report = run_binary(&mut import(&csv, None));
    assert!(report.contains("imported 2 users"), "{report}");
    let listed = app.directory_get("/users?$orderby=displayName").await;
    let users = listed.body["value"].as_array().unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0]["displayName"], "Adele Vance");
    assert_eq!(users[0]["employeeHireDate"], "2027-01-04T08:00:00Z");
    assert_eq!(users[1]["displayName"], "Bowen, Megan");
    assert_eq!(users[1]["accountEnabled"], false);
    assert_eq!(users[1]["department"], Value::Null);

    let jsonl = folder.join("users.txt");
    std::fs::write(
        &jsonl,
        "{\"displayName\": \"Alex Wilber\", \"userPrincipalName\": \"alexw@contoso.com\"}\n",
    )
    .unwrap();
    let report = run_binary(&mut import(&jsonl, Some("jsonl")));
    assert!(report.contains("imported 1 users"), "{report}");

    // A bad row names its line and property, and nothing of the file is written;
    // a taken name refuses its whole batch.
    for (text, line, property) in [
        (
            "displayName,userPrincipalName\nNew One,new1@contoso.com\nBad,not-a-name\n",
            3,
            "userPrincipalName",
        ),
        (
            "displayName,userPrincipalName\nNew Two,new2@contoso.com\nTaken,ADELEV@contoso.com\n",
            3,
            "userPrincipalName",
        ),
        (
            "displayName,userPrincipalName,accountEnabled\nNew Three,new3@contoso.com,perhaps\n",
            2,
            "accountEnabled",
        ),
    ] {
        let file = folder.join("bad.csv");
        std::fs::write(&file, text).unwrap();
        let output = import(&file, None).output().unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("line {line}:")) && stderr.contains(property),
            "{text}: {stderr}"
        );
        assert_eq!(app.count("users").await, 3, "{text}");
    }
    let unknown = folder.join("users.xml");
    std::fs::write(&unknown, "").unwrap();
    let output = import(&unknown, None).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--format"));
    std::fs::remove_dir_all(&folder).unwrap();
}
