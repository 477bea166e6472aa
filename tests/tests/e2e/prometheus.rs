//! A real Prometheus (Debian's `prometheus` server, on loopback) scrapes both services while a few calls run, with
//! the charts' alerting rules loaded. Every series the rules (deploy/prometheus/*.rules.yaml, rendered from the
//! charts) and the Grafana dashboards (deploy/helm/<chart>/dashboards/*.json) name must exist, with the labels
//! they select and aggregate by, and every rule must evaluate without error.

use crate::harness::{ALL, Stack, enc, free_port, logs_target, workspace_root};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use testkit::tokens;

/// The scrape labels the charts' ServiceMonitors give: job = the Service's name, the release's namespace.
const NAMESPACE: &str = "logs";
const JOBS: [&str; 2] = ["service-logs", "logs-router"];

/// The Prometheus server, killed when dropped.
struct Prometheus {
    child: Child,
    url: String,
    _dir: TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn prometheus_bin() -> PathBuf {
    let bin = std::env::var_os("PROMETHEUS_BIN")
        .map_or_else(|| PathBuf::from("prometheus"), PathBuf::from);
    let found = Command::new(&bin)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "no Prometheus server ({}): install Debian's `prometheus` package (make prometheus-tools does, as root), \
         or point PROMETHEUS_BIN at one",
        bin.display()
    );
    bin
}

impl Prometheus {
    /// Scrapes `targets` (job name → `host:port`) every second, with `rule_files` loaded.
    async fn start(targets: &[(&str, String)], rule_files: &[PathBuf]) -> Prometheus {
        let bin = prometheus_bin();
        let dir =
            TempDir(std::env::temp_dir().join(format!("e2e-prometheus-{}", uuid::Uuid::new_v4())));
        std::fs::create_dir_all(dir.0.join("data")).unwrap();
        let scrape: Vec<Value> = targets
            .iter()
            .map(|(job, addr)| {
                json!({"job_name": job, "scrape_interval": "1s", "scrape_timeout": "900ms",
                       "static_configs": [{"targets": [addr], "labels": {"namespace": NAMESPACE}}]})
            })
            .collect();
        // JSON is YAML: no YAML library needed.
        let config = json!({
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": rule_files,
            "scrape_configs": scrape,
        });
        let config_file = dir.0.join("prometheus.yml");
        std::fs::write(&config_file, config.to_string()).unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.0.join("prometheus.log")).unwrap();
        let child = Command::new(bin)
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.0.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting prometheus");
        let p = Prometheus {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            let ready = http
                .get(format!("{}/-/ready", p.url))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ready {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "prometheus not ready in 30 s: {}",
                std::fs::read_to_string(p._dir.0.join("prometheus.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        p
    }

    async fn api(&self, path: &str, query: &[(&str, &str)]) -> Value {
        let query: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect();
        let res = reqwest::Client::new()
            .get(format!("{}{path}?{}", self.url, query.join("&")))
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], "success", "{path} {query:?}: {body}");
        body["data"].clone()
    }

    /// The series of `metric` scraped from `job`, as label maps.
    async fn series(&self, metric: &str, job: &str) -> Vec<BTreeMap<String, String>> {
        let selector = format!(r#"{metric}{{job="{job}",namespace="{NAMESPACE}"}}"#);
        let data = self.api("/api/v1/series", &[("match[]", &selector)]).await;
        serde_json::from_value(data).unwrap()
    }
}

/// One selector of an expression: its metric name and its label matchers `(label, operator, value)`.
#[derive(Debug)]
struct Selector {
    metric: String,
    matchers: Vec<(String, String, String)>,
}

/// The `metric{…}` selectors of a PromQL expression. The rules and dashboards always give a metric its
/// job and namespace matchers, so every metric they name has braces.
fn selectors(expr: &str) -> Vec<Selector> {
    let mut out = Vec::new();
    let bytes = expr.as_bytes();
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b':';
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'{' {
            let mut start = i;
            while start > 0 && is_name(bytes[start - 1]) {
                start -= 1;
            }
            let end = expr[i..].find('}').map_or(expr.len(), |e| i + e);
            if start < i {
                let matchers = expr[i + 1..end]
                    .split(',')
                    .filter(|m| !m.trim().is_empty())
                    .map(|m| {
                        let m = m.trim();
                        let op_at = m
                            .find(['=', '!'])
                            .unwrap_or_else(|| panic!("matcher {m} in {expr}"));
                        let op_len = if m[op_at..].starts_with("=~")
                            || m[op_at..].starts_with("!~")
                            || m[op_at..].starts_with("!=")
                        {
                            2
                        } else {
                            1
                        };
                        (
                            m[..op_at].to_owned(),
                            m[op_at..op_at + op_len].to_owned(),
                            m[op_at + op_len..].trim_matches('"').to_owned(),
                        )
                    })
                    .collect();
                out.push(Selector {
                    metric: expr[start..i].to_owned(),
                    matchers,
                });
            }
            i = end;
        }
        i += 1;
    }
    out
}

/// The labels of every `by (…)` of an expression.
fn by_labels(expr: &str) -> BTreeSet<String> {
    let mut labels = BTreeSet::new();
    let mut rest = expr;
    while let Some(at) = rest.find("by (") {
        let inner = &rest[at + 4..];
        let end = inner.find(')').unwrap_or(inner.len());
        labels.extend(
            inner[..end]
                .split(',')
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty()),
        );
        rest = &inner[end..];
    }
    labels
}

