//! The per-tenant rate limit, off unless `LCW_RATE_LIMIT_PER_SECOND` is set. Each
//! tenant has a bucket of `LCW_RATE_LIMIT_BURST` requests that refills at the
//! rate (GCRA, from `governor`); authentication checks it once it knows the
//! tenant, so a request over the limit is a 429 before any database work.

use crate::config::RateLimit;
use crate::error::GraphError;
use crate::tenant::Tenant;
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use std::sync::Arc;
use std::time::Duration;

pub struct RateLimiter(DefaultKeyedRateLimiter<Tenant>);

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        let quota = Quota::per_second(limit.per_second).allow_burst(limit.burst);
        Self(governor::RateLimiter::keyed(quota))
    }

    /// Takes one request from the tenant's bucket, or answers 429 with the whole
    /// seconds until the bucket holds one again.
    pub fn check(&self, tenant: Tenant) -> Result<(), GraphError> {
        self.0.check_key(&tenant).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.0.clock().now());
            let seconds = u32::try_from(wait.as_secs()).unwrap_or(u32::MAX);
            let seconds = seconds.saturating_add(u32::from(wait.subsec_nanos() > 0));
            GraphError::too_many_requests(seconds.max(1))
        })
    }
}

/// Forgets, every minute, the tenants whose bucket is full again: the map holds
/// only the tenants that sent requests lately.
pub async fn upkeep(limiter: Arc<RateLimiter>) {
    let mut ticks = tokio::time::interval(Duration::from_secs(60));
    loop {
        ticks.tick().await;
        limiter.0.retain_recent();
        limiter.0.shrink_to_fit();
    }
}
