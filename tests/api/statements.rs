//! The SQL statements each request sends, by request id, from the `sqlx::query`
//! events that sqlx emits inside the request's span; and those of the
//! background purge, under `PURGE`, and of the signing key's loading at start,
//! under `SIGNING`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{filter, Layer};

static SENT: OnceLock<Mutex<HashMap<String, Vec<String>>>> = OnceLock::new();

fn sent() -> &'static Mutex<HashMap<String, Vec<String>>> {
    SENT.get_or_init(Default::default)
}

/// The key of the statements the purge sends (from every application).
pub const PURGE: &str = "purge";
/// The key of the statements sent inside a span named `engine` (the engine's
/// work, as a test drives it).
pub const ENGINE: &str = "engine";
/// The key of the statements that read (or store) the signing key as an
/// application starts (from every application).
pub const SIGNING: &str = "signing";

/// Installs the counting subscriber for this test process (once).
pub fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let layer = StatementCounter.with_filter(
            filter::Targets::new()
                .with_target("sqlx::query", tracing::Level::DEBUG)
                .with_target("lifecycle_workflows", tracing::Level::INFO)
                // The tests' own spans (the census's `engine`).
                .with_target("api", tracing::Level::INFO),
        );
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer));
    });
}

/// How many statements the request with this id sent.
pub fn sent_by(request_id: &str) -> usize {
    statements_of(request_id).len()
}

/// The statements the request with this id sent (or, with `PURGE`, the purge;
/// with `SIGNING`, the loading of the signing key), in order.
pub fn statements_of(work: &str) -> Vec<String> {
    sent()
        .lock()
        .unwrap()
        .get(work)
        .cloned()
        .unwrap_or_default()
}

/// What a span is the work of: a request, by its id, or the work named by one
/// of the keys above.
struct Work(String);

struct StatementCounter;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for StatementCounter {
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, context: Context<'_, S>) {
        let mut visitor = RequestIdVisitor(None);
        attributes.record(&mut visitor);
        let work = match visitor.0 {
            Some(request_id) => request_id,
            None if [PURGE, ENGINE, SIGNING].contains(&attributes.metadata().name()) => {
                attributes.metadata().name().to_owned()
            }
            None => return,
        };
        if let Some(span) = context.span(id) {
            span.extensions_mut().insert(Work(work));
        }
    }

    fn on_event(&self, event: &Event<'_>, context: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let Some(scope) = context.event_scope(event) else {
            return;
        };
        let mut visitor = StatementVisitor::default();
        event.record(&mut visitor);
        for span in scope {
            if let Some(Work(work)) = span.extensions().get::<Work>() {
                sent()
                    .lock()
                    .unwrap()
                    .entry(work.clone())
                    .or_default()
                    .push(visitor.statement());
                return;
            }
        }
    }
}

struct RequestIdVisitor(Option<String>);

impl Visit for RequestIdVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "request_id" {
            self.0 = Some(format!("{value:?}"));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "request_id" {
            self.0 = Some(value.to_owned());
        }
    }
}

/// A `sqlx::query` event's statement: in `db.statement`, or, when it is four
/// words or fewer, in `summary` alone.
#[derive(Default)]
struct StatementVisitor {
    summary: String,
    statement: String,
}

impl StatementVisitor {
    fn statement(self) -> String {
        let statement = self.statement.trim();
        if statement.is_empty() {
            self.summary
        } else {
            statement.to_owned()
        }
    }
}

impl Visit for StatementVisitor {
    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_owned(),
            "db.statement" => self.statement = value.to_owned(),
            _ => {}
        }
    }
}
