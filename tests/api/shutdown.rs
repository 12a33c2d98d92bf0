//! Graceful shutdown of the real binary: a stop signal closes the listener, the
//! request in flight is still answered as usual, and the process exits 0.

use crate::helpers::{workflow_body, TestApp, BINARY, LIVE, TEST_SECRET};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const GRACE_SECS: u64 = 10;
/// Bounds every wait for something the service should do by itself.
const LIVENESS: Duration = Duration::from_secs(20);

/// The binary, serving the test's database on a port of its own; killed if the
/// test ends before it exits.
struct Service {
    child: Child,
    port: u16,
    log: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl Service {
    fn start(app: &TestApp) -> Self {
        let mut child = Command::new(BINARY)
            .env("DATABASE_URL", app.database_url())
            .env("LCW_LISTEN", "127.0.0.1:0")
            .env("LCW_LOG_FORMAT", "json")
            .env("LCW_WORKERS", "1")
            .env("LCW_DB_POOL_SIZE", "2")
            .env("LCW_AUTH_HS256_SECRET", TEST_SECRET)
            .env("LCW_SHUTDOWN_GRACE_SECS", GRACE_SECS.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let collected = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Ok(event) = serde_json::from_str(&line) {
                    collected.lock().unwrap().push(event);
                }
            }
        });
        let mut service = Self {
            child,
            port: 0,
            log,
        };
        let serving = service.wait_for_log("serving");
        service.port = serving["fields"]["port"].as_u64().unwrap() as u16;
        service
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The first log event with this message, waiting for it.
    fn wait_for_log(&self, message: &str) -> serde_json::Value {
        let started = Instant::now();
        loop {
            let found = self
                .log
                .lock()
                .unwrap()
                .iter()
                .find(|event| event["fields"]["message"] == message)
                .cloned();
            if let Some(event) = found {
                return event;
            }
            assert!(started.elapsed() < LIVENESS, "no '{message}' in the log");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args(["-s", signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    fn wait_for_exit(&mut self, within: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < within, "still running after {within:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// How many requests the service is serving, the one asking included.
    async fn in_flight(&self) -> u64 {
        let metrics = reqwest::get(format!("http://{}/metrics", self.address()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        metrics
            .lines()
            .find_map(|line| line.strip_prefix("http_requests_in_flight "))
            .and_then(|value| value.parse::<f64>().ok())
            .unwrap_or(0.0) as u64
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[tokio::test]
async fn a_stop_signal_drains_the_request_in_flight_then_exits_0() {
    let app = TestApp::spawn().await;
    for signal in ["TERM", "INT"] {
        let mut service = Service::start(&app);
        let name = format!("Created while stopping on SIG{signal}");
        let body = serde_json::to_vec(&workflow_body(&name)).unwrap();
        let head = format!(
            "POST {}/{LIVE} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            crate::helpers::BASE,
            app.token(app.tenant, &[], &[]),
            body.len()
        );
        let (first_half, second_half) = body.split_at(body.len() / 2);

        // The request is in flight: its head is read and its handler waits for
        // the rest of the body.
        let mut stream = TcpStream::connect(service.address()).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(first_half).await.unwrap();
        let started = Instant::now();
        while service.in_flight().await < 2 {
            assert!(started.elapsed() < LIVENESS, "the request never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        service.signal(signal);
        let stopping = service
            .wait_for_log("stopping: refusing new connections, draining the requests in flight");
        assert_eq!(stopping["fields"]["signal"], format!("SIG{signal}"));
        // The listener closes: a new connection is refused.
        let started = Instant::now();
        while TcpStream::connect(service.address()).await.is_ok() {
            assert!(started.elapsed() < LIVENESS, "still accepting connections");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        stream.write_all(second_half).await.unwrap();
        let mut response = String::new();
        tokio::time::timeout(LIVENESS, stream.read_to_string(&mut response))
            .await
            .unwrap()
            .unwrap();
        assert!(
            response.starts_with("HTTP/1.1 201 Created\r\n"),
            "{response}"
        );

        let status = service.wait_for_exit(Duration::from_secs(GRACE_SECS) + LIVENESS);
        assert!(status.success(), "SIG{signal}: {status}");
        service.wait_for_log("drained; closing the database pool");
        service.wait_for_log("stopped");
        let stored: i64 =
            sqlx::query_scalar("select count(*) from workflows where display_name = $1")
                .bind(&name)
                .fetch_one(&app.db)
                .await
                .unwrap();
        assert_eq!(stored, 1, "SIG{signal}");
    }
}
