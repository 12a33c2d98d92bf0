//! The service's signing key: published at `/.well-known/jwks.json` and named by
//! `/.well-known/openid-configuration`, shared through the database by every
//! instance, and verifying the tokens it signs.

use crate::helpers::TestApp;
use chrono::Utc;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use lifecycle_workflows::config::Settings;
use lifecycle_workflows::db;
use lifecycle_workflows::outbound::signing::DEFAULT_ISSUER;
use lifecycle_workflows::outbound::Signer;
use serde_json::Value;
use std::time::Duration;
use url::Url;
use uuid::Uuid;

const AUDIENCE: &str = "api://contoso-extension";

/// A pool of the service's own on the application's database, as another
/// instance of the service would have.
fn instance_pool(app: &TestApp) -> db::Pool {
    let settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Some(app.database_url()),
        "LCW_DB_POOL_SIZE" => Some("2".to_owned()),
        _ => None,
    })
    .unwrap();
    db::pool(&settings)
}

/// Fetched without a token: receivers have none.
async fn get_open(url: &str) -> Value {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    response.json().await.unwrap()
}

/// Verifies `token` as a receiver does: with the published key its `kid` names,
/// for `audience`, from `issuer`; returns its claims.
fn verify(
    keys: &JwkSet,
    token: &str,
    audience: &str,
    issuer: &str,
) -> jsonwebtoken::errors::Result<Value> {
    let kid = jsonwebtoken::decode_header(token)?.kid.expect("a kid");
    let jwk = keys.find(&kid).expect("the token's key is published");
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[issuer]);
    let key = DecodingKey::from_jwk(jwk)?;
    Ok(jsonwebtoken::decode::<Value>(token, &key, &validation)?.claims)
}

#[tokio::test]
async fn the_published_key_set_verifies_what_any_instance_signs() {
    let app = TestApp::spawn().await;
    let keys: JwkSet =
        serde_json::from_value(get_open(&format!("{}/.well-known/jwks.json", app.address)).await)
            .unwrap();
    assert_eq!(keys.keys.len(), 1);

    // Another instance on the same database signs with the same key.
    let signer = Signer::load_or_create(&instance_pool(&app), None)
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(&keys).unwrap(), signer.jwks());
    let tenant = Uuid::new_v4();
    let token = signer.token(tenant, AUDIENCE, Utc::now()).unwrap();
    let claims = verify(&keys, &token, AUDIENCE, DEFAULT_ISSUER).unwrap();
    assert_eq!(claims["tid"], tenant.to_string());
    assert_eq!(claims["aud"], AUDIENCE);

    let refused = verify(&keys, &token, "api://another", DEFAULT_ISSUER).unwrap_err();
    assert_eq!(refused.kind(), &ErrorKind::InvalidAudience);
    assert_eq!(app.count("signing_keys").await, 1);
}

#[tokio::test]
async fn instances_starting_together_agree_on_one_key() {
    let app = TestApp::spawn().await;
    sqlx::query("delete from signing_keys")
        .execute(&app.db)
        .await
        .unwrap();
    // Writes to the table wait until the instances have all looked for a key,
    // so that each would find none, were they not serialized.
    let mut writes_held = app.db.begin().await.unwrap();
    sqlx::query("lock table signing_keys in exclusive mode")
        .execute(&mut *writes_held)
        .await
        .unwrap();
    let mut starting = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let pool = instance_pool(&app);
        starting.spawn(async move { Signer::load_or_create(&pool, None).await.unwrap().jwks() });
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    writes_held.commit().await.unwrap();
    let key_sets: Vec<Value> = starting.join_all().await;
    assert!(
        key_sets.iter().all(|keys| *keys == key_sets[0]),
        "{key_sets:#?}"
    );
    assert_eq!(app.count("signing_keys").await, 1);
}

#[tokio::test]
async fn the_openid_configuration_names_the_issuer_and_where_the_keys_are() {
    let app = TestApp::spawn().await;
    let configuration =
        get_open(&format!("{}/.well-known/openid-configuration", app.address)).await;
    assert_eq!(configuration["issuer"], DEFAULT_ISSUER);
    let jwks_uri = format!("{}/.well-known/jwks.json", app.address);
    assert_eq!(configuration["jwks_uri"], jwks_uri.as_str());
    assert_eq!(
        configuration["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES256"])
    );
    let keys = get_open(&jwks_uri).await;
    assert_eq!(keys["keys"][0]["alg"], "ES256");
}

#[tokio::test]
async fn behind_a_proxy_the_public_base_url_is_the_issuer() {
    let public = "https://lcw.contoso.com/identity/";
    let app = TestApp::spawn_with(&[("LCW_PUBLIC_BASE_URL", public)]).await;
    let configuration =
        get_open(&format!("{}/.well-known/openid-configuration", app.address)).await;
    let issuer = "https://lcw.contoso.com/identity";
    assert_eq!(configuration["issuer"], issuer);
    assert_eq!(
        configuration["jwks_uri"],
        "https://lcw.contoso.com/identity/.well-known/jwks.json"
    );

    let keys: JwkSet =
        serde_json::from_value(get_open(&format!("{}/.well-known/jwks.json", app.address)).await)
            .unwrap();
    let url = Url::parse(public).unwrap();
    let signer = Signer::load_or_create(&instance_pool(&app), Some(&url))
        .await
        .unwrap();
    let token = signer.token(Uuid::new_v4(), AUDIENCE, Utc::now()).unwrap();
    let claims = verify(&keys, &token, AUDIENCE, issuer).unwrap();
    assert_eq!(claims["iss"], issuer);
    assert_eq!(claims["sub"], issuer);
}
