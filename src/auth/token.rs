//! Bearer token validation: signature, `exp`/`nbf`, `iss`, `aud` and `tid`, with
//! validated tokens cached until they expire.

use super::keys::{KeyError, Keys};
use super::permissions::Permissions;
use super::Caller;
use crate::tenant::Tenant;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// The tenant of personal Microsoft accounts, whose tokens are refused.
pub const PERSONAL_ACCOUNTS_TENANT: Uuid = uuid::uuid!("9188040d-6c67-4c5b-b112-36a304b66dad");

/// The placeholder in an accepted issuer that stands for the token's `tid`, so one
/// entry accepts every tenant of a multi-tenant issuer such as Entra ID.
pub const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// Why a request is refused before it reaches a handler. The messages name the
/// check that failed and never repeat the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// 401: the token is missing or not valid.
    Invalid(&'static str),
    /// 403: the token is valid but may not be used here.
    Denied(&'static str),
    /// 503: the trusted keys could not be fetched.
    KeysUnavailable,
}

/// What validates tokens: the trusted keys and the accepted issuers and audiences.
pub struct Authenticator {
    keys: Keys,
    issuers: Vec<String>,
    audiences: Vec<String>,
    leeway_secs: u64,
    /// Validated tokens by the SHA-256 of their text, so a token is checked once.
    cache: moka::sync::Cache<[u8; 32], Arc<Validated>>,
}

struct Validated {
    caller: Caller,
    /// Seconds since the epoch after which the token no longer validates.
    valid_until: u64,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

/// The claims read after validation; `exp` and `iss` default so that the JWT
/// library, which checks their presence, names the missing one.
#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    exp: u64,
    #[serde(default)]
    iss: String,
    tid: Option<String>,
    scp: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    /// The signed-in user of a delegated token.
    oid: Option<String>,
    /// The application: `appid` in v1 tokens, `azp` in v2 tokens.
    appid: Option<String>,
    azp: Option<String>,
}

/// How long a validated token may stay cached, whatever its expiry.
const CACHE_TIME_TO_LIVE: Duration = Duration::from_secs(3600);

impl Authenticator {
    pub fn new(
        keys: Keys,
        issuers: Vec<String>,
        audiences: Vec<String>,
        leeway: Duration,
        cache_size: u64,
    ) -> Self {
        Self {
            keys,
            issuers,
            audiences,
            leeway_secs: leeway.as_secs(),
            cache: moka::sync::Cache::builder()
                .max_capacity(cache_size)
                .time_to_live(CACHE_TIME_TO_LIVE)
                .build(),
        }
    }

    /// The caller an `Authorization` header value proves.
    pub async fn authenticate(&self, authorization: Option<&[u8]>) -> Result<Caller, AuthError> {
        let token = bearer_token(authorization)?;
        let fingerprint: [u8; 32] = Sha256::digest(token).into();
        let now = jsonwebtoken::get_current_timestamp();
        if let Some(validated) = self.cache.get(&fingerprint) {
            if now <= validated.valid_until {
                return Ok(validated.caller);
            }
            self.cache.invalidate(&fingerprint);
        }
        let (caller, exp) = self.validate(token).await?;
        if caller.tenant.id() == PERSONAL_ACCOUNTS_TENANT {
            return Err(AuthError::Denied(
                "Tokens of personal Microsoft accounts are not accepted: sign in with a work or school account.",
            ));
        }
        self.cache.insert(
            fingerprint,
            Arc::new(Validated {
                caller,
                valid_until: exp.saturating_add(self.leeway_secs),
            }),
        );
        Ok(caller)
    }

    async fn validate(&self, token: &[u8]) -> Result<(Caller, u64), AuthError> {
        let header = read_header(token)?;
        let algorithm = Algorithm::from_str(&header.alg).map_err(|_| {
            AuthError::Invalid(
                "The token's algorithm is not supported; unsigned tokens (alg none) are refused.",
            )
        })?;
        let key = self
            .keys
            .key_for(algorithm, header.kid.as_deref())
            .await
            .map_err(|error| match error {
                KeyError::UnknownKey => {
                    AuthError::Invalid("The token's signing key (kid) is not a trusted key.")
                }
                KeyError::NoKeyId => {
                    AuthError::Invalid("The token does not name its signing key (kid).")
                }
                KeyError::Unavailable => AuthError::KeysUnavailable,
            })?;
        if algorithm != key.algorithm {
            return Err(AuthError::Invalid(
                "The token's algorithm is not the algorithm of its signing key.",
            ));
        }

        let mut validation = Validation::new(key.algorithm);
        validation.leeway = self.leeway_secs;
        validation.validate_nbf = true;
        validation.set_audience(&self.audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let claims = jsonwebtoken::decode::<Claims>(token, &key.key, &validation)
            .map_err(|error| AuthError::Invalid(rejection(error.kind())))?
            .claims;

        let tid = claims.tid.as_deref().unwrap_or_default();
        let tenant = Uuid::parse_str(tid).map_err(|_| {
            AuthError::Invalid("The token has no tenant: its 'tid' claim is missing or not a UUID.")
        })?;
        if !self
            .issuers
            .iter()
            .any(|issuer| issuer.replace(TENANT_PLACEHOLDER, tid) == claims.iss)
        {
            return Err(AuthError::Invalid(
                "The token's issuer (iss) is not trusted.",
            ));
        }
        let caller = Caller {
            tenant: Tenant::new(tenant),
            permissions: Permissions::from_claims(claims.scp.as_deref(), &claims.roles),
            user: claims
                .oid
                .as_deref()
                .and_then(|oid| Uuid::parse_str(oid).ok()),
            app: claims
                .appid
                .or(claims.azp)
                .and_then(|app| Uuid::parse_str(&app).ok()),
        };
        Ok((caller, claims.exp))
    }
}

fn bearer_token(authorization: Option<&[u8]>) -> Result<&[u8], AuthError> {
    let value = authorization.ok_or(AuthError::Invalid(
        "The request has no access token: send 'Authorization: Bearer <token>'.",
    ))?;
    let (scheme, token) = value
        .iter()
        .position(|byte| *byte == b' ')
        .map(|space| (&value[..space], value[space + 1..].trim_ascii()))
        .unwrap_or((value, &[]));
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return Err(AuthError::Invalid(
            "The Authorization header does not use the Bearer scheme.",
        ));
    }
    if token.is_empty() {
        return Err(AuthError::Invalid("The Bearer token is empty."));
    }
    Ok(token)
}

/// The JOSE header, read before anything is trusted, to choose the key.
fn read_header(token: &[u8]) -> Result<Header, AuthError> {
    let malformed = AuthError::Invalid("The token is not a well-formed JWT.");
    let mut parts = token.split(|byte| *byte == b'.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed);
    };
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| malformed.clone())?;
    serde_json::from_slice(&json).map_err(|_| malformed)
}

