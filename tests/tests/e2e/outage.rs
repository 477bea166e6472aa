//! 2. service-logs stopped while the router takes a batch of calls, then started: every event arrives, none twice.

use crate::harness::{Stack, batch};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

const CALLS: usize = 24;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_recorded_while_service_logs_is_down_arrive_once_it_is_back() {
    let mut stack = Stack::start("outage", 1).await;
    let bases = [stack.router().url()];

    // The pipeline works before the outage.
    batch(&stack.http, &bases, 0..1, 1).await;
    stack.wait_delivered(1, Duration::from_secs(20)).await;

    stack.sl.kill();
    // The router keeps serving: every call answers as usual and records its event.
    batch(&stack.http, &bases, 1..CALLS + 1, 4).await;
    let ready = stack
        .http
        .get(format!("{}/readyz", stack.router().url()))
        .send()
        .await
        .expect("router /readyz");
    assert_eq!(
        ready.status(),
        StatusCode::OK,
        "the router is ready while service-logs is down"
    );

    // The worker tried and failed (so the resend after the restart is a retry, not a first attempt).
    let started = Instant::now();
    loop {
        let outbox = stack.outbox().await;
        assert_eq!(outbox.len(), CALLS + 1, "one outbox row per call");
        let tried = outbox
            .iter()
            .any(|r| r.delivered_at.is_none() && r.attempts > 0 && !r.last_error.is_empty());
        if tried {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the worker did not try to deliver while service-logs was down: {outbox:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let delivered_during_outage = stack
        .outbox()
        .await
        .iter()
        .filter(|r| r.delivered_at.is_some())
        .count();
    assert_eq!(
        delivered_during_outage, 1,
        "nothing is marked delivered while service-logs is down"
    );

    // Same port, same database.
    let http = stack.http.clone();
    stack.sl.start(&http).await;
    stack
        .wait_delivered(CALLS + 1, Duration::from_secs(40))
        .await;
    assert!(
        stack.bulk_posts() > 0,
        "the backlog went through the bulk create"
    );
}
