//! One service process ([`Proc`]), the watchdog that stops an overrunning test, and the folder of the processes'
//! logs.

use reqwest::StatusCode;
use serde_json::Value;
use std::fs::OpenOptions;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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

/// The live child processes of one test, for the watchdog; `expired` once it fired (then nothing more starts).
#[derive(Debug, Default)]
pub(super) struct Live {
    pids: Vec<u32>,
    expired: bool,
}

pub(super) type Pids = Arc<Mutex<Live>>;

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
    pub(super) fn new(
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

    /// SIGTERM: the service drains and stops on its own.
    pub fn terminate(&self) {
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
    }

    /// Waits (at most `limit`) for the process to exit and reaps it; its exit status, `None` if still running.
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                let pid = child.id();
                self.child = None;
                lock(&self.pids).pids.retain(|p| *p != pid);
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
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
pub(super) struct Watchdog {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    pub(super) fn start(test: &str, pids: Pids, logs: PathBuf) -> Self {
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
pub(super) struct LogDir(pub(super) PathBuf);

impl LogDir {
    pub(super) fn new(test: &str) -> Self {
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
