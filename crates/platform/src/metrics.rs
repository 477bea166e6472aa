//! Prometheus metrics: requests by route, method and status; latency; pool usage. One registry per app, so
//! several apps in one process (tests) never share counters.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use crate::db::DbPool;

pub struct Metrics {
    pub registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_size: IntGauge,
    pool_available: IntGauge,
    pool_waiting: IntGauge,
    pool_max: IntGauge,
}

#[derive(Debug, thiserror::Error)]
#[error("metrics registration failed: {0}")]
pub struct MetricsError(#[from] prometheus::Error);

impl Metrics {
    pub fn new() -> Result<Self, MetricsError> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route, method and status",
            ),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route and method",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["route", "method"],
        )?;
        let pool_size = IntGauge::new("db_pool_connections", "Connections the pool holds")?;
        let pool_available = IntGauge::new("db_pool_available", "Idle connections in the pool")?;
        let pool_waiting = IntGauge::new("db_pool_waiting", "Requests waiting for a connection")?;
        let pool_max = IntGauge::new("db_pool_max_size", "Maximum connections of the pool")?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool_size.clone()))?;
        registry.register(Box::new(pool_available.clone()))?;
        registry.register(Box::new(pool_waiting.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            pool_size,
            pool_available,
            pool_waiting,
            pool_max,
        })
    }

    pub fn observe_request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[route, method, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[route, method])
            .observe(seconds);
    }

    /// The text exposition, with pool gauges read at scrape time.
    pub fn render(&self, pool: Option<&DbPool>) -> String {
        if let Some(pool) = pool {
            let status = pool.status();
            self.pool_size
                .set(i64::try_from(status.size).unwrap_or(i64::MAX));
            self.pool_available
                .set(i64::try_from(status.available).unwrap_or(i64::MAX));
            self.pool_waiting
                .set(i64::try_from(status.waiting).unwrap_or(i64::MAX));
            self.pool_max
                .set(i64::try_from(status.max_size).unwrap_or(i64::MAX));
        }
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!(error = %e, "encoding metrics failed");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
