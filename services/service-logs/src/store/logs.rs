//! Queries on the logs table.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use domain_logs::owner::ValidOwner;
use futures_util::{Stream, StreamExt, TryStreamExt};
use platform::db::{Cached, DbConn};
use std::collections::HashMap;

use crate::fields::Field;
use crate::listing::{ClusterScope, Direction, ListQuery, Visibility};
use crate::schema::cluster_logs;
use crate::store::idempotency::{self, KeyClaim};
use crate::store::notifications::{self, Queueing};
use crate::store::reader_lists::{self, Reader};
use crate::store::rows::LogRow;
use crate::store::search::{Filter, compile};
use crate::store::{StoreError, StoreResult, counts, insert, owners};

pub(super) type PageQuery =
    cluster_logs::BoxedQuery<'static, Pg, diesel::dsl::AsSelect<LogRow, Pg>>;

/// A log to store: its row, the cluster owner it teaches (if any; recorded only when the cluster has none yet),
/// and the idempotency key it came with (if any).
#[derive(Debug, Clone)]
pub struct NewLog {
    pub row: LogRow,
    pub learned: Option<ValidOwner>,
    pub key: Option<KeyClaim>,
}

/// What became of one [`NewLog`].
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    /// Stored now.
    Created(LogRow),
    /// Its caller, key and body were seen before (earlier, or earlier in the same batch): the log then made.
    Replayed(LogRow),
    /// Its key was used with another body.
    Mismatch,
    /// Another transaction is serving its key right now.
    InProgress,
}

/// Stores a batch of new logs in ONE transaction: every create goes through here (a single create, a bulk
/// create, a group of concurrent creates). Answers one [`Stored`] per log, in order.
///
/// Keyed logs first take their key's advisory lock (one statement; a key held elsewhere is
/// [`Stored::InProgress`]) and look their keys up (one statement); a key seen before replays its log or, with
/// another body, is a [`Stored::Mismatch`]; the second log of a batch with the key of an earlier one replays that
/// one (same body) or is a mismatch. Then one multi-row INSERT of the logs, one of the owners they teach (the first
/// log of a cluster in the batch teaches) and one of their keys.
pub async fn create(
    conn: &mut AsyncPgConnection,
    logs: &[NewLog],
    queueing: &Queueing,
) -> StoreResult<Vec<Stored>> {
    if logs.is_empty() {
        return Ok(Vec::new());
    }
    if let Some(stored) = direct(conn, logs, queueing).await? {
        return Ok(stored);
    }
    Ok(conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            write_batch(conn, logs, queueing).await
        })
        .await?)
}

/// The common batch, in fewer round trips: when no log has an idempotency key and every owner its logs could teach
/// is known already (so learning it would write nothing), the matching is read first ([`notifications::matching`])
/// and is all the batch needs besides its INSERT. Nothing matched: the INSERT runs as a transaction of its own,
/// without BEGIN and COMMIT (two round trips instead of four). Something matched: the INSERT and the matched
/// actions in one transaction, the matching not read again. `None`: the batch needs [`write_batch`] (keys, or an
/// owner to learn before the matching).
async fn direct(
    conn: &mut AsyncPgConnection,
    logs: &[NewLog],
    queueing: &Queueing,
) -> QueryResult<Option<Vec<Stored>>> {
    if logs.iter().any(|l| l.key.is_some()) {
        return Ok(None);
    }
    let rows: Vec<&LogRow> = logs.iter().map(|l| &l.row).collect();
    let matched = notifications::matching(conn, &rows, queueing).await?;
    let teaches = logs.iter().any(|l| l.learned.is_some()) && {
        let owned = matched.owned_clusters();
        logs.iter().any(|l| {
            l.learned
                .as_ref()
                .is_some_and(|o| !owned.contains(o.cluster_uuid.as_str()))
        })
    };
    if teaches {
        return Ok(None);
    }
    let stored = if matched.is_empty() {
        in_order(logs, insert::logs(conn, &rows).await?)?
    } else {
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            let stored = in_order(logs, insert::logs(conn, &rows).await?)?;
            notifications::queue(conn, &stored, &matched, queueing).await?;
            Ok(stored)
        })
        .await?
    };
    Ok(Some(stored.into_iter().map(Stored::Created).collect()))
}

