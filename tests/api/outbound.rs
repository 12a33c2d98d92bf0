//! The outbound client against a real local receiver: what it sends, how much
//! of the answer it reads, its time limit, redirects, and where it may go.

use crate::receiver::{Receiver, Reply};
use lifecycle_workflows::config::ExtensionSettings;
use lifecycle_workflows::outbound::{Answer, Outbound};
use serde_json::json;
use std::time::{Duration, Instant};
use url::Url;

const TOKEN: &str = "eyJ0b2tlbi10aGF0LW11c3Qtbm90LWxlYWs";
const LIMIT: Duration = Duration::from_secs(5);

fn outbound(allow_private: bool, max_response_bytes: usize) -> Outbound {
    Outbound::new(&ExtensionSettings {
        max_per_tenant: 100,
        allow_private,
        max_response_bytes,
    })
    .expect("a client")
}

/// A local stack's client: private addresses and http allowed.
fn local() -> Outbound {
    outbound(true, 64 << 10)
}

async fn post(outbound: &Outbound, url: &str, timeout: Duration) -> Answer {
    let url = Url::parse(url).expect("a URL");
    let body = json!({"data": {"secret": "body-that-must-not-leak"}});
    outbound.post(&url, Some(TOKEN), &body, timeout).await
}

fn answered(answer: Answer) -> (u16, String) {
    match answer {
        Answer::Answered { status, body } => (status, body),
        other => panic!("not answered: {other:?}"),
    }
}

#[tokio::test]
async fn a_call_posts_json_with_the_bearer_token_and_reads_the_answer() {
    let receiver = Receiver::always(Reply::status(202).body(b"accepted \xff".to_vec()));
    let (status, body) = answered(post(&local(), &receiver.url("/run?sig=abc"), LIMIT).await);
    assert_eq!(status, 202);
    // Lossily decoded: the invalid byte is a replacement character.
    assert_eq!(body, "accepted \u{fffd}");

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/run?sig=abc");
    assert_eq!(
        request.header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert!(request
        .header("user-agent")
        .is_some_and(|agent| agent.starts_with("lifecycle-workflows/")));
    assert_eq!(
        request.json(),
        json!({"data": {"secret": "body-that-must-not-leak"}})
    );
}

#[tokio::test]
async fn a_call_without_a_token_sends_no_authorization() {
    let receiver = Receiver::always(Reply::status(200));
    let url = Url::parse(&receiver.url("/")).unwrap();
    let answer = local().post(&url, None, &json!({}), LIMIT).await;
    assert_eq!(answered(answer).0, 200);
    assert_eq!(receiver.received()[0].header("authorization"), None);
}

#[tokio::test]
async fn an_answer_is_read_up_to_the_bound_and_no_further() {
    let long = Receiver::always(Reply::status(200).body(vec![b'a'; 100_000]));
    let client = outbound(true, 1000);
    let (_, body) = answered(post(&client, &long.url("/"), LIMIT).await);
    assert_eq!(body, "a".repeat(1000));

    // A body that never ends: reading stops at the bound, well within the limit.
    let endless = Receiver::always(Reply::status(200).endless(Duration::ZERO));
    let started = Instant::now();
    let (status, body) = answered(post(&client, &endless.url("/"), LIMIT).await);
    assert_eq!((status, body.len()), (200, 1000));
    assert!(started.elapsed() < Duration::from_secs(2));
}

fn timed_out(answer: Answer) -> String {
    match answer {
        Answer::Failed {
            reason,
            timed_out: true,
        } => reason,
        other => panic!("not timed out: {other:?}"),
    }
}

#[tokio::test]
async fn the_time_limit_covers_the_wait_for_an_answer_and_reading_it() {
    let limit = Duration::from_millis(300);
    let slow = Receiver::always(Reply::status(200).after(Duration::from_secs(10)));
    let started = Instant::now();
    let reason = timed_out(post(&local(), &slow.url("/"), limit).await);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(reason.contains("300 ms"), "{reason}");
    assert_eq!(slow.received().len(), 1, "the request was sent");

    // The head arrives at once, the body trickles: the limit still applies.
    let trickling = Receiver::always(Reply::status(200).endless(Duration::from_millis(50)));
    let started = Instant::now();
    timed_out(post(&local(), &trickling.url("/"), limit).await);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_redirect_is_an_answer_and_is_not_followed() {
    let receiver = Receiver::start(|_, request| match request.target.as_str() {
        "/elsewhere" => Reply::status(200),
        _ => Reply::status(302).header("location", "/elsewhere"),
    });
    let (status, _) = answered(post(&local(), &receiver.url("/run"), LIMIT).await);
    assert_eq!(status, 302);
    let targets: Vec<String> = receiver
        .received()
        .into_iter()
        .map(|request| request.target)
        .collect();
    assert_eq!(targets, ["/run"]);
}

fn refused(answer: Answer) -> String {
    match answer {
        Answer::Refused(reason) => reason,
        other => panic!("not refused: {other:?}"),
    }
}

#[tokio::test]
async fn loopback_is_refused_unless_private_addresses_are_allowed() {
    let receiver = Receiver::always(Reply::status(204));
    let port = receiver.port();
    let guarded = outbound(false, 1024);

    let reason = refused(post(&guarded, &format!("https://127.0.0.1:{port}/"), LIMIT).await);
    assert!(
        reason.contains("127.0.0.1 is a loopback address"),
        "{reason}"
    );
    // A name is checked on the addresses it resolves to.
    let reason = refused(post(&guarded, &format!("https://localhost:{port}/"), LIMIT).await);
    assert!(
        reason.contains("localhost resolves to no address"),
        "{reason}"
    );
    assert!(reason.contains("loopback"), "{reason}");
    // http is refused before anything else.
    let reason = refused(post(&guarded, &format!("http://127.0.0.1:{port}/"), LIMIT).await);
    assert!(reason.contains("https"), "{reason}");
    let reason = refused(post(&guarded, "http://contoso.example/run", LIMIT).await);
    assert!(reason.contains("https"), "{reason}");
    assert!(receiver.received().is_empty(), "nothing was sent");

    for host in ["127.0.0.1", "localhost"] {
        let url = format!("http://{host}:{port}/");
        assert_eq!(answered(post(&local(), &url, LIMIT).await).0, 204, "{url}");
    }
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn a_failure_is_told_without_the_token_the_body_or_the_query() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("http://127.0.0.1:{port}/run?sig=query-that-must-not-leak");
    let answer = post(&local(), &url, LIMIT).await;
    let Answer::Failed { reason, timed_out } = answer else {
        panic!("not a failure: {answer:?}");
    };
    assert!(!timed_out);
    assert!(reason.contains("onnect"), "{reason}");
    for secret in [TOKEN, "body-that-must-not-leak", "query-that-must-not-leak"] {
        assert!(!reason.contains(secret), "{reason}");
    }
}
