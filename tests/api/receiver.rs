//! An HTTP endpoint for the tests of calls out of the service: it keeps every
//! request it receives and answers each as the test says (a status, headers, a
//! body, late, or a body that never ends).

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A request as the receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// The path and query.
    pub target: String,
    /// Lower-case names.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// How to answer one request.
#[derive(Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
    delay: Duration,
}

#[derive(Clone)]
enum Body {
    Fixed(Vec<u8>),
    /// 1 KiB chunks, one every `pause`, until the client goes away.
    Endless {
        pause: Duration,
    },
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Fixed(Vec::new()),
            delay: Duration::ZERO,
        }
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Body::Fixed(body.into());
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Answers only after `delay`.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// A body that never ends, a chunk every `pause`.
    pub fn endless(mut self, pause: Duration) -> Self {
        self.body = Body::Endless { pause };
        self
    }

    fn respond(self) -> HttpResponse {
        let mut response =
            HttpResponse::build(StatusCode::from_u16(self.status).expect("a valid status"));
        for (name, value) in &self.headers {
            response.insert_header((name.as_str(), value.as_str()));
        }
        match self.body {
            Body::Fixed(body) => response.body(body),
            Body::Endless { pause } => response.streaming(async_stream::stream! {
                loop {
                    tokio::time::sleep(pause).await;
                    yield Ok::<_, Infallible>(Bytes::from_static(&[b'x'; 1024]));
                }
            }),
        }
    }
}

type Answer = dyn Fn(usize, &Received) -> Reply + Send + Sync;

pub struct Receiver {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Listens on a free port of 127.0.0.1; `answer` gets each request with
    /// the number of those before it.
    pub fn start(answer: impl Fn(usize, &Received) -> Reply + Send + Sync + 'static) -> Self {
        let answer: Arc<Answer> = Arc::new(answer);
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = received.clone();
        let server = HttpServer::new(move || {
            let (answer, kept) = (answer.clone(), kept.clone());
            App::new().default_service(web::to(move |request: HttpRequest, body: Bytes| {
                let (answer, kept) = (answer.clone(), kept.clone());
                async move {
                    let request = Received {
                        method: request.method().to_string(),
                        target: request.uri().to_string(),
                        headers: request
                            .headers()
                            .iter()
                            .map(|(name, value)| {
                                let value = String::from_utf8_lossy(value.as_bytes());
                                (name.as_str().to_owned(), value.into_owned())
                            })
                            .collect(),
                        body: body.to_vec(),
                    };
                    let reply = {
                        let mut kept = kept.lock().expect("the receiver's lock");
                        let reply = answer(kept.len(), &request);
                        kept.push(request);
                        reply
                    };
                    tokio::time::sleep(reply.delay).await;
                    reply.respond()
                }
            }))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("a free port");
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        Self { port, received }
    }

    /// A receiver that answers every request the same way.
    pub fn always(reply: Reply) -> Self {
        Self::start(move |_, _| reply.clone())
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:{port}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("the receiver's lock").clone()
    }
}
