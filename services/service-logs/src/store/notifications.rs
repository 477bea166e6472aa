//! Notification bookkeeping and the notification outbox: matching new logs against triggers inside the create's
//! transaction ([`queue_matched`]), the worker's claim and outcomes, and the bookkeeping the notifications list
//! reads.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use domain_logs::trigger::{ActionType, action_hash};
use platform::db::Cached;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::schema::{cluster_log_notifications, cluster_logs, notification_outbox};
use crate::store::rows::LogRow;
use crate::store::trigger_cache::{AccountTriggers, ParsedTrigger, TriggerCache, parse_by_account};
use crate::store::triggers::{StoredAction, TriggerRow};
use crate::store::{StoreError, StoreResult};

/// How long a claimed row stays invisible to other claims while its send is under way (a crashed sender's rows
/// come back after this).
pub const LEASE_SECONDS: i64 = 300;

/// What decides whether a new log is notified, and the instance's cache of the triggers matching reads.
#[derive(Debug, Clone)]
pub struct Queueing {
    /// A log equal to one of the same cluster created this recently is not notified again.
    pub duplicate_window: time::Duration,
    /// The parsed triggers, shared by every create of this instance.
    pub triggers: TriggerCache,
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable, PartialEq)]
#[diesel(table_name = notification_outbox, check_for_backend(Pg))]
pub struct OutboxRow {
    pub id: Uuid,
    pub log_id: String,
    pub trigger_id: String,
    pub action_hash: String,
    pub action_type: String,
    pub attempts: i32,
    pub created_at: OffsetDateTime,
    pub next_attempt_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    pub outcome: Option<String>,
    pub last_error: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, PartialEq)]
#[diesel(table_name = cluster_log_notifications, check_for_backend(Pg))]
pub struct NotificationRow {
    pub log_id: String,
    pub notification_uuid: Option<Uuid>,
    pub duplicate_of: Option<String>,
    pub queued_at: OffsetDateTime,
    pub notified_at: Option<OffsetDateTime>,
}

/// The hash of a stored action of trigger `trigger_id` (see `domain_logs::trigger::action_hash`).
pub fn stored_hash(trigger_id: &str, action: &StoredAction) -> (ActionType, String) {
    match action {
        StoredAction::Webhook { url, .. } => (
            ActionType::Webhook,
            action_hash(trigger_id, ActionType::Webhook, [url.as_str()]),
        ),
        StoredAction::Email { to } => (
            ActionType::Email,
            action_hash(trigger_id, ActionType::Email, to.iter().map(String::as_str)),
        ),
    }
}

/// Matches each of `logs` (just inserted, in the caller's transaction) against the triggers that may see it, and
/// queues the actions of those that match, in the same transaction: a log is stored with its notifications or
/// not at all.
///
/// Which triggers see a log follows the readers' rule: the triggers of the log's own `account_id` and of the
/// account that owns its cluster now (by `cluster_uuid`, or `cluster_id` when the log has no uuid), and the
/// account-less (internal) ones; an `internal_only` log is seen by account-less triggers only.
///
/// One statement reads the owners of the batch's clusters (index lookups) and the triggers' generation; the
/// triggers of the accounts that may see a log of the batch then come from the instance's [`TriggerCache`] when
/// it holds them for that generation (exactly the triggers this transaction would read), else from one more
/// statement (one index lookup for all the accounts), parsed once and kept. Which trigger sees which log, and
/// the searches, are decided in memory. A log equal to a recent one of the same cluster ([`find_duplicate`]) is
/// recorded as a duplicate and queues nothing.
pub async fn queue_matched(
    conn: &mut AsyncPgConnection,
    logs: &[LogRow],
    queueing: &Queueing,
) -> QueryResult<usize> {
    let rows: Vec<&LogRow> = logs.iter().collect();
    let matched = matching(conn, &rows, queueing).await?;
    queue(conn, logs, &matched, queueing).await
}

/// Queues the actions of the triggers `matched` found for each of `logs` (just inserted, in the caller's
/// transaction, in the order they were matched in).
pub async fn queue(
    conn: &mut AsyncPgConnection,
    logs: &[LogRow],
    matched: &Matched,
    queueing: &Queueing,
) -> QueryResult<usize> {
    let mut queued = 0;
    for (log, triggers) in logs.iter().zip(&matched.per_log) {
        if !triggers.is_empty() {
            queued += queue_one(conn, log, triggers, queueing).await?;
        }
    }
    Ok(queued)
}

