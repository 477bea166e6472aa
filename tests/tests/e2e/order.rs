//! 6. Several delivery batches in flight (two routers, two lane workers each) and service-logs restarted in the
//!    middle: every event is stored exactly once, and each account's events (so each tenant's) are stored in
//!    service-logs in the order the router wrote them.

use crate::harness::{ALL, Stack, event_id, s};
use reqwest::Method;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use testkit::tokens;

const ACCOUNTS: usize = 12;
/// Calls per account, made one after the other (the accounts side by side).
const PER_ACCOUNT: usize = 30;

/// Round `round` of calls: one per account, all accounts at once.
async fn round(stack: &Stack, round: usize) {
    let mut set = tokio::task::JoinSet::new();
    for a in 0..ACCOUNTS {
        let http = stack.http.clone();
        let base = stack.routers[(a + round) % stack.routers.len()].url();
        set.spawn(async move {
            let token = tokens::token(
                &format!("order-user-{a}"),
                Some(&format!("e2e-order-{a}")),
                &ALL,
            );
            crate::harness::call(
                &http,
                &base,
                Method::GET,
                "/v1/tenants",
                Some(&token),
                &[],
                None,
            )
            .await
            .expect(200);
        });
    }
    while let Some(done) = set.join_next().await {
        done.expect("a call failed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_accounts_events_are_stored_in_the_order_they_happened() {
    let mut stack = Stack::start("order", 2).await;
    for r in 0..PER_ACCOUNT / 2 {
        round(&stack, r).await;
    }
    // An outage in the middle: batches fail as a whole and are retried, rows wait behind their lane's head.
    stack.sl.kill();
    for r in PER_ACCOUNT / 2..PER_ACCOUNT * 3 / 4 {
        round(&stack, r).await;
    }
    let http = stack.http.clone();
    stack.sl.start(&http).await;
    for r in PER_ACCOUNT * 3 / 4..PER_ACCOUNT {
        round(&stack, r).await;
    }
    let logs = stack
        .wait_delivered(ACCOUNTS * PER_ACCOUNT, Duration::from_secs(60))
        .await;

    // Written order: the outbox's seq (one account's calls were made one after the other).
    let outbox = stack.outbox().await;
    let seq: HashMap<String, i64> = outbox
        .iter()
        .map(|r| (r.event_id.to_string(), r.seq))
        .collect();
    let mut per_account: BTreeMap<String, Vec<(i64, time::OffsetDateTime)>> = BTreeMap::new();
    for log in &logs {
        let stored = domain::timefmt::parse_rfc3339(s(log, "created_at"))
            .unwrap_or_else(|| panic!("no created_at in {log}"));
        per_account
            .entry(s(log, "account_id").to_owned())
            .or_default()
            .push((seq[&event_id(log)], stored));
    }
    assert_eq!(
        per_account.len(),
        ACCOUNTS,
        "every account's events arrived"
    );
    for (account, mut events) in per_account {
        events.sort_by_key(|(seq, _)| *seq);
        for pair in events.windows(2) {
            assert!(
                pair[0].1 <= pair[1].1,
                "{account}: event seq {} stored at {} after event seq {} stored at {}",
                pair[0].0,
                pair[0].1,
                pair[1].0,
                pair[1].1
            );
        }
    }

    // Both routers delivered, in batches.
    let delivered: Vec<u64> = [
        stack.deliveries(0, "delivered").await,
        stack.deliveries(1, "delivered").await,
    ]
    .into();
    eprintln!(
        "e2e: delivered by router 0 and 1: {delivered:?}; service-logs answered {} bulk creates",
        stack.bulk_posts()
    );
    assert!(stack.bulk_posts() > 0, "delivered through the bulk create");
    assert_eq!(
        delivered.iter().sum::<u64>(),
        (ACCOUNTS * PER_ACCOUNT) as u64,
        "each event delivered once (first attempts and replays together)"
    );
}
