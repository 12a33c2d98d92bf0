//! Typed settings from the environment (and `.env`, read by `main`), each with a
//! default. `.env.example` lists every one.

use sqlx::postgres::PgConnectOptions;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;
use url::Url;

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/lifecycle_workflows";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Not `Debug`: the database options hold the password.
#[derive(Clone)]
pub struct Settings {
    /// `DATABASE_URL`: the service's database; created at start if missing.
    pub database: PgConnectOptions,
    /// `LCW_LISTEN`: the address to serve on.
    pub listen: SocketAddr,
    /// `LCW_LOG_FORMAT`: `pretty` or `json`.
    pub log_format: LogFormat,
    /// `LCW_PUBLIC_BASE_URL`: the scheme and host clients reach the service at, for
    /// `Location` and `@odata.*` URLs behind a proxy; otherwise taken from each request.
    /// Also the issuer of the tokens the service signs (`outbound::signing`).
    pub public_base_url: Option<Url>,
    /// `LCW_MAX_BODY_BYTES`: the largest request body accepted.
    pub max_body_bytes: usize,
    /// `LCW_DB_POOL_SIZE`: the most database connections the service holds.
    pub db_pool_size: u32,
    /// `LCW_DB_ACQUIRE_TIMEOUT_MS`: how long a request waits for a connection
    /// before it is answered 503.
    pub db_acquire_timeout: Duration,
    /// `LCW_DB_CONNECT_TIMEOUT_MS`: how long opening a database connection may take.
    pub db_connect_timeout: Duration,
    /// `LCW_DB_STATEMENT_TIMEOUT_MS`: Postgres cancels a statement of the service's
    /// pool that runs longer (`statement_timeout`); the request is answered 503.
    pub db_statement_timeout: Duration,
    /// `LCW_REQUEST_TIMEOUT_MS`: a request not answered within this is answered 503.
    pub request_timeout: Duration,
    /// `LCW_SHUTDOWN_GRACE_SECS`: how long a stop waits for requests in flight.
    pub shutdown_grace: Duration,
    /// `LCW_RATE_LIMIT_PER_SECOND` and `LCW_RATE_LIMIT_BURST`: requests per tenant;
    /// `None` (the default) is no limit.
    pub rate_limit: Option<RateLimit>,
    /// `LCW_WORKERS`: HTTP worker threads.
    pub workers: usize,
    /// `LCW_DELETED_RETENTION_DAYS`: how long a deleted workflow can be restored
    /// before the purge removes it.
    pub deleted_retention: chrono::Duration,
    /// `LCW_PURGE_INTERVAL_SECS`: how often the purge runs.
    pub purge_interval: Duration,
    /// `LCW_AUTH_*`: how bearer tokens are validated.
    pub auth: AuthSettings,
    pub engine: EngineSettings,
    pub extensions: ExtensionSettings,
}

/// Custom task extensions: how many a tenant may have, and what the calls
/// the engine makes to them may reach.
#[derive(Debug, Clone)]
pub struct ExtensionSettings {
    /// `LCW_EXTENSIONS_MAX_PER_TENANT`: the most custom task extensions a tenant
    /// may have (Graph's limit is 100).
    pub max_per_tenant: i64,
    /// `LCW_EXTENSIONS_ALLOW_PRIVATE`: let endpoints use `http` and loopback,
    /// private and link-local addresses, for local stacks and tests; never in
    /// production.
    pub allow_private: bool,
    /// `LCW_EXTENSIONS_MAX_RESPONSE_BYTES`: the most of an endpoint's answer read.
    pub max_response_bytes: usize,
}

/// The engine that runs workflows: its workers, the scheduler, and where email
/// goes.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Workers processing queued users in this process; 0: none.
    pub workers: usize,
    /// How long a claimed user stays with its worker before another may take it.
    pub lease: Duration,
    /// How long an idle worker waits before it looks for work again.
    pub poll: Duration,
    /// How many users a worker claims at once.
    pub batch: i64,
    /// How often this process runs a scheduling pass; None: never.
    pub scheduler_tick: Option<Duration>,
    /// The SMTP server email tasks send through (`smtp://host:port`); None:
    /// email tasks fail, saying so.
    pub smtp_url: Option<String>,
    /// The sender of email tasks, unless the tenant's settings name a sender
    /// domain.
    pub smtp_from: String,
}

