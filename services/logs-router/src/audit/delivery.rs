//! The delivery worker: sends outbox rows to service-logs in bulk creates, several batches at once, each event with
//! `idempotency_key` = its event id (so a batch sent again after a lost answer replays instead of doubling) and in
//! the trace of the request that caused it.
//!
//! **Lanes.** Every outbox row is in one of [`outbox::LANES`] lanes by its account (`audit_outbox.lane`, computed by
//! PostgreSQL). A batch is up to [`BATCH`] rows of one or more lanes, each lane's oldest first, claimed in a
//! transaction that holds those lanes' advisory locks and the rows' locks while the batch is sent. So a lane has at
//! most one batch in flight in the whole deployment (every replica, every worker), and an account's events (so a
//! tenant's) reach service-logs in the order they happened, while other lanes' batches are in flight beside it. A
//! worker's round takes every due lane no other worker of its process has and fills one batch from them in turn,
//! handing back at once the lanes the batch did not reach. Each process runs up to [`MAX_IN_FLIGHT`] lane workers
//! (half its database pool at most: each holds a connection while it sends).
//!
//! **Outcomes, per item.** 201, or 200 (a replay of an earlier attempt): delivered. 400 or 422 (another body under
//! the same key): can never succeed, so that row alone is parked (kept, counted in `/metrics`, logged, not retried;
//! `logs-router outbox requeue` puts it back). 409 (the same key in flight elsewhere) or any other status: that row
//! is retried. No answer, a 5xx, 401/403/408/425/429 for the request as a whole: every row of the batch is retried.
//! A retry is due after an exponential backoff with full jitter (from the row's attempts, capped), and the lane's
//! claim stops at the first row not yet due, so a row waiting for its retry holds back the rows behind it in its
//! lane, and the order holds. When service-logs has no bulk endpoint (404/405) or refuses the request as a whole for
//! good (400, 413, an answer without one result per item), the batch goes one create at a time, stopping at the
//! first answer worth retrying.
//!
//! **Traces.** A bulk create is one span, `audit.deliver`, parented on the first event's trace (its request's
//! `traceparent`) and with a span link to each other event's; service-logs' handling of the request joins the first
//! event's trace. A one-at-a-time create is a span in its own event's trace, as before.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::audit::mapping;
use crate::service_logs_client::{BulkOutcome, ItemOutcome, SendOutcome, ServiceLogsClient};
use crate::store::outbox::{self, LANES, Stats};
use crate::store::rows::OutboxRow;
use platform::db::DbPool;
use platform::health::Degradation;

/// Rows per batch (one bulk create). service-logs takes up to 1,000 items; the batch span links every event but the
/// first, within the tracer's link limit (`platform::telemetry::MAX_LINKS_PER_SPAN`).
pub const BATCH: i64 = 250;
/// Lane workers per process, at most: batches one process has in flight at once.
pub const MAX_IN_FLIGHT: usize = 4;
/// How often an idle worker looks for new rows: the floor of the delivery lag (make bench: 200 ms gave p50 ≈ 100 ms
/// at steady load; one indexed query per tick is cheap).
const IDLE_POLL: Duration = Duration::from_millis(50);
const BACKOFF_BASE_MS: u64 = 200;
const BACKOFF_CAP_MS: u64 = 30_000;
/// [`LANES`] as an index bound.
const LANE_COUNT: usize = LANES as usize;
/// The process's table of lanes a worker holds (see [`HeldLanes`]).
type BusyLanes = Mutex<[bool; LANE_COUNT]>;
/// How often delivered rows older than the retention (AUDIT_DELIVERED_RETENTION_DAYS) are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// The worker's Prometheus series.
#[derive(Clone)]
pub struct DeliveryMetrics {
    pending: IntGauge,
    parked: IntGauge,
    oldest_age: prometheus::Gauge,
    deliveries: IntCounterVec,
    replays: IntCounter,
    batch_size: Histogram,
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
            replays: IntCounter::new(
                "audit_delivery_replays_total",
                "Deliveries service-logs answered as a replay of an earlier attempt under the same key (counted in \
                 audit_deliveries_total{outcome=\"delivered\"} too)",
            )?,
            batch_size: Histogram::with_opts(
                HistogramOpts::new("audit_delivery_batch_size", "Events per delivery batch")
                    .buckets(vec![
                        1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0,
                    ]),
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
        registry.register(Box::new(m.replays.clone()))?;
        registry.register(Box::new(m.batch_size.clone()))?;
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
    /// Lane workers: batches in flight at once (see [`Worker::in_flight_for_pool`]).
    pub in_flight: usize,
}

/// What one round of a lane worker came to.
#[derive(Debug, Default)]
struct Round {
    /// Rows claimed (0: nothing due, or the lane was taken meanwhile).
    claimed: usize,
}

/// What became of one row of a batch; `None`: not sent (an earlier row of its lane is retried first).
type Outcomes = Vec<Option<ItemOutcome>>;

fn backoff_ms(failures: u32) -> u64 {
    let ceiling = BACKOFF_BASE_MS
        .saturating_mul(1u64 << failures.min(16))
        .min(BACKOFF_CAP_MS);
    rand::random_range(ceiling / 2..=ceiling)
}

/// The retry delay of rows that failed `attempts` times before (this attempt not counted).
fn retry_in_ms(attempts: i32) -> i64 {
    let failures = u32::try_from(attempts).unwrap_or(0);
    i64::try_from(backoff_ms(failures)).unwrap_or(i64::MAX)
}

/// The trace context of a row's `traceparent`, if it holds one.
fn trace_of(row: &OutboxRow) -> Option<opentelemetry::Context> {
    if row.traceparent.is_empty() {
        return None;
    }
    let carrier = HashMap::from([("traceparent".to_owned(), row.traceparent.clone())]);
    let cx = TraceContextPropagator::new().extract(&carrier);
    cx.span().span_context().is_valid().then_some(cx)
}

/// The lanes one worker of this process holds, marked in the process's table of busy lanes so that its other workers
/// pass them by. Each is handed back when the holder lets it go ([`HeldLanes::keep_first`]) or when the guard is
/// dropped: at the end of the round, whatever it came to.
struct HeldLanes<'a> {
    busy: &'a BusyLanes,
    lanes: Vec<usize>,
}