/// Every expression the charts' rules and dashboards use, with the job it is about and where it comes from.
async fn expressions(prom: &Prometheus) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let groups = prom.api("/api/v1/rules", &[]).await["groups"].clone();
    for group in groups.as_array().unwrap() {
        let job = group["name"].as_str().unwrap().to_owned();
        for rule in group["rules"].as_array().unwrap() {
            assert_eq!(
                rule["health"], "ok",
                "rule {} does not evaluate: {rule}",
                rule["name"]
            );
            out.push((
                job.clone(),
                format!("alert {}", rule["name"]),
                rule["query"].as_str().unwrap().to_owned(),
            ));
        }
    }
    for job in JOBS {
        let file = workspace_root().join(format!("deploy/helm/{job}/dashboards/{job}.json"));
        let dashboard: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for panel in dashboard["panels"].as_array().unwrap() {
            for target in panel["targets"].as_array().unwrap() {
                let expr = target["expr"]
                    .as_str()
                    .unwrap()
                    .replace("$job", job)
                    .replace("$namespace", NAMESPACE);
                out.push((
                    job.to_owned(),
                    format!("dashboard panel {}", panel["title"]),
                    expr,
                ));
            }
        }
    }
    out
}

fn rule_files() -> Vec<PathBuf> {
    JOBS.iter()
        .map(|job| workspace_root().join(format!("deploy/prometheus/{job}.rules.yaml")))
        .inspect(|p| assert!(Path::new(p).exists(), "{} is missing", p.display()))
        .collect()
}

