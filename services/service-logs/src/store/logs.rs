//! Queries on the logs table.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use domain_logs::owner::ValidOwner;
use futures_util::{Stream, StreamExt};
use platform::db::DbConn;
use std::collections::HashMap;

use crate::fields::Field;
use crate::listing::{ClusterScope, Direction, ListQuery, Visibility};
use crate::schema::cluster_logs;
use crate::store::idempotency::{self, KeyClaim};
use crate::store::notifications::{self, Queueing};
use crate::store::rows::LogRow;
use crate::store::search::{Filter, compile};
use crate::store::{StoreError, StoreResult, counts, owners};

type PageQuery = cluster_logs::BoxedQuery<'static, Pg, diesel::dsl::AsSelect<LogRow, Pg>>;

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
    Ok(conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            write_batch(conn, logs, queueing).await
        })
        .await?)
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
        let inserted: Vec<LogRow> = diesel::insert_into(cluster_logs::table)
            .values(rows)
            .returning(LogRow::as_returning())
            .get_results(conn)
            .await?;
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
    if let Some(v) = visibility_filter(vis) {
        q = q.filter(v);
    }
    Ok(q.first(conn).await.optional()?)
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

impl Conditions<'_> {
    /// The list's whole WHERE clause. Built anew for each statement: diesel's boxed expressions are not `Clone`.
    fn filter(&self) -> Option<Filter> {
        let parts = [
            visibility_filter(self.visibility),
            cluster_filter(self.clusters),
            self.query.search.as_ref().map(compile),
        ];
        parts
            .into_iter()
            .flatten()
            .reduce(|a, b| Box::new(a.and(b)) as Filter)
    }
}

fn visibility_filter(vis: &Visibility) -> Option<Filter> {
    match vis {
        Visibility::All => None,
        Visibility::Account(account) => Some(owners::readable_by(account)),
    }
}

fn one_of<C>(col: C, values: &[String]) -> Option<Filter>
where
    C: Column<Table = cluster_logs::table, SqlType = diesel::sql_types::Text>
        + ExpressionMethods
        + BoxableExpression<cluster_logs::table, Pg, SqlType = diesel::sql_types::Text>
        + Copy
        + 'static,
    diesel::dsl::Eq<C, String>:
        BoxableExpression<cluster_logs::table, Pg, SqlType = diesel::sql_types::Bool>,
    diesel::dsl::EqAny<C, Vec<String>>:
        BoxableExpression<cluster_logs::table, Pg, SqlType = diesel::sql_types::Bool>,
{
    match values {
        [] => None,
        // A plain `=` lets the planner walk the (cluster, timestamp) index in order.
        [one] => Some(Box::new(col.eq(one.clone()))),
        many => Some(Box::new(col.eq_any(many.to_vec()))),
    }
}

fn cluster_filter(scope: &ClusterScope) -> Option<Filter> {
    match scope {
        ClusterScope::Any => None,
        ClusterScope::Ids {
            cluster_ids,
            cluster_uuids,
        } => {
            let by_id = one_of(cluster_logs::cluster_id, cluster_ids);
            let by_uuid = one_of(cluster_logs::cluster_uuid, cluster_uuids);
            match (by_id, by_uuid) {
                (Some(a), Some(b)) => Some(Box::new(a.or(b))),
                (a, b) => a.or(b),
            }
        }
    }
}

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

fn order(mut q: PageQuery, keys: &[(Field, Direction)]) -> PageQuery {
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

fn page_query(cond: &Conditions<'_>) -> PageQuery {
    let mut query: PageQuery = cluster_logs::table.select(LogRow::as_select()).into_boxed();
    if let Some(f) = cond.filter() {
        query = query.filter(f);
    }
    let q = cond.query;
    order(query, &q.order).limit(q.size).offset(q.offset())
}

fn count_query(
    cond: &Conditions<'_>,
) -> cluster_logs::BoxedQuery<'static, Pg, diesel::sql_types::BigInt> {
    let mut count = cluster_logs::table.count().into_boxed();
    if let Some(f) = cond.filter() {
        count = count.filter(f);
    }
    count
}

/// The total of matches, ignoring paging. Without a search it is read from the maintained counts (a few rows per
/// cluster, see `counts`); a search counts the logs it matches.
async fn count<C>(conn: &mut C, cond: &Conditions<'_>) -> Result<i64, diesel::result::Error>
where
    C: diesel_async::AsyncConnectionCore<Backend = Pg>,
{
    if cond.query.search.is_none() {
        counts::total(cond.visibility, cond.clusters)
            .get_result(conn)
            .await
    } else {
        count_query(cond).get_result(conn).await
    }
}

/// The total of matches, ignoring paging.
pub async fn total(conn: &mut AsyncPgConnection, cond: &Conditions<'_>) -> StoreResult<i64> {
    Ok(count(conn, cond).await?)
}

/// The requested page, read whole (for pages whose items need more than the row), and the total of matches.
pub async fn page_rows(
    conn: &mut AsyncPgConnection,
    cond: &Conditions<'_>,
) -> StoreResult<(Vec<LogRow>, i64)> {
    let total = count(conn, cond).await?;
    let rows = if cond.query.size == 0 {
        Vec::new()
    } else {
        page_query(cond).load(conn).await?
    };
    Ok((rows, total))
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
    let total = async {
        if with_total {
            count(&mut counting, cond).await.map(Some)
        } else {
            Ok(None)
        }
    };
    let rows = page_query(cond).load_stream::<LogRow>(&mut conn.0);
    let (total, rows) = futures_util::try_join!(total, rows)?;
    Ok((total, rows.map(|row| row.map_err(StoreError::from))))
}

/// How many logs the clusters have (from the maintained counts).
pub async fn count_for_clusters(
    conn: &mut AsyncPgConnection,
    clusters: &ClusterScope,
) -> StoreResult<i64> {
    Ok(counts::total(&Visibility::All, clusters)
        .get_result(conn)
        .await?)
}

/// Removes the clusters' logs; how many went.
pub async fn delete_for_clusters(
    conn: &mut AsyncPgConnection,
    clusters: &ClusterScope,
) -> StoreResult<i64> {
    let Some(f) = cluster_filter(clusters) else {
        return Ok(0);
    };
    let n = diesel::delete(cluster_logs::table.filter(f))
        .execute(conn)
        .await?;
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}
