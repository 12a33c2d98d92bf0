//! What the route handlers share, built once and shared by all workers. The
//! middleware and extractors below the routes read narrow data of their own
//! (`auth::Admission`, `wire::PublicBaseUrl`, `middleware::RequestTimeout`), so
//! no module below `routes` depends on this one.

use crate::config::ExtensionSettings;
use crate::db;
use crate::outbound::{Outbound, Signer};
use metrics_exporter_prometheus::PrometheusHandle;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

pub struct AppState {
    pub pool: db::Pool,
    pub max_body_bytes: usize,
    pub metrics: PrometheusHandle,
    /// The service itself, for the inner requests of a `$batch`.
    pub loopback: Loopback,
    /// Signs the tokens of calls to custom task extensions; its key set is
    /// published at `/.well-known/jwks.json`.
    pub signer: Arc<Signer>,
    /// The client every call to a custom task extension goes through.
    pub outbound: Outbound,
    /// What custom task extensions may be: how many, and where they call.
    pub extensions: ExtensionSettings,
}

pub struct Loopback {
    pub base: String,
    pub client: reqwest::Client,
}

impl Loopback {
    /// The listener's address, reached on loopback when it listens on all of them.
    pub fn new(listening: SocketAddr) -> Self {
        let ip = match listening.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        Self {
            base: format!("http://{}", SocketAddr::new(ip, listening.port())),
            client: reqwest::Client::new(),
        }
    }
}
