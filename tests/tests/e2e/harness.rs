//! The two services as real processes on databases of their own, and the HTTP and database helpers the tests share.
//!
//! - [`bins`]: the service binaries next to this test binary, built once per test process when missing or older
//!   than any source file they were built from (their cargo dep-info lists those).
//! - [`Proc`]: one service process; its stdout and stderr go to a log file; killed (SIGKILL) when dropped, and its
//!   log's last lines printed when the test failed.
//! - [`Stack`]: service-logs plus one or more routers wired to it, a watchdog that kills them all if a test overruns
//!   (and ends the test process if that does not end the test), and the checks on delivery every test ends with.

use logs_router::store::rows::OutboxRow;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::OpenOptions;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use testkit::TestDb;
use testkit::tokens;

pub const SL_BASE: &str = "/api/service_logs/v1";
pub const REGION: &str = "us-south";
/// base64 of 32 bytes of 0x01.
pub const CREDENTIALS_KEY: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";

pub const READ: &str = "logs-router.tenant.read";
pub const CREATE: &str = "logs-router.tenant.create";
pub const UPDATE: &str = "logs-router.tenant.update";
pub const DELETE: &str = "logs-router.tenant.delete";
pub const ALL: [&str; 4] = [READ, CREATE, UPDATE, DELETE];
pub const LOG_READ: &str = "service-logs.log.read";
pub const LOG_READ_INTERNAL: &str = "service-logs.log.read-internal";

pub const LOGDNA_CRN: &str =
    "crn:v1:bluemix:public:logdna:us-south:a/abc123:6f0e5c2a-1111-2222-3333-444455556666::";
pub const LOGS_CRN: &str =
    "crn:v1:bluemix:public:logs:us-south:a/abc123:7a1b2c3d-1111-2222-3333-444455556666::";
/// The ingestion key of logdna targets: never in an audit event, so never in a service log.
pub const CREDENTIAL: &str = "e2e-ingestion-secret-77a1";

/// How long one process may take to answer `/readyz` 200.
const READY_WITHIN: Duration = Duration::from_secs(30);
/// After the watchdog killed a test's processes, how long the test has to fail and clean up on its own.
const GRACE: Duration = Duration::from_secs(45);

