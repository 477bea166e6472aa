//! The router authenticates to service-logs with a Kubernetes-shaped projected ServiceAccount token read from
//! `SERVICE_LOGS_TOKEN_FILE`, which service-logs accepts through its second issuer (`AUTH_SA_*`, keys from a
//! JWKS file). When the file is replaced, as kubelet does before the token expires, delivery goes on with the
//! new token after the old one has expired.

use crate::harness::{
    CREDENTIALS_KEY, LOG_READ_INTERNAL, REGION, WEBHOOK_SECRETS_KEY, bins, free_port, logs_target,
    workspace_root,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use testkit::TestDb;
use testkit::tokens;

const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";
const ROUTER_SA: &str = "system:serviceaccount:logs:logs-router";

/// A process killed when dropped; its output goes to a file printed when it fails to start.
struct Service {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Service {
    async fn start(bin: &Path, name: &str, env: &[(&str, String)], dir: &Path) -> Service {
        let port = free_port();
        let log = dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(bin)
            .arg("serve")
            .env_clear()
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("RUN_MIGRATIONS", "false")
            .env("LOG_FORMAT", "json")
            .env("DATABASE_POOL_SIZE", "4")
            .env("HTTP_WORKERS", "2")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        let s = Service {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        let started = Instant::now();
        loop {
            let ok = reqwest::get(format!("{}/readyz", s.url))
                .await
                .is_ok_and(|r| r.status() == 200);
            if ok {
                return s;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{name} not ready: {}",
                std::fs::read_to_string(&s.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// What kubelet writes for the router's pod: an RS256 token of the cluster's issuer for audience
/// `service-logs`, with the `kubernetes.io` claims, valid `ttl` seconds.
fn projected_token(ttl: i64, jti: &str) -> String {
    let now = tokens::now();
    tokens::rs256(
        "rsa-1",
        "rsa-1.pem",
        &json!({
            "aud": ["service-logs"], "exp": now + ttl, "iat": now, "nbf": now, "iss": ISSUER, "jti": jti,
            "sub": ROUTER_SA,
            "kubernetes.io": {
                "namespace": "logs",
                "pod": {"name": "logs-router-6b7f9c-abcde", "uid": "1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"},
                "serviceaccount": {"name": "logs-router", "uid": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"}
            }
        }),
    )
}

/// Replaces the file in one step, as kubelet does (a new file under the same name).
fn write_token(path: &Path, token: &str) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, token).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

async fn create_tenant(router: &str, account: &str, name: &str) -> String {
    let token = tokens::token("e2e-sa", Some(account), &["logs-router.tenant.create"]);
    let res = reqwest::Client::new()
        .post(format!("{router}/v1/tenants"))
        .bearer_auth(token)
        .json(&json!({"name": name, "targets": [logs_target(&format!("{name}-logs"))]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    body["id"].as_str().unwrap().to_lowercase()
}

/// The logs service-logs holds for a tenant, waiting up to `limit` for the first one.
async fn wait_logs(sl: &str, tenant: &str, limit: Duration) -> Vec<Value> {
    let token = tokens::token("e2e-observer", None, &[LOG_READ_INTERNAL]);
    let started = Instant::now();
    loop {
        let page: Value = reqwest::Client::new()
            .get(format!(
                "{sl}/api/service_logs/v1/clusters/{tenant}/cluster_logs"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = page["items"].as_array().cloned().unwrap_or_default();
        if !items.is_empty() || started.elapsed() > limit {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn delivery_goes_on_across_a_token_file_rotation() {
    let root = workspace_root();
    let (sl_migrations, router_migrations) = (
        root.join("migrations/service-logs"),
        root.join("migrations/logs-router"),
    );
    let (sl_db, router_db) = tokio::join!(
        TestDb::create("service_logs", service_logs::MIGRATIONS, &sl_migrations),
        TestDb::create("logs_router", logs_router::MIGRATIONS, &router_migrations),
    );
    let dir = std::env::temp_dir().join(format!("e2e-sa-token-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("token");
    // The first token expires soon: after it has, only the rotated one can be in use.
    let first_ttl = 8;
    write_token(&token_file, &projected_token(first_ttl, "first"));
    let first_written = Instant::now();

    let jwks = tokens::fixture("jwks.json").display().to_string();
    let sl = Service::start(
        &bins().service_logs,
        "service-logs",
        &[
            ("DATABASE_URL", sl_db.url.clone()),
            ("WEBHOOK_SECRETS_KEY", WEBHOOK_SECRETS_KEY.to_owned()),
            // Users (here: the test's reader) keep their HS256 tokens; the router's come from the cluster issuer.
            ("AUTH_HS256_SECRET", tokens::SECRET.to_owned()),
            ("AUTH_SA_ISSUER", ISSUER.to_owned()),
            ("AUTH_SA_JWKS_FILE", jwks),
            ("AUTH_SA_SUBJECTS", ROUTER_SA.to_owned()),
        ],
        &dir,
    )
    .await;
    let router = Service::start(
        &bins().logs_router,
        "logs-router",
        &[
            ("DATABASE_URL", router_db.url.clone()),
            ("AUTH_HS256_SECRET", tokens::SECRET.to_owned()),
            ("CREDENTIALS_KEY", CREDENTIALS_KEY.to_owned()),
            ("REGION", REGION.to_owned()),
            ("SERVICE_LOGS_URL", sl.url.clone()),
            ("SERVICE_LOGS_TOKEN_FILE", token_file.display().to_string()),
        ],
        &dir,
    )
    .await;

    let first = create_tenant(&router.url, "e2e-acc-sa-1", "before-rotation").await;
    let logs = wait_logs(&sl.url, &first, Duration::from_secs(20)).await;
    assert_eq!(
        logs.len(),
        1,
        "{}",
        std::fs::read_to_string(&router.log).unwrap_or_default()
    );
    // Stored under the router's ServiceAccount: that is who service-logs saw.
    assert_eq!(logs[0]["created_by"], ROUTER_SA);
    assert_eq!(logs[0]["log_type"], "logs-router.tenant.create");

    write_token(&token_file, &projected_token(3600, "second"));
    // Past the first token's expiry and the verifier's 5 s leeway.
    let expired_at = Duration::from_secs(u64::try_from(first_ttl).unwrap() + 6);
    tokio::time::sleep(expired_at.saturating_sub(first_written.elapsed())).await;

    let second = create_tenant(&router.url, "e2e-acc-sa-2", "after-rotation").await;
    let logs = wait_logs(&sl.url, &second, Duration::from_secs(20)).await;
    assert_eq!(
        logs.len(),
        1,
        "not delivered after the rotation: {}",
        std::fs::read_to_string(&router.log).unwrap_or_default()
    );
    assert_eq!(logs[0]["created_by"], ROUTER_SA);
    drop(router);
    drop(sl);
    let _ = std::fs::remove_dir_all(&dir);
}
