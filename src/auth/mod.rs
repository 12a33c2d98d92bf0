//! Who a request acts for. A middleware authenticates every API request from its
//! bearer token (401, or 403 for personal accounts) before routing reaches a
//! handler; handlers then name what they need in the type of their
//! [`Authorized`] argument (403 without it), which is also the only way to the
//! tenant every statement is scoped by.

mod keys;
mod mint;
mod permissions;
mod token;

pub use mint::{mint, MintError, TokenRequest};
pub use permissions::{
    ActivateWorkflows, Need, Permission, Permissions, ReadCatalog, ReadCustomTaskExtensions,
    ReadGroups, ReadReports, ReadSettings, ReadUsers, ReadWorkflows, ResumeTasks,
    WriteCustomTaskExtensions, WriteGroups, WriteReports, WriteSettings, WriteUsers,
    WriteWorkflows,
};
pub use token::{AuthError, Authenticator};

use keys::{KeySet, Keys, Published, RemoteKeySet};

use crate::config::{AuthSettings, JwksSource, SigningKeys};
use crate::error::GraphError;
use crate::rate_limit::RateLimiter;
use crate::tenant::Tenant;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use std::future::{ready, Ready};
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::Arc;

/// The secret tokens are signed with when no key is configured. It is public, so
/// the service refuses it on any address but loopback unless told otherwise.
pub const DEVELOPMENT_SECRET: &str = "lifecycle-workflows-development-secret-not-for-production";

/// The tenant `lifecycle-workflows token` issues tokens for unless told otherwise.
pub const DEVELOPMENT_TENANT: uuid::Uuid = uuid::uuid!("11111111-1111-1111-1111-111111111111");

/// An authenticated caller: the tenant it acts in, what it may do, and who it
/// is when the token says (ids that are not UUIDs are left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub tenant: Tenant,
    pub permissions: Permissions,
    /// The signed-in user (`oid`) of a delegated token.
    pub user: Option<uuid::Uuid>,
    /// The application (`appid` or `azp`).
    pub app: Option<uuid::Uuid>,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "the development secret is public, and {0} is not a loopback address: configure \
         LCW_AUTH_HS256_SECRET, LCW_AUTH_JWKS_PATH or LCW_AUTH_JWKS_URL, or set \
         LCW_AUTH_ALLOW_DEV_KEY=true to accept it anyway"
    )]
    DevelopmentSecretExposed(SocketAddr),
    #[error("could not read LCW_AUTH_JWKS_PATH: {0}")]
    JwksFile(String),
}

/// The HS256 secret tokens are signed with: the configured one, or the
/// development secret when no key is configured; none with a JWKS alone.
fn signing_secret(keys: &SigningKeys) -> Option<&str> {
    match &keys.secret {
        Some(secret) => Some(secret),
        None if keys.is_development() => Some(DEVELOPMENT_SECRET),
        None => None,
    }
}

/// The authenticator the settings describe, for a service listening on `listen`.
pub fn authenticator(
    settings: &AuthSettings,
    listen: SocketAddr,
) -> Result<Authenticator, SetupError> {
    if settings.keys.is_development() {
        if !listen.ip().is_loopback() && !settings.allow_dev_key {
            return Err(SetupError::DevelopmentSecretExposed(listen));
        }
        tracing::warn!(
            "no token key is configured: accepting tokens signed with the public \
             development secret; configure LCW_AUTH_* before real use"
        );
    }
    let published = match &settings.keys.jwks {
        None => None,
        Some(JwksSource::File(path)) => {
            let document = std::fs::read(path)
                .map_err(|error| SetupError::JwksFile(format!("{}: {error}", path.display())))?;
            Some(Published::Set(
                KeySet::from_json(&document).map_err(SetupError::JwksFile)?,
            ))
        }
        Some(JwksSource::Url(url)) => Some(Published::Remote(RemoteKeySet::new(
            url.clone(),
            settings.jwks_min_refresh,
        ))),
    };
    let keys = Keys::new(signing_secret(&settings.keys), published);
    Ok(Authenticator::new(
        keys,
        settings.issuers.clone(),
        settings.audiences.clone(),
        settings.leeway,
        settings.token_cache_size,
    ))
}

/// Who may in: the authenticator of tokens, and each tenant's rate limit when
/// one is configured. Registered as app data for [`authenticate`].
pub struct Admission {
    pub authenticator: Authenticator,
    pub rate_limiter: Option<Arc<RateLimiter>>,
}

/// Authenticates the request, or answers it: 401, 403 or 503; then holds it to
/// its tenant's rate limit, if one is set (429).
pub async fn authenticate(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(admission) = request.app_data::<web::Data<Admission>>().cloned() else {
        let error = GraphError::internal(&"the admission data is not registered");
        return Ok(request.error_response(error));
    };
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|value| value.as_bytes());
    match admission.authenticator.authenticate(authorization).await {
        Ok(caller) => {
            if let Some(limiter) = &admission.rate_limiter {
                if let Err(error) = limiter.check(caller.tenant) {
                    return Ok(request.error_response(error));
                }
            }
            request.extensions_mut().insert(caller);
            Ok(next.call(request).await?.map_into_boxed_body())
        }
        Err(error) => Ok(request.error_response(GraphError::from(error))),
    }
}

impl From<AuthError> for GraphError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Invalid(message) => GraphError::unauthenticated(message),
            AuthError::Denied(message) => GraphError::access_denied(message),
            AuthError::KeysUnavailable => GraphError::unavailable(),
        }
    }
}

/// The caller itself, for a handler that decides what it may do from more than
/// its permissions.
impl FromRequest for Caller {
    type Error = GraphError;
    type Future = Ready<Result<Self, GraphError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            request
                .extensions()
                .get::<Caller>()
                .copied()
                .ok_or_else(|| {
                    GraphError::internal(
                        &"a handler outside the authentication middleware asked for its caller",
                    )
                }),
        )
    }
}

/// The tenant of a caller allowed to do what `N` names, and its signed-in
/// user when the token names one.
pub struct Authorized<N: Need> {
    pub tenant: Tenant,
    pub user: Option<uuid::Uuid>,
    need: PhantomData<N>,
}

impl<N: Need> FromRequest for Authorized<N> {
    type Error = GraphError;
    type Future = Ready<Result<Self, GraphError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = request.extensions().get::<Caller>().copied();
        ready(match caller {
            None => Err(GraphError::internal(
                &"a handler outside the authentication middleware asked for its caller",
            )),
            Some(caller) if caller.permissions.grant_any(N::ACCEPTED) => Ok(Self {
                tenant: caller.tenant,
                user: caller.user,
                need: PhantomData,
            }),
            Some(_) => Err(GraphError::access_denied(format!(
                "The token does not grant the permission to {}: it needs one of {}.",
                N::ACTION,
                N::ACCEPTED
                    .iter()
                    .map(|permission| permission.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        })
    }
}