impl<'a> HeldLanes<'a> {
    /// Takes every lane of `due` that no other worker holds, in lane order from `cursor` on (wrapping).
    fn take(busy: &'a BusyLanes, cursor: usize, due: &[i16]) -> Self {
        let mut taken = busy.lock().unwrap_or_else(|p| p.into_inner());
        let lanes: Vec<usize> = (0..LANE_COUNT)
            .map(|i| (cursor + i) % LANE_COUNT)
            .filter(|l| !taken[*l] && due.iter().any(|d| usize::try_from(*d).ok() == Some(*l)))
            .collect();
        for &l in &lanes {
            taken[l] = true;
        }
        Self { busy, lanes }
    }

    fn lanes(&self) -> &[usize] {
        &self.lanes
    }

    /// Keeps the first `n` lanes and hands the others back at once.
    fn keep_first(&mut self, n: usize) {
        let mut taken = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        for l in self.lanes.drain(n.min(self.lanes.len())..) {
            taken[l] = false;
        }
    }
}

impl Drop for HeldLanes<'_> {
    fn drop(&mut self) {
        self.keep_first(0);
    }
}

impl Worker {
    /// Lane workers for a pool of `max_size` connections: half of them at most (each holds one while its batch is
    /// sent), at least one, at most [`MAX_IN_FLIGHT`].
    pub fn in_flight_for_pool(max_size: usize) -> usize {
        (max_size / 2).clamp(1, MAX_IN_FLIGHT)
    }

    /// Runs until the process stops: the lane workers, and the statistics and purge beside them.
    pub async fn run(self) {
        let busy = Mutex::new([false; LANE_COUNT]);
        let workers = (0..self.in_flight.max(1)).map(|i| self.lane_worker(i, &busy));
        futures_util::future::join(self.housekeeping(), futures_util::future::join_all(workers))
            .await;
    }

