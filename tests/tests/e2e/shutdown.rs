//! SIGTERM under load: service-logs answers every request it received (the last ones with `Connection: close`),
//! refuses new connections once it stopped accepting, stores every write it acknowledged, and exits on its own.

use crate::harness::{SL_BASE, Stack};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use testkit::tokens;

/// Concurrent clients, each on its own keep-alive connection pool.
const CLIENTS: usize = 16;
/// Load before the signal.
const LOAD_BEFORE: Duration = Duration::from_secs(2);
/// A client gives up this long after the signal (it normally stops at its first refused connection).
const LOAD_AFTER: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Outcomes {
    created: AtomicUsize,
    /// Refused at connect, or reset on a connection opened after the drain began.
    refused: AtomicUsize,
    failed: AtomicUsize,
    closed_by_server: AtomicUsize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_fails_no_request_and_loses_no_write() {
    let mut stack = Stack::start("shutdown", 0).await;
    let url = format!("{}{SL_BASE}/cluster_logs", stack.sl.url());
    let token = tokens::token("e2e-load", Some("acc-load"), &["service-logs.log.create"]);
    let outcomes = Arc::new(Outcomes::default());
    let signalled = Arc::new(std::sync::OnceLock::<Instant>::new());
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        let (url, token, outcomes, signalled) = (
            url.clone(),
            token.clone(),
            outcomes.clone(),
            signalled.clone(),
        );
        clients.spawn(async move {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap();
            let mut errors = Vec::new();
            // Once an answer said `Connection: close`, this client's later requests go on connections opened
            // after the drain began: new connections, which may be refused (or reset in the kernel's accept queue
            // when the listener closes). Before that, every request is on a connection the server had: in flight.
            let mut told_to_close = false;
            for i in 0.. {
                if signalled.get().is_some_and(|at| at.elapsed() > LOAD_AFTER) {
                    break;
                }
                let body = json!({"cluster_uuid": uuid::Uuid::new_v4().to_string(), "severity": "Info",
                                  "service_name": "e2e-shutdown", "summary": format!("client {c} call {i}")});
                match http.post(&url).bearer_auth(&token).json(&body).send().await {
                    Ok(res) => {
                        let status = res.status().as_u16();
                        if res
                            .headers()
                            .get("connection")
                            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"))
                        {
                            outcomes.closed_by_server.fetch_add(1, Ordering::Relaxed);
                            told_to_close = true;
                        }
                        if status == 201 {
                            outcomes.created.fetch_add(1, Ordering::Relaxed);
                        } else {
                            outcomes.failed.fetch_add(1, Ordering::Relaxed);
                            errors.push(format!("status {status}: {}", res.text().await.unwrap_or_default()));
                        }
                    }
                    // Refused at connect: the server stopped accepting. This client is done.
                    Err(e) if e.is_connect() || told_to_close => {
                        outcomes.refused.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                    Err(e) => {
                        outcomes.failed.fetch_add(1, Ordering::Relaxed);
                        errors.push(format!("{e:?}"));
                    }
                }
            }
            errors
        });
    }
    // Load for LOAD_BEFORE, and until every client had a create answered (a loaded machine starts slowly).
    let started = Instant::now();
    while started.elapsed() < LOAD_BEFORE
        || outcomes.created.load(Ordering::Relaxed) < CLIENTS && started.elapsed() < LOAD_AFTER
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = outcomes.created.load(Ordering::Relaxed);
    stack.sl.terminate();
    let at = Instant::now();
    let _ = signalled.set(at);
    let status = stack.sl.wait_exit(Duration::from_secs(45)).await;
    let exited_after = at.elapsed();
    let mut errors = Vec::new();
    while let Some(done) = clients.join_next().await {
        errors.extend(done.unwrap());
    }

    let created = outcomes.created.load(Ordering::Relaxed);
    let stored = crate::harness::stored_logs(&mut stack.sl_db.connect().await).await;
    eprintln!(
        "e2e shutdown: {created} creates acknowledged ({before} before SIGTERM), {stored} stored, {} answers with \
         Connection: close, {} clients refused (new connections), {} failed; exited {status:?} {exited_after:?} after \
         SIGTERM",
        outcomes.closed_by_server.load(Ordering::Relaxed),
        outcomes.refused.load(Ordering::Relaxed),
        outcomes.failed.load(Ordering::Relaxed),
    );
    assert!(before > 0, "no load before the signal");
    assert!(
        errors.is_empty(),
        "{} requests failed during shutdown: {errors:?}",
        errors.len()
    );
    assert_eq!(
        usize::try_from(stored).unwrap(),
        created,
        "every acknowledged create is stored, nothing else"
    );
    assert!(
        status.is_some_and(|s| s.success()),
        "service-logs did not exit cleanly within 45 s of SIGTERM: {status:?}"
    );
    assert!(
        outcomes.closed_by_server.load(Ordering::Relaxed) > 0,
        "no answer carried Connection: close while draining"
    );
}
