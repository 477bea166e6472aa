//! The delivery worker: sends outbox rows to service-logs, oldest first, each in the trace of the request that
//! caused it, with `Idempotency-Key: <event id>` so a retry after a lost answer never doubles a log.
//!
//! Rows are claimed with `FOR UPDATE SKIP LOCKED` inside a transaction that lasts while the batch is sent, so
//! several replicas share the work and a row is never sent by two at once. A batch stops at the first answer worth
//! retrying (service-logs is probably down: the next rows would fail too, and stopping keeps the order); the worker
//! then backs off exponentially with full jitter, capped. A 4xx that can never succeed parks its row: kept, counted
//! in `/metrics`, logged, not retried.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGauge, Opts, Registry};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::audit::mapping;
use crate::service_logs_client::{SendOutcome, ServiceLogsClient};
use crate::store::outbox::{self, Stats};
use crate::store::rows::OutboxRow;
use platform::db::DbPool;
use platform::health::Degradation;

/// Rows claimed per transaction.
const BATCH: i64 = 50;
/// How often an idle worker looks for new rows: the floor of the delivery lag (make bench: 200 ms gave p50 ≈ 100 ms
/// at steady load; one indexed query per tick is cheap).
const IDLE_POLL: Duration = Duration::from_millis(50);
const BACKOFF_BASE_MS: u64 = 200;
const BACKOFF_CAP_MS: u64 = 30_000;
/// How often delivered rows older than the retention (AUDIT_DELIVERED_RETENTION_DAYS) are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// The worker's Prometheus series.
#[derive(Clone)]
pub struct DeliveryMetrics {
    pending: IntGauge,
    parked: IntGauge,
    oldest_age: prometheus::Gauge,
    deliveries: IntCounterVec,
    lag: Histogram,
}

impl DeliveryMetrics {
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let m = Self {
            pending: IntGauge::new("audit_outbox_pending", "Audit events waiting for delivery")?,
            parked: IntGauge::new(
                "audit_outbox_parked",
                "Audit events service-logs refused for good (kept, not retried)",
            )?,
            oldest_age: prometheus::Gauge::new(
                "audit_outbox_oldest_pending_age_seconds",
                "Age of the oldest undelivered audit event",
            )?,
            deliveries: IntCounterVec::new(
                Opts::new("audit_deliveries_total", "Delivery attempts by outcome"),
                &["outcome"],
            )?,
            lag: Histogram::with_opts(
                HistogramOpts::new(
                    "audit_delivery_lag_seconds",
                    "From the audited call to its log stored in service-logs",
                )
                .buckets(vec![
                    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0,
                ]),
            )?,
        };
        registry.register(Box::new(m.pending.clone()))?;
        registry.register(Box::new(m.parked.clone()))?;
        registry.register(Box::new(m.oldest_age.clone()))?;
        registry.register(Box::new(m.deliveries.clone()))?;
        registry.register(Box::new(m.lag.clone()))?;
        Ok(m)
    }

    fn observe_stats(&self, s: &Stats) {
        self.pending.set(s.pending);
        self.parked.set(s.parked);
        self.oldest_age.set(s.oldest_age_seconds);
    }
}

/// Everything the worker needs.
pub struct Worker {
    pub pool: DbPool,
    pub client: Arc<ServiceLogsClient>,
    pub metrics: DeliveryMetrics,
    pub degradation: Arc<Degradation>,
    /// `/readyz` says degraded once the oldest pending event is older than this.
    pub degraded_after: Duration,
    /// Delivered rows older than this many days are deleted (AUDIT_DELIVERED_RETENTION_DAYS).
    pub keep_delivered_days: u16,
}

#[derive(Debug, Default)]
struct BatchResult {
    sent: usize,
    retry: bool,
}

fn backoff_ms(failures: u32) -> u64 {
    let ceiling = BACKOFF_BASE_MS
        .saturating_mul(1u64 << failures.min(16))
        .min(BACKOFF_CAP_MS);
    rand::random_range(ceiling / 2..=ceiling)
}

