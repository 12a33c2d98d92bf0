//! The key the service signs its own tokens with: the bearer tokens of its calls
//! to custom task extensions, which a receiver verifies with the key set the
//! service publishes (`/.well-known/jwks.json`). One ES256 (P-256) key, stored
//! in Postgres so that every instance signs with the same one.

use crate::db::{self, signing_keys::SigningKey as StoredKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use p256::{PublicKey, SecretKey};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::Url;
use uuid::Uuid;

/// The issuer (`iss`) of the service's tokens when `LCW_PUBLIC_BASE_URL` is not
/// set. A token is signed by the engine, outside any request, so the address a
/// request reached cannot name the service; a fixed name keeps `iss` the same
/// on every instance.
pub const DEFAULT_ISSUER: &str = "urn:lifecycle-workflows:service";

/// How long a token is valid: it is used at once, for one call.
const LIFETIME: TimeDelta = TimeDelta::hours(1);

#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("could not read or store the signing key: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the signing key '{kid}' cannot be used: {reason}")]
    Unusable { kid: String, reason: String },
}

/// Signs the service's tokens; publishes the key that verifies them.
pub struct Signer {
    issuer: String,
    kid: String,
    key: EncodingKey,
    /// The public key's coordinates, base64url.
    x: String,
    y: String,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    tid: Uuid,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: Uuid,
}

impl Signer {
    /// The key every instance signs with: the oldest stored, or, when none is,
    /// a new one, stored so that the instances starting beside this one take it
    /// too.
    pub async fn load_or_create(
        pool: &db::Pool,
        public_base_url: Option<&Url>,
    ) -> Result<Self, SigningError> {
        let candidate = new_key()?;
        let stored = db::signing_keys::oldest_or_store(pool, &candidate).await?;
        Self::from_stored(&stored, issuer(public_base_url))
    }

    /// A new key of this process's own, stored nowhere: for an application that
    /// never touches its database as it starts (tests of a database that is
    /// down), whose tokens no other instance can verify.
    pub fn generate(public_base_url: Option<&Url>) -> Result<Self, SigningError> {
        Self::from_stored(&new_key()?, issuer(public_base_url))
    }

    fn from_stored(stored: &StoredKey, issuer: String) -> Result<Self, SigningError> {
        let unusable = |reason: String| SigningError::Unusable {
            kid: stored.kid.clone(),
            reason,
        };
        let secret = SecretKey::from_pkcs8_pem(&stored.private_key_pem).map_err(|error| {
            unusable(format!("not a P-256 private key in PKCS#8 PEM ({error})"))
        })?;
        let key = EncodingKey::from_ec_pem(stored.private_key_pem.as_bytes())
            .map_err(|error| unusable(error.to_string()))?;
        let (x, y) = coordinates(&secret.public_key());
        Ok(Self {
            issuer,
            kid: stored.kid.clone(),
            key,
            x,
            y,
        })
    }

    /// The `iss` of every token.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// A bearer token for a call on behalf of `tenant` to the endpoint that
    /// expects `audience` (an extension's resourceId), valid for an hour from
    /// `now`. The service is its subject as well as its issuer, as in a client
    /// assertion (RFC 7523); `jti` is new for every token.
    pub fn token(
        &self,
        tenant: Uuid,
        audience: &str,
        now: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        let claims = Claims {
            iss: &self.issuer,
            sub: &self.issuer,
            aud: audience,
            tid: tenant,
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: (now + LIFETIME).timestamp(),
            jti: Uuid::new_v4(),
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
    }

    /// The key set that verifies the tokens, as `/.well-known/jwks.json` serves it.
    pub fn jwks(&self) -> Value {
        json!({"keys": [{
            "kty": "EC",
            "crv": "P-256",
            "x": self.x,
            "y": self.y,
            "kid": self.kid,
            "use": "sig",
            "alg": "ES256",
        }]})
    }
}

/// `LCW_PUBLIC_BASE_URL` without its trailing slash, or [`DEFAULT_ISSUER`].
fn issuer(public_base_url: Option<&Url>) -> String {
    public_base_url.map_or_else(
        || DEFAULT_ISSUER.to_owned(),
        |url| url.as_str().trim_end_matches('/').to_owned(),
    )
}

/// A new key from the operating system's random source, ready to store; its id
/// is its public key's JWK thumbprint (RFC 7638).
fn new_key() -> Result<StoredKey, SigningError> {
    let secret = SecretKey::random(&mut rand_core::OsRng);
    let kid = thumbprint(&secret.public_key());
    let pem = secret
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|error| SigningError::Unusable {
            kid: kid.clone(),
            reason: format!("cannot be written as PKCS#8 PEM ({error})"),
        })?;
    Ok(StoredKey {
        kid,
        private_key_pem: pem.to_string(),
    })
}