/// The rows `inserted` (in whatever order RETURNING gave them) in the order of `logs`.
fn in_order(logs: &[NewLog], inserted: Vec<LogRow>) -> QueryResult<Vec<LogRow>> {
    let mut by_id: HashMap<String, LogRow> =
        inserted.into_iter().map(|r| (r.id.clone(), r)).collect();
    logs.iter()
        .map(|l| {
            by_id
                .remove(&l.row.id)
                .ok_or(diesel::result::Error::NotFound)
        })
        .collect()
}

/// Where a log of the batch ends up, before the INSERT.
enum Plan {
    Insert,
    Mismatch,
    InProgress,
    /// Replays the log of this row of the keys seen before.
    Seen(usize),
    /// Same key and body as the log at this index of the batch, which is inserted.
    SameAs(usize),
}

async fn write_batch(
    conn: &mut AsyncPgConnection,
    logs: &[NewLog],
    queueing: &Queueing,
) -> QueryResult<Vec<Stored>> {
    let mut plans: Vec<Plan> = logs.iter().map(|_| Plan::Insert).collect();
    let mut seen = Vec::new();
    let claims: Vec<(usize, &KeyClaim)> = logs
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.key.as_ref().map(|k| (i, k)))
        .collect();
    if !claims.is_empty() {
        let only: Vec<&KeyClaim> = claims.iter().map(|(_, c)| *c).collect();
        let locked = idempotency::try_lock(conn, &only).await?;
        seen = idempotency::seen(conn, &only).await?;
        // The first log of the batch holding each (caller, key), and its body's fingerprint.
        let mut first: HashMap<(&str, &str), usize> = HashMap::new();
        for ((i, claim), locked) in claims.iter().zip(locked) {
            let id = (claim.caller.as_str(), claim.key.as_str());
            plans[*i] = if !locked {
                Plan::InProgress
            } else if let Some(at) = seen
                .iter()
                .position(|(c, k, _, _)| (c.as_str(), k.as_str()) == id)
            {
                if seen[at].2 == claim.request_hash {
                    Plan::Seen(at)
                } else {
                    Plan::Mismatch
                }
            } else if let Some(&earlier) = first.get(&id) {
                let same = logs[earlier]
                    .key
                    .as_ref()
                    .is_some_and(|k| k.request_hash == claim.request_hash);
                if same {
                    Plan::SameAs(earlier)
                } else {
                    Plan::Mismatch
                }
            } else {
                first.insert(id, *i);
                Plan::Insert
            };
        }
    }
    let fresh: Vec<&NewLog> = logs
        .iter()
        .zip(&plans)
        .filter(|(_, p)| matches!(p, Plan::Insert))
        .map(|(l, _)| l)
        .collect();
    let mut stored: HashMap<String, LogRow> = HashMap::new();
    if !fresh.is_empty() {
        let rows: Vec<&LogRow> = fresh.iter().map(|l| &l.row).collect();
        let inserted = insert::logs(conn, &rows).await?;
        owners::learn_all(conn, fresh.iter().filter_map(|l| l.learned.as_ref())).await?;
        let made: Vec<(&KeyClaim, &str)> = fresh
            .iter()
            .filter_map(|l| l.key.as_ref().map(|k| (k, l.row.id.as_str())))
            .collect();
        idempotency::record(conn, &made).await?;
        // After the owners: a learned owner's account sees the log it came with.
        notifications::queue_matched(conn, &inserted, queueing).await?;
        stored = inserted.into_iter().map(|r| (r.id.clone(), r)).collect();
    }
    let take = |i: usize| {
        stored
            .get(&logs[i].row.id)
            .cloned()
            .ok_or(diesel::result::Error::NotFound)
    };
    plans
        .into_iter()
        .enumerate()
        .map(|(i, plan)| match plan {
            Plan::Insert => take(i).map(Stored::Created),
            Plan::SameAs(earlier) => take(earlier).map(Stored::Replayed),
            Plan::Seen(at) => Ok(Stored::Replayed(seen[at].3.clone())),
            Plan::Mismatch => Ok(Stored::Mismatch),
            Plan::InProgress => Ok(Stored::InProgress),
        })
        .collect()
}

