//! The notification triggers matching reads, parsed once and kept in memory per account, and exactly as fresh as
//! reading them in the create's own transaction.
//!
//! Every statement that writes `notification_triggers` gives `notification_trigger_generation` a new value in the
//! writer's transaction (a statement-level trigger in SQL: no writer can forget). The cache holds the triggers of
//! the accounts it has read, all read under one generation. A create batch reads the generation in its own
//! transaction ([`super::notifications::queue_matched`], in the statement that reads its clusters' owners): the
//! same value means its snapshot sees the same committed trigger writes as the reads that filled the cache, so
//! the cached triggers are exactly those it would read itself; another value empties the cache, and the batch
//! reads its accounts' triggers again (one statement, which also returns the generation they were read under).
//! Each instance of the service has its own cache; instances sharing a database see each other's changes through
//! the generation.
//!
//! Memory is bounded by [`MAX_CACHED`] entries (a trigger is one, an account without triggers one): when a load
//! would pass it the cache is emptied first, and a load larger than the bound is used without being kept.
//!
//! The lock is a `std` mutex held only to copy `Arc`s in or out, never across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use domain_logs::trigger::ActionType;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::filter::{Criteria, SearchError};
use crate::store::notifications::stored_hash;
use crate::store::rows::LogRow;
use crate::store::triggers::{StoredAction, TriggerRow};

/// Most entries kept: a trigger is one, an account known to have none is one. At a few hundred bytes to a few
/// kilobytes per parsed trigger, some tens of megabytes at most.
pub const MAX_CACHED: usize = 20_000;

/// A trigger as matching uses it: its search parsed and checked (the evaluator's form), its active actions with
/// their hashes.
#[derive(Debug)]
pub struct ParsedTrigger {
    pub id: String,
    pub account_id: String,
    pub created_at: OffsetDateTime,
    /// `Ok(None)`: an empty search, which matches every log. Shared by the triggers of one load with the same
    /// text, parsed once.
    search: Arc<Result<Option<Criteria>, SearchError>>,
    /// The actions that still run (a webhook disabled after a 410 does not), as `(type, hash)`; `Err`: the
    /// column is unreadable.
    pub actions: Result<Vec<(ActionType, String)>, String>,
}

impl ParsedTrigger {
    /// Whether `log` matches the trigger's search (one that no longer parses matches nothing, with a warning).
    pub fn matches(&self, log: &LogRow) -> bool {
        match self.search.as_ref() {
            Ok(None) => true,
            Ok(Some(criteria)) => criteria.matches(log),
            Err(e) => {
                tracing::warn!(trigger = %self.id, error = %e, "a trigger's search no longer parses; skipped");
                false
            }
        }
    }
}

/// The triggers of one account, oldest first.
pub type AccountTriggers = Arc<[Arc<ParsedTrigger>]>;

/// Parses `rows` (of one statement) and groups them by account; every account of `accounts` gets an entry, empty
/// when it has no trigger. Each distinct search text is parsed once.
pub fn parse_by_account(
    accounts: &[String],
    rows: Vec<TriggerRow>,
) -> HashMap<String, AccountTriggers> {
    let mut searches: HashMap<String, Arc<Result<Option<Criteria>, SearchError>>> = HashMap::new();
    let mut grouped: HashMap<String, Vec<Arc<ParsedTrigger>>> =
        accounts.iter().map(|a| (a.clone(), Vec::new())).collect();
    for row in rows {
        let search = searches
            .entry(row.search.clone())
            .or_insert_with(|| Arc::new(Criteria::parse(&row.search)))
            .clone();
        let actions = match row.stored_actions() {
            Ok(list) => Ok(list
                .iter()
                .filter(|a| is_active(a))
                .map(|a| stored_hash(&row.id, a))
                .collect()),
            Err(e) => Err(e.to_string()),
        };
        let parsed = ParsedTrigger {
            id: row.id,
            account_id: row.account_id,
            created_at: row.created_at,
            search,
            actions,
        };
        grouped
            .entry(parsed.account_id.clone())
            .or_default()
            .push(Arc::new(parsed));
    }
    grouped
        .into_iter()
        .map(|(account, mut list)| {
            list.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            (account, list.into())
        })
        .collect()
}

fn is_active(action: &StoredAction) -> bool {
    !matches!(
        action,
        StoredAction::Webhook {
            disabled_at: Some(_),
            ..
        }
    )
}

/// The cache; cheap to clone (one per app instance, shared by its creates).
#[derive(Clone, Default)]
pub struct TriggerCache {
    inner: Arc<Mutex<Cached>>,
}

#[derive(Default)]
struct Cached {
    /// The generation every entry was read under; `None`: nothing cached.
    generation: Option<Uuid>,
    accounts: HashMap<String, AccountTriggers>,
    /// Entries held (see [`MAX_CACHED`]).
    weight: usize,
}

fn weight(list: &AccountTriggers) -> usize {
    list.len().max(1)
}

impl std::fmt::Debug for TriggerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = self.lock();
        f.debug_struct("TriggerCache")
            .field("generation", &c.generation)
            .field("accounts", &c.accounts.len())
            .field("weight", &c.weight)
            .finish()
    }
}

impl TriggerCache {
    fn lock(&self) -> MutexGuard<'_, Cached> {
        // Nothing panics while the lock is held; a poisoned one still holds whole entries.
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The cached triggers of `accounts` if they were read under `generation`, and the accounts that were not
    /// (all of them for another generation, or `None`).
    pub fn lookup(
        &self,
        generation: Option<Uuid>,
        accounts: &[String],
    ) -> (HashMap<String, AccountTriggers>, Vec<String>) {
        let c = self.lock();
        if generation.is_none() || c.generation != generation {
            return (HashMap::new(), accounts.to_vec());
        }
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        for a in accounts {
            match c.accounts.get(a) {
                Some(list) => {
                    found.insert(a.clone(), list.clone());
                }
                None => missing.push(a.clone()),
            }
        }
        (found, missing)
    }

    /// Keeps `loaded`, read in one statement under `generation`; entries of another generation go first
    /// (`None` keeps nothing).
    pub fn store(&self, generation: Option<Uuid>, loaded: &HashMap<String, AccountTriggers>) {
        let mut c = self.lock();
        if c.generation != generation {
            c.accounts.clear();
            c.weight = 0;
            c.generation = generation;
        }
        if generation.is_none() {
            return;
        }
        let adding: usize = loaded.values().map(weight).sum();
        if adding > MAX_CACHED {
            return;
        }
        if c.weight + adding > MAX_CACHED {
            c.accounts.clear();
            c.weight = 0;
        }
        for (account, list) in loaded {
            c.weight += weight(list);
            if let Some(old) = c.accounts.insert(account.clone(), list.clone()) {
                c.weight -= weight(&old);
            }
        }
    }

    /// Entries held and the generation they were read under (for tests and metrics).
    pub fn stats(&self) -> (usize, Option<Uuid>) {
        let c = self.lock();
        (c.weight, c.generation)
    }
}
