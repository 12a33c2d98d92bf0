//! Authentication and permissions: every check of a bearer token gets its status,
//! code and `WWW-Authenticate`; each permission opens what Graph says it opens;
//! keys come from a secret, a JWKS file or a JWKS URL that rolls over.

use crate::helpers::{
    client_with_token, seed_body, workflow_body, Response, TestApp, LIVE, SUBJECT_ID, TEST_SECRET,
};
use actix_web::{web, App, HttpResponse, HttpServer};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/auth");
const ISSUER: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
const AUDIENCE: &str = "https://graph.microsoft.com";
const PERSONAL_ACCOUNTS: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Valid claims for `tenant` with the broad write permission.
fn claims(tenant: Uuid) -> Value {
    json!({
        "iss": ISSUER.replace("{tenantid}", &tenant.to_string()),
        "aud": AUDIENCE,
        "tid": tenant,
        "iat": now(),
        "nbf": now() - 10,
        "exp": now() + 3600,
        "scp": "LifecycleWorkflows.ReadWrite.All",
    })
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn without(mut claims: Value, name: &str) -> Value {
    claims.as_object_mut().unwrap().remove(name);
    claims
}

fn hs256(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn rs256(claims: &Value, private_key: &str, kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let key = EncodingKey::from_rsa_pem(&fixture(private_key)).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A token with `alg: none` and no signature.
fn unsigned(claims: &Value) -> String {
    let encode =
        |value: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string());
    format!(
        "{}.{}.",
        encode(&json!({"alg": "none", "typ": "JWT"})),
        encode(claims)
    )
}

async fn get_workflows(app: &TestApp, authorization: Option<&str>) -> Response {
    let mut request = reqwest::Client::new().get(app.url(&format!("/{LIVE}")));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    app.send(request).await
}

/// Asserts a 401 whose body and `WWW-Authenticate` name the failed check.
fn assert_unauthenticated(response: &Response, check: &str, token: &str) {
    let message = response.assert_error(401, "InvalidAuthenticationToken");
    assert!(
        message.to_lowercase().contains(check),
        "'{message}' should name '{check}'"
    );
    let challenge = response.header("www-authenticate").expect("a challenge");
    assert_eq!(
        challenge,
        format!(
            "Bearer realm=\"lifecycle-workflows\", error=\"invalid_token\", error_description=\"{message}\""
        )
    );
    if !token.is_empty() {
        assert!(!response.text.contains(token), "the body echoes the token");
        assert!(!challenge.contains(token), "the challenge echoes the token");
    }
}

#[tokio::test]
async fn every_failed_check_of_a_secret_signed_token_is_a_401_naming_it() {
    let app = TestApp::spawn().await;
    let tenant = Uuid::new_v4();
    let secret = TEST_SECRET.as_bytes();
    let valid = claims(tenant);
    let cases = [
        ("missing header", None, "no access token"),
        (
            "wrong scheme",
            Some("Basic dXNlcjpwYXNzd29yZA==".to_owned()),
            "bearer scheme",
        ),
        ("empty token", Some("Bearer ".to_owned()), "empty"),
        (
            "garbage",
            Some("Bearer not.a-jwt".to_owned()),
            "well-formed",
        ),
        (
            "expired",
            Some(bearer(&hs256(
                &with(valid.clone(), "exp", json!(now() - 3600)),
                secret,
            ))),
            "expired",
        ),
        (
            "nbf in the future",
            Some(bearer(&hs256(
                &with(valid.clone(), "nbf", json!(now() + 3600)),
                secret,
            ))),
            "not valid yet",
        ),
        (
            "wrong issuer",
            Some(bearer(&hs256(
                &with(valid.clone(), "iss", json!("https://issuer.example/")),
                secret,
            ))),
            "issuer",
        ),
        (
            "another tenant's issuer",
            Some(bearer(&hs256(
                &with(
                    valid.clone(),
                    "iss",
                    json!(ISSUER.replace("{tenantid}", &Uuid::new_v4().to_string())),
                ),
                secret,
            ))),
            "issuer",
        ),
        (
            "wrong audience",
            Some(bearer(&hs256(
                &with(valid.clone(), "aud", json!("api://someone-else")),
                secret,
            ))),
            "audience",
        ),
        (
            "no audience",
            Some(bearer(&hs256(&without(valid.clone(), "aud"), secret))),
            "audience",
        ),
        (
            "no expiry",
            Some(bearer(&hs256(&without(valid.clone(), "exp"), secret))),
            "expiry",
        ),
        (
            "no tenant",
            Some(bearer(&hs256(&without(valid.clone(), "tid"), secret))),
            "tenant",
        ),
        (
            "bad signature",
            Some(bearer(&hs256(
                &valid,
                b"another secret of a length that HS256 accepts",
            ))),
            "signature",
        ),
        ("alg none", Some(bearer(&unsigned(&valid))), "alg none"),
        (
            "RS256 token against a secret",
            Some(bearer(&rs256(&valid, "trusted-rsa.pem", "trusted-rsa"))),
            "algorithm",
        ),
    ];
    for (case, authorization, check) in cases {
        let response = get_workflows(&app, authorization.as_deref()).await;
        assert_eq!(response.status, 401, "{case}: {}", response.text);
        let token = authorization.unwrap_or_default();
        assert_unauthenticated(&response, check, token.trim_start_matches("Bearer "));
    }

    let accepted = get_workflows(&app, Some(&format!("Bearer {}", hs256(&valid, secret)))).await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
}

#[tokio::test]
async fn a_401_comes_before_routing_and_body_checks() {
    let app = TestApp::spawn().await;
    let anonymous = reqwest::Client::new();
    let unknown_id = app
        .send(anonymous.get(app.url(&format!("/{LIVE}/not-a-uuid"))))
        .await;
    assert_unauthenticated(&unknown_id, "no access token", "");
    let bad_body = app
        .send(
            anonymous
                .post(app.url(&format!("/{LIVE}")))
                .body("{")
                .header("content-type", "application/json"),
        )
        .await;
    assert_unauthenticated(&bad_body, "no access token", "");
    assert_eq!(app.count("workflows").await, 0);
}

#[tokio::test]
async fn a_personal_account_is_a_403() {
    let app = TestApp::spawn().await;
    let token = app.token(PERSONAL_ACCOUNTS.parse().unwrap(), &[], &[]);
    let response = get_workflows(&app, Some(&format!("Bearer {token}"))).await;
    let message = response.assert_error(403, "accessDenied");
    assert!(message.contains("personal Microsoft accounts"), "{message}");
    assert!(response.header("www-authenticate").is_none());
}

/// What each permission may do, as Graph defines them (and a write permission
/// reads everything, as the API contract says).
const GRANTS: [(&str, [bool; 5]); 6] = [
    // read workflows, change workflows, activate, read reports, record reports
    (
        "LifecycleWorkflows.Read.All",
        [true, false, false, true, false],
    ),
    (
        "LifecycleWorkflows.ReadWrite.All",
        [true, true, true, true, true],
    ),
    (
        "LifecycleWorkflows-Workflow.Read.All",
        [true, false, false, false, false],
    ),
    (
        "LifecycleWorkflows-Workflow.ReadWrite.All",
        [true, true, true, true, false],
    ),
    (
        "LifecycleWorkflows-Workflow.Activate",
        [false, false, true, false, false],
    ),
    (
        "LifecycleWorkflows-Reports.Read.All",
        [false, false, false, true, false],
    ),
];

#[tokio::test]
async fn each_permission_opens_what_graph_says_in_scp_and_in_roles() {
    let app = TestApp::spawn().await;
    let chain = app.create_chain().await;
    let tenant = app.tenant;
    for (permission, grants) in GRANTS {
        for (kind, token) in [
            ("scp", app.token(tenant, &[permission], &[])),
            ("roles", app.token(tenant, &[], &[permission])),
        ] {
            let client = client_with_token(&token);
            let requests = [
                client.get(app.url(&format!("/{LIVE}/{}", chain.workflow))),
                client
                    .post(app.url(&format!("/{LIVE}")))
                    .json(&workflow_body(&format!("By {permission} {kind}"))),
                client
                    .post(app.url(&format!("/{LIVE}/{}/activate", chain.workflow)))
                    .json(&json!({"subjects": [{"id": SUBJECT_ID}]})),
                client.get(app.url(&format!("/{LIVE}/{}/runs", chain.workflow))),
                client
                    .post(app.url(&chain.same_task_path(LIVE)))
                    .json(&seed_body()),
            ];
            for (request, granted) in requests.into_iter().zip(grants) {
                let response = app.send(request).await;
                if granted {
                    assert!(
                        response.status.is_success(),
                        "{permission} in {kind}: {}",
                        response.text
                    );
                } else {
                    let message = response.assert_error(403, "accessDenied");
                    assert!(message.contains("needs one of"), "{message}");
                }
            }
        }
    }
}

#[tokio::test]
async fn a_token_without_a_lifecycle_permission_is_a_403_naming_what_is_needed() {
    let app = TestApp::spawn().await;
    let client = client_with_token(&app.token(app.tenant, &["User.Read"], &["Directory.Read.All"]));
    let response = app.send(client.get(app.url(&format!("/{LIVE}")))).await;
    let message = response.assert_error(403, "accessDenied");
    assert!(
        message.contains("read workflows")
            && message.contains("LifecycleWorkflows-Workflow.Read.All"),
        "{message}"
    );

    let reader = client_with_token(&app.token(app.tenant, &["LifecycleWorkflows.Read.All"], &[]));
    let write = app
        .send(
            reader
                .post(app.url(&format!("/{LIVE}")))
                .json(&workflow_body("Read-only")),
        )
        .await;
    let message = write.assert_error(403, "accessDenied");
    assert!(message.contains("change workflows"), "{message}");
    assert_eq!(app.count("workflows").await, 0);
}

async fn spawn_with_jwks_file() -> TestApp {
    TestApp::spawn_with(&[
        ("LCW_AUTH_HS256_SECRET", ""),
        ("LCW_AUTH_JWKS_PATH", &format!("{FIXTURES}/jwks.json")),
    ])
    .await
}

#[tokio::test]
async fn a_jwks_pins_each_key_s_algorithm_and_refuses_unknown_keys() {
    let app = spawn_with_jwks_file().await;
    let valid = claims(Uuid::new_v4());
    let public_key = fixture("trusted-rsa.pub.pem");
    let mut confused = Header::new(Algorithm::HS256);
    confused.kid = Some("trusted-rsa".to_owned());
    let hs_with_public_key =
        jsonwebtoken::encode(&confused, &valid, &EncodingKey::from_secret(&public_key)).unwrap();
    let cases = [
        (
            "HS256 signed with the public key",
            hs_with_public_key,
            "algorithm",
        ),
        (
            "unknown kid",
            rs256(&valid, "trusted-rsa.pem", "someone-else"),
            "kid",
        ),
        (
            "signed by another key",
            rs256(&valid, "untrusted-rsa.pem", "trusted-rsa"),
            "signature",
        ),
        ("alg none", unsigned(&valid), "alg none"),
        (
            "expired",
            rs256(
                &with(valid.clone(), "exp", json!(now() - 3600)),
                "trusted-rsa.pem",
                "trusted-rsa",
            ),
            "expired",
        ),
    ];
    for (case, token, check) in cases {
        let response = get_workflows(&app, Some(&format!("Bearer {token}"))).await;
        assert_eq!(response.status, 401, "{case}: {}", response.text);
        assert_unauthenticated(&response, check, &token);
    }

    let token = rs256(&valid, "trusted-rsa.pem", "trusted-rsa");
    let accepted = get_workflows(&app, Some(&format!("Bearer {token}"))).await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
}

#[tokio::test]
async fn a_secret_and_a_jwks_together_verify_each_its_own_tokens() {
    // The harness's secret stays, beside the JWKS: Entra ID's tokens and the
    // deployment's own.
    let app =
        TestApp::spawn_with(&[("LCW_AUTH_JWKS_PATH", &format!("{FIXTURES}/jwks.json"))]).await;
    let valid = claims(Uuid::new_v4());
    for (case, token) in [
        (
            "HS256 with the secret",
            hs256(&valid, TEST_SECRET.as_bytes()),
        ),
        (
            "RS256 with the JWKS key",
            rs256(&valid, "trusted-rsa.pem", "trusted-rsa"),
        ),
    ] {
        let accepted = get_workflows(&app, Some(&format!("Bearer {token}"))).await;
        assert_eq!(accepted.status, 200, "{case}: {}", accepted.text);
    }
    // The secret verifies HS256 tokens whatever key they name, so one signed
    // with the JWKS's public key fails its signature check.
    let mut confused = Header::new(Algorithm::HS256);
    confused.kid = Some("trusted-rsa".to_owned());
    let public_key = fixture("trusted-rsa.pub.pem");
    let hs_with_public_key =
        jsonwebtoken::encode(&confused, &valid, &EncodingKey::from_secret(&public_key)).unwrap();
    let refused = get_workflows(&app, Some(&format!("Bearer {hs_with_public_key}"))).await;
    assert_eq!(refused.status, 401, "{}", refused.text);
    assert_unauthenticated(&refused, "signature", &hs_with_public_key);
    let unknown = rs256(&valid, "trusted-rsa.pem", "someone-else");
    let refused = get_workflows(&app, Some(&format!("Bearer {unknown}"))).await;
    assert_unauthenticated(&refused, "kid", &unknown);
    // Tokens are still minted with the secret: the harness's client carries one.
    let minted = app.get(&format!("/{LIVE}")).await;
    assert_eq!(minted.status, 200, "{}", minted.text);
}

/// A JWKS endpoint whose document the test can change, counting its fetches.
struct KeyServer {
    url: String,
    document: Arc<Mutex<Vec<u8>>>,
    fetches: Arc<AtomicUsize>,
}

impl KeyServer {
    fn start(document: Vec<u8>) -> Self {
        let document = Arc::new(Mutex::new(document));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (served, counted) = (document.clone(), fetches.clone());
        let server = HttpServer::new(move || {
            let (served, counted) = (served.clone(), counted.clone());
            App::new().route(
                "/keys",
                web::get().to(move || {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let body = served.lock().unwrap().clone();
                    async move {
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(body)
                    }
                }),
            )
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let url = format!("http://{}/keys", server.addrs()[0]);
        tokio::spawn(server.run());
        Self {
            url,
            document,
            fetches,
        }
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn a_jwks_url_is_fetched_once_and_again_for_a_rolled_over_key() {
    let keys = KeyServer::start(fixture("jwks.json"));
    let app = TestApp::spawn_with(&[
        ("LCW_AUTH_HS256_SECRET", ""),
        ("LCW_AUTH_JWKS_URL", &keys.url),
        ("LCW_AUTH_JWKS_MIN_REFRESH_SECS", "0"),
    ])
    .await;
    let valid = claims(Uuid::new_v4());
    let current = format!("Bearer {}", rs256(&valid, "trusted-rsa.pem", "trusted-rsa"));
    for _ in 0..3 {
        let response = get_workflows(&app, Some(&current)).await;
        assert_eq!(response.status, 200, "{}", response.text);
    }
    assert_eq!(keys.fetches(), 1, "keys are cached");

    let rolled = rs256(&valid, "untrusted-rsa.pem", "rotated-rsa");
    let early = get_workflows(&app, Some(&format!("Bearer {rolled}"))).await;
    assert_unauthenticated(&early, "kid", &rolled);
    assert_eq!(keys.fetches(), 2, "an unknown kid fetches the keys again");

    *keys.document.lock().unwrap() = fixture("jwks-rotated.json");
    let late = get_workflows(&app, Some(&format!("Bearer {rolled}"))).await;
    assert_eq!(late.status, 200, "{}", late.text);
    assert_eq!(keys.fetches(), 3);
}

#[tokio::test]
async fn unknown_kids_cannot_make_the_service_hammer_the_jwks_url() {
    let keys = KeyServer::start(fixture("jwks.json"));
    let app = TestApp::spawn_with(&[
        ("LCW_AUTH_HS256_SECRET", ""),
        ("LCW_AUTH_JWKS_URL", &keys.url),
    ])
    .await;
    let valid = claims(Uuid::new_v4());
    let known = rs256(&valid, "trusted-rsa.pem", "trusted-rsa");
    assert_eq!(
        get_workflows(&app, Some(&format!("Bearer {known}")))
            .await
            .status,
        200
    );
    for attempt in 0..5 {
        let unknown = rs256(&valid, "trusted-rsa.pem", &format!("made-up-{attempt}"));
        let response = get_workflows(&app, Some(&format!("Bearer {unknown}"))).await;
        assert_unauthenticated(&response, "kid", &unknown);
    }
    assert_eq!(keys.fetches(), 1, "within the minimum refresh time");
}

#[tokio::test]
async fn an_unreachable_jwks_url_is_a_503_with_retry_after() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/keys", closed.local_addr().unwrap());
    drop(closed);
    let app =
        TestApp::spawn_with(&[("LCW_AUTH_HS256_SECRET", ""), ("LCW_AUTH_JWKS_URL", &url)]).await;
    let token = rs256(&claims(Uuid::new_v4()), "trusted-rsa.pem", "trusted-rsa");
    let response = get_workflows(&app, Some(&format!("Bearer {token}"))).await;
    response.assert_error(503, "serviceNotAvailable");
    assert_eq!(response.header("retry-after"), Some("5"));
}

#[tokio::test]
async fn configured_issuers_accept_a_tenant_placeholder_and_fixed_values() {
    let app = TestApp::spawn_with(&[
        (
            "LCW_AUTH_ISSUERS",
            "https://sts.windows.net/{tenantid}/, https://issuer.example/",
        ),
        (
            "LCW_AUTH_AUDIENCES",
            "api://lifecycle, https://graph.microsoft.com",
        ),
    ])
    .await;
    let tenant = Uuid::new_v4();
    for (issuer, audience) in [
        (
            format!("https://sts.windows.net/{tenant}/"),
            "api://lifecycle",
        ),
        ("https://issuer.example/".to_owned(), AUDIENCE),
    ] {
        let token = hs256(
            &with(
                with(claims(tenant), "iss", json!(issuer)),
                "aud",
                json!(audience),
            ),
            TEST_SECRET.as_bytes(),
        );
        let response = get_workflows(&app, Some(&format!("Bearer {token}"))).await;
        assert_eq!(response.status, 200, "{issuer}: {}", response.text);
    }
    let entra = hs256(&claims(tenant), TEST_SECRET.as_bytes());
    let refused = get_workflows(&app, Some(&format!("Bearer {entra}"))).await;
    assert_unauthenticated(&refused, "issuer", &entra);
}