/// Each tenant's allowance: `per_second` requests, in bursts of up to `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

/// How bearer tokens are validated.
#[derive(Clone)]
pub struct AuthSettings {
    /// `LCW_AUTH_HS256_SECRET`, and `LCW_AUTH_JWKS_PATH` or `LCW_AUTH_JWKS_URL`;
    /// with none, the public development secret.
    pub keys: SigningKeys,
    /// `LCW_AUTH_ISSUERS`: accepted `iss` values; `{tenantid}` stands for the
    /// token's `tid`.
    pub issuers: Vec<String>,
    /// `LCW_AUTH_AUDIENCES`: accepted `aud` values.
    pub audiences: Vec<String>,
    /// `LCW_AUTH_LEEWAY_SECS`: clock skew allowed on `exp` and `nbf`.
    pub leeway: Duration,
    /// `LCW_AUTH_ALLOW_DEV_KEY`: accept the development secret on a non-loopback
    /// address.
    pub allow_dev_key: bool,
    /// `LCW_AUTH_JWKS_MIN_REFRESH_SECS`: the least time between two fetches of the
    /// JWKS URL caused by tokens naming an unknown key.
    pub jwks_min_refresh: Duration,
    /// `LCW_AUTH_TOKEN_CACHE_SIZE`: how many validated tokens are remembered.
    pub token_cache_size: u64,
}

/// The keys tokens are signed with: an HS256 secret, a JWKS, or both, so that a
/// deployment that accepts Entra ID's tokens can also accept its own; each key
/// keeps its algorithm. With neither, the public development secret.
#[derive(Clone)]
pub struct SigningKeys {
    pub secret: Option<String>,
    pub jwks: Option<JwksSource>,
}

/// Where a JWKS comes from.
#[derive(Clone)]
pub enum JwksSource {
    File(PathBuf),
    Url(Url),
}

impl SigningKeys {
    /// Whether no key is configured, and the development secret stands in.
    pub fn is_development(&self) -> bool {
        self.secret.is_none() && self.jwks.is_none()
    }
}

/// Entra ID's v2.0 issuer, for every tenant.
pub const DEFAULT_ISSUER: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
/// Microsoft Graph's audience.
pub const DEFAULT_AUDIENCE: &str = "https://graph.microsoft.com";
/// RFC 7518 asks an HS256 key to be at least as long as the hash.
const MIN_SECRET_BYTES: usize = 32;

