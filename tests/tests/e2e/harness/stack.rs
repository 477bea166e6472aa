//! service-logs and one or more logs-router processes wired to it, and the checks on delivery.

use logs_router::store::rows::OutboxRow;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use testkit::TestDb;
use testkit::tokens;

use super::procs::{LogDir, Pids, Proc, Watchdog, free_port};
use super::{
    CREDENTIALS_KEY, REGION, Reply, SL_BASE, bins, call, enc, event_id, items, observer, s,
    workspace_root,
};

/// service-logs and `routers` logs-router processes wired to it, each service on its own fresh database.
/// Fields drop in order: processes first, then the databases, the watchdog, the log folder.
pub struct Stack {
    pub sl: Proc,
    pub routers: Vec<Proc>,
    pub http: reqwest::Client,
    pub sl_db: TestDb,
    pub router_db: TestDb,
    _watchdog: Watchdog,
    _dir: LogDir,
}

fn common_env(db_url: &str) -> Vec<(String, String)> {
    [
        ("DATABASE_URL", db_url),
        ("RUN_MIGRATIONS", "false"),
        ("WEBHOOK_SECRETS_KEY", super::WEBHOOK_SECRETS_KEY),
        ("AUTH_HS256_SECRET", tokens::SECRET),
        ("LOG_FORMAT", "json"),
        ("RUST_LOG", "info"),
        ("DATABASE_POOL_SIZE", "4"),
        ("HTTP_WORKERS", "2"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

impl Stack {
    pub async fn start(test: &str, routers: usize) -> Stack {
        Self::start_on(test, routers, None).await
    }

    /// As [`Stack::start`], service-logs on the database at `sl_url` when given (migrated at its start), e.g. one
    /// of a throwaway cluster ([`super::pg::Pg`]).
    pub async fn start_on(test: &str, routers: usize, sl_url: Option<&str>) -> Stack {
        let bins = bins();
        let root = workspace_root();
        let (sl_migrations, router_migrations) = (
            root.join("migrations/service-logs"),
            root.join("migrations/logs-router"),
        );
        let (sl_db, router_db) = tokio::join!(
            TestDb::create("service_logs", service_logs::MIGRATIONS, &sl_migrations),
            TestDb::create("logs_router", logs_router::MIGRATIONS, &router_migrations),
        );
        let dir = LogDir::new(test);
        let pids = Pids::default();
        let watchdog = Watchdog::start(test, pids.clone(), dir.0.clone());
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("http client");
        let sl_env = match sl_url {
            Some(url) => {
                let mut env = common_env(url);
                env.retain(|(k, _)| k != "RUN_MIGRATIONS");
                env
            }
            None => common_env(&sl_db.url),
        };
        let mut sl = Proc::new(
            "service-logs",
            &bins.service_logs,
            sl_env,
            free_port(),
            &dir.0,
            pids.clone(),
        );
        sl.start(&http).await;
        let mut procs = Vec::new();
        for i in 0..routers {
            let mut env = common_env(&router_db.url);
            env.extend(
                [
                    ("SERVICE_LOGS_URL", sl.url()),
                    ("CREDENTIALS_KEY", CREDENTIALS_KEY.to_owned()),
                    ("REGION", REGION.to_owned()),
                ]
                .map(|(k, v)| (k.to_owned(), v)),
            );
            let mut p = Proc::new(
                &format!("logs-router-{i}"),
                &bins.logs_router,
                env,
                free_port(),
                &dir.0,
                pids.clone(),
            );
            p.start(&http).await;
            procs.push(p);
        }
        Stack {
            sl,
            routers: procs,
            http,
            sl_db,
            router_db,
            _watchdog: watchdog,
            _dir: dir,
        }
    }

    /// The first router.
    pub fn router(&self) -> &Proc {
        &self.routers[0]
    }

    /// One call to router `r` with a fresh `X-Trace-ID` of its own (unless `headers` carry one); a body gets the
    /// Content-Type its method needs unless `headers` carry one. The answer must echo the trace id.
    pub async fn call(
        &self,
        r: usize,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Reply {
        call(
            &self.http,
            &self.routers[r].url(),
            method,
            path,
            token,
            headers,
            body,
        )
        .await
    }

    /// `GET` on service-logs; the answer must be 200 JSON.
    pub async fn sl_get(&self, path_and_query: &str, token: &str) -> Value {
        let url = format!("{}{SL_BASE}{path_and_query}", self.sl.url());
        let res = self
            .http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::OK, "GET {url}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {url}: not JSON ({e}): {text}"))
    }

    /// How many logs-router logs service-logs holds (all accounts).
    pub async fn delivered_count(&self) -> i64 {
        let page = self
            .sl_get(
                &format!(
                    "/cluster_logs?size=0&search={}",
                    enc("service_name = 'logs-router'")
                ),
                &observer(),
            )
            .await;
        page["total"].as_i64().expect("total")
    }

    /// Every logs-router log service-logs holds (all accounts).
    pub async fn delivered(&self) -> Vec<Value> {
        let page = self
            .sl_get(
                &format!(
                    "/cluster_logs?size=-1&search={}",
                    enc("service_name = 'logs-router'")
                ),
                &observer(),
            )
            .await;
        items(&page)
    }

    /// The value of the counter `audit_deliveries_total{outcome="<outcome>"}` in router `r`'s `/metrics`
    /// (0 when absent).
    pub async fn deliveries(&self, r: usize, outcome: &str) -> u64 {
        self.counter(
            r,
            &format!("audit_deliveries_total{{outcome=\"{outcome}\"}}"),
        )
        .await
    }

    /// The value of the series `series` (name and labels, as `/metrics` writes them) in router `r`'s `/metrics`
    /// (0 when absent).
    pub async fn counter(&self, r: usize, series: &str) -> u64 {
        let url = format!("{}/metrics", self.routers[r].url());
        let text = self
            .http
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"))
            .text()
            .await
            .unwrap_or_default();
        text.lines()
            .find_map(|l| l.strip_prefix(series).filter(|v| v.starts_with(' ')))
            .map_or(0, |v| {
                v.trim()
                    .parse::<f64>()
                    .unwrap_or_else(|e| panic!("{series}{v}: {e}")) as u64
            })
    }

    /// How many bulk creates service-logs answered 200 (its request log lines, over all its runs).
    pub fn bulk_posts(&self) -> usize {
        self.sl
            .log_lines()
            .iter()
            .filter(|l| {
                s(l, "message") == "request"
                    && s(l, "method") == "POST"
                    && s(l, "path") == format!("{SL_BASE}/cluster_logs/bulk")
                    && l["status"] == json!(200)
            })
            .count()
    }

    /// Every outbox row of the router database, oldest first.
    pub async fn outbox(&self) -> Vec<OutboxRow> {
        let mut conn = self.router_db.connect().await;
        logs_router::store::outbox::all(&mut conn)
            .await
            .expect("reading audit_outbox")
    }

    /// Waits (at most `limit`) until service-logs holds `expected` logs-router logs and every outbox row is marked
    /// delivered; a second later checks nothing more arrived. Then: the outbox has `expected` rows, each delivered
    /// and none parked, and the delivered logs carry exactly the outbox's event ids, each once. Returns the logs.
    pub async fn wait_delivered(&self, expected: usize, limit: Duration) -> Vec<Value> {
        let started = Instant::now();
        loop {
            let count = usize::try_from(self.delivered_count().await).unwrap_or(0);
            let outbox = self.outbox().await;
            let pending = outbox.iter().filter(|r| r.delivered_at.is_none()).count();
            if count >= expected && pending == 0 {
                eprintln!(
                    "e2e: {count} logs in service-logs, outbox of {} delivered, after {:?}",
                    outbox.len(),
                    started.elapsed()
                );
                break;
            }
            if started.elapsed() > limit {
                let errors: BTreeSet<&str> = outbox
                    .iter()
                    .filter(|r| r.delivered_at.is_none())
                    .map(|r| r.last_error.as_str())
                    .collect();
                panic!(
                    "after {limit:?}: service-logs holds {count} logs-router logs, {expected} expected; the outbox \
                     has {} rows, {pending} not delivered; their last errors: {errors:?}",
                    outbox.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let logs = self.delivered().await;
        let outbox = self.outbox().await;
        assert_eq!(
            outbox.len(),
            expected,
            "audit_outbox rows: one per call with a valid token"
        );
        for row in &outbox {
            assert!(
                row.delivered_at.is_some() && row.parked_at.is_none(),
                "outbox row {} (event {}) not delivered: attempts {}, parked {:?}, last error {:?}",
                row.seq,
                row.event_id,
                row.attempts,
                row.parked_at,
                row.last_error
            );
        }
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for log in &logs {
            *seen.entry(event_id(log)).or_default() += 1;
        }
        let doubled: Vec<(&String, &usize)> = seen.iter().filter(|(_, n)| **n > 1).collect();
        assert!(
            doubled.is_empty(),
            "events delivered more than once (event id, times): {doubled:?}"
        );
        let delivered: BTreeSet<String> = seen.into_keys().collect();
        let recorded: BTreeSet<String> = outbox.iter().map(|r| r.event_id.to_string()).collect();
        let lost: Vec<&String> = recorded.difference(&delivered).collect();
        let foreign: Vec<&String> = delivered.difference(&recorded).collect();
        assert!(
            lost.is_empty() && foreign.is_empty(),
            "recorded but not delivered: {lost:?}; delivered but never recorded: {foreign:?}"
        );
        assert_eq!(logs.len(), expected, "service-logs holds one log per event");
        logs
    }
}