/// The triggers whose search matches each log of a batch, in the batch's order (oldest trigger first), and the
/// owners of its clusters as the matching read them.
#[derive(Debug, Default)]
pub struct Matched {
    per_log: Vec<Vec<Arc<ParsedTrigger>>>,
    /// `(cluster_uuid, cluster_id, account_id)`, looked up for the logs that are not `internal_only`.
    owners: Vec<(String, String, String)>,
}

impl Matched {
    /// Whether no log of the batch matched a trigger: storing the batch queues nothing and records nothing.
    pub fn is_empty(&self) -> bool {
        self.per_log.iter().all(Vec::is_empty)
    }

    /// The clusters (by uuid) that had an owner when the matching was read: an owner learned from a log of one of
    /// them would not be recorded.
    pub fn owned_clusters(&self) -> HashSet<&str> {
        self.owners
            .iter()
            .map(|(uuid, _, _)| uuid.as_str())
            .filter(|u| !u.is_empty())
            .collect()
    }
}

/// The triggers that see and match each of `logs` (see [`queue_matched`]), read without writing: one statement
/// (owners and generation), and one more when the cache does not hold an account's triggers. Logs not yet
/// inserted are matched with their times as PostgreSQL will store them (microseconds).
pub async fn matching(
    conn: &mut AsyncPgConnection,
    logs: &[&LogRow],
    queueing: &Queueing,
) -> QueryResult<Matched> {
    if logs.is_empty() {
        return Ok(Matched::default());
    }
    let (generation, owners) = generation_and_owners(conn, logs).await?;
    let accounts = accounts_seeing_any(logs, &owners);
    let triggers = triggers_of(conn, &queueing.triggers, generation, &accounts).await?;
    if triggers.values().all(|list| list.is_empty()) {
        return Ok(Matched {
            per_log: vec![Vec::new(); logs.len()],
            owners,
        });
    }
    let per_log = logs
        .iter()
        .map(|log| {
            let seen = seeing(log, &owners, &triggers);
            if seen.is_empty() {
                return Vec::new();
            }
            let log = as_stored(log);
            seen.into_iter()
                .filter(|t| t.matches(&log))
                .cloned()
                .collect()
        })
        .collect();
    Ok(Matched { per_log, owners })
}

/// `log` with its times cut to the microseconds PostgreSQL keeps (diesel sends whole microseconds), so that a
/// search on a time sees the value the stored log has.
fn as_stored(log: &LogRow) -> std::borrow::Cow<'_, LogRow> {
    let cut = |t: OffsetDateTime| {
        t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
            .unwrap_or(t)
    };
    if cut(log.created_at) == log.created_at && cut(log.timestamp) == log.timestamp {
        return std::borrow::Cow::Borrowed(log);
    }
    let mut stored = log.clone();
    stored.created_at = cut(log.created_at);
    stored.timestamp = cut(log.timestamp);
    std::borrow::Cow::Owned(stored)
}

/// Every account whose triggers may see some log of the batch, sorted: `""` (the account-less triggers), the
/// accounts of its logs and the owners of their clusters (logs not `internal_only`).
fn accounts_seeing_any(logs: &[&LogRow], owners: &[(String, String, String)]) -> Vec<String> {
    let mut accounts: Vec<String> = std::iter::once(String::new())
        .chain(
            logs.iter()
                .filter(|l| !l.internal_only && !l.account_id.is_empty())
                .map(|l| l.account_id.clone()),
        )
        .chain(owners.iter().map(|(_, _, account)| account.clone()))
        .collect();
    accounts.sort();
    accounts.dedup();
    accounts
}