/// A setting that is present but not valid; it names the setting, never its value
/// (which may hold a password).
#[derive(Debug, thiserror::Error)]
#[error("invalid setting {setting}: {reason}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub reason: String,
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, which returns a setting's raw value.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |setting: &'static str| lookup(setting).filter(|value| !value.trim().is_empty());
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        Ok(Self {
            database: parse_database_url(&database_url)?,
            listen: parse_or(
                get("LCW_LISTEN"),
                "LCW_LISTEN",
                "127.0.0.1:8080".parse().ok(),
            )?,
            log_format: match get("LCW_LOG_FORMAT").as_deref() {
                None | Some("pretty") => LogFormat::Pretty,
                Some("json") => LogFormat::Json,
                Some(_) => return Err(invalid("LCW_LOG_FORMAT", "expected 'pretty' or 'json'")),
            },
            public_base_url: get("LCW_PUBLIC_BASE_URL")
                .map(|value| parse_public_base_url(&value))
                .transpose()?,
            max_body_bytes: positive(
                parse_or(
                    get("LCW_MAX_BODY_BYTES"),
                    "LCW_MAX_BODY_BYTES",
                    Some(1 << 20),
                )?,
                "LCW_MAX_BODY_BYTES",
            )?,
            db_pool_size: positive(
                parse_or(get("LCW_DB_POOL_SIZE"), "LCW_DB_POOL_SIZE", Some(10))?,
                "LCW_DB_POOL_SIZE",
            )?,
            db_acquire_timeout: Duration::from_millis(positive(
                parse_or(
                    get("LCW_DB_ACQUIRE_TIMEOUT_MS"),
                    "LCW_DB_ACQUIRE_TIMEOUT_MS",
                    Some(5000),
                )?,
                "LCW_DB_ACQUIRE_TIMEOUT_MS",
            )?),
            db_connect_timeout: milliseconds(&get, "LCW_DB_CONNECT_TIMEOUT_MS", 3_000)?,
            db_statement_timeout: milliseconds(&get, "LCW_DB_STATEMENT_TIMEOUT_MS", 10_000)?,
            request_timeout: milliseconds(&get, "LCW_REQUEST_TIMEOUT_MS", 30_000)?,
            shutdown_grace: Duration::from_secs(parse_or(
                get("LCW_SHUTDOWN_GRACE_SECS"),
                "LCW_SHUTDOWN_GRACE_SECS",
                Some(30),
            )?),
            rate_limit: rate_limit(&get)?,
            workers: positive(
                parse_or(
                    get("LCW_WORKERS"),
                    "LCW_WORKERS",
                    std::thread::available_parallelism()
                        .map(usize::from)
                        .ok()
                        .or(Some(1)),
                )?,
                "LCW_WORKERS",
            )?,
            deleted_retention: chrono::Duration::days(
                parse_or(
                    get("LCW_DELETED_RETENTION_DAYS"),
                    "LCW_DELETED_RETENTION_DAYS",
                    Some(30u16),
                )?
                .into(),
            ),
            purge_interval: Duration::from_secs(positive(
                parse_or(
                    get("LCW_PURGE_INTERVAL_SECS"),
                    "LCW_PURGE_INTERVAL_SECS",
                    Some(3600),
                )?,
                "LCW_PURGE_INTERVAL_SECS",
            )?),
            auth: AuthSettings::from_lookup(&get)?,
            engine: EngineSettings::from_lookup(&get)?,
            extensions: ExtensionSettings {
                max_per_tenant: positive(
                    parse_or(
                        get("LCW_EXTENSIONS_MAX_PER_TENANT"),
                        "LCW_EXTENSIONS_MAX_PER_TENANT",
                        Some(100),
                    )?,
                    "LCW_EXTENSIONS_MAX_PER_TENANT",
                )?,
                allow_private: parse_or(
                    get("LCW_EXTENSIONS_ALLOW_PRIVATE"),
                    "LCW_EXTENSIONS_ALLOW_PRIVATE",
                    Some(false),
                )?,
                max_response_bytes: positive(
                    parse_or(
                        get("LCW_EXTENSIONS_MAX_RESPONSE_BYTES"),
                        "LCW_EXTENSIONS_MAX_RESPONSE_BYTES",
                        Some(64 << 10),
                    )?,
                    "LCW_EXTENSIONS_MAX_RESPONSE_BYTES",
                )?,
            },
        })
    }
}

impl EngineSettings {
    fn from_lookup(get: &impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        let scheduler_secs: u64 = parse_or(
            get("LCW_SCHEDULER_TICK_SECS"),
            "LCW_SCHEDULER_TICK_SECS",
            Some(300),
        )?;
        Ok(Self {
            workers: parse_or(get("LCW_ENGINE_WORKERS"), "LCW_ENGINE_WORKERS", Some(2))?,
            lease: Duration::from_secs(positive(
                parse_or(
                    get("LCW_ENGINE_LEASE_SECS"),
                    "LCW_ENGINE_LEASE_SECS",
                    Some(300),
                )?,
                "LCW_ENGINE_LEASE_SECS",
            )?),
            poll: milliseconds(get, "LCW_ENGINE_POLL_MS", 1_000)?,
            batch: positive(
                parse_or(get("LCW_ENGINE_BATCH"), "LCW_ENGINE_BATCH", Some(16))?,
                "LCW_ENGINE_BATCH",
            )?,
            scheduler_tick: (scheduler_secs > 0).then(|| Duration::from_secs(scheduler_secs)),
            smtp_url: get("LCW_SMTP_URL"),
            smtp_from: get("LCW_SMTP_FROM")
                .unwrap_or_else(|| "lifecycle-workflows@localhost".to_owned()),
        })
    }
}

