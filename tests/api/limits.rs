//! Request limits: URL length and header size (ours, with Graph bodies, and
//! actix-http's own beyond them), and the per-tenant rate limit.

use crate::helpers::{client_with_token, exchange_raw, TestApp, LIVE};
use lifecycle_workflows::middleware::{MAX_HEADER_BYTES, MAX_URL_BYTES};
use std::time::Duration;
use uuid::Uuid;

/// A raw request for `target` with one more header line (or none).
fn raw_get(target: &str, header: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n{header}Connection: close\r\n\r\n")
        .into_bytes()
}

async fn assert_healthy(app: &TestApp) {
    let health = app
        .send(reqwest::Client::new().get(format!("{}/healthz", app.address)))
        .await;
    assert_eq!(health.status, 200, "{}", health.text);
}

#[tokio::test]
async fn a_long_url_is_a_414_and_a_huge_one_a_bare_400_from_actix() {
    let app = TestApp::spawn().await;
    // The probe ignores its query: only the URL's length matters.
    let padded = |bytes: usize| {
        let url = format!("{}/healthz?padding={}", app.address, "a".repeat(bytes));
        app.send(reqwest::Client::new().get(url))
    };

    let fits = padded(MAX_URL_BYTES - 100).await;
    assert_eq!(fits.status, 200, "{}", fits.text);
    let long = padded(MAX_URL_BYTES).await;
    let message = long.assert_error(414, "invalidRequest");
    assert!(message.contains(&MAX_URL_BYTES.to_string()), "{message}");

    // Past 65,534 bytes the URL cannot even be parsed: actix-http answers before
    // any middleware, without a body, and closes the connection.
    let huge = exchange_raw(
        &app.address,
        &raw_get(&format!("/healthz?{}", "a".repeat(100_000)), ""),
    )
    .await;
    assert!(huge.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{huge}");
    assert!(huge.contains("content-length: 0\r\n"), "{huge}");
    assert!(huge.contains("connection: close\r\n"), "{huge}");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn large_headers_are_a_431_and_a_huge_head_a_bare_431_from_actix() {
    let app = TestApp::spawn().await;
    let padded = |bytes: usize| {
        app.send(
            app.client
                .get(app.url(&format!("/{LIVE}")))
                .header("x-padding", "a".repeat(bytes)),
        )
    };

    let fits = padded(MAX_HEADER_BYTES / 2).await;
    assert_eq!(fits.status, 200, "{}", fits.text);
    let large = padded(MAX_HEADER_BYTES).await;
    let message = large.assert_error(431, "invalidRequest");
    assert!(message.contains(&MAX_HEADER_BYTES.to_string()), "{message}");

    // A head over 128 KiB, or with more than 96 headers, never reaches the service.
    let many: String = (0..100).map(|i| format!("x-header-{i}: a\r\n")).collect();
    for header in [format!("x-padding: {}\r\n", "a".repeat(200_000)), many] {
        let huge = exchange_raw(&app.address, &raw_get("/healthz", &header)).await;
        assert!(
            huge.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{huge}"
        );
        assert!(huge.contains("content-length: 0\r\n"), "{huge}");
    }
    assert_healthy(&app).await;
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after_per_tenant() {
    let app = TestApp::spawn_with(&[
        ("LCW_RATE_LIMIT_PER_SECOND", "1"),
        ("LCW_RATE_LIMIT_BURST", "3"),
    ])
    .await;
    let count = format!("/{LIVE}/$count");

    // A full bucket lets the burst through; the rate refills it far slower than
    // these requests empty it.
    let mut statuses = Vec::new();
    let limited = loop {
        let response = app.get(&count).await;
        if response.status == 429 {
            break response;
        }
        assert_eq!(response.status, 200, "{}", response.text);
        statuses.push(response.status);
        assert!(statuses.len() < 50, "never limited");
    };
    assert!(statuses.len() >= 3, "{statuses:?}");
    let message = limited.assert_error(429, "activityLimitReached");
    assert!(message.contains("rate limit"), "{message}");
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert_eq!(retry_after, 1);

    // Another tenant has a bucket of its own.
    let other = client_with_token(&app.token(Uuid::new_v4(), &[], &[]));
    let response = app.send(other.get(app.url(&count))).await;
    assert_eq!(response.status, 200, "{}", response.text);

    // Waiting as told is enough.
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let response = app.get(&count).await;
    assert_eq!(response.status, 200, "{}", response.text);
}