#[tokio::test]
async fn every_series_the_alerts_and_dashboards_name_is_scraped_with_its_labels() {
    let stack = Stack::start("prometheus", 1).await;
    let router = stack.router().url();
    let prom = Prometheus::start(
        &[
            (
                "service-logs",
                stack.sl.url().trim_start_matches("http://").to_owned(),
            ),
            (
                "logs-router",
                router.trim_start_matches("http://").to_owned(),
            ),
        ],
        &rule_files(),
    )
    .await;

    // A few calls: a tenant created and listed (each audited, so delivered to service-logs), and a call
    // without a token (refused, not audited).
    let token = tokens::token("e2e-prom", Some("e2e-acc-prom"), &ALL);
    let http = &stack.http;
    let created = http
        .post(format!("{router}/v1/tenants"))
        .bearer_auth(&token)
        .json(&json!({"name": "prom-tenant", "targets": [logs_target("prom-logs")]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let listed = http
        .get(format!("{router}/v1/tenants"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let refused = http
        .get(format!("{router}/v1/tenants"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    stack.wait_delivered(2, Duration::from_secs(20)).await;

    // Wait until both targets are up and a scrape after the delivery has landed.
    let started = Instant::now();
    loop {
        let delivered = prom
            .api(
                "/api/v1/query",
                &[(
                    "query",
                    r#"sum(audit_deliveries_total{job="logs-router",outcome="delivered"})"#,
                )],
            )
            .await;
        let up = prom.api("/api/v1/query", &[("query", "sum(up)")]).await;
        let value = |d: &Value| {
            d["result"][0]["value"][1]
                .as_str()
                .unwrap_or("0")
                .parse::<f64>()
                .unwrap_or(0.0)
        };
        if value(&up) >= 2.0 && value(&delivered) >= 1.0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "targets not scraped: up={up} delivered={delivered}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Rules are evaluated every second: give them one evaluation after the data is in.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let exprs = expressions(&prom).await;
    assert!(
        exprs
            .iter()
            .filter(|(_, what, _)| what.starts_with("alert"))
            .count()
            >= 10,
        "{exprs:?}"
    );
    let mut checked = BTreeSet::new();
    for (job, what, expr) in &exprs {
        let grouped = by_labels(expr);
        let found = selectors(expr);
        assert!(!found.is_empty(), "{what}: no selector in {expr}");
        for sel in found {
            let series = prom.series(&sel.metric, job).await;
            assert!(
                !series.is_empty(),
                "{what} ({job}): no series {} is scraped",
                sel.metric
            );
            let labels: BTreeSet<&String> = series.iter().flat_map(|s| s.keys()).collect();
            for label in sel.matchers.iter().map(|(l, _, _)| l).chain(grouped.iter()) {
                // `le` belongs to the buckets only; a `by (le)` next to a gauge is not about the gauge.
                if label == "le" && !sel.metric.ends_with("_bucket") {
                    continue;
                }
                assert!(
                    labels.contains(label),
                    "{what} ({job}): {} has no label {label}: {series:?}",
                    sel.metric
                );
            }
            // Exact values must exist too (e.g. route="/readyz"), except status values: they depend on which
            // answers happened, and a 5xx is what no test should produce.
            for (label, op, value) in &sel.matchers {
                if op == "=" && label != "status" {
                    assert!(
                        series.iter().any(|s| s.get(label) == Some(value)),
                        "{what} ({job}): no {}{{{label}=\"{value}\"}}: {series:?}",
                        sel.metric
                    );
                }
            }
            checked.insert(format!("{job}/{}", sel.metric));
        }
    }
    // Both services' HTTP and pool series, and the router's outbox and delivery series, were all looked at.
    for name in [
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "db_pool_connections",
        "db_pool_available",
        "db_pool_waiting",
        "db_pool_max_size",
    ] {
        for job in JOBS {
            assert!(
                checked.contains(&format!("{job}/{name}")),
                "{job}/{name} not checked: {checked:?}"
            );
        }
    }
    for name in [
        "audit_outbox_pending",
        "audit_outbox_parked",
        "audit_outbox_oldest_pending_age_seconds",
        "audit_deliveries_total",
        "audit_delivery_lag_seconds_bucket",
    ] {
        assert!(
            checked.contains(&format!("logs-router/{name}")),
            "{name} not checked: {checked:?}"
        );
    }
    for name in [
        "notifications_queued_total",
        "notifications_sent_total",
        "notifications_retried_total",
        "notifications_given_up_total",
        "notifications_pending",
        "notifications_oldest_pending_age_seconds",
    ] {
        assert!(
            checked.contains(&format!("service-logs/{name}")),
            "{name} not checked: {checked:?}"
        );
    }

    // Nothing failed, nothing is parked, nothing waits: those alerts are quiet. (Latency is not asserted: a debug
    // build's first requests may well be slow.)
    let alerts = prom.api("/api/v1/alerts", &[]).await;
    let names: Vec<&str> = alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["labels"]["alertname"].as_str())
        .collect();
    for quiet in [
        "ServiceLogsHighErrorRate",
        "LogsRouterHighErrorRate",
        "LogsRouterAuditEventsParked",
        "LogsRouterAuditDeliveryStalled",
        "ServiceLogsReadinessFlapping",
        "LogsRouterReadinessFlapping",
        "ServiceLogsNotificationsBehind",
        "ServiceLogsNotificationsGivenUp",
    ] {
        assert!(
            !names.contains(&quiet),
            "{quiet} is active on a healthy stack: {alerts}"
        );
    }
}
