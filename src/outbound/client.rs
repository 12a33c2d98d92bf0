//! The one HTTP client that calls out of the service: to custom task
//! extensions' endpoints. Every call goes where the guard allows, on the
//! addresses a name resolves to at call time (so a name that points inward is
//! refused however it was stored), through no proxy, with no redirect followed,
//! within one time limit, and reads at most a bounded part of the answer.

use super::guard;
use crate::config::ExtensionSettings;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;
use std::error::Error as _;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The endpoint answered: any status, 3xx included (redirects are not
    /// followed); the body up to the bound, decoded lossily.
    Answered { status: u16, body: String },
    /// The guard refused the endpoint: nothing was sent, and trying again
    /// changes nothing.
    Refused(String),
    /// No answer: the connection failed, or the time limit passed before the
    /// whole answer (up to the bound) was read.
    Failed { reason: String, timed_out: bool },
}

/// The client, built once and shared: it keeps connections to endpoints open
/// between calls.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    allow_private: bool,
    max_response_bytes: usize,
}

impl Outbound {
    pub fn new(settings: &ExtensionSettings) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(redirect::Policy::none())
            .https_only(!settings.allow_private)
            .dns_resolver(Arc::new(GuardedResolver {
                allow_private: settings.allow_private,
            }))
            .user_agent(concat!("lifecycle-workflows/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| describe(&error))?;
        Ok(Self {
            client,
            allow_private: settings.allow_private,
            max_response_bytes: settings.max_response_bytes,
        })
    }

    /// POSTs `body` as JSON to `url`, with `bearer` as its bearer token, and
    /// reads the answer, all within `timeout`. No reason given names the token,
    /// the body or the URL's query (a Logic App's URL carries its signature
    /// there).
    pub async fn post(
        &self,
        url: &Url,
        bearer: Option<&str>,
        body: &serde_json::Value,
        timeout: Duration,
    ) -> Answer {
        // The resolver sees names only: an address written in the URL is
        // checked here, with the scheme.
        if let Err(reason) = guard::check_endpoint(url, self.allow_private) {
            return Answer::Refused(reason);
        }
        let mut request = self.client.post(url.clone()).json(body);
        if let Some(token) = bearer {
            // Sensitive: kept out of the client's own logs. A token that cannot
            // be a header fails the send, without being named.
            request = request.bearer_auth(token);
        }
        match tokio::time::timeout(timeout, self.exchange(request)).await {
            Ok(Ok((status, body))) => Answer::Answered { status, body },
            Ok(Err(error)) => match refusal(&error) {
                Some(refusal) => Answer::Refused(refusal.0.clone()),
                None => Answer::Failed {
                    timed_out: error.is_timeout(),
                    reason: describe(&error.without_url()),
                },
            },
            Err(_) => Answer::Failed {
                reason: format!("No complete answer within {} ms.", timeout.as_millis()),
                timed_out: true,
            },
        }
    }

    /// Sends `request` and reads its answer's body up to the bound, leaving
    /// the rest unread.
    async fn exchange(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(u16, String), reqwest::Error> {
        let mut response = request.send().await?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while body.len() < self.max_response_bytes {
            let Some(chunk) = response.chunk().await? else {
                break;
            };
            let room = self.max_response_bytes - body.len();
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }
}

/// Resolves names as the system does, keeping only the addresses the guard
/// allows; a name left with none fails with the guard's reason.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // Port 0: the connector puts the URL's port in its place.
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let allowed: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(
                    |address| match guard::check_address(address.ip(), allow_private) {
                        Ok(()) => true,
                        Err(reason) => {
                            refused.get_or_insert(reason);
                            false
                        }
                    },
                )
                .collect();
            match refused {
                Some(reason) if allowed.is_empty() => Err(Box::new(Refusal(format!(
                    "{host} resolves to no address that may be called: {reason}"
                ))) as _),
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

/// The guard's reason for refusing every address of a name, carried through
/// the client's error to tell it from a failure.
#[derive(Debug)]
struct Refusal(String);

impl fmt::Display for Refusal {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

/// The guard's refusal among the causes of `error`, if it is one.
fn refusal(error: &reqwest::Error) -> Option<&Refusal> {
    let mut cause = error.source();
    while let Some(current) = cause {
        if let Some(refusal) = current.downcast_ref::<Refusal>() {
            return Some(refusal);
        }
        cause = current.source();
    }
    None
}

/// `error` and its causes, each said once: "error sending request: client
/// error (Connect): tcp connect error: Connection refused (os error 111)".
fn describe(error: &reqwest::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut cause = error.source();
    while let Some(current) = cause {
        let text = current.to_string();
        if parts.last().is_none_or(|last| !last.contains(&text)) {
            parts.push(text);
        }
        cause = current.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn outbound(allow_private: bool) -> Outbound {
        Outbound::new(&ExtensionSettings {
            max_per_tenant: 100,
            allow_private,
            max_response_bytes: 1024,
        })
        .expect("a client")
    }

    async fn post(outbound: &Outbound, url: &str) -> Answer {
        let url = Url::parse(url).expect("a URL");
        outbound
            .post(&url, Some("a-token"), &json!({}), Duration::from_secs(5))
            .await
    }

    fn refused(answer: Answer) -> String {
        match answer {
            Answer::Refused(reason) => reason,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[tokio::test]
    async fn addresses_written_in_the_url_are_refused_before_connecting() {
        let outbound = outbound(false);
        let reason = refused(post(&outbound, "https://169.254.169.254/latest/meta-data").await);
        assert!(
            reason.contains("169.254.169.254 is a link-local address"),
            "{reason}"
        );
        let reason = refused(post(&outbound, "https://[::1]:8443/run").await);
        assert!(reason.contains("loopback"), "{reason}");
        // The URL parser reads the shorthand forms of an address as the address.
        let reason = refused(post(&outbound, "https://0x7f.1/run").await);
        assert!(
            reason.contains("127.0.0.1 is a loopback address"),
            "{reason}"
        );
    }

    #[tokio::test]
    async fn http_is_refused_unless_private_endpoints_are_allowed() {
        let reason = refused(post(&outbound(false), "http://contoso.example/run").await);
        assert!(reason.contains("https"), "{reason}");
        let reason = refused(post(&outbound(true), "ftp://contoso.example/run").await);
        assert!(reason.contains("https"), "{reason}");
    }

    #[tokio::test]
    async fn a_token_that_cannot_be_a_header_fails_without_being_named() {
        let url = Url::parse("http://127.0.0.1:9/run").expect("a URL");
        let answer = outbound(true)
            .post(
                &url,
                Some("secret\ntoken"),
                &json!({}),
                Duration::from_secs(5),
            )
            .await;
        let Answer::Failed { reason, timed_out } = answer else {
            panic!("not a failure: {answer:?}");
        };
        assert!(!timed_out);
        assert!(!reason.contains("secret"), "{reason}");
    }

    #[tokio::test]
    async fn names_resolving_only_inward_are_refused_at_call_time() {
        let reason = refused(post(&outbound(false), "https://localhost:8443/run").await);
        assert!(
            reason.starts_with("localhost resolves to no address"),
            "{reason}"
        );
        assert!(reason.contains("loopback"), "{reason}");
    }
}