/// The affine coordinates of `public`, base64url, as a JWK carries them.
fn coordinates(public: &PublicKey) -> (String, String) {
    let point = public.to_encoded_point(false);
    let encode = |coordinate: Option<&_>| {
        URL_SAFE_NO_PAD.encode(coordinate.map(AsRef::<[u8]>::as_ref).unwrap_or_default())
    };
    (encode(point.x()), encode(point.y()))
}

/// SHA-256 of the key's required members in lexicographic order, base64url.
fn thumbprint(public: &PublicKey) -> String {
    let (x, y) = coordinates(public);
    let members = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(members.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::errors::ErrorKind;
    use jsonwebtoken::jwk::{Jwk, JwkSet, ThumbprintHash};
    use jsonwebtoken::{DecodingKey, Validation};

    const AUDIENCE: &str = "api://contoso-extension";

    fn signer() -> Signer {
        Signer::generate(None).expect("a new key")
    }

    fn published_key(signer: &Signer) -> Jwk {
        let set: JwkSet = serde_json::from_value(signer.jwks()).expect("a JWKS");
        assert_eq!(set.keys.len(), 1);
        set.keys[0].clone()
    }

    /// Verifies `token` as a receiver does: the key its `kid` names in the
    /// published set, the algorithm that key pins, the audience and issuer.
    fn verify(signer: &Signer, token: &str, audience: &str) -> jsonwebtoken::errors::Result<Value> {
        let header = jsonwebtoken::decode_header(token)?;
        let set: JwkSet = serde_json::from_value(signer.jwks()).expect("a JWKS");
        let jwk = set
            .find(header.kid.as_deref().expect("a kid"))
            .expect("the kid is published");
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[signer.issuer()]);
        validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
        let key = DecodingKey::from_jwk(jwk)?;
        Ok(jsonwebtoken::decode::<Value>(token, &key, &validation)?.claims)
    }

    #[test]
    fn a_token_verifies_with_the_published_key_for_its_audience() {
        let signer = signer();
        let tenant = Uuid::new_v4();
        let now = Utc::now();
        let token = signer.token(tenant, AUDIENCE, now).expect("a token");

        let header = jsonwebtoken::decode_header(&token).expect("a header");
        assert_eq!(header.alg, Algorithm::ES256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert_eq!(header.kid.as_deref(), Some(signer.kid.as_str()));

        let claims = verify(&signer, &token, AUDIENCE).expect("a valid token");
        assert_eq!(claims["iss"], DEFAULT_ISSUER);
        assert_eq!(claims["sub"], DEFAULT_ISSUER);
        assert_eq!(claims["aud"], AUDIENCE);
        assert_eq!(claims["tid"], tenant.to_string());
        assert_eq!(claims["iat"], now.timestamp());
        assert_eq!(claims["nbf"], now.timestamp());
        assert_eq!(claims["exp"], now.timestamp() + 3600);
        assert!(Uuid::parse_str(claims["jti"].as_str().expect("a jti")).is_ok());
        let again = signer.token(tenant, AUDIENCE, now).expect("a token");
        let claims_again = verify(&signer, &again, AUDIENCE).expect("a valid token");
        assert_ne!(claims["jti"], claims_again["jti"], "a jti is used once");
    }

    #[test]
    fn a_token_for_another_audience_or_from_another_key_is_refused() {
        let signer = signer();
        let token = signer
            .token(Uuid::new_v4(), AUDIENCE, Utc::now())
            .expect("a token");
        let refused = verify(&signer, &token, "api://another").expect_err("another audience");
        assert_eq!(refused.kind(), &ErrorKind::InvalidAudience);

        let other = Signer::generate(None).expect("a new key");
        let key = DecodingKey::from_jwk(&published_key(&other)).expect("a key");
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&[AUDIENCE]);
        let forged = jsonwebtoken::decode::<Value>(&token, &key, &validation)
            .expect_err("another key's signature");
        assert_eq!(forged.kind(), &ErrorKind::InvalidSignature);
    }

    #[test]
    fn an_expired_token_is_refused() {
        let signer = signer();
        let two_hours_ago = Utc::now() - TimeDelta::hours(2);
        let token = signer
            .token(Uuid::new_v4(), AUDIENCE, two_hours_ago)
            .expect("a token");
        let refused = verify(&signer, &token, AUDIENCE).expect_err("expired");
        assert_eq!(refused.kind(), &ErrorKind::ExpiredSignature);
    }

    #[test]
    fn the_published_key_is_an_es256_signing_key_named_by_its_thumbprint() {
        let signer = signer();
        let jwks = signer.jwks();
        let key = &jwks["keys"][0];
        assert_eq!(key["kty"], "EC");
        assert_eq!(key["crv"], "P-256");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["alg"], "ES256");
        for coordinate in ["x", "y"] {
            let encoded = key[coordinate].as_str().expect("a coordinate");
            let bytes = URL_SAFE_NO_PAD.decode(encoded).expect("base64url");
            assert_eq!(bytes.len(), 32, "{coordinate}");
        }
        let jwk = published_key(&signer);
        assert_eq!(key["kid"], jwk.thumbprint(ThumbprintHash::SHA256));
    }

    #[test]
    fn a_stored_key_signs_as_the_key_it_was() {
        let stored = new_key().expect("a new key");
        let first = Signer::from_stored(&stored, DEFAULT_ISSUER.to_owned()).expect("usable");
        let second = Signer::from_stored(&stored, DEFAULT_ISSUER.to_owned()).expect("usable");
        assert_eq!(first.jwks(), second.jwks());
        let token = first
            .token(Uuid::new_v4(), AUDIENCE, Utc::now())
            .expect("a token");
        assert!(verify(&second, &token, AUDIENCE).is_ok());

        let garbled = StoredKey {
            kid: "garbled".to_owned(),
            private_key_pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
                .to_owned(),
        };
        let refused = Signer::from_stored(&garbled, DEFAULT_ISSUER.to_owned())
            .err()
            .expect("not a key");
        assert!(refused.to_string().contains("'garbled'"), "{refused}");
    }

    #[test]
    fn the_issuer_is_the_public_base_url_without_its_trailing_slash() {
        let url = |text: &str| Url::parse(text).expect("a URL");
        assert_eq!(issuer(None), DEFAULT_ISSUER);
        assert_eq!(
            issuer(Some(&url("https://lcw.contoso.com/"))),
            "https://lcw.contoso.com"
        );
        assert_eq!(
            issuer(Some(&url("https://contoso.com/lcw/"))),
            "https://contoso.com/lcw"
        );
        let signer = Signer::generate(Some(&url("https://lcw.contoso.com"))).expect("a key");
        let token = signer
            .token(Uuid::new_v4(), AUDIENCE, Utc::now())
            .expect("a token");
        let claims = verify(&signer, &token, AUDIENCE).expect("a valid token");
        assert_eq!(claims["iss"], "https://lcw.contoso.com");
    }
}
