//! The generic half of an outbox: rows written in the same transaction as the change that caused them, sent
//! afterwards by a worker. This crate is the worker's loop; the store (what a row is, how it is claimed, sent
//! and recorded) implements [`Outbox`].
//!
//! The loop, [`run`]: claim a batch of due items ([`Outbox::claim`]; a store claims with
//! `FOR UPDATE SKIP LOCKED` or a lease, so replicas share the work and no item is sent by two at once); deliver
//! them, up to [`WorkerConfig::concurrency`] at a time ([`Outbox::deliver`], which records each item's outcome
//! itself: sent, retry at a time of the store's choosing, or given up). An empty claim sleeps
//! [`WorkerConfig::idle_poll`]; a failing claim (the database is down) backs off with [`Backoff`]; a full batch
//! goes straight on. The loop ends when `shutdown` turns `true`, after the batch in hand.
//!
//! [`Backoff`] is also what a store uses to space one item's retries: capped exponential with full jitter
//! (AWS's "Exponential Backoff And Jitter": a uniform delay in `0..=min(cap, base·2^attempt)`).
//!
//! # Adopting it
//!
//! A worker of its own (e.g. the router's audit delivery) maps onto it as: its claim query → `claim`, its send and
//! outcome bookkeeping → `deliver`, its constants → [`WorkerConfig`] and [`Backoff`]. Periodic side jobs
//! (statistics, purges) go in [`Outbox::tick`], called once per loop turn.

use std::future::Future;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::watch;

/// Capped exponential backoff with full jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Backoff {
    /// The ceiling before jitter for the `attempt`-th retry (0-based): `min(cap, base·2^attempt)`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// A delay drawn uniformly from `0..=ceiling(attempt)`.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = u64::try_from(self.ceiling(attempt).as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::random_range(0..=ceiling))
    }
}

/// How the loop paces itself.
#[derive(Debug, Clone, Copy)]
pub struct WorkerConfig {
    /// Items claimed per turn.
    pub batch: usize,
    /// Items delivered at once.
    pub concurrency: usize,
    /// The pause after an empty claim: the floor of the delivery latency.
    pub idle_poll: Duration,
    /// The pauses after failing claims.
    pub claim_backoff: Backoff,
}

/// A store of outbox items.
pub trait Outbox: Send + Sync {
    type Item: Send;
    type Error: std::fmt::Display + Send;

    /// Claims up to `limit` due items; none when nothing is due.
    fn claim(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Self::Item>, Self::Error>> + Send;

    /// Delivers one claimed item and records its outcome; a failure to record is the store's to log (the claim
    /// expires and the item comes again).
    fn deliver(&self, item: Self::Item) -> impl Future<Output = ()> + Send;

    /// Called once per loop turn, for periodic work (gauges, purges).
    fn tick(&self) -> impl Future<Output = ()> + Send {
        async {}
    }
}

/// Runs the claim loop until `shutdown` is `true` (or its sender is gone).
pub async fn run<O: Outbox>(outbox: &O, config: WorkerConfig, mut shutdown: watch::Receiver<bool>) {
    let mut failures: u32 = 0;
    loop {
        if *shutdown.borrow() {
            return;
        }
        outbox.tick().await;
        let pause = match outbox.claim(config.batch.max(1)).await {
            Ok(items) if items.is_empty() => {
                failures = 0;
                config.idle_poll
            }
            Ok(items) => {
                failures = 0;
                let full = items.len() >= config.batch.max(1);
                futures_util::stream::iter(items)
                    .for_each_concurrent(config.concurrency.max(1), |item| outbox.deliver(item))
                    .await;
                if full {
                    Duration::ZERO
                } else {
                    config.idle_poll
                }
            }
            Err(e) => {
                let pause = config.claim_backoff.delay(failures);
                failures = failures.saturating_add(1);
                tracing::warn!(error = %e, pause_ms = pause.as_millis() as u64, "claiming outbox items failed");
                pause
            }
        };
        if pause.is_zero() {
            continue;
        }
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            changed = shutdown.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn backoff_is_capped_and_jittered() {
        let b = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(10),
        };
        assert_eq!(b.ceiling(0), Duration::from_millis(100));
        assert_eq!(b.ceiling(3), Duration::from_millis(800));
        assert_eq!(b.ceiling(40), Duration::from_secs(10));
        for attempt in 0..50 {
            assert!(b.delay(attempt) <= b.ceiling(attempt));
        }
        let draws: std::collections::BTreeSet<_> = (0..64).map(|_| b.delay(10)).collect();
        assert!(draws.len() > 1, "no jitter");
    }

    /// A store of numbers that fails its first claims, then hands out each number once.
    struct Numbers {
        pending: Mutex<Vec<u32>>,
        delivered: Mutex<Vec<u32>>,
        failing_claims: Mutex<u32>,
    }

    impl Outbox for Numbers {
        type Item = u32;
        type Error = String;
        async fn claim(&self, limit: usize) -> Result<Vec<u32>, String> {
            let mut f = self.failing_claims.lock().unwrap();
            if *f > 0 {
                *f -= 1;
                return Err("down".into());
            }
            let mut p = self.pending.lock().unwrap();
            let n = p.len().min(limit);
            Ok(p.drain(..n).collect())
        }
        async fn deliver(&self, item: u32) {
            self.delivered.lock().unwrap().push(item);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn delivers_everything_once_through_failures_and_stops_on_shutdown() {
        let store = Numbers {
            pending: Mutex::new((0..25).collect()),
            delivered: Mutex::new(vec![]),
            failing_claims: Mutex::new(3),
        };
        let (tx, rx) = watch::channel(false);
        let config = WorkerConfig {
            batch: 10,
            concurrency: 4,
            idle_poll: Duration::from_millis(50),
            claim_backoff: Backoff {
                base: Duration::from_millis(10),
                cap: Duration::from_millis(100),
            },
        };
        let stopper = async {
            while store.delivered.lock().unwrap().len() < 25 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            tx.send(true).unwrap();
        };
        tokio::join!(run(&store, config, rx), stopper);
        let mut got = store.delivered.lock().unwrap().clone();
        got.sort_unstable();
        assert_eq!(got, (0..25).collect::<Vec<_>>());
    }
}
