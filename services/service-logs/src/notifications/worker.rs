//! The notification worker: claims due outbox rows, runs their action (a signed webhook POST, an e-mail), and
//! records the outcome: completed; retried with capped exponential backoff and full jitter; given up once the
//! next attempt would fall more than `give_up_after` (24 h) after the notification was queued; disabled on a
//! 410; skipped when the trigger, the action or the log is gone. Each outcome is counted in `/metrics`.

use diesel_async::AsyncPgConnection;
use domain_logs::trigger::ActionType;
use outbox::{Backoff, Outbox, WorkerConfig};
use platform::db::DbPool;
use prometheus::{IntCounterVec, IntGauge, Opts, Registry};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::sync::watch;

use super::Notifier;
use super::webhook::{self, Sent};
use crate::store::notifications::{self as store, OutboxRow, Outcome};
use crate::store::triggers::StoredAction;
use crate::store::{self as db, StoreError};
use crate::wire::ClusterLog;

/// The worker's Prometheus series.
#[derive(Clone)]
pub struct NotificationMetrics {
    queued: IntCounterVec,
    sent: IntCounterVec,
    retried: IntCounterVec,
    given_up: IntCounterVec,
    pending: IntGauge,
    oldest_pending: IntGauge,
}

impl NotificationMetrics {
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let by_type = |name: &str, help: &str| -> Result<IntCounterVec, prometheus::Error> {
            let c = IntCounterVec::new(Opts::new(name, help), &["type"])?;
            registry.register(Box::new(c.clone()))?;
            for t in ActionType::ALL {
                c.with_label_values(&[t.as_str()]);
            }
            Ok(c)
        };
        let gauge = |name: &str, help: &str| -> Result<IntGauge, prometheus::Error> {
            let g = IntGauge::new(name, help)?;
            registry.register(Box::new(g.clone()))?;
            Ok(g)
        };
        Ok(Self {
            queued: by_type(
                "notifications_queued_total",
                "Queued notification actions taken up for their first attempt, by action type",
            )?,
            sent: by_type(
                "notifications_sent_total",
                "Notification actions completed, by action type",
            )?,
            retried: by_type(
                "notifications_retried_total",
                "Failed notification attempts that will be retried, by action type",
            )?,
            given_up: by_type(
                "notifications_given_up_total",
                "Notification actions given up after retrying for 24 h (or disabled by a 410), by action type",
            )?,
            pending: gauge(
                "notifications_pending",
                "Queued notification actions not yet finished",
            )?,
            oldest_pending: gauge(
                "notifications_oldest_pending_age_seconds",
                "Age of the oldest unfinished notification action, 0 when none",
            )?,
        })
    }
}

/// Stops the worker when dropped or told to.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
}

impl WorkerHandle {
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

/// The outbox of notifications, as the `outbox` crate's loop drives it.
pub struct Notifications {
    pool: DbPool,
    notifier: Notifier,
    metrics: NotificationMetrics,
    last_stats: Mutex<Option<Instant>>,
}

/// Starts the worker on the current runtime; it runs until the handle is dropped or stopped.
pub fn spawn(pool: DbPool, notifier: Notifier, metrics: NotificationMetrics) -> WorkerHandle {
    let (stop, stopped) = watch::channel(false);
    let config = WorkerConfig {
        batch: 32,
        concurrency: 8,
        idle_poll: notifier.retry.idle_poll,
        claim_backoff: Backoff {
            base: Duration::from_millis(200),
            cap: Duration::from_secs(30),
        },
    };
    let worker = Notifications {
        pool,
        notifier,
        metrics,
        last_stats: Mutex::new(None),
    };
    tokio::spawn(async move { outbox::run(&worker, config, stopped).await });
    WorkerHandle { stop }
}

impl Outbox for Notifications {
    type Item = OutboxRow;
    type Error = StoreError;

    async fn claim(&self, limit: usize) -> Result<Vec<OutboxRow>, StoreError> {
        let mut conn = db::conn(&self.pool).await?;
        let rows = store::claim(&mut conn, i64::try_from(limit).unwrap_or(i64::MAX)).await?;
        for r in rows.iter().filter(|r| r.attempts == 0) {
            self.metrics
                .queued
                .with_label_values(&[&r.action_type])
                .inc();
        }
        Ok(rows)
    }

    async fn deliver(&self, row: OutboxRow) {
        let outcome = match self.attempt(&row).await {
            Ok(o) => o,
            Err(e) => Outcome::Retry {
                at: OffsetDateTime::now_utc(),
                error: e.to_string(),
            },
        };
        let outcome = self.with_retry_limit(&row, outcome);
        let kind = [row.action_type.as_str()];
        match &outcome {
            Outcome::Completed => self.metrics.sent.with_label_values(&kind).inc(),
            Outcome::Retry { error, .. } => {
                self.metrics.retried.with_label_values(&kind).inc();
                tracing::info!(delivery = %row.id, attempt = row.attempts + 1, %error, "notification attempt failed; will retry");
            }
            Outcome::GivenUp { error } => {
                self.metrics.given_up.with_label_values(&kind).inc();
                tracing::warn!(delivery = %row.id, log = %row.log_id, trigger = %row.trigger_id, %error, "notification given up");
            }
            Outcome::Disabled { .. } => {
                self.metrics.given_up.with_label_values(&kind).inc();
                tracing::warn!(delivery = %row.id, trigger = %row.trigger_id, "webhook answered 410 Gone; action disabled");
            }
            Outcome::Skipped => {}
        }
        let recorded = async {
            let mut conn = db::conn(&self.pool).await?;
            store::record(&mut conn, &row, &outcome).await
        }
        .await;
        if let Err(e) = recorded {
            // The lease expires and the row is tried again: at least once, never lost.
            tracing::warn!(delivery = %row.id, error = %e, "recording a notification outcome failed");
        }
    }