/// The triggers that see `log`, oldest first: the account-less ones and, unless it is `internal_only`, those of
/// its own account and of the account owning its cluster (`owners`: `(cluster_uuid, cluster_id, account)` of the
/// batch's clusters; by uuid, or by id when the log has none).
fn seeing<'a>(
    log: &LogRow,
    owners: &[(String, String, String)],
    triggers: &'a HashMap<String, AccountTriggers>,
) -> Vec<&'a Arc<ParsedTrigger>> {
    let mut accounts: Vec<&str> = vec![""];
    if !log.internal_only {
        if !log.account_id.is_empty() {
            accounts.push(&log.account_id);
        }
        accounts.extend(
            owners
                .iter()
                .filter(|(uuid, id, _)| {
                    if log.cluster_uuid.is_empty() {
                        !id.is_empty() && *id == log.cluster_id
                    } else {
                        *uuid == log.cluster_uuid
                    }
                })
                .map(|(_, _, account)| account.as_str()),
        );
        accounts.sort_unstable();
        accounts.dedup();
    }
    let lists: Vec<&AccountTriggers> = accounts
        .iter()
        .filter_map(|a| triggers.get(*a))
        .filter(|list| !list.is_empty())
        .collect();
    let mut seeing: Vec<&Arc<ParsedTrigger>> = lists.iter().flat_map(|list| list.iter()).collect();
    // Each list is oldest first already; only triggers of several accounts need merging.
    if lists.len() > 1 {
        seeing.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    }
    seeing
}

async fn queue_one(
    conn: &mut AsyncPgConnection,
    log: &LogRow,
    triggers: &[Arc<ParsedTrigger>],
    queueing: &Queueing,
) -> QueryResult<usize> {
    let mut outbox = Vec::new();
    let now = OffsetDateTime::now_utc();
    for trigger in triggers {
        let actions = match &trigger.actions {
            Ok(actions) => actions,
            Err(e) => {
                tracing::warn!(trigger = %trigger.id, error = %e, "a trigger's actions are unreadable; skipped");
                continue;
            }
        };
        for (kind, hash) in actions {
            outbox.push(OutboxRow {
                id: Uuid::now_v7(),
                log_id: log.id.clone(),
                trigger_id: trigger.id.clone(),
                action_hash: hash.clone(),
                action_type: kind.as_str().to_owned(),
                attempts: 0,
                created_at: now,
                next_attempt_at: now,
                finished_at: None,
                outcome: None,
                last_error: String::new(),
            });
        }
    }
    if outbox.is_empty() {
        return Ok(0);
    }
    let duplicate_of = find_duplicate(conn, log, queueing.duplicate_window).await?;
    let row = NotificationRow {
        log_id: log.id.clone(),
        notification_uuid: duplicate_of.is_none().then(Uuid::new_v4),
        duplicate_of: duplicate_of.clone(),
        queued_at: now,
        notified_at: None,
    };
    diesel::insert_into(cluster_log_notifications::table)
        .values(&row)
        .execute(conn)
        .await?;
    if duplicate_of.is_some() {
        return Ok(0);
    }
    diesel::insert_into(notification_outbox::table)
        .values(&outbox)
        .execute(conn)
        .await?;
    Ok(outbox.len())
}

/// The clusters a batch's logs name that may give it an owner's triggers: `(uuids, ids of logs without a uuid)`,
/// of its logs that are not `internal_only`.
fn clusters_of(logs: &[&LogRow]) -> (Vec<String>, Vec<String>) {
    let visible = || logs.iter().filter(|l| !l.internal_only);
    let uuids = visible()
        .filter(|l| !l.cluster_uuid.is_empty())
        .map(|l| l.cluster_uuid.clone())
        .collect();
    let ids = visible()
        .filter(|l| l.cluster_uuid.is_empty() && !l.cluster_id.is_empty())
        .map(|l| l.cluster_id.clone())
        .collect();
    (uuids, ids)
}

/// The triggers' generation now (`None` if its row is gone: then nothing is cached), as a sub-select every
/// statement below starts from, so that it is read in the same snapshot as the rest.
const GENERATION: &str =
    "(SELECT (SELECT generation FROM notification_trigger_generation WHERE id) AS generation) g";

#[derive(QueryableByName)]
struct OwnerAt {
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    generation: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    cluster_uuid: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    cluster_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    account_id: Option<String>,
}

