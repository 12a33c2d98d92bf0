//! An SMTP server for the tests: it accepts every message and keeps it, so a
//! test can count what the engine sent, to whom, and how often.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A message as the sink received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub recipients: Vec<String>,
    pub subject: String,
    pub data: String,
}

pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    /// Listens on a free port; each accepted message takes `delay` first, so
    /// that a test can stop a sender part-way.
    pub async fn start(delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let port = listener.local_addr().expect("an address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = received.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(converse(stream, kept.clone(), delay));
            }
        });
        Self { port, received }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("the sink's lock").clone()
    }
}

async fn converse(
    stream: tokio::net::TcpStream,
    received: Arc<Mutex<Vec<Received>>>,
    delay: Duration,
) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    writer.write_all(b"220 sink ready\r\n").await?;
    let mut recipients = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let command = line.to_ascii_uppercase();
        if command.starts_with("RCPT TO:") {
            let address = line[8..].trim().trim_matches(|c| c == '<' || c == '>');
            recipients.push(address.to_owned());
            writer.write_all(b"250 ok\r\n").await?;
        } else if command == "DATA" {
            writer.write_all(b"354 end with .\r\n").await?;
            let mut data = String::new();
            while let Some(line) = lines.next_line().await? {
                if line == "." {
                    break;
                }
                data.push_str(&line);
                data.push('\n');
            }
            tokio::time::sleep(delay).await;
            let subject = data
                .lines()
                .find_map(|line| line.strip_prefix("Subject: "))
                .unwrap_or_default()
                .to_owned();
            received.lock().expect("the sink's lock").push(Received {
                recipients: std::mem::take(&mut recipients),
                subject,
                data,
            });
            writer.write_all(b"250 queued\r\n").await?;
        } else if command == "QUIT" {
            writer.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            // EHLO, HELO, MAIL FROM, RSET, NOOP.
            writer.write_all(b"250 ok\r\n").await?;
        }
    }
    Ok(())
}