/// One log, if it exists and the caller may see it.
pub async fn find(
    conn: &mut AsyncPgConnection,
    id: &str,
    vis: &Visibility,
) -> StoreResult<Option<LogRow>> {
    let mut q = cluster_logs::table
        .select(LogRow::as_select())
        .filter(cluster_logs::id.eq(id.to_owned()))
        .into_boxed();
    if let Some(v) = visible_on!(cluster_logs, Seen::of(vis), &ClusterScope::Any) {
        q = q.filter(v);
    }
    // One form per visibility.
    Ok(Cached::kept(q.limit(1)).get_result(conn).await.optional()?)
}

/// Deletes one log; whether it existed.
pub async fn delete(conn: &mut AsyncPgConnection, id: &str) -> StoreResult<bool> {
    let n = diesel::delete(cluster_logs::table.filter(cluster_logs::id.eq(id.to_owned())))
        .execute(conn)
        .await?;
    Ok(n > 0)
}

/// Every condition of a list: who may see what, which cluster, and the list request (its search, order, page).
pub struct Conditions<'a> {
    pub visibility: &'a Visibility,
    pub clusters: &'a ClusterScope,
    pub query: &'a ListQuery,
}

impl<'a> Conditions<'a> {
    /// The list's whole WHERE clause. Built anew for each statement: diesel's boxed expressions are not `Clone`.
    fn filter(&self, seen: Seen<'_>) -> Option<Filter> {
        let parts = [
            visible_on!(cluster_logs, seen, self.clusters),
            self.query.search.as_ref().map(compile),
        ];
        parts
            .into_iter()
            .flatten()
            .reduce(|a, b| Box::new(a.and(b)) as Filter)
    }

    /// Whether the list's statements take one of a bounded number of SQL forms, and so are kept as prepared
    /// statements: no search (a search compiles to SQL of its own shape) and at most one order key (every
    /// visibility, cluster scope and single key: a few hundred forms at most; the console and the CLIs send none
    /// or `timestamp desc`).
    fn bounded(&self) -> bool {
        self.query.search.is_none() && self.query.order.len() <= 1
    }
}

