//! 4. Two router processes on one database: each event delivered once.
//!
//! Both take calls, and both workers compete for the same backlog (built while service-logs is down, so that
//! when it is back each finds every row pending): the lanes' advisory locks must keep them from sending a row twice.

use crate::harness::{Stack, batch};
use std::time::Duration;

const CALLS: usize = 80;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_routers_on_one_database_deliver_each_event_once() {
    let mut stack = Stack::start("replicas", 2).await;
    let bases: Vec<String> = stack.routers.iter().map(|r| r.url()).collect();

    // Live traffic on both.
    batch(&stack.http, &bases, 0..CALLS / 2, 8).await;
    // A backlog both workers find at once.
    stack.sl.kill();
    batch(&stack.http, &bases, CALLS / 2..CALLS, 8).await;
    let http = stack.http.clone();
    stack.sl.start(&http).await;

    stack.wait_delivered(CALLS, Duration::from_secs(40)).await;

    // Each row was sent by one replica only: the replicas' delivered counters add up to the events (a row both sent
    // would count in both), and a replica saw a replay only for rows it had retried itself (a batch stored by
    // service-logs whose answer was lost when it was killed).
    let (a, b) = (
        stack.deliveries(0, "delivered").await,
        stack.deliveries(1, "delivered").await,
    );
    eprintln!("e2e: router 0 delivered {a} events, router 1 delivered {b}");
    assert_eq!(
        a + b,
        CALLS as u64,
        "audit_deliveries_total{{outcome=\"delivered\"}}: router 0 {a} + router 1 {b}"
    );
    for r in 0..2 {
        let replays = stack.counter(r, "audit_delivery_replays_total").await;
        let retried = stack.deliveries(r, "retry").await;
        eprintln!("e2e: router {r} saw {replays} replays after {retried} retried deliveries");
        assert!(
            replays <= retried,
            "router {r} saw {replays} replays but retried only {retried} deliveries"
        );
    }
    assert!(stack.bulk_posts() > 0, "delivered through the bulk create");
}