/// The triggers' generation and the owners of the batch's clusters, `(cluster_uuid, cluster_id, account_id)`, in
/// one statement: the owners by two index lookups (`UNION ALL`: the primary key for the uuids,
/// `cluster_owners_cluster_id` for the ids of logs without a uuid; an `OR` of the two would scan the registry),
/// the generation by its primary key. An owner may come twice; callers only ask whether one matches.
async fn generation_and_owners(
    conn: &mut AsyncPgConnection,
    logs: &[&LogRow],
) -> QueryResult<(Option<Uuid>, Vec<(String, String, String)>)> {
    let (uuids, ids) = clusters_of(logs);
    // Fixed text: kept as a prepared statement (it runs once per create batch).
    let rows: Vec<OwnerAt> = Cached::kept(
        diesel::sql_query(format!(
            "SELECT g.generation, o.cluster_uuid, o.cluster_id, o.account_id FROM {GENERATION} \
         LEFT JOIN (SELECT cluster_uuid, cluster_id, account_id FROM cluster_owners \
                    WHERE cluster_uuid = ANY($1) \
                    UNION ALL \
                    SELECT cluster_uuid, cluster_id, account_id FROM cluster_owners \
                    WHERE cluster_id = ANY($2) AND cluster_id <> '') o ON true"
        ))
        .bind::<Array<Text>, _>(uuids)
        .bind::<Array<Text>, _>(ids),
    )
    .load(conn)
    .await?;
    let generation = <[_]>::first(&rows).and_then(|r| r.generation);
    let owners = rows
        .into_iter()
        .filter_map(|r| Some((r.cluster_uuid?, r.cluster_id?, r.account_id?)))
        .collect();
    Ok((generation, owners))
}

#[derive(QueryableByName)]
struct TriggerAt {
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    generation: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    account_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    search: Option<String>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    actions: Option<serde_json::Value>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    created_at: Option<OffsetDateTime>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    updated_at: Option<OffsetDateTime>,
}

/// Every trigger of `accounts` and the generation, in one statement (one index lookup,
/// `notification_triggers_account`, for all the accounts, bound as one array).
async fn load_triggers(
    conn: &mut AsyncPgConnection,
    accounts: &[String],
) -> QueryResult<(Option<Uuid>, Vec<TriggerRow>)> {
    let rows: Vec<TriggerAt> = Cached::kept(
        diesel::sql_query(format!(
            "SELECT g.generation, t.id, t.name, t.account_id, t.search, t.actions, t.created_at, t.updated_at \
             FROM {GENERATION} LEFT JOIN notification_triggers t ON t.account_id = ANY($1)"
        ))
        .bind::<Array<Text>, _>(accounts.to_vec()),
    )
    .load(conn)
    .await?;
    let generation = <[_]>::first(&rows).and_then(|r| r.generation);
    let triggers = rows
        .into_iter()
        .filter_map(|r| {
            Some(TriggerRow {
                id: r.id?,
                name: r.name?,
                account_id: r.account_id?,
                search: r.search?,
                actions: r.actions?,
                created_at: r.created_at?,
                updated_at: r.updated_at?,
            })
        })
        .collect();
    Ok((generation, triggers))
}

/// The parsed triggers of `accounts` as this transaction sees them, its snapshot's triggers being those of
/// `generation` (read by [`generation_and_owners`]): from `cache` when it holds them for that generation, the
/// others read (and kept). When the triggers changed between the two statements, every account is read again in
/// one statement, so that the whole set is of one snapshot.
async fn triggers_of(
    conn: &mut AsyncPgConnection,
    cache: &TriggerCache,
    generation: Option<Uuid>,
    accounts: &[String],
) -> QueryResult<HashMap<String, AccountTriggers>> {
    let (mut found, missing) = cache.lookup(generation, accounts);
    if missing.is_empty() {
        return Ok(found);
    }
    let (read_at, rows) = load_triggers(conn, &missing).await?;
    let loaded = parse_by_account(&missing, rows);
    if read_at.is_some() && read_at == generation {
        cache.store(read_at, &loaded);
        found.extend(loaded);
        return Ok(found);
    }
    let (read_at, all) = if found.is_empty() {
        (read_at, loaded)
    } else {
        let (read_at, rows) = load_triggers(conn, accounts).await?;
        (read_at, parse_by_account(accounts, rows))
    };
    cache.store(read_at, &all);
    Ok(all)
}