/// What a list's caller sees, once the ownership of the clusters the list is about is known. A reader listing
/// clusters it owns sees every log of them that is not `internal_only`, and one that owns none of them its own
/// account's: a plain condition, so PostgreSQL walks the clusters' index for the page. The general condition
/// (own account, or any owned cluster: `owners::readable_on!`) stays for lists of every cluster and for a mix; as
/// the condition of a cluster page it made PostgreSQL combine the account's and the owned clusters' indexes, which
/// at 10 million logs read an account's hundred thousand rows for every page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen<'a> {
    /// `read-internal`: every log.
    All,
    /// A reader, in general: its account's and its owned clusters' logs, not `internal_only`.
    Reader(&'a str),
    /// A reader listing only clusters it owns: their logs that are not `internal_only`.
    Public,
    /// A reader listing only clusters it does not own: its account's logs of them, not `internal_only`.
    Account(&'a str),
}

impl<'a> Seen<'a> {
    fn of(vis: &'a Visibility) -> Self {
        match vis {
            Visibility::All => Seen::All,
            Visibility::Account(account) => Seen::Reader(account),
        }
    }

    /// Narrows a reader's visibility for a list of clusters named by uuid only (one indexed lookup of their
    /// owners); any other list keeps [`Seen::of`].
    async fn resolve<C>(conn: &mut C, cond: &Conditions<'a>) -> Result<Self, diesel::result::Error>
    where
        C: diesel_async::AsyncConnectionCore<Backend = Pg>,
    {
        let (
            Visibility::Account(account),
            ClusterScope::Ids {
                cluster_ids,
                cluster_uuids,
            },
        ) = (cond.visibility, cond.clusters)
        else {
            return Ok(Seen::of(cond.visibility));
        };
        if !cluster_ids.is_empty() || cluster_uuids.is_empty() {
            return Ok(Seen::Reader(account));
        }
        let wanted: std::collections::BTreeSet<&String> = cluster_uuids.iter().collect();
        let owned: i64 = crate::schema::cluster_owners::table
            .filter(crate::schema::cluster_owners::account_id.eq(account.clone()))
            .filter(
                crate::schema::cluster_owners::cluster_uuid
                    .eq_any(wanted.iter().map(|u| (*u).clone()).collect::<Vec<_>>()),
            )
            .count()
            .get_result(conn)
            .await?;
        Ok(match usize::try_from(owned) {
            Ok(n) if n == wanted.len() => Seen::Public,
            Ok(0) => Seen::Account(account),
            _ => Seen::Reader(account),
        })
    }
}

/// What `seen` may read among the logs of `scope`, as a condition on `$table` (`cluster_logs`, or `log_counts`,
/// whose rows count logs by the same columns): one home for both, so a list's page and its total always select the
/// same logs.
macro_rules! visible_on {
    ($table:ident, $seen:expr, $scope:expr) => {{
        type Cond = Box<
            dyn diesel::BoxableExpression<
                    $table::table,
                    diesel::pg::Pg,
                    SqlType = diesel::sql_types::Bool,
                >,
        >;
        let seen: Option<Cond> = match $seen {
            Seen::All => None,
            Seen::Reader(account) => Some(crate::store::owners::readable_on!($table, account)),
            Seen::Public => Some(Box::new($table::internal_only.eq(false))),
            Seen::Account(account) => Some(Box::new(
                $table::internal_only
                    .eq(false)
                    .and($table::account_id.eq(account.to_owned())),
            )),
        };
        // A plain `=` for one value lets the planner walk the (cluster, timestamp) index in order.
        let one_of = |values: &[String], eq: fn(String) -> Cond, any: fn(Vec<String>) -> Cond| {
            match values {
                [] => None,
                [one] => Some(eq(one.clone())),
                many => Some(any(many.to_vec())),
            }
        };
        let scope: Option<Cond> = match $scope {
            ClusterScope::Any => None,
            ClusterScope::Ids {
                cluster_ids,
                cluster_uuids,
            } => {
                let by_id = one_of(
                    cluster_ids,
                    |v| Box::new($table::cluster_id.eq(v)),
                    |v| Box::new($table::cluster_id.eq_any(v)),
                );
                let by_uuid = one_of(
                    cluster_uuids,
                    |v| Box::new($table::cluster_uuid.eq(v)),
                    |v| Box::new($table::cluster_uuid.eq_any(v)),
                );
                match (by_id, by_uuid) {
                    (Some(a), Some(b)) => Some(Box::new(a.or(b)) as Cond),
                    (a, b) => a.or(b),
                }
            }
        };
        match (seen, scope) {
            (Some(a), Some(b)) => Some(Box::new(a.and(b)) as Cond),
            (a, b) => a.or(b),
        }
    }};
}
pub(crate) use visible_on;

macro_rules! then_order {
    ($q:expr, $col:expr, $dir:expr) => {
        match $dir {
            Direction::Asc => $q.then_order_by($col.asc()),
            Direction::Desc => $q.then_order_by($col.desc()),
        }
    };
}

macro_rules! declare_order {
    (all: [$({ $(#[$m:meta])* $v:ident $c:ident : $rt:ty => $wt:ty })*] $($groups:tt)*) => {
        fn then_order(q: PageQuery, field: Field, dir: Direction) -> PageQuery {
            match field {
                $(Field::$v => then_order!(q, cluster_logs::$c, dir),)*
            }
        }
    };
}

crate::fields::log_fields!(declare_order);

pub(super) fn order(mut q: PageQuery, keys: &[(Field, Direction)]) -> PageQuery {
    use cluster_logs as t;
    if keys.is_empty() {
        // Newest first, deterministic: created_at ties are broken by the (time-ordered) KSUID.
        return q.order_by((t::created_at.desc(), t::id.desc()));
    }
    for (field, dir) in keys {
        q = then_order(q, *field, *dir);
    }
    if !keys.iter().any(|(f, _)| *f == Field::Id) {
        q = q.then_order_by(t::id.desc());
    }
    q
}

fn page_query(cond: &Conditions<'_>, seen: Seen<'_>) -> PageQuery {
    let mut query: PageQuery = cluster_logs::table.select(LogRow::as_select()).into_boxed();
    if let Some(f) = cond.filter(seen) {
        query = query.filter(f);
    }
    let q = cond.query;
    order(query, &q.order).limit(q.size).offset(q.offset())
}

fn count_query(
    cond: &Conditions<'_>,
    seen: Seen<'_>,
) -> cluster_logs::BoxedQuery<'static, Pg, diesel::sql_types::BigInt> {
    let mut count = cluster_logs::table.count().into_boxed();
    if let Some(f) = cond.filter(seen) {
        count = count.filter(f);
    }
    count
}

/// The total of matches, ignoring paging. Without a search it is read from the maintained counts (a few rows per
/// cluster, see `counts`); a search counts the logs it matches.
async fn count<C>(
    conn: &mut C,
    cond: &Conditions<'_>,
    seen: Seen<'_>,
) -> Result<i64, diesel::result::Error>
where
    C: diesel_async::AsyncConnectionCore<Backend = Pg>,
{
    if cond.query.search.is_none() {
        Cached::kept(counts::total(seen, cond.clusters))
            .get_result(conn)
            .await
    } else {
        Cached::when(count_query(cond, seen), cond.bounded())
            .get_result(conn)
            .await
    }
}

/// The total of matches, ignoring paging.
pub async fn total(conn: &mut AsyncPgConnection, cond: &Conditions<'_>) -> StoreResult<i64> {
    let seen = Seen::resolve(conn, cond).await?;
    Ok(count(conn, cond, seen).await?)
}

/// The requested page, read whole (for pages whose items need more than the row), and the total of matches: [`page`],
/// collected.
pub async fn page_rows(
    conn: &mut AsyncPgConnection,
    cond: &Conditions<'_>,
) -> StoreResult<(Vec<LogRow>, i64)> {
    let mut lent = Lent(conn);
    let (total, rows) = page(&mut lent, cond, true).await?;
    let rows = rows.try_collect().await?;
    Ok((rows, total.unwrap_or_default()))
}

/// A connection lent to [`page`], which pipelines through it (diesel-async pipelines the queries sent through a
/// shared `&AsyncPgConnection`) and keeps it borrowed for as long as its rows stream.
pub struct Lent<'d>(&'d AsyncPgConnection);

impl<'d> Lent<'d> {
    pub fn new(conn: &'d DbConn) -> Self {
        Self(conn)
    }
}

/// The requested page as a stream of rows, read from the database as they arrive, and with `with_total` the
/// total of matches. Pipelined: both statements go out before either answer is read, one round trip instead of
/// two.
pub async fn page<'c, 'd: 'c>(
    conn: &'c mut Lent<'d>,
    cond: &Conditions<'_>,
    with_total: bool,
) -> StoreResult<(Option<i64>, impl Stream<Item = StoreResult<LogRow>> + 'c)> {
    let mut counting: &AsyncPgConnection = conn.0;
    let seen = Seen::resolve(&mut counting, cond).await?;
    let reader = reader_lists::plan(&mut counting, cond, seen).await?;
    let total = async {
        if with_total {
            count(&mut counting, cond, seen).await.map(Some)
        } else {
            Ok(None)
        }
    };
    let rows = async {
        match reader {
            Some(Reader::Function(f)) => f
                .query()
                .load_stream::<LogRow>(&mut conn.0)
                .await
                .map(|s| s.left_stream().left_stream()),
            Some(Reader::Union(u)) => u
                .load_stream::<LogRow>(&mut conn.0)
                .await
                .map(|s| s.right_stream().left_stream()),
            None => Cached::when(page_query(cond, seen), cond.bounded())
                .load_stream::<LogRow>(&mut conn.0)
                .await
                .map(StreamExt::right_stream),
        }
    };
    let (total, rows) = futures_util::try_join!(total, rows)?;
    Ok((total, rows.map(|row| row.map_err(StoreError::from))))
}

/// How many logs the clusters have (from the maintained counts).
pub async fn count_for_clusters(
    conn: &mut AsyncPgConnection,
    clusters: &ClusterScope,
) -> StoreResult<i64> {
    Ok(Cached::kept(counts::total(Seen::All, clusters))
        .get_result(conn)
        .await?)
}

/// Removes the clusters' logs; how many went.
pub async fn delete_for_clusters(
    conn: &mut AsyncPgConnection,
    clusters: &ClusterScope,
) -> StoreResult<i64> {
    // Never every log: a scope that names no cluster removes nothing.
    let Some(f) = visible_on!(cluster_logs, Seen::All, clusters) else {
        return Ok(0);
    };
    let n = diesel::delete(cluster_logs::table.filter(f))
        .execute(conn)
        .await?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}
