//! Logs and traces: one subscriber with an env filter, JSON or text lines, and an OpenTelemetry layer.
//!
//! Spans always get W3C trace ids (so `traceparent` is read and written and log lines carry `trace_id`);
//! they are exported over OTLP only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the traces-specific variable) is set.

use opentelemetry::global;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::settings::LogFormat;

/// Flushes pending spans when dropped (at shutdown).
pub struct TelemetryGuard {
    provider: SdkTracerProvider,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Err(e) = self.provider.shutdown() {
            eprintln!("flushing traces at shutdown failed: {e}");
        }
    }
}

fn otlp_endpoint_set() -> bool {
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ]
    .iter()
    .any(|v| std::env::var(v).is_ok_and(|s| !s.trim().is_empty()))
}

/// Span links one span may carry (the SDK's default is 128): the router's audit delivery links each event of a
/// batch to the batch's span, up to `logs_router::audit::delivery::BATCH` of them.
pub const MAX_LINKS_PER_SPAN: u32 = 1000;

fn tracer_provider(service_name: &str) -> SdkTracerProvider {
    let name = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| service_name.to_owned());
    let builder = SdkTracerProvider::builder()
        .with_max_links_per_span(MAX_LINKS_PER_SPAN)
        .with_resource(Resource::builder().with_service_name(name).build());
    if !otlp_endpoint_set() {
        return builder.build();
    }
    match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
    {
        Ok(exporter) => builder.with_batch_exporter(exporter).build(),
        Err(e) => {
            eprintln!("OTLP exporter could not be built, traces will not be exported: {e}");
            builder.build()
        }
    }
}

/// Installs the global subscriber, propagator and tracer provider. Call once, in `main`.
pub fn init(service_name: &'static str, format: LogFormat) -> TelemetryGuard {
    global::set_text_map_propagator(TraceContextPropagator::new());
    let provider = tracer_provider(service_name);
    global::set_tracer_provider(provider.clone());
    let otel = tracing_opentelemetry::layer().with_tracer(provider.tracer(service_name));
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .flatten_event(true)
            .boxed(),
        // Colours only for a person at a terminal: a pipe, a file or a log collector gets plain text.
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .boxed(),
    };
    let result = tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(otel)
        .try_init();
    if let Err(e) = result {
        eprintln!("a global subscriber was already installed: {e}");
    }
    TelemetryGuard { provider }
}

/// For tests: W3C propagation and trace ids without export; log lines only when `TEST_LOG` is set.
pub fn init_for_tests() {
    use std::sync::Once;
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        global::set_text_map_propagator(TraceContextPropagator::new());
        let provider = SdkTracerProvider::builder().build();
        global::set_tracer_provider(provider.clone());
        let otel = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
        let fmt = std::env::var("TEST_LOG")
            .is_ok()
            .then(|| tracing_subscriber::fmt::layer().with_test_writer());
        let filter = EnvFilter::try_from_env("TEST_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
        let _ = tracing_subscriber::registry()
            .with(filter)
            .with(fmt)
            .with(otel)
            .try_init();
    });
}

/// The W3C `traceparent` of the current span (empty when there is no sampled span), for work that continues the
/// request's trace later (the router's audit delivery).
pub fn current_traceparent() -> String {
    use opentelemetry::propagation::TextMapPropagator;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let context = tracing::Span::current().context();
    let mut carrier = std::collections::HashMap::new();
    TraceContextPropagator::new().inject_context(&context, &mut carrier);
    carrier.remove("traceparent").unwrap_or_default()
}
