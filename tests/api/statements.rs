//! Counts the SQL statements each request sends, by request id, from the
//! `sqlx::query` events that sqlx emits inside the request's span.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{filter, Layer};

static COUNTS: OnceLock<Mutex<HashMap<String, usize>>> = OnceLock::new();

fn counts() -> &'static Mutex<HashMap<String, usize>> {
    COUNTS.get_or_init(Default::default)
}

/// Installs the counting subscriber for this test process (once).
pub fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let layer = StatementCounter.with_filter(
            filter::Targets::new()
                .with_target("sqlx::query", tracing::Level::DEBUG)
                .with_target("lifecycle_workflows", tracing::Level::INFO),
        );
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer));
    });
}

/// How many statements the request with this id sent.
pub fn sent_by(request_id: &str) -> usize {
    counts()
        .lock()
        .unwrap()
        .get(request_id)
        .copied()
        .unwrap_or(0)
}

struct RequestId(String);

struct StatementCounter;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for StatementCounter {
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, context: Context<'_, S>) {
        let mut visitor = RequestIdVisitor(None);
        attributes.record(&mut visitor);
        if let (Some(request_id), Some(span)) = (visitor.0, context.span(id)) {
            span.extensions_mut().insert(RequestId(request_id));
        }
    }

    fn on_event(&self, event: &Event<'_>, context: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let Some(scope) = context.event_scope(event) else {
            return;
        };
        for span in scope {
            if let Some(RequestId(request_id)) = span.extensions().get::<RequestId>() {
                *counts()
                    .lock()
                    .unwrap()
                    .entry(request_id.clone())
                    .or_default() += 1;
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
