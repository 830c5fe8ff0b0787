//! A tracing subscriber for tests: it writes every span, recorded field and event into one
//! text (`span tc.call service=…`, `record 1 attempt=2`, `event WARN target fields`) and keeps
//! each event as a line of its own (`WARN message=… field=…`), so a test can search what was
//! logged (no secrets, one warning per outage).

#![allow(dead_code)] // each test uses what it needs

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Install with `tracing::subscriber::set_default(capture.clone())`, then call
/// `tracing::callsite::rebuild_interest_cache()` so callsites other threads reached first
/// are not left cached as uninteresting.
#[derive(Clone, Default)]
pub struct Capture {
    out: Arc<Mutex<String>>,
    events: Arc<Mutex<Vec<String>>>,
    next: Arc<AtomicU64>,
}

impl Capture {
    /// Everything captured so far, as one text.
    pub fn text(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// Each event so far: its level, then its fields.
    pub fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }
}

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn register_callsite(&self, _: &'static tracing::Metadata<'static>) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::always()
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut out = self.out.lock().unwrap();
        let _ = write!(out, "\nspan {}", span.metadata().name());
        span.record(&mut Fields(&mut out));
        tracing::span::Id::from_u64(self.next.fetch_add(1, Ordering::Relaxed) + 1)
    }
    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut out = self.out.lock().unwrap();
        let _ = write!(out, "\nrecord {}", span.into_u64());
        values.record(&mut Fields(&mut out));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = event.metadata().level().to_string();
        event.record(&mut Fields(&mut line));
        let mut out = self.out.lock().unwrap();
        let _ = write!(
            out,
            "\nevent {} {}{}",
            event.metadata().level(),
            event.metadata().target(),
            &line[line.find(' ').unwrap_or(line.len())..]
        );
        self.events.lock().unwrap().push(line);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