/// The id of a log of the same cluster created within `window` before `log` (and before it in id order), equal
/// on `service_name`, `severity`, `summary`, `description` and `internal_only`; one walk of the cluster's logs of the
/// window (`cluster_logs_cluster_created`).
pub async fn find_duplicate(
    conn: &mut AsyncPgConnection,
    log: &LogRow,
    window: time::Duration,
) -> QueryResult<Option<String>> {
    use cluster_logs as l;
    if window.is_zero() {
        return Ok(None);
    }
    l::table
        .select(l::id)
        .filter(l::cluster_uuid.eq(log.cluster_uuid.clone()))
        .filter(l::cluster_id.eq(log.cluster_id.clone()))
        .filter(l::service_name.eq(log.service_name.clone()))
        .filter(l::severity.eq(log.severity.clone()))
        .filter(l::summary.eq(log.summary.clone()))
        .filter(l::description.eq(log.description.clone()))
        .filter(l::internal_only.eq(log.internal_only))
        .filter(l::created_at.ge(log.created_at - window))
        .filter(l::id.ne(log.id.clone()))
        .order_by((l::created_at.asc(), l::id.asc()))
        .first::<String>(conn)
        .await
        .optional()
}

/// [`find_duplicate`] outside a create's transaction (the `Prefer: duplicate=reject` check): the earlier log `log`
/// duplicates, unless it is the log `caller` made under `key` (a keyed repeat of the request that made that very
/// log is left to the Idempotency-Key path, which answers the first 201 again).
pub async fn duplicate_to_refuse(
    conn: &mut AsyncPgConnection,
    log: &LogRow,
    window: time::Duration,
    caller: &str,
    key: Option<&str>,
) -> StoreResult<Option<String>> {
    let Some(existing) = find_duplicate(conn, log, window).await? else {
        return Ok(None);
    };
    if let Some(key) = key
        && crate::store::idempotency::log_of(conn, caller, key)
            .await?
            .as_deref()
            == Some(existing.as_str())
    {
        return Ok(None);
    }
    Ok(Some(existing))
}

