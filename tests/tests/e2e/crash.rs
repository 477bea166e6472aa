//! 3. The router killed with SIGKILL in the middle of delivering, then restarted: nothing lost, nothing doubled.
//!
//! The backlog is built while service-logs is down, so that once it is back the worker sends a long run of events
//! and the kill lands inside it: service-logs has stored some events whose rows the router never got to mark
//! delivered (the claiming transaction dies with the process), and the restarted router sends them again under
//! the same idempotency key, in bulk creates.

use crate::harness::{Stack, batch};
use std::time::{Duration, Instant};

const CALLS: usize = 400;
/// Stored events seen before the kill.
const KILL_AFTER: i64 = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_router_killed_while_delivering_loses_and_doubles_nothing() {
    let mut stack = Stack::start("crash", 1).await;
    let bases = [stack.router().url()];

    stack.sl.kill();
    batch(&stack.http, &bases, 0..CALLS, 8).await;
    assert_eq!(stack.outbox().await.len(), CALLS, "one outbox row per call");

    let http = stack.http.clone();
    stack.sl.start(&http).await;
    // Kill the router once some events are stored, while the rest of the backlog is still being sent.
    let started = Instant::now();
    let stored_at_kill = loop {
        let n = stack.delivered_count().await;
        if n >= KILL_AFTER {
            stack.routers[0].kill();
            break n;
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "the router delivered nothing within 40 s of service-logs coming back"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let stored = usize::try_from(stack.delivered_count().await).unwrap_or(0);
    let marked = stack
        .outbox()
        .await
        .iter()
        .filter(|r| r.delivered_at.is_some())
        .count();
    eprintln!(
        "e2e: router killed with {stored_at_kill} events seen in service-logs; after the kill service-logs holds \
         {stored}, the outbox marks {marked} of {CALLS} delivered"
    );
    assert!(
        stored < CALLS,
        "the kill did not land inside the delivery: all {CALLS} events were already stored"
    );
    assert!(
        marked <= stored,
        "the outbox marks {marked} delivered but service-logs holds only {stored}"
    );

    stack.routers[0].start(&http).await;
    stack.wait_delivered(CALLS, Duration::from_secs(40)).await;

    // The restarted router sent again every row it found unmarked, the stored ones included, and service-logs
    // answered those as replays of the same idempotency key instead of storing them twice.
    let resent = stack.deliveries(0, "delivered").await;
    assert_eq!(
        resent,
        (CALLS - marked) as u64,
        "the restarted router delivers every row not marked delivered"
    );
    let replays = stack.counter(0, "audit_delivery_replays_total").await;
    let bulk = stack.bulk_posts();
    eprintln!(
        "e2e: the restarted router saw {replays} replays; service-logs answered {bulk} bulk creates"
    );
    assert!(bulk > 0, "the router delivered through the bulk create");
    // a replay is an item answered 200
    assert!(
        replays >= (stored - marked) as u64,
        "the restarted router saw {replays} replays; expected at least the {} events stored but not marked",
        stored - marked
    );
}
