//! PostgreSQL restarted under a create load (on a throwaway cluster of the test's own): no acknowledged write is
//! lost, the outage is answered only with 503s carrying `Retry-After`, and creates succeed again within 5 s of
//! the server being back.

use crate::harness::pg::Pg;
use crate::harness::{SL_BASE, Stack, stored_logs};
use diesel_async::AsyncConnection;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use testkit::tokens;

const CLIENTS: usize = 8;
const OUTAGE: Duration = Duration::from_secs(3);

#[derive(Default)]
struct Seen {
    /// Ids of acknowledged (201) creates.
    created: Vec<String>,
    unavailable: usize,
    /// Anything but 201 or a 503 with Retry-After.
    wrong: Vec<String>,
    /// When each 201 was answered.
    created_at: Vec<Instant>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgresql_restarted_under_load_loses_nothing_and_answers_only_503s() {
    let pg = Pg::start();
    let stack = Stack::start_on("db-restart", 0, Some(&pg.url("postgres"))).await;
    let url = format!("{}{SL_BASE}/cluster_logs", stack.sl.url());
    let token = tokens::token(
        "e2e-restart",
        Some("acc-restart"),
        &["service-logs.log.create"],
    );
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        let (url, token, seen, stop) = (url.clone(), token.clone(), seen.clone(), stop.clone());
        clients.spawn(async move {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap();
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let body = json!({"cluster_uuid": uuid::Uuid::new_v4().to_string(), "severity": "Info",
                                  "service_name": "e2e-restart", "summary": format!("client {c} call {i}")});
                let outcome = http.post(&url).bearer_auth(&token).json(&body).send().await;
                match outcome {
                    Ok(res) if res.status() == 201 => {
                        let v: serde_json::Value = res.json().await.unwrap_or_default();
                        let mut seen = seen.lock().unwrap();
                        seen.created.push(v["id"].as_str().unwrap_or_default().to_owned());
                        seen.created_at.push(Instant::now());
                    }
                    Ok(res) if res.status() == 503 && res.headers().contains_key("retry-after") => {
                        seen.lock().unwrap().unavailable += 1;
                        // A client told to retry later waits a little, as Retry-After asks (shortened here).
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Ok(res) => {
                        let status = res.status();
                        let text = res.text().await.unwrap_or_default();
                        seen.lock().unwrap().wrong.push(format!("{status}: {text}"));
                    }
                    Err(e) => seen.lock().unwrap().wrong.push(format!("{e:?}")),
                }
            }
        });
    }

    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = seen.lock().unwrap().created.len();
    pg.stop();
    let down_at = Instant::now();
    tokio::time::sleep(OUTAGE).await;
    pg.start_again();
    let up_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(8)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    while let Some(done) = clients.join_next().await {
        done.unwrap();
    }

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    let recovered_after = seen
        .created_at
        .iter()
        .find(|t| **t > up_at)
        .map(|t| t.duration_since(up_at));
    let mut conn = diesel_async::AsyncPgConnection::establish(&pg.url("postgres"))
        .await
        .unwrap();
    let stored = stored_logs(&mut conn).await;
    let ids: std::collections::BTreeSet<&str> = seen.created.iter().map(String::as_str).collect();
    let missing = missing_ids(&mut conn, &ids).await;
    eprintln!(
        "e2e db-restart: {} creates acknowledged ({before} before the stop), {stored} stored, {} answered 503 with \
         Retry-After, {} other answers; outage {:?}; first create after restart {recovered_after:?} after the \
         server was back",
        seen.created.len(),
        seen.unavailable,
        seen.wrong.len(),
        up_at.duration_since(down_at),
    );
    assert!(before > 0, "no load before the stop");
    assert!(
        seen.wrong.is_empty(),
        "answers other than 201 or 503 with Retry-After: {:?}",
        seen.wrong
    );
    assert!(seen.unavailable > 0, "the outage was never seen");
    assert!(
        missing.is_empty(),
        "acknowledged but not stored: {missing:?}"
    );
    assert!(
        recovered_after.is_some_and(|d| d < Duration::from_secs(5)),
        "no create succeeded within 5 s of PostgreSQL being back: {recovered_after:?}"
    );
}

/// The acknowledged ids the database does not hold.
async fn missing_ids(
    conn: &mut diesel_async::AsyncPgConnection,
    ids: &std::collections::BTreeSet<&str>,
) -> Vec<String> {
    use diesel::QueryDsl;
    use diesel_async::RunQueryDsl;
    use service_logs::schema::cluster_logs::dsl;
    let stored: std::collections::BTreeSet<String> = dsl::cluster_logs
        .select(dsl::id)
        .load::<String>(conn)
        .await
        .expect("reading ids")
        .into_iter()
        .collect();
    ids.iter()
        .filter(|id| !stored.contains(**id))
        .map(|id| (*id).to_owned())
        .collect()
}