/// Claims up to `limit` due rows, leasing them for [`LEASE_SECONDS`].
pub async fn claim(conn: &mut AsyncPgConnection, limit: i64) -> StoreResult<Vec<OutboxRow>> {
    Ok(diesel::sql_query(
        "UPDATE notification_outbox o SET next_attempt_at = now() + make_interval(secs => $1) \
         WHERE o.id IN (SELECT id FROM notification_outbox \
                        WHERE finished_at IS NULL AND next_attempt_at <= now() \
                        ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) \
         RETURNING o.*",
    )
    .bind::<BigInt, _>(LEASE_SECONDS)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Completed,
    /// Try again at this time.
    Retry {
        at: OffsetDateTime,
        error: String,
    },
    GivenUp {
        error: String,
    },
    /// The receiver at `url` answered 410 Gone: the trigger's webhook action to it is disabled in the same
    /// transaction that records the outcome.
    Disabled {
        url: String,
    },
    /// The trigger, the action or the log is gone.
    Skipped,
}

/// Records an attempt's outcome, and the log's `notified_at` when it was the last of its rows to finish (the
/// log's bookkeeping row is locked first, so two rows finishing at once cannot both miss it). A 410's disable is
/// written in the same transaction: the action is disabled exactly when the outcome says so.
pub async fn record(
    conn: &mut AsyncPgConnection,
    row: &OutboxRow,
    outcome: &Outcome,
) -> StoreResult<()> {
    use notification_outbox as o;
    let id = row.id;
    let log_id = row.log_id.clone();
    let trigger_id = row.trigger_id.clone();
    let outcome = outcome.clone();
    conn.transaction::<_, StoreError, _>(async move |conn| {
        cluster_log_notifications::table
            .find(log_id.clone())
            .select(cluster_log_notifications::log_id)
            .for_update()
            .first::<String>(conn)
            .await
            .optional()?;
        let now = OffsetDateTime::now_utc();
        let target = o::table.find(id);
        match &outcome {
            Outcome::Retry { at, error } => {
                diesel::update(target)
                    .set((
                        o::attempts.eq(o::attempts + 1),
                        o::next_attempt_at.eq(*at),
                        o::last_error.eq(error.clone()),
                    ))
                    .execute(conn)
                    .await?;
                return Ok(());
            }
            finished => {
                let (name, error) = match finished {
                    Outcome::Completed => ("completed", String::new()),
                    Outcome::GivenUp { error } => ("given_up", error.clone()),
                    Outcome::Disabled { url } => {
                        disable_webhook(conn, &trigger_id, url).await?;
                        ("disabled", "the receiver answered 410 Gone".to_owned())
                    }
                    _ => ("skipped", String::new()),
                };
                diesel::update(target)
                    .set((
                        o::attempts.eq(o::attempts + 1),
                        o::finished_at.eq(Some(now)),
                        o::outcome.eq(Some(name)),
                        o::last_error.eq(error),
                    ))
                    .execute(conn)
                    .await?;
            }
        }
        let pending: i64 = o::table
            .filter(o::log_id.eq(log_id.clone()))
            .filter(o::finished_at.is_null())
            .count()
            .get_result(conn)
            .await?;
        if pending == 0 {
            diesel::update(
                cluster_log_notifications::table
                    .find(log_id)
                    .filter(cluster_log_notifications::notified_at.is_null()),
            )
            .set(cluster_log_notifications::notified_at.eq(Some(now)))
            .execute(conn)
            .await?;
        }
        Ok(())
    })
    .await?;
    Ok(())
}

/// Marks the webhook action with `url` of trigger `trigger_id` disabled (410 Gone), unless already, under the
/// trigger's row lock (a concurrent patch is applied before or after, never lost).
async fn disable_webhook(
    conn: &mut AsyncPgConnection,
    trigger_id: &str,
    url: &str,
) -> StoreResult<()> {
    crate::store::triggers::change(conn, trigger_id, move |mut row| async move {
        let mut actions = row.stored_actions()?;
        let stamp = domain::timefmt::format_utc(OffsetDateTime::now_utc());
        for a in &mut actions {
            if let StoredAction::Webhook {
                url: u,
                disabled_at,
                ..
            } = a
                && u == url
                && disabled_at.is_none()
            {
                *disabled_at = Some(stamp.clone());
            }
        }
        row.actions = crate::store::triggers::actions_json(&actions)?;
        Ok::<_, StoreError>((row, ()))
    })
    .await?;
    Ok(())
}

/// Rows not yet finished, and the age in seconds of the oldest (0 when none).
pub async fn pending_stats(conn: &mut AsyncPgConnection) -> StoreResult<(i64, f64)> {
    #[derive(QueryableByName)]
    struct Stats {
        #[diesel(sql_type = BigInt)]
        pending: i64,
        #[diesel(sql_type = diesel::sql_types::Double)]
        oldest: f64,
    }
    let s: Stats = diesel::sql_query(
        "SELECT count(*) AS pending, \
         COALESCE(EXTRACT(EPOCH FROM now() - min(created_at))::float8, 0) AS oldest \
         FROM notification_outbox WHERE finished_at IS NULL",
    )
    .get_result(conn)
    .await?;
    Ok((s.pending, s.oldest))
}

/// The bookkeeping of `log_ids`: each one's notification row (if it matched) and its completed actions.
pub async fn bookkeeping(
    conn: &mut AsyncPgConnection,
    log_ids: &[String],
) -> StoreResult<std::collections::HashMap<String, (NotificationRow, Vec<OutboxRow>)>> {
    use notification_outbox as o;
    let rows: Vec<NotificationRow> = cluster_log_notifications::table
        .filter(cluster_log_notifications::log_id.eq_any(log_ids.to_vec()))
        .select(NotificationRow::as_select())
        .load(conn)
        .await?;
    let completed: Vec<OutboxRow> = o::table
        .filter(o::log_id.eq_any(log_ids.to_vec()))
        .filter(o::outcome.eq("completed"))
        .select(OutboxRow::as_select())
        .order_by((o::finished_at.asc(), o::id.asc()))
        .load(conn)
        .await?;
    let mut out: std::collections::HashMap<String, (NotificationRow, Vec<OutboxRow>)> = rows
        .into_iter()
        .map(|r| (r.log_id.clone(), (r, Vec::new())))
        .collect();
    for c in completed {
        if let Some((_, list)) = out.get_mut(&c.log_id) {
            list.push(c);
        }
    }
    Ok(out)
}

/// Rows queued for `log_id` (for tests and the runbook's checks).
pub async fn rows_for_log(
    conn: &mut AsyncPgConnection,
    log_id: &str,
) -> StoreResult<Vec<OutboxRow>> {
    use notification_outbox as o;
    Ok(o::table
        .filter(o::log_id.eq(log_id.to_owned()))
        .select(OutboxRow::as_select())
        .order_by(o::id)
        .load(conn)
        .await?)
}