/// A test still running after this long (`E2E_TIMEOUT_SECS`, default 120) is stopped by the watchdog: its processes
/// are killed (so the test fails at its next call), and the test process is ended [`GRACE`] later if still there.
fn test_limit() -> Duration {
    let secs = std::env::var("E2E_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(120);
    Duration::from_secs(secs)
}

// ---------------------------------------------------------------------------------------------------------------
// Binaries

pub struct Bins {
    pub service_logs: PathBuf,
    pub logs_router: PathBuf,
}

pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The profile directory (`<target>/debug`) this test binary was built into: the binaries are its siblings.
fn profile_dir() -> PathBuf {
    if let Ok(exe) = std::env::current_exe()
        && let Some(deps) = exe.parent()
        && deps.file_name().is_some_and(|n| n == "deps")
        && let Some(profile) = deps.parent()
    {
        return profile.to_path_buf();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| {
            if p.is_relative() {
                workspace_root().join(p)
            } else {
                p
            }
        })
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug")
}

/// The binary exists and is newer than every file its dep-info (`<bin>.d`, written by cargo) lists.
fn is_fresh(bin: &Path) -> bool {
    let Ok(built) = std::fs::metadata(bin).and_then(|m| m.modified()) else {
        return false;
    };
    let Ok(depinfo) = std::fs::read_to_string(bin.with_extension("d")) else {
        return false;
    };
    let Some((_, sources)) = depinfo.split_once(": ") else {
        return false;
    };
    sources.split_whitespace().all(|f| {
        std::fs::metadata(f)
            .and_then(|m| m.modified())
            .is_ok_and(|m| m <= built)
    })
}

/// The two service binaries, built first (once per test process) when missing or stale.
pub fn bins() -> &'static Bins {
    static BINS: OnceLock<Bins> = OnceLock::new();
    BINS.get_or_init(|| {
        let dir = profile_dir();
        let bins = Bins {
            service_logs: dir.join("service-logs"),
            logs_router: dir.join("logs-router"),
        };
        if !(is_fresh(&bins.service_logs) && is_fresh(&bins.logs_router)) {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let mut cmd = Command::new(cargo);
            cmd.current_dir(workspace_root()).args([
                "build",
                "--bins",
                "-p",
                "service-logs",
                "-p",
                "logs-router",
            ]);
            match dir.file_name().and_then(|n| n.to_str()) {
                Some("debug") | None => {}
                Some("release") => {
                    cmd.arg("--release");
                }
                Some(other) => {
                    cmd.args(["--profile", other]);
                }
            }
            if let Some(target) = dir.parent() {
                cmd.env("CARGO_TARGET_DIR", target);
            }
            eprintln!("e2e: building the service binaries into {}", dir.display());
            // Parallel test processes each may get here; cargo's own lock serialises them, the later ones find
            // nothing to do.
            let status = cmd
                .status()
                .unwrap_or_else(|e| panic!("cannot run cargo to build the services: {e}"));
            assert!(
                status.success(),
                "building the service binaries failed ({status})"
            );
        }
        for b in [&bins.service_logs, &bins.logs_router] {
            assert!(b.exists(), "{} is missing after the build", b.display());
        }
        bins
    })
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

/// The live child processes of one test, for the watchdog; `expired` once it fired (then nothing more starts).
#[derive(Debug, Default)]
struct Live {
    pids: Vec<u32>,
    expired: bool,
}

type Pids = Arc<Mutex<Live>>;

fn lock(pids: &Pids) -> std::sync::MutexGuard<'_, Live> {
    pids.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `kill -9` every live child of the test.
fn kill_all(pids: &Pids) {
    for pid in &lock(pids).pids {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

/// One service process. Its environment is exactly `env` plus `BIND_ADDR` (nothing inherited).
pub struct Proc {
    pub name: String,
    bin: PathBuf,
    env: Vec<(String, String)>,
    pub port: u16,
    log: PathBuf,
    child: Option<Child>,
    pids: Pids,
    starts: u32,
}

impl Proc {
    fn new(
        name: &str,
        bin: &Path,
        env: Vec<(String, String)>,
        port: u16,
        dir: &Path,
        pids: Pids,
    ) -> Self {
        Self {
            name: name.to_owned(),
            bin: bin.to_path_buf(),
            env,
            port,
            log: dir.join(format!("{name}.log")),
            child: None,
            pids,
            starts: 0,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    fn spawn(&mut self) {
        assert!(self.child.is_none(), "{} is already running", self.name);
        self.starts += 1;
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", self.log.display()));
        let _ = writeln!(
            log,
            "===== e2e: start #{} of {} on 127.0.0.1:{} =====",
            self.starts, self.name, self.port
        );
        let err = log.try_clone().expect("log file handle");
        let mut live = lock(&self.pids);
        assert!(
            !live.expired,
            "the e2e watchdog stopped this test: {} is not started again",
            self.name
        );
        let child = Command::new(&self.bin)
            .arg("serve")
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("BIND_ADDR", format!("127.0.0.1:{}", self.port))
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.bin.display()));
        live.pids.push(child.id());
        drop(live);
        self.child = Some(child);
    }

    /// Waits for `/readyz` 200; `Err` with the reason when the process exits first or never gets ready.
    async fn wait_ready(&mut self, http: &reqwest::Client) -> Result<Duration, String> {
        let started = Instant::now();
        let url = format!("{}/readyz", self.url());
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                let pid = child.id();
                self.child = None;
                lock(&self.pids).pids.retain(|p| *p != pid);
                return Err(format!("{} exited during start ({status})", self.name));
            }
            let ready = http
                .get(&url)
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status() == StatusCode::OK);
            if ready {
                return Ok(started.elapsed());
            }
            if started.elapsed() > READY_WITHIN {
                return Err(format!(
                    "{} not ready (/readyz 200) within {READY_WITHIN:?}",
                    self.name
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Starts the process and waits until it is ready. A start that fails because the port was taken in the
    /// meantime is retried (on the same port: others are configured with it).
    pub async fn start(&mut self, http: &reqwest::Client) {
        for attempt in 1..=5 {
            let before = std::fs::metadata(&self.log).map_or(0, |m| m.len());
            self.spawn();
            match self.wait_ready(http).await {
                Ok(took) => {
                    eprintln!(
                        "e2e: {} ready on {} in {took:?} (pid {:?})",
                        self.name,
                        self.url(),
                        self.pid()
                    );
                    return;
                }
                Err(reason) => {
                    let text = self.log_text();
                    let this_start = text
                        .get(usize::try_from(before).unwrap_or(0)..)
                        .unwrap_or("");
                    if attempt < 5 && this_start.contains("cannot listen on") {
                        eprintln!("e2e: {reason}: port {} busy, retrying", self.port);
                        self.kill();
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        continue;
                    }
                    self.kill();
                    panic!("{reason}; its log:\n{}", tail(&text, 80));
                }
            }
        }
    }

    /// SIGKILL (`Child::kill` on Unix), then reap.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = child.id();
            let _ = child.kill();
            let _ = child.wait();
            lock(&self.pids).pids.retain(|p| *p != pid);
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The JSON log lines written so far (other lines skipped).
    pub fn log_lines(&self) -> Vec<Value> {
        self.log_text()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(Value::is_object)
            .collect()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "\n----- {} log ({}), last lines -----\n{}",
                self.name,
                self.log.display(),
                tail(&self.log_text(), 30)
            );
        }
    }
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| match l.char_indices().nth(600) {
            Some((cut, _)) => format!("{}...", &l[..cut]),
            None => (*l).to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Kills the test's processes and ends the test process when a test overruns [`test_limit`].
struct Watchdog {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    fn start(test: &str, pids: Pids, logs: PathBuf) -> Self {
        let (tx, rx) = mpsc::channel::<()>();
        let test = test.to_owned();
        let limit = test_limit();
        let thread = std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                eprintln!(
                    "e2e watchdog: test {test} still running after {limit:?}; killing its processes. Logs: {}",
                    logs.display()
                );
                lock(&pids).expired = true;
                kill_all(&pids);
                // With its processes gone, the test fails on its own within its bounded waits and cleans up (its
                // databases are dropped); if it does not, the test process is ended.
                if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(GRACE) {
                    eprintln!("e2e watchdog: test {test} did not end {GRACE:?} later; exiting");
                    kill_all(&pids);
                    std::process::exit(124);
                }
            }
        });
        Self {
            stop: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A folder for the processes' logs; removed at the end of a passing test, kept (and named) after a failure.
struct LogDir(PathBuf);

impl LogDir {
    fn new(test: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("e2e-{test}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        Self(dir)
    }
}

impl Drop for LogDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("e2e: the processes' logs are kept in {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The stack

/// service-logs and `routers` logs-router processes wired to it, each service on its own fresh database.
/// Fields drop in order: processes first, then the databases, the watchdog, the log folder.
pub struct Stack {
    pub sl: Proc,
    pub routers: Vec<Proc>,
    pub http: reqwest::Client,
    _sl_db: TestDb,
    pub router_db: TestDb,
    _watchdog: Watchdog,
    _dir: LogDir,
}

fn common_env(db_url: &str) -> Vec<(String, String)> {
    [
        ("DATABASE_URL", db_url),
        ("RUN_MIGRATIONS", "false"),
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
        let mut sl = Proc::new(
            "service-logs",
            &bins.service_logs,
            common_env(&sl_db.url),
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
            _sl_db: sl_db,
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

    /// How many `POST /cluster_logs` service-logs answered 201 (its request log lines, over all its runs): a
    /// first store or an idempotent replay each count one.
    pub fn stores_answered(&self) -> usize {
        self.sl
            .log_lines()
            .iter()
            .filter(|l| {
                s(l, "message") == "request"
                    && s(l, "method") == "POST"
                    && s(l, "path") == format!("{SL_BASE}/cluster_logs")
                    && l["status"] == json!(201)
            })
            .count()
    }

    /// The value of the counter `audit_deliveries_total{outcome="<outcome>"}` in router `r`'s `/metrics`
    /// (0 when absent).
    pub async fn deliveries(&self, r: usize, outcome: &str) -> u64 {
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
        let series = format!("audit_deliveries_total{{outcome=\"{outcome}\"}}");
        text.lines()
            .find_map(|l| l.strip_prefix(&series))
            .map_or(0, |v| {
                v.trim()
                    .parse::<f64>()
                    .unwrap_or_else(|e| panic!("{series}{v}: {e}")) as u64
            })
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

// ---------------------------------------------------------------------------------------------------------------
// HTTP

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    /// The `X-Trace-ID` sent (and echoed).
    pub trace: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {}", self.status, self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn etag(&self) -> String {
        self.header("etag")
            .unwrap_or_else(|| panic!("no ETag ({}): {}", self.status, self.text))
            .to_owned()
    }

    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected answer (X-Trace-ID {}): {}",
            self.trace,
            self.text
        );
        self
    }
}

/// See [`Stack::call`]; free of the stack so batches can run on spawned tasks.
pub async fn call(
    http: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Reply {
    let has = |name: &str| headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    let trace = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-trace-id"))
        .map_or_else(
            || uuid::Uuid::new_v4().to_string(),
            |(_, v)| (*v).to_owned(),
        );
    let url = format!("{base}{path}");
    let mut req = http.request(method.clone(), &url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if !has("x-trace-id") {
        req = req.header("X-Trace-ID", &trace);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        if !has("content-type") {
            let ct = if method == Method::PATCH {
                "application/merge-patch+json"
            } else {
                "application/json"
            };
            req = req.header("Content-Type", ct);
        }
        req = req.body(b.to_string());
    }
    let res = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let reply = Reply {
        status: res.status(),
        headers: res.headers().clone(),
        text: String::new(),
        trace,
    };
    let text = res.text().await.unwrap_or_default();
    let reply = Reply { text, ..reply };
    assert_eq!(
        reply.header("x-trace-id"),
        Some(reply.trace.as_str()),
        "{method} {path}: the answer does not echo X-Trace-ID"
    );
    reply
}

/// Call number `i` of a batch, each with a valid token so each records one audit event: a list of tenants, the
/// creation of a tenant in an account of its own (201), or a read of a tenant that does not exist (404).
pub async fn batch_call(http: reqwest::Client, base: String, i: usize) {
    let account = format!("e2e-batch-{i}");
    let token = tokens::token(&format!("batch-user-{i}"), Some(&account), &ALL);
    let (method, path, body, status) = match i % 3 {
        0 => (Method::GET, "/v1/tenants".to_owned(), None, 200),
        1 => (
            Method::POST,
            "/v1/tenants".to_owned(),
            Some(json!({"name": format!("batch-{i}"), "targets": [logs_target("cl")]})),
            201,
        ),
        _ => (
            Method::GET,
            format!("/v1/tenants/{}", uuid::Uuid::new_v4()),
            None,
            404,
        ),
    };
    call(
        &http,
        &base,
        method,
        &path,
        Some(&token),
        &[],
        body.as_ref(),
    )
    .await
    .expect(status);
}

/// Calls `range` of [`batch_call`]s, `parallel` at a time, spread over `bases` in turn.
pub async fn batch(
    http: &reqwest::Client,
    bases: &[String],
    range: std::ops::Range<usize>,
    parallel: usize,
) {
    let mut set = tokio::task::JoinSet::new();
    for i in range {
        if set.len() >= parallel
            && let Some(done) = set.join_next().await
        {
            done.expect("a batch call failed");
        }
        let base = bases[i % bases.len()].clone();
        set.spawn(batch_call(http.clone(), base, i));
    }
    while let Some(done) = set.join_next().await {
        done.expect("a batch call failed");
    }
}

pub fn logdna_target(name: &str) -> Value {
    json!({"log_sink_crn": LOGDNA_CRN, "name": name,
           "parameters": {"host": "www.example.com", "port": 8080, "access_credential": CREDENTIAL}})
}

pub fn logs_target(name: &str) -> Value {
    json!({"log_sink_crn": LOGS_CRN, "name": name,
           "parameters": {"host": "logs.example.com", "port": 443}})
}

/// A token that reads every log of every account in service-logs.
pub fn observer() -> String {
    tokens::token("e2e-observer", None, &[LOG_READ_INTERNAL])
}

/// Percent-encoding of a query parameter value (everything but the unreserved characters).
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The `items` of a service-logs page.
pub fn items(page: &Value) -> Vec<Value> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {page}"))
        .clone()
}

/// A string field of a JSON value ("" when absent).
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

/// The CADF event a delivered log carries in its description.
pub fn event_of(log: &Value) -> Value {
    serde_json::from_str(s(log, "description"))
        .unwrap_or_else(|e| panic!("description is not the CADF event JSON ({e}): {log}"))
}

/// The id of the CADF event a delivered log carries.
pub fn event_id(log: &Value) -> String {
    let e = event_of(log);
    e["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no event id in {e}"))
        .to_owned()
}

/// Whether a JSON log line holds `trace_id: <trace>` at any depth (the span fields are nested).
pub fn has_trace_id(v: &Value, trace: &str) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| (k == "trace_id" && v.as_str() == Some(trace)) || has_trace_id(v, trace)),
        Value::Array(a) => a.iter().any(|v| has_trace_id(v, trace)),
        _ => false,
    }
}
