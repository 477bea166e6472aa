//! Group commit of single creates: concurrent `POST /cluster_logs` requests are coalesced into one transaction
//! (one multi-row INSERT, [`store::logs::create`]) instead of one each, so PostgreSQL pays one statement, one
//! commit and one WAL flush for many logs.
//!
//! A create hands its log to the committer and waits for the answer of its own row. The committer takes the first
//! log waiting, plus every other already waiting (up to [`GroupSettings::max`]); with a window
//! ([`GroupSettings::wait`]) it waits that long for more before it sends the batch. At most
//! [`GroupSettings::writers`] batches are in flight at once: while they are, new creates queue, and the next batch
//! takes them all. At low load a create is thus sent at once, alone (the window is 0 by default); under load the
//! batches grow by themselves.
//!
//! Each client gets its answer only after its row is committed. A batch that fails for a reason other than the
//! database being unavailable is retried one log at a time, so a row the database refuses fails only its own
//! create (domain rules already keep content the database would refuse out). A batch that fails because the
//! database is unavailable answers every create in it with that error (503): the transaction did not commit, so
//! nothing of it is stored, and a retry stores each once.

use clap::Args;
use platform::db::DbPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::store::logs::{NewLog, Stored};
use crate::store::notifications::Queueing;
use crate::store::{self, StoreError, StoreResult};

const DEFAULT_MAX: usize = 64;
const DEFAULT_WAIT_US: u64 = 0;
const DEFAULT_WRITERS: usize = 2;

/// How creates are coalesced (`LOG_CREATE_BATCH_*`).
#[derive(Debug, Clone, Args)]
pub struct GroupSettings {
    /// Most creates in one transaction; 1 turns group commit off (each create its own transaction).
    #[arg(
        long = "log-create-batch-max",
        env = "LOG_CREATE_BATCH_MAX",
        default_value_t = 64,
        global = true
    )]
    pub max: usize,

    /// Microseconds a batch that is not full waits for more creates before it is sent (0: none; it still takes every
    /// create already waiting).
    #[arg(
        long = "log-create-batch-wait-us",
        env = "LOG_CREATE_BATCH_WAIT_US",
        default_value_t = 0,
        global = true
    )]
    pub wait_us: u64,

    /// Batches in flight at once (each holds one database connection while it commits).
    #[arg(
        long = "log-create-batch-writers",
        env = "LOG_CREATE_BATCH_WRITERS",
        default_value_t = 2,
        global = true
    )]
    pub writers: usize,
}

impl GroupSettings {
    fn wait(&self) -> Duration {
        Duration::from_micros(self.wait_us)
    }
}

impl Default for GroupSettings {
    fn default() -> Self {
        Self {
            max: DEFAULT_MAX,
            wait_us: DEFAULT_WAIT_US,
            writers: DEFAULT_WRITERS,
        }
    }
}

/// Creates waiting for the committer: this many before a create waits to hand its log over.
const QUEUE: usize = 4096;

struct Job {
    log: NewLog,
    answer: oneshot::Sender<StoreResult<Stored>>,
}

/// The handle creates use; cheap to share.
#[derive(Clone)]
pub struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

impl GroupCommit {
    /// Starts the committer on the current Tokio runtime.
    /// `queueing` is how the stored logs' notifications are queued, in the same transaction.
    pub fn start(pool: DbPool, settings: &GroupSettings, queueing: Queueing) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(pool, queue, settings.clone(), queueing));
        Self { jobs }
    }

    /// Stores `log` in the next batch; its own outcome once the batch has committed.
    pub async fn create(&self, log: NewLog) -> StoreResult<Stored> {
        let (answer, answered) = oneshot::channel();
        self.jobs
            .send(Job { log, answer })
            .await
            .map_err(|_| StoreError::Unavailable("the create committer has stopped".into()))?;
        answered
            .await
            .map_err(|_| StoreError::Failed("the create committer dropped a create".into()))?
    }
}

async fn run(
    pool: DbPool,
    mut queue: mpsc::Receiver<Job>,
    settings: GroupSettings,
    queueing: Queueing,
) {
    let max = settings.max.max(1);
    let wait = settings.wait();
    let writers = Arc::new(Semaphore::new(settings.writers.max(1)));
    while let Some(first) = queue.recv().await {
        // Wait for a free writer first: the creates arriving meanwhile join this batch.
        let Ok(writer) = writers.clone().acquire_owned().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < max {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if !wait.is_zero() && batch.len() < max {
            let until = tokio::time::Instant::now() + wait;
            while batch.len() < max {
                match tokio::time::timeout_at(until, queue.recv()).await {
                    Ok(Some(job)) => batch.push(job),
                    Ok(None) | Err(_) => break,
                }
            }
        }
        let pool = pool.clone();
        let queueing = queueing.clone();
        tokio::spawn(async move {
            commit(&pool, batch, &queueing).await;
            drop(writer);
        });
    }
}

/// Stores one batch and answers each of its creates.
async fn commit(pool: &DbPool, batch: Vec<Job>, queueing: &Queueing) {
    let (logs, answers): (Vec<NewLog>, Vec<_>) =
        batch.into_iter().map(|j| (j.log, j.answer)).unzip();
    let stored = async {
        let mut conn = store::conn(pool).await?;
        store::logs::create(&mut conn, &logs, queueing).await
    }
    .await;
    match stored {
        Ok(stored) if stored.len() == answers.len() => {
            for (answer, outcome) in answers.into_iter().zip(stored) {
                drop(answer.send(Ok(outcome)));
            }
        }
        Ok(_) => {
            for answer in answers {
                drop(answer.send(Err(StoreError::Failed(
                    "a batch answered a different number of logs".into(),
                ))));
            }
        }
        Err(StoreError::Failed(detail)) if logs.len() > 1 => {
            tracing::warn!(error = %detail, logs = logs.len(), "a create batch failed; storing its logs one by one");
            alone(pool, logs, answers, queueing).await;
        }
        Err(e) => {
            for answer in answers {
                drop(answer.send(Err(e.clone())));
            }
        }
    }
}

/// Each log of a failed batch in a transaction of its own: a row the database refuses fails only its own create.
async fn alone(
    pool: &DbPool,
    logs: Vec<NewLog>,
    answers: Vec<oneshot::Sender<StoreResult<Stored>>>,
    queueing: &Queueing,
) {
    let mut conn = None;
    for (log, answer) in logs.into_iter().zip(answers) {
        let outcome = async {
            if conn.is_none() {
                conn = Some(store::conn(pool).await?);
            }
            let Some(c) = conn.as_mut() else {
                return Err(StoreError::Failed("no connection".into()));
            };
            let stored = store::logs::create(c, std::slice::from_ref(&log), queueing).await;
            if matches!(stored, Err(StoreError::Unavailable(_))) {
                conn = None;
            }
            stored?
                .into_iter()
                .next()
                .ok_or_else(|| StoreError::Failed("a create stored nothing".into()))
        }
        .await;
        drop(answer.send(outcome));
    }
}
