//! Log output on stderr: `tracing` events, filtered by `-v` or `IRJIT_LOG`.
//!
//! By default only warnings and errors are shown, through [`Warnings`], a subscriber that keeps
//! no span state: `tracing_subscriber`'s registry allocates and zeroes 32 KiB of per-thread slots
//! when it is made, a twentieth of a warm run of a small program. Asking for more (`-v`,
//! `IRJIT_LOG`) installs `tracing_subscriber`'s formatter with its filter.

use std::fmt::Write as _;
use std::io::Write as _;

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// Installs the log output for `verbose` (the count of `-v`) and `IRJIT_LOG`.
pub fn init(verbose: u8) {
    let spec = std::env::var("IRJIT_LOG").ok().filter(|s| !s.is_empty());
    let filter = match (&spec, verbose) {
        (Some(spec), _) => spec.clone(),
        (None, 0) => "warn".to_string(),
        (None, 1) => "info".to_string(),
        (None, 2) => "debug".to_string(),
        (None, _) => "trace".to_string(),
    };
    // At trace level, closing spans report their time (compile phases, links).
    let span_close = verbose >= 3 || spec.is_some();
    // The compiler library has its own copy of `tracing`: it logs the same way, to stderr too.
    irjit_runtime::compiler_lib::set_log_config(irjit_interface::abi::LogConfig {
        filter: filter.clone(),
        span_close,
    });
    if spec.is_none() && verbose == 0 {
        // Cannot fail: nothing else sets the global subscriber before this.
        let _ = tracing::subscriber::set_global_default(Warnings { capture: None });
        return;
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_span_events(if span_close {
            tracing_subscriber::fmt::format::FmtSpan::CLOSE
        } else {
            tracing_subscriber::fmt::format::FmtSpan::NONE
        })
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

/// Prints warnings and errors as `irjit: warning: MESSAGE key=value ...`; ignores the rest.
struct Warnings {
    /// Where the lines go instead of stderr (tests).
    capture: Option<std::sync::Arc<std::sync::Mutex<String>>>,
}

impl Warnings {
    fn shown(level: &Level) -> bool {
        *level <= Level::WARN
    }
}

impl Subscriber for Warnings {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if Self::shown(metadata.level()) && metadata.is_event() {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        Self::shown(metadata.level()) && metadata.is_event()
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::WARN)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        // Never called for spans this subscriber is not interested in; the id is unused.
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let kind = if *event.metadata().level() == Level::ERROR {
            "error"
        } else {
            "warning"
        };
        let mut line = Line::default();
        event.record(&mut line);
        let mut text = format!("irjit: {kind}: {}", line.message);
        text.push_str(&line.fields);
        text.push('\n');
        if let Some(capture) = &self.capture {
            capture
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_str(&text);
            return;
        }
        // Best effort, as any log output: a closed stderr loses the line.
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// An event's message and its other fields (` key=value`).
#[derive(Default)]
struct Line {
    message: String,
    fields: String,
}

impl Visit for Line {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn warnings_are_one_line_each_and_the_rest_is_dropped() {
        let out = Arc::new(Mutex::new(String::new()));
        let subscriber = Warnings {
            capture: Some(out.clone()),
        };
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("not shown");
            let span = tracing::info_span!("compile", unit = 3);
            let _guard = span.enter();
            tracing::warn!(entry = "ab12", "cache entry {} is corrupt", 7);
            tracing::error!("no space left");
        });
        assert_eq!(
            *out.lock().unwrap(),
            "irjit: warning: cache entry 7 is corrupt entry=ab12\nirjit: error: no space left\n"
        );
    }
}
