//! The keys tokens are verified with: a shared secret, a JWKS read from a file or
//! fetched from a URL, or a secret and a JWKS together. Each key pins its
//! algorithm; the token's `alg` must match it, so a token can never choose how
//! it is checked.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use url::Url;

/// A key and the one algorithm it verifies.
pub struct VerifyingKey {
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

#[derive(Debug, PartialEq, Eq)]
pub enum KeyError {
    /// The token names a key (`kid`) that is not among the trusted keys.
    UnknownKey,
    /// The token names no key, and there is more than one to choose from.
    NoKeyId,
    /// The trusted keys could not be fetched.
    Unavailable,
}

/// The trusted keys: an HS256 secret, a published key set, or both.
pub struct Keys {
    secret: Option<Arc<VerifyingKey>>,
    published: Option<Published>,
}

/// A JWKS, read once from a file or fetched from a URL as keys roll over.
pub enum Published {
    Set(KeySet),
    Remote(RemoteKeySet),
}

impl Keys {
    /// An HS256 secret (its UTF-8 bytes are the key), a key set, or both.
    pub fn new(secret: Option<&str>, published: Option<Published>) -> Self {
        let secret = secret.map(|secret| {
            Arc::new(VerifyingKey {
                algorithm: Algorithm::HS256,
                key: DecodingKey::from_secret(secret.as_bytes()),
            })
        });
        Self { secret, published }
    }

    /// An HS256 secret alone.
    pub fn secret(secret: &str) -> Self {
        Self::new(Some(secret), None)
    }

    /// The key a token signed with `algorithm`, naming `kid`, is verified with:
    /// the secret for HS256 when there is one, the key set otherwise. The
    /// caller still checks that the key's algorithm is the token's.
    pub async fn key_for(
        &self,
        algorithm: Algorithm,
        kid: Option<&str>,
    ) -> Result<Arc<VerifyingKey>, KeyError> {
        match (&self.secret, &self.published) {
            (Some(secret), _) if algorithm == Algorithm::HS256 => Ok(secret.clone()),
            (_, Some(Published::Set(set))) => set.find(kid),
            (_, Some(Published::Remote(remote))) => remote.key_for(kid).await,
            (Some(secret), None) => Ok(secret.clone()),
            (None, None) => Err(KeyError::UnknownKey),
        }
    }
}

/// A JWKS, by key id.
pub struct KeySet {
    by_id: HashMap<String, Arc<VerifyingKey>>,
    /// The set's key when it holds just one: it also serves tokens that name none.
    only: Option<Arc<VerifyingKey>>,
}

impl KeySet {
    /// Reads a JWKS document (`{"keys": [...]}`). Keys meant for encryption, and
    /// keys of a type or algorithm that cannot verify a signature, are skipped.
    pub fn from_json(document: &[u8]) -> Result<Self, String> {
        #[derive(serde::Deserialize)]
        struct Document {
            keys: Vec<serde_json::Value>,
        }
        let document: Document = serde_json::from_slice(document)
            .map_err(|error| format!("not a JWKS document ({error})"))?;
        let keys: Vec<(Option<String>, Arc<VerifyingKey>)> = document
            .keys
            .into_iter()
            .filter_map(verifying_key)
            .collect();
        if keys.is_empty() {
            return Err("the JWKS holds no key that can verify a signature".to_owned());
        }
        let only = match keys.as_slice() {
            [(_, key)] => Some(key.clone()),
            _ => None,
        };
        let by_id = keys
            .into_iter()
            .filter_map(|(kid, key)| Some((kid?, key)))
            .collect();
        Ok(Self { by_id, only })
    }

    fn find(&self, kid: Option<&str>) -> Result<Arc<VerifyingKey>, KeyError> {
        match kid {
            Some(kid) => self.by_id.get(kid).cloned().ok_or(KeyError::UnknownKey),
            None => self.only.clone().ok_or(KeyError::NoKeyId),
        }
    }
}

/// A JWK as a verifying key, with its id. Its algorithm is the JWK's `alg`, or
/// the usual one of its key type when it has none (Entra ID's keys have none).
fn verifying_key(value: serde_json::Value) -> Option<(Option<String>, Arc<VerifyingKey>)> {
    let jwk: Jwk = serde_json::from_value(value).ok()?;
    if jwk.common.public_key_use == Some(PublicKeyUse::Encryption) {
        return None;
    }
    let algorithm = match jwk.common.key_algorithm {
        Some(algorithm) => Algorithm::from_str(&algorithm.to_string()).ok()?,
        None => match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Algorithm::RS256,
            AlgorithmParameters::EllipticCurve(params) => match params.curve {
                EllipticCurve::P256 => Algorithm::ES256,
                EllipticCurve::P384 => Algorithm::ES384,
                _ => return None,
            },
            AlgorithmParameters::OctetKeyPair(_) => Algorithm::EdDSA,
            AlgorithmParameters::OctetKey(_) => Algorithm::HS256,
        },
    };
    let key = DecodingKey::from_jwk(&jwk).ok()?;
    (key.family() == algorithm.family())
        .then(|| (jwk.common.key_id, Arc::new(VerifyingKey { algorithm, key })))
}