/// The message for a token the JWT library refused, by the check that failed.
fn rejection(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidSignature => "The token's signature is not valid.",
        ErrorKind::ExpiredSignature => "The token has expired (exp).",
        ErrorKind::ImmatureSignature => "The token is not valid yet (nbf).",
        ErrorKind::InvalidAudience => "The token's audience (aud) is not accepted.",
        ErrorKind::InvalidAlgorithm => {
            "The token's algorithm is not the algorithm of its signing key."
        }
        ErrorKind::MissingRequiredClaim(claim) => match claim.as_str() {
            "exp" => "The token has no expiry (exp).",
            "iss" => "The token has no issuer (iss).",
            "aud" => "The token has no audience (aud).",
            _ => "The token lacks a required claim.",
        },
        ErrorKind::Json(_) | ErrorKind::InvalidClaimFormat(_) => {
            "The token's claims are not valid: exp, iss, aud, tid, scp and roles must have their JWT types."
        }
        _ => "The token is not a well-formed JWT.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header};

    const SECRET: &str = "a secret for the unit tests of the token cache";
    const ISSUER: &str = "https://issuer.example/{tenantid}";

    fn authenticator(leeway: Duration) -> Authenticator {
        Authenticator::new(
            Keys::secret(SECRET),
            vec![ISSUER.to_owned()],
            vec!["api://lifecycle".to_owned()],
            leeway,
            100,
        )
    }

    fn token(lifetime_secs: u64) -> String {
        let tenant = Uuid::new_v4();
        let now = jsonwebtoken::get_current_timestamp();
        let claims = serde_json::json!({
            "iss": ISSUER.replace(TENANT_PLACEHOLDER, &tenant.to_string()),
            "aud": "api://lifecycle",
            "tid": tenant,
            "exp": now + lifetime_secs,
            "roles": ["LifecycleWorkflows.Read.All"],
        });
        jsonwebtoken::encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn a_validated_token_is_served_from_the_cache() {
        let authenticator = authenticator(Duration::ZERO);
        let token = token(600);
        let header = format!("Bearer {token}");
        let caller = authenticator
            .authenticate(Some(header.as_bytes()))
            .await
            .unwrap();
        let fingerprint: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        assert_eq!(
            authenticator.cache.get(&fingerprint).map(|v| v.caller),
            Some(caller)
        );
        assert_eq!(
            authenticator.authenticate(Some(header.as_bytes())).await,
            Ok(caller)
        );
        // A refused token is never cached.
        let refused = format!("Bearer {}x", token);
        assert!(authenticator
            .authenticate(Some(refused.as_bytes()))
            .await
            .is_err());
        assert_eq!(authenticator.cache.iter().count(), 1);
    }

    #[tokio::test]
    async fn a_cached_token_expires_with_its_exp() {
        let authenticator = authenticator(Duration::ZERO);
        let header = format!("Bearer {}", token(1));
        assert!(authenticator
            .authenticate(Some(header.as_bytes()))
            .await
            .is_ok());
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert_eq!(
            authenticator.authenticate(Some(header.as_bytes())).await,
            Err(AuthError::Invalid("The token has expired (exp)."))
        );
    }

    #[test]
    fn the_scheme_is_bearer_in_any_case() {
        assert_eq!(bearer_token(Some(b"bearer abc")), Ok(&b"abc"[..]));
        assert_eq!(bearer_token(Some(b"Bearer  abc ")), Ok(&b"abc"[..]));
        for refused in [&b"Basic abc"[..], b"Bearer", b"Bearer ", b"abc"] {
            assert!(bearer_token(Some(refused)).is_err(), "{refused:?}");
        }
        assert!(bearer_token(None).is_err());
    }

    #[test]
    fn a_header_needs_three_parts_and_json() {
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
        assert_eq!(
            read_header(format!("{header}.e30.").as_bytes())
                .unwrap()
                .alg,
            "none"
        );
        for malformed in ["", "a.b", "a.b.c.d", "!!.e30.x", "e30.e30.x"] {
            assert!(read_header(malformed.as_bytes()).is_err(), "{malformed}");
        }
    }
}
