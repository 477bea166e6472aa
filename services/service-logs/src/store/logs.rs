//! Queries on the logs table.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use domain_logs::owner::ValidOwner;
use futures_util::{Stream, StreamExt};
use platform::db::DbConn;

use crate::fields::Field;
use crate::listing::{ClusterScope, Direction, ListQuery, Visibility};
use crate::schema::cluster_logs;
use crate::store::notifications::{self, Queueing};
use crate::store::rows::LogRow;
use crate::store::search::{Filter, compile};
use crate::store::{StoreError, StoreResult, owners};

type PageQuery = cluster_logs::BoxedQuery<'static, Pg, diesel::dsl::AsSelect<LogRow, Pg>>;

/// Stores a new log, the cluster owner it teaches (if any, and the cluster has none yet) and the notifications
/// of the triggers it matches, in one transaction.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    row: &LogRow,
    learned: Option<&ValidOwner>,
    queueing: &Queueing,
) -> StoreResult<LogRow> {
    Ok(conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            insert_row(conn, row, learned, queueing).await
        })
        .await?)
}

/// The insert itself, the learned owner and the matched notifications, for callers already inside a
/// transaction.
pub(crate) async fn insert_row(
    conn: &mut AsyncPgConnection,
    row: &LogRow,
    learned: Option<&ValidOwner>,
    queueing: &Queueing,
) -> QueryResult<LogRow> {
    let log = diesel::insert_into(cluster_logs::table)
        .values(row)
        .returning(LogRow::as_returning())
        .get_result(conn)
        .await?;
    if let Some(owner) = learned {
        owners::learn(conn, owner).await?;
    }
    // After the owner: a learned owner's account sees the log it came with.
    notifications::queue_matched(conn, std::slice::from_ref(&log), queueing).await?;
    Ok(log)
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

/// The total of matches, ignoring paging.
pub async fn total(conn: &mut AsyncPgConnection, cond: &Conditions<'_>) -> StoreResult<i64> {
    Ok(count_query(cond).get_result(conn).await?)
}

/// The requested page, read whole (for pages whose items need more than the row), and the total of matches.
pub async fn page_rows(
    conn: &mut AsyncPgConnection,
    cond: &Conditions<'_>,
) -> StoreResult<(Vec<LogRow>, i64)> {
    let total = count_query(cond).get_result(conn).await?;
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
            count_query(cond)
                .get_result::<i64>(&mut counting)
                .await
                .map(Some)
        } else {
            Ok(None)
        }
    };
    let rows = page_query(cond).load_stream::<LogRow>(&mut conn.0);
    let (total, rows) = futures_util::try_join!(total, rows)?;
    Ok((total, rows.map(|row| row.map_err(StoreError::from))))
}

/// How many logs the clusters have.
pub async fn count_for_clusters(
    conn: &mut AsyncPgConnection,
    clusters: &ClusterScope,
) -> StoreResult<i64> {
    let mut q = cluster_logs::table.count().into_boxed();
    if let Some(f) = cluster_filter(clusters) {
        q = q.filter(f);
    }
    Ok(q.get_result(conn).await?)
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