    async fn housekeeping(&self) {
        let mut since_purge = Duration::MAX;
        loop {
            self.refresh_stats().await;
            if since_purge >= PURGE_EVERY {
                self.purge().await;
                since_purge = Duration::ZERO;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            since_purge = since_purge.saturating_add(Duration::from_secs(1));
        }
    }

    /// One lane worker: takes the due lanes no other worker of this process has, delivers a batch of them, again.
    async fn lane_worker(&self, index: usize, busy: &BusyLanes) {
        let mut cursor = index * LANE_COUNT / self.in_flight.max(1);
        let mut failures: u32 = 0;
        loop {
            let pause = match self.round(&mut cursor, busy).await {
                Ok(r) => {
                    failures = 0;
                    if r.claimed == 0 {
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
        }
    }

    /// One round: takes every due lane no other worker of this process has (from `cursor` on), and delivers one
    /// batch of them (see [`Worker::deliver_lanes`]).
    async fn round(&self, cursor: &mut usize, busy: &BusyLanes) -> Result<Round, String> {
        let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
        let due = outbox::due_lanes(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        let mut held = HeldLanes::take(busy, *cursor, &due);
        if held.lanes().is_empty() {
            return Ok(Round::default());
        }
        let result = self.deliver_lanes(&mut conn, &mut held).await;
        if let Some(&last) = held.lanes().last() {
            *cursor = (last + 1) % LANE_COUNT;
        }
        result
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

    /// Claims one batch (up to [`BATCH`] rows) from the `held` lanes, in their order, and delivers it, in one
    /// transaction: each lane is taken (unless another worker, of any replica, has it) and its rows claimed oldest
    /// first until the batch is full. Lanes the batch did not reach are handed back to the other workers at once;
    /// `held` keeps the lanes reached until the round ends. One round serves every lane with something due, so under
    /// a steady load a lane waits about one round, not one round per lane, and the batches are as large as the
    /// traffic allows (make bench: the lag at 80 % of the router's write capacity).
    async fn deliver_lanes(
        &self,
        conn: &mut AsyncPgConnection,
        held: &mut HeldLanes<'_>,
    ) -> Result<Round, String> {
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            let mut rows = Vec::new();
            let mut reached = 0;
            for &lane in held.lanes() {
                let remaining = BATCH - i64::try_from(rows.len()).unwrap_or(BATCH);
                if remaining <= 0 {
                    break;
                }
                reached += 1;
                let lane = i16::try_from(lane).unwrap_or(0);
                if outbox::lock_lane(conn, lane).await? {
                    rows.extend(outbox::claim_lane(conn, lane, remaining).await?);
                }
            }
            held.keep_first(reached);
            if rows.is_empty() {
                return Ok(Round::default());
            }
            self.metrics.batch_size.observe(rows.len() as f64);
            let outcomes = self.send_batch(&rows).await;
            self.record(conn, &rows, outcomes).await?;
            Ok(Round {
                claimed: rows.len(),
            })
        })
        .await
        .map_err(|e| e.to_string())
    }

    /// Sends the rows in one bulk create (one at a time where service-logs has none).
    async fn send_batch(&self, rows: &[OutboxRow]) -> Outcomes {
        let mut outcomes: Outcomes = vec![None; rows.len()];
        let mut items = Vec::with_capacity(rows.len());
        let mut sent = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            match mapping::service_log(row) {
                Ok(Value::Object(mut body)) => {
                    body.insert(
                        "idempotency_key".to_owned(),
                        Value::String(row.event_id.to_string()),
                    );
                    items.push(Value::Object(body));
                    sent.push(i);
                }
                Ok(_) | Err(_) => {
                    outcomes[i] = Some(ItemOutcome::Rejected(
                        "the outbox row holds no audit event".to_owned(),
                    ));
                }
            }
        }
        if items.is_empty() {
            return outcomes;
        }
        let span = tracing::info_span!("audit.deliver", events = items.len(), otel.kind = "client");
        let mut parented = false;
        for &i in &sent {
            let Some(cx) = trace_of(&rows[i]) else {
                continue;
            };
            if parented {
                span.add_link(cx.span().span_context().clone());
            } else {
                parented = true;
                if let Err(e) = span.set_parent(cx) {
                    tracing::debug!(error = ?e, "could not attach the audit delivery span to its request's trace");
                }
            }
        }
        match self.client.create_logs(&items).instrument(span).await {
            BulkOutcome::Items(results) => {
                for (&i, result) in sent.iter().zip(results) {
                    outcomes[i] = Some(result);
                }
            }
            BulkOutcome::Retry(detail) => {
                for &i in &sent {
                    outcomes[i] = Some(ItemOutcome::Retry(detail.clone()));
                }
            }
            BulkOutcome::Unsupported(detail) => {
                tracing::debug!(error = %detail, "no bulk create in service-logs; the batch goes one event at a time");
                for (&i, body) in sent.iter().zip(&items) {
                    let outcome = match self.send_one(&rows[i], body).await {
                        SendOutcome::Stored => ItemOutcome::Stored { replayed: false },
                        SendOutcome::Rejected(d) => ItemOutcome::Rejected(d),
                        SendOutcome::Retry(d) => ItemOutcome::Retry(d),
                    };
                    let stop = matches!(outcome, ItemOutcome::Retry(_));
                    outcomes[i] = Some(outcome);
                    if stop {
                        break;
                    }
                }
            }
        }
        outcomes
    }

    /// Writes what became of each row: delivered ones in one statement, parked and retried ones by their error.
    async fn record(
        &self,
        conn: &mut AsyncPgConnection,
        rows: &[OutboxRow],
        outcomes: Outcomes,
    ) -> diesel::QueryResult<()> {
        let mut delivered = Vec::with_capacity(rows.len());
        let mut parked: Vec<(i64, String)> = Vec::new();
        let mut retried: BTreeMap<String, (Vec<i64>, i32)> = BTreeMap::new();
        let now = time::OffsetDateTime::now_utc();
        for (row, outcome) in rows.iter().zip(outcomes) {
            match outcome {
                None => {}
                Some(ItemOutcome::Stored { replayed }) => {
                    delivered.push(row.seq);
                    if replayed {
                        self.metrics.replays.inc();
                    }
                    let lag = (now - row.created_at).as_seconds_f64();
                    self.metrics.lag.observe(lag.max(0.0));
                }
                Some(ItemOutcome::Rejected(detail)) => {
                    tracing::error!(event_id = %row.event_id, error = %detail, "service-logs refused an audit event for good; parked");
                    parked.push((row.seq, detail));
                }
                Some(ItemOutcome::Retry(detail)) => {
                    let entry = retried.entry(detail).or_default();
                    entry.0.push(row.seq);
                    entry.1 = entry.1.max(row.attempts);
                }
            }
        }
        outbox::mark_delivered(conn, &delivered).await?;
        self.metrics
            .deliveries
            .with_label_values(&["delivered"])
            .inc_by(delivered.len() as u64);
        for (seq, detail) in &parked {
            outbox::mark_failed(conn, &[*seq], detail, true, 0).await?;
            self.metrics.deliveries.with_label_values(&["parked"]).inc();
        }
        for (detail, (seqs, attempts)) in &retried {
            tracing::warn!(events = seqs.len(), attempts = attempts + 1, error = %detail, "audit delivery failed; will retry");
            outbox::mark_failed(conn, seqs, detail, false, retry_in_ms(*attempts)).await?;
            self.metrics
                .deliveries
                .with_label_values(&["retry"])
                .inc_by(seqs.len() as u64);
        }
        Ok(())
    }

    /// One create, in a span whose parent is the trace of the request that caused the event.
    async fn send_one(&self, row: &OutboxRow, item: &Value) -> SendOutcome {
        let span =
            tracing::info_span!("audit.deliver", event_id = %row.event_id, otel.kind = "client");
        if let Some(parent) = trace_of(row)
            && let Err(e) = span.set_parent(parent)
        {
            tracing::debug!(error = ?e, "could not attach the audit delivery span to its request's trace");
        }
        let mut body = item.clone();
        if let Value::Object(map) = &mut body {
            map.remove("idempotency_key");
        }
        self.client
            .create_log(&row.event_id.to_string(), &body)
            .instrument(span)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busy_lanes(busy: &BusyLanes) -> Vec<usize> {
        let taken = busy.lock().unwrap();
        (0..LANE_COUNT).filter(|l| taken[*l]).collect()
    }

    #[test]
    fn held_lanes_are_passed_by_and_handed_back() {
        let busy = Mutex::new([false; LANE_COUNT]);
        let mut first = HeldLanes::take(&busy, 14, &[1, 3, 14, 15]);
        assert_eq!(
            first.lanes(),
            &[14, 15, 1, 3],
            "due lanes from the cursor on, wrapping"
        );
        assert_eq!(busy_lanes(&busy), vec![1, 3, 14, 15]);

        let second = HeldLanes::take(&busy, 0, &[0, 1, 3]);
        assert_eq!(
            second.lanes(),
            &[0],
            "lanes another worker holds are passed by"
        );

        first.keep_first(2);
        assert_eq!(first.lanes(), &[14, 15]);
        assert_eq!(
            busy_lanes(&busy),
            vec![0, 14, 15],
            "the unreached lanes go back at once"
        );

        drop(first);
        drop(second);
        assert!(
            busy_lanes(&busy).is_empty(),
            "every lane goes back when the round ends"
        );
    }
}