impl AuthSettings {
    fn from_lookup(get: &impl Fn(&'static str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            keys: signing_keys(get)?,
            issuers: list(get("LCW_AUTH_ISSUERS"), DEFAULT_ISSUER),
            audiences: list(get("LCW_AUTH_AUDIENCES"), DEFAULT_AUDIENCE),
            leeway: Duration::from_secs(parse_or(
                get("LCW_AUTH_LEEWAY_SECS"),
                "LCW_AUTH_LEEWAY_SECS",
                Some(60),
            )?),
            allow_dev_key: parse_or(
                get("LCW_AUTH_ALLOW_DEV_KEY"),
                "LCW_AUTH_ALLOW_DEV_KEY",
                Some(false),
            )?,
            jwks_min_refresh: Duration::from_secs(parse_or(
                get("LCW_AUTH_JWKS_MIN_REFRESH_SECS"),
                "LCW_AUTH_JWKS_MIN_REFRESH_SECS",
                Some(300),
            )?),
            token_cache_size: positive(
                parse_or(
                    get("LCW_AUTH_TOKEN_CACHE_SIZE"),
                    "LCW_AUTH_TOKEN_CACHE_SIZE",
                    Some(10_000),
                )?,
                "LCW_AUTH_TOKEN_CACHE_SIZE",
            )?,
        })
    }
}

