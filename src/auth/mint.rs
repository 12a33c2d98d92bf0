//! Tokens for local use, signed with the configured HS256 secret (or the
//! development secret): what `lifecycle-workflows token` prints.

use super::token::TENANT_PLACEHOLDER;
use super::Permission;
use crate::config::AuthSettings;
use jsonwebtoken::{EncodingKey, Header};
use serde::Serialize;
use std::time::Duration;
use uuid::Uuid;

pub struct TokenRequest {
    pub tenant: Uuid,
    /// Delegated permissions (`scp`).
    pub scopes: Vec<String>,
    /// Application permissions (`roles`).
    pub roles: Vec<String>,
    pub lifetime: Duration,
    /// The signed-in user (`oid`), for a delegated token.
    pub user: Option<Uuid>,
    /// The application (`azp`).
    pub app: Option<Uuid>,
}

#[derive(Debug, thiserror::Error)]
pub enum MintError {
    #[error(
        "tokens are verified with a JWKS here, so this service cannot sign one: \
         get a token from the JWKS's issuer"
    )]
    NoSecret,
    #[error("could not sign the token: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: String,
    aud: &'a str,
    tid: Uuid,
    sub: &'static str,
    iat: u64,
    nbf: u64,
    exp: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    scp: Option<String>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    roles: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    oid: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    azp: Option<Uuid>,
    ver: &'static str,
}

/// What a token carries when it is asked for no permission: everything the
/// service serves, Lifecycle Workflows and the directory they act on.
pub const DEFAULT_SCOPES: [Permission; 2] =
    [Permission::ReadWriteAll, Permission::DirectoryReadWrite];

/// A token the service accepts: issued by the first accepted issuer, for the first
/// accepted audience. Without scopes or roles it carries the delegated
/// [`DEFAULT_SCOPES`].
pub fn mint(settings: &AuthSettings, request: &TokenRequest) -> Result<String, MintError> {
    let secret = super::signing_secret(&settings.keys).ok_or(MintError::NoSecret)?;
    let scopes = if request.scopes.is_empty() && request.roles.is_empty() {
        let names: Vec<&str> = DEFAULT_SCOPES.iter().map(|scope| scope.name()).collect();
        Some(names.join(" "))
    } else {
        (!request.scopes.is_empty()).then(|| request.scopes.join(" "))
    };
    let now = jsonwebtoken::get_current_timestamp();
    let issuer = settings
        .issuers
        .first()
        .map(String::as_str)
        .unwrap_or_default();
    let claims = Claims {
        iss: issuer.replace(TENANT_PLACEHOLDER, &request.tenant.to_string()),
        aud: settings
            .audiences
            .first()
            .map(String::as_str)
            .unwrap_or_default(),
        tid: request.tenant,
        sub: "lifecycle-workflows-token-command",
        iat: now,
        nbf: now,
        exp: now.saturating_add(request.lifetime.as_secs()),
        scp: scopes,
        roles: &request.roles,
        oid: request.user,
        azp: request.app,
        ver: "2.0",
    };
    Ok(jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )?)
}