    async fn tick(&self) {
        let due = {
            let Ok(mut last) = self.last_stats.lock() else {
                return;
            };
            let due = last.is_none_or(|t| t.elapsed() >= Duration::from_secs(1));
            if due {
                *last = Some(Instant::now());
            }
            due
        };
        if !due {
            return;
        }
        let stats = async {
            let mut conn = db::conn(&self.pool).await?;
            store::pending_stats(&mut conn).await
        }
        .await;
        match stats {
            Ok((pending, oldest)) => {
                self.metrics.pending.set(pending);
                self.metrics.oldest_pending.set(oldest as i64);
            }
            Err(e) => tracing::warn!(error = %e, "reading the notification outbox's size failed"),
        }
    }
}

impl Notifications {
    /// One attempt at a row's action.
    async fn attempt(&self, row: &OutboxRow) -> Result<Outcome, StoreError> {
        let mut conn = db::conn(&self.pool).await?;
        let Some((log, action)) = self.load(&mut conn, row).await? else {
            return Ok(Outcome::Skipped);
        };
        drop(conn);
        match action {
            StoredAction::Webhook { url, secret, .. } => {
                let body = serde_json::to_vec(&serde_json::json!({
                    "type": "cluster_log.created",
                    "timestamp": domain::timefmt::format_utc(OffsetDateTime::now_utc()),
                    "data": ClusterLog::from_row(log, None),
                }))
                .map_err(|e| StoreError::Failed(e.to_string()))?;
                let id = format!("msg_{}", row.id.simple());
                let secret =
                    match crate::store::triggers::open_secret(&self.notifier.secrets, &secret) {
                        Ok(secret) => secret,
                        Err(error) => {
                            let at = OffsetDateTime::now_utc();
                            return Ok(Outcome::Retry { at, error });
                        }
                    };
                let sent = webhook::post(
                    &url,
                    &secret,
                    &id,
                    body,
                    self.notifier.allow_private_networks,
                    self.notifier.retry.timeout,
                )
                .await;
                Ok(match sent {
                    Sent::Accepted => Outcome::Completed,
                    Sent::Gone => Outcome::Disabled { url },
                    Sent::Failed(error) => Outcome::Retry {
                        at: OffsetDateTime::now_utc(),
                        error,
                    },
                })
            }
            StoredAction::Email { to } => {
                let at = OffsetDateTime::now_utc();
                Ok(match &self.notifier.mailer {
                    None => Outcome::Retry {
                        at,
                        error: "e-mail is not configured (SMTP_URL)".to_owned(),
                    },
                    Some(mailer) => match mailer.send(&log, &to).await {
                        Ok(()) => Outcome::Completed,
                        Err(error) => Outcome::Retry { at, error },
                    },
                })
            }
        }
    }

    /// The row's log and its still-active action, or `None` when either is gone.
    async fn load(
        &self,
        conn: &mut AsyncPgConnection,
        row: &OutboxRow,
    ) -> Result<Option<(crate::store::rows::LogRow, StoredAction)>, StoreError> {
        let Some(trigger) = crate::store::triggers::find(conn, &row.trigger_id).await? else {
            return Ok(None);
        };
        let action = trigger.stored_actions()?.into_iter().find(|a| {
            store::stored_hash(&trigger.id, a).1 == row.action_hash
                && !matches!(
                    a,
                    StoredAction::Webhook {
                        disabled_at: Some(_),
                        ..
                    }
                )
        });
        let Some(action) = action else {
            return Ok(None);
        };
        let log =
            crate::store::logs::find(conn, &row.log_id, &crate::listing::Visibility::All).await?;
        Ok(log.map(|l| (l, action)))
    }

    /// A retry gets its time (backoff from this attempt), or becomes given up past the limit.
    fn with_retry_limit(&self, row: &OutboxRow, outcome: Outcome) -> Outcome {
        let Outcome::Retry { error, .. } = outcome else {
            return outcome;
        };
        let policy = &self.notifier.retry;
        let backoff = Backoff {
            base: policy.base,
            cap: policy.cap,
        };
        let delay = backoff.delay(u32::try_from(row.attempts).unwrap_or(u32::MAX));
        let at = OffsetDateTime::now_utc() + delay;
        if at > row.created_at + policy.give_up_after {
            Outcome::GivenUp { error }
        } else {
            Outcome::Retry { at, error }
        }
    }
}