fn signing_keys(get: &impl Fn(&'static str) -> Option<String>) -> Result<SigningKeys, ConfigError> {
    let secret = match get("LCW_AUTH_HS256_SECRET") {
        Some(secret) if secret.len() < MIN_SECRET_BYTES => {
            return Err(invalid(
                "LCW_AUTH_HS256_SECRET",
                format!("must be at least {MIN_SECRET_BYTES} bytes long"),
            ))
        }
        secret => secret,
    };
    let jwks = match (get("LCW_AUTH_JWKS_PATH"), get("LCW_AUTH_JWKS_URL")) {
        (None, None) => None,
        (Some(path), None) => Some(JwksSource::File(PathBuf::from(path))),
        (None, Some(url)) => {
            let setting = "LCW_AUTH_JWKS_URL";
            let url = Url::parse(&url)
                .map_err(|error| invalid(setting, format!("'{url}' is not a URL ({error})")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(invalid(setting, format!("'{url}' is not an http(s) URL")));
            }
            Some(JwksSource::Url(url))
        }
        (Some(_), Some(_)) => {
            return Err(invalid(
                "LCW_AUTH_JWKS_PATH",
                "set only one of LCW_AUTH_JWKS_PATH and LCW_AUTH_JWKS_URL",
            ))
        }
    };
    Ok(SigningKeys { secret, jwks })
}

/// A positive number of milliseconds.
fn milliseconds(
    get: &impl Fn(&'static str) -> Option<String>,
    setting: &'static str,
    default: u64,
) -> Result<Duration, ConfigError> {
    let value = positive(parse_or(get(setting), setting, Some(default))?, setting)?;
    Ok(Duration::from_millis(value))
}

/// Off unless `LCW_RATE_LIMIT_PER_SECOND` is set; the burst defaults to one
/// second's worth.
fn rate_limit(
    get: &impl Fn(&'static str) -> Option<String>,
) -> Result<Option<RateLimit>, ConfigError> {
    let burst = get("LCW_RATE_LIMIT_BURST");
    let Some(per_second) = get("LCW_RATE_LIMIT_PER_SECOND") else {
        return match burst {
            None => Ok(None),
            Some(_) => Err(invalid(
                "LCW_RATE_LIMIT_BURST",
                "is set but LCW_RATE_LIMIT_PER_SECOND is not",
            )),
        };
    };
    let per_second: NonZeroU32 = parse_or(Some(per_second), "LCW_RATE_LIMIT_PER_SECOND", None)?;
    let burst = parse_or(burst, "LCW_RATE_LIMIT_BURST", Some(per_second))?;
    Ok(Some(RateLimit { per_second, burst }))
}

/// A comma-separated list, or the default when the setting is absent.
fn list(value: Option<String>, default: &str) -> Vec<String> {
    value
        .as_deref()
        .unwrap_or(default)
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

fn invalid(setting: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        setting,
        reason: reason.into(),
    }
}

fn parse_or<T: FromStr>(
    value: Option<String>,
    setting: &'static str,
    default: Option<T>,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match (value, default) {
        (Some(value), _) => value.trim().parse().map_err(|error: T::Err| {
            invalid(
                setting,
                format!("'{}' is not valid ({error})", value.trim()),
            )
        }),
        (None, Some(default)) => Ok(default),
        (None, None) => Err(invalid(setting, "has no default and is not set")),
    }
}

fn positive<T: PartialOrd + Default>(value: T, setting: &'static str) -> Result<T, ConfigError> {
    if value > T::default() {
        Ok(value)
    } else {
        Err(invalid(setting, "must be greater than zero"))
    }
}

fn parse_database_url(value: &str) -> Result<PgConnectOptions, ConfigError> {
    let setting = "DATABASE_URL";
    let scheme = Url::parse(value)
        .map(|url| url.scheme().to_owned())
        .unwrap_or_default();
    if !matches!(scheme.as_str(), "postgres" | "postgresql") {
        return Err(invalid(setting, "not a postgres:// URL"));
    }
    PgConnectOptions::from_str(value).map_err(|_| invalid(setting, "not a valid Postgres URL"))
}

fn parse_public_base_url(value: &str) -> Result<Url, ConfigError> {
    let setting = "LCW_PUBLIC_BASE_URL";
    let url = Url::parse(value)
        .map_err(|error| invalid(setting, format!("'{value}' is not a URL ({error})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid(
            setting,
            format!("'{value}' is not an http(s) URL with a host"),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            setting,
            format!("'{value}' must not have a query or fragment"),
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn every_setting_has_a_default() {
        let settings = settings(&[]).unwrap();
        assert_eq!(settings.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(
            settings.database.get_database(),
            Some("lifecycle_workflows")
        );
        assert_eq!(settings.log_format, LogFormat::Pretty);
        assert_eq!(settings.max_body_bytes, 1_048_576);
        assert_eq!(settings.db_pool_size, 10);
        assert!(settings.auth.keys.is_development());
        assert_eq!(settings.auth.issuers, [DEFAULT_ISSUER]);
        assert_eq!(settings.auth.audiences, [DEFAULT_AUDIENCE]);
        assert_eq!(settings.auth.leeway, Duration::from_secs(60));
        assert!(!settings.auth.allow_dev_key);
        assert_eq!(settings.auth.jwks_min_refresh, Duration::from_secs(300));
        assert_eq!(settings.auth.token_cache_size, 10_000);
        assert!(settings.public_base_url.is_none());
        assert_eq!(settings.deleted_retention, chrono::Duration::days(30));
        assert_eq!(settings.purge_interval, Duration::from_secs(3600));
        assert_eq!(settings.db_connect_timeout, Duration::from_secs(3));
        assert_eq!(settings.db_statement_timeout, Duration::from_secs(10));
        assert_eq!(settings.request_timeout, Duration::from_secs(30));
        assert_eq!(settings.shutdown_grace, Duration::from_secs(30));
        assert_eq!(settings.rate_limit, None);
    }

    #[test]
    fn the_rate_limit_is_off_unless_a_rate_is_set() {
        let limit = |pairs: &[(&str, &str)]| settings(pairs).unwrap().rate_limit.unwrap();
        let one_second = limit(&[("LCW_RATE_LIMIT_PER_SECOND", "20")]);
        assert_eq!(
            (one_second.per_second.get(), one_second.burst.get()),
            (20, 20)
        );
        let bursty = limit(&[
            ("LCW_RATE_LIMIT_PER_SECOND", "20"),
            ("LCW_RATE_LIMIT_BURST", "100"),
        ]);
        assert_eq!((bursty.per_second.get(), bursty.burst.get()), (20, 100));
        let off = settings(&[("LCW_RATE_LIMIT_PER_SECOND", " ")]).unwrap();
        assert_eq!(off.rate_limit, None);
    }

    #[test]
    fn invalid_settings_are_named() {
        let cases = [
            ("LCW_LISTEN", "localhost"),
            ("LCW_LOG_FORMAT", "xml"),
            ("LCW_PUBLIC_BASE_URL", "ftp://example.com"),
            ("LCW_MAX_BODY_BYTES", "-1"),
            ("LCW_MAX_BODY_BYTES", "0"),
            ("LCW_DB_POOL_SIZE", "many"),
            ("LCW_DB_ACQUIRE_TIMEOUT_MS", "0"),
            ("LCW_AUTH_HS256_SECRET", "too short"),
            ("LCW_AUTH_JWKS_URL", "ftp://keys.example.com"),
            ("LCW_AUTH_LEEWAY_SECS", "-5"),
            ("LCW_AUTH_ALLOW_DEV_KEY", "yes"),
            ("LCW_AUTH_TOKEN_CACHE_SIZE", "0"),
            ("LCW_WORKERS", "0"),
            ("LCW_DELETED_RETENTION_DAYS", "-1"),
            ("LCW_PURGE_INTERVAL_SECS", "0"),
            ("LCW_DB_CONNECT_TIMEOUT_MS", "0"),
            ("LCW_DB_STATEMENT_TIMEOUT_MS", "soon"),
            ("LCW_REQUEST_TIMEOUT_MS", "0"),
            ("LCW_SHUTDOWN_GRACE_SECS", "-1"),
            ("LCW_RATE_LIMIT_PER_SECOND", "0"),
            ("LCW_RATE_LIMIT_BURST", "10"),
            ("DATABASE_URL", "mysql://localhost"),
            ("DATABASE_URL", "postgres://localhost:port/db"),
        ];
        for (setting, value) in cases {
            let Err(error) = settings(&[(setting, value)]) else {
                panic!("{setting}={value} was accepted");
            };
            assert_eq!(error.setting, setting, "{value}");
            assert!(error.to_string().contains(setting));
        }
    }

    #[test]
    fn auth_lists_are_comma_separated_and_one_jwks_joins_a_secret() {
        let settings = settings(&[
            (
                "LCW_AUTH_ISSUERS",
                " https://a.example/ , https://b.example/{tenantid}/,",
            ),
            ("LCW_AUTH_AUDIENCES", "api://lifecycle"),
            ("LCW_AUTH_JWKS_URL", "https://keys.example/jwks"),
        ])
        .unwrap();
        assert_eq!(
            settings.auth.issuers,
            ["https://a.example/", "https://b.example/{tenantid}/"]
        );
        assert_eq!(settings.auth.audiences, ["api://lifecycle"]);
        assert!(matches!(settings.auth.keys.jwks, Some(JwksSource::Url(_))));
        assert!(settings.auth.keys.secret.is_none());

        let secret = "a secret that is long enough to be used";
        let both = self::settings(&[
            ("LCW_AUTH_HS256_SECRET", secret),
            ("LCW_AUTH_JWKS_PATH", "/etc/jwks.json"),
        ])
        .unwrap();
        assert_eq!(both.auth.keys.secret.as_deref(), Some(secret));
        assert!(matches!(both.auth.keys.jwks, Some(JwksSource::File(_))));

        let two_sets = self::settings(&[
            ("LCW_AUTH_JWKS_PATH", "/etc/jwks.json"),
            ("LCW_AUTH_JWKS_URL", "https://keys.example/jwks"),
        ]);
        assert!(two_sets.is_err());
    }

    #[test]
    fn a_short_secret_is_refused_without_echoing_it() {
        let Err(error) = settings(&[("LCW_AUTH_HS256_SECRET", "hunter2")]) else {
            panic!("a short secret was accepted");
        };
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[test]
    fn database_errors_do_not_echo_the_url() {
        for url in [
            "mysql://user:hunter2@localhost",
            "postgres://user:hunter2@localhost:port/db",
        ] {
            let Err(error) = settings(&[("DATABASE_URL", url)]) else {
                panic!("{url} was accepted");
            };
            assert!(!error.to_string().contains("hunter2"), "{error}");
        }
    }
}