impl Worker {
    /// Runs until the process stops.
    pub async fn run(self) {
        let mut failures: u32 = 0;
        let mut since_stats = Duration::MAX;
        let mut since_purge = Duration::MAX;
        loop {
            if since_stats >= Duration::from_secs(1) {
                self.refresh_stats().await;
                since_stats = Duration::ZERO;
            }
            if since_purge >= PURGE_EVERY {
                self.purge().await;
                since_purge = Duration::ZERO;
            }
            let started = std::time::Instant::now();
            let pause = match self.deliver_batch().await {
                Ok(r) if r.retry => {
                    failures = failures.saturating_add(1);
                    Duration::from_millis(backoff_ms(failures))
                }
                Ok(r) => {
                    failures = 0;
                    if r.sent == 0 {
                        IDLE_POLL
                    } else {
                        Duration::ZERO
                    }
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(error = %e, "audit delivery could not read the outbox");
                    Duration::from_millis(backoff_ms(failures))
                }
            };
            tokio::time::sleep(pause).await;
            since_stats = since_stats.saturating_add(started.elapsed());
            since_purge = since_purge.saturating_add(started.elapsed());
        }
    }

    async fn purge(&self) {
        let purged = async {
            let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
            outbox::purge_delivered(&mut conn, i32::from(self.keep_delivered_days))
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        match purged {
            Ok(n) => tracing::debug!(purged = n, "delivered audit events purged from the outbox"),
            Err(e) => tracing::warn!(error = %e, "purging delivered audit events failed"),
        }
    }

    async fn refresh_stats(&self) {
        let stats = async {
            let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
            outbox::stats(&mut conn).await.map_err(|e| e.to_string())
        }
        .await;
        match stats {
            Ok(s) => {
                self.metrics.observe_stats(&s);
                let late = s.oldest_age_seconds > self.degraded_after.as_secs_f64();
                self.degradation.set(late.then(|| {
                    format!(
                        "{} audit events wait for delivery to service-logs; the oldest for {:.0} s",
                        s.pending, s.oldest_age_seconds
                    )
                }));
            }
            Err(e) => tracing::warn!(error = %e, "reading outbox statistics failed"),
        }
    }

    /// Claims a batch and sends it in order; stops at the first answer worth retrying.
    async fn deliver_batch(&self) -> Result<BatchResult, String> {
        let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
        let conn: &mut AsyncPgConnection = &mut conn;
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            let rows = outbox::claim(conn, BATCH).await?;
            let mut result = BatchResult::default();
            for row in rows {
                let outcome = self.send(&row).await;
                match outcome {
                    SendOutcome::Stored => {
                        outbox::mark_delivered(conn, row.seq).await?;
                        self.metrics.deliveries.with_label_values(&["delivered"]).inc();
                        let lag = (time::OffsetDateTime::now_utc() - row.created_at).as_seconds_f64();
                        self.metrics.lag.observe(lag.max(0.0));
                        result.sent += 1;
                    }
                    SendOutcome::Rejected(detail) => {
                        tracing::error!(event_id = %row.event_id, error = %detail, "service-logs refused an audit event for good; parked");
                        outbox::mark_failed(conn, row.seq, &detail, true, 0).await?;
                        self.metrics.deliveries.with_label_values(&["parked"]).inc();
                        result.sent += 1;
                    }
                    SendOutcome::Retry(detail) => {
                        tracing::warn!(event_id = %row.event_id, attempts = row.attempts + 1, error = %detail, "audit delivery failed; will retry");
                        outbox::mark_failed(conn, row.seq, &detail, false, 0).await?;
                        self.metrics.deliveries.with_label_values(&["retry"]).inc();
                        result.retry = true;
                        break;
                    }
                }
            }
            Ok(result)
        })
        .await
        .map_err(|e| e.to_string())
    }

    /// One POST, in a span whose parent is the trace of the request that caused the event.
    async fn send(&self, row: &OutboxRow) -> SendOutcome {
        let span =
            tracing::info_span!("audit.deliver", event_id = %row.event_id, otel.kind = "client");
        if !row.traceparent.is_empty() {
            let carrier = HashMap::from([("traceparent".to_owned(), row.traceparent.clone())]);
            let parent = TraceContextPropagator::new().extract(&carrier);
            if let Err(e) = span.set_parent(parent) {
                tracing::debug!(error = ?e, "could not attach the audit delivery span to its request's trace");
            }
        }
        let body = match mapping::service_log(row) {
            Ok(body) => body,
            Err(e) => {
                return SendOutcome::Rejected(format!("the outbox row holds no audit event: {e}"));
            }
        };
        self.client
            .create_log(&row.event_id.to_string(), &body)
            .instrument(span)
            .await
    }
}