/// Keys older than this are fetched again, whatever tokens arrive.
const MAX_KEY_AGE: Duration = Duration::from_secs(24 * 3600);
/// After a failed fetch, the least time before the next attempt.
const FAILED_FETCH_BACKOFF: Duration = Duration::from_secs(5);
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// A JWKS fetched from a URL (Entra ID publishes its keys so), cached, and fetched
/// again when a token names a key it does not hold, so that key rollover needs no
/// restart. `min_refresh` bounds how often unknown keys can cause a fetch.
pub struct RemoteKeySet {
    url: Url,
    client: reqwest::Client,
    min_refresh: Duration,
    fetched: RwLock<Option<Fetched>>,
    /// Held while fetching, so one fetch serves every request waiting on it; holds
    /// the last attempt and whether it succeeded.
    last_attempt: tokio::sync::Mutex<Option<(Instant, bool)>>,
}

struct Fetched {
    keys: Arc<KeySet>,
    at: Instant,
}

impl RemoteKeySet {
    pub fn new(url: Url, min_refresh: Duration) -> Self {
        Self {
            url,
            client: reqwest::Client::new(),
            min_refresh,
            fetched: RwLock::new(None),
            last_attempt: tokio::sync::Mutex::new(None),
        }
    }

    async fn key_for(&self, kid: Option<&str>) -> Result<Arc<VerifyingKey>, KeyError> {
        let current = self.current();
        if let Some(keys) = &current {
            if let Ok(key) = keys.find(kid) {
                return Ok(key);
            }
        }
        match self.refresh().await {
            Some(keys) => keys.find(kid),
            None if current.is_some() => Err(KeyError::UnknownKey),
            None => Err(KeyError::Unavailable),
        }
    }

    /// The cached keys, unless they are too old to trust.
    fn current(&self) -> Option<Arc<KeySet>> {
        let fetched = self
            .fetched
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        fetched
            .as_ref()
            .filter(|fetched| fetched.at.elapsed() < MAX_KEY_AGE)
            .map(|fetched| fetched.keys.clone())
    }

    /// Fetches the keys again unless the last attempt was too recent; the keys held
    /// afterwards, if any.
    async fn refresh(&self) -> Option<Arc<KeySet>> {
        let mut last_attempt = self.last_attempt.lock().await;
        let due = match *last_attempt {
            None => true,
            Some((at, true)) => at.elapsed() >= self.min_refresh,
            Some((at, false)) => at.elapsed() >= FAILED_FETCH_BACKOFF,
        };
        if due {
            let outcome = self.fetch().await;
            *last_attempt = Some((Instant::now(), outcome.is_ok()));
            match outcome {
                Ok(keys) => {
                    let mut fetched = self.fetched.write().unwrap_or_else(|p| p.into_inner());
                    *fetched = Some(Fetched {
                        keys: Arc::new(keys),
                        at: Instant::now(),
                    });
                }
                Err(error) => tracing::warn!(url = %self.url, %error, "could not fetch the JWKS"),
            }
        }
        drop(last_attempt);
        let fetched = self.fetched.read().unwrap_or_else(|p| p.into_inner());
        fetched.as_ref().map(|fetched| fetched.keys.clone())
    }

    async fn fetch(&self) -> Result<KeySet, String> {
        let response = self
            .client
            .get(self.url.clone())
            .timeout(FETCH_TIMEOUT)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|error| error.to_string())?;
        let body = response.bytes().await.map_err(|error| error.to_string())?;
        let keys = KeySet::from_json(&body)?;
        tracing::info!(url = %self.url, keys = keys.by_id.len(), "fetched the JWKS");
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_KEY: &str = r#"{"kty":"RSA","kid":"a","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB"}"#;

    fn set(keys: &[&str]) -> Result<KeySet, String> {
        KeySet::from_json(format!(r#"{{"keys":[{}]}}"#, keys.join(",")).as_bytes())
    }

    #[test]
    fn a_key_without_alg_takes_its_type_s_usual_algorithm() {
        let set = set(&[RSA_KEY]).unwrap();
        assert_eq!(set.find(Some("a")).unwrap().algorithm, Algorithm::RS256);
        assert_eq!(set.find(Some("b")).err(), Some(KeyError::UnknownKey));
        // The one key of a set serves a token that names none.
        assert!(set.find(None).is_ok());
    }

    #[test]
    fn a_key_whose_alg_contradicts_its_type_is_skipped() {
        let hs_labelled_rsa = RSA_KEY.replace(r#""kid":"a""#, r#""kid":"a","alg":"HS256""#);
        assert!(set(&[&hs_labelled_rsa]).is_err());
    }

    #[test]
    fn encryption_keys_and_garbage_are_skipped() {
        let encryption = RSA_KEY.replace(r#""kid":"a""#, r#""kid":"e","use":"enc""#);
        let set = set(&[&encryption, r#"{"kty":"nope"}"#, RSA_KEY]).unwrap();
        assert!(set.find(Some("e")).is_err());
        assert!(set.find(Some("a")).is_ok());
        assert!(KeySet::from_json(b"[]").is_err());
    }

    #[test]
    fn a_token_without_kid_is_refused_when_keys_are_ambiguous() {
        let other = RSA_KEY.replace(r#""kid":"a""#, r#""kid":"b""#);
        let set = set(&[RSA_KEY, &other]).unwrap();
        assert_eq!(set.find(None).err(), Some(KeyError::NoKeyId));
    }
}
