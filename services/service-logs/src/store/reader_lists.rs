//! The page of a reader's list of every cluster (`service-logs.log.read`, no cluster named): the logs of its account
//! and of the clusters it owns, none `internal_only`.
//!
//! As one condition on `cluster_logs` (`owners::readable_on!`), PostgreSQL walks the index of the list's order and
//! tests every log it passes, so the page's cost grows with the table, not with what the reader sees: at 10 million
//! logs, 14 s (created_at) and 31 s (timestamp) for an account with no logs, 21 ms for one holding 1 % of the table.
//! Here each part of what the reader sees (its own logs, each owned cluster's, the owned clusters' logs without a
//! uuid) is read by its own index in the list's order and the parts are merged, so a page reads about
//! `size + offset` logs of the reader per part, whatever the table holds:
//!
//! - the default order (newest first) without a search (a list with no parameters, `ocm get`): the `reader_page`
//!   function (migration `2026-12-06-000004_reader_page`, tidied by `2026-12-07-000001_reader_page_one_owner_lookup`), one SQL text kept prepared, whose plan PostgreSQL keeps;
//! - a search or another order: the same merge built here ([`ReaderUnion`]), each part with the search, planned for
//!   its one execution like every search; in `created_at` or `timestamp` order the clusters' parts stop at the
//!   reader's own k-th log (k = size + offset), as in the function. Past [`MERGED_CLUSTERS`] owned clusters, their logs are one LATERAL part
//!   (each cluster's in order, at most `size + offset` each) rather than one part each: the statement's size stays
//!   bounded.
//!
//! `tests/api/reader_page.rs` holds both to the rule as one condition.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, BoxedSqlQuery, Query, QueryFragment, QueryId, SqlQuery};
use diesel::sql_types::{Array, BigInt, Text};
use diesel_async::RunQueryDsl;
use platform::db::Cached;

use crate::fields::Field;
use crate::listing::{ClusterScope, Direction};
use crate::schema::{cluster_logs, cluster_owners};
use crate::store::logs::{Conditions, PageQuery, Seen, order};
use crate::store::rows::LogRow;
use crate::store::search::{Filter, compile};

/// Owned clusters merged one part each; more are one part (see the module's doc).
const MERGED_CLUSTERS: usize = 64;

/// How a reader's page of every cluster is read.
pub(super) enum Reader<'a> {
    Function(ReaderPage<'a>),
    Union(ReaderUnion),
}

/// The statement for `cond`'s page when it is a reader's list of every cluster (`None`: any other list, whose
/// cluster scope decides its index). A search or an order other than the default looks the owned clusters up first.
pub(super) async fn plan<'a, C>(
    conn: &mut C,
    cond: &Conditions<'_>,
    seen: Seen<'a>,
) -> QueryResult<Option<Reader<'a>>>
where
    C: diesel_async::AsyncConnectionCore<Backend = Pg>,
{
    let Seen::Reader(account) = seen else {
        return Ok(None);
    };
    if !matches!(cond.clusters, ClusterScope::Any) {
        return Ok(None);
    }
    let q = cond.query;
    let newest_first = matches!(
        q.order.as_slice(),
        [] | [(Field::CreatedAt, Direction::Desc)]
    );
    if newest_first && q.search.is_none() {
        return Ok(Some(Reader::Function(ReaderPage {
            account,
            size: q.size,
            offset: q.offset(),
        })));
    }
    let owned: Vec<(String, String)> = Cached::kept(
        cluster_owners::table
            .filter(cluster_owners::account_id.eq(account.to_owned()))
            .select((cluster_owners::cluster_uuid, cluster_owners::cluster_id)),
    )
    .load(conn)
    .await?;
    Ok(Some(Reader::Union(ReaderUnion::new(cond, account, owned))))
}

/// `SELECT * FROM reader_page(account, size, offset)`.
pub(super) struct ReaderPage<'a> {
    account: &'a str,
    size: i64,
    offset: i64,
}

impl<'a> ReaderPage<'a> {
    pub(super) fn query(&self) -> Cached<BoxedSqlQuery<'a, Pg, SqlQuery>> {
        Cached::kept(
            diesel::sql_query("SELECT * FROM reader_page($1, $2, $3)")
                .into_boxed()
                .bind::<Text, _>(self.account)
                .bind::<BigInt, _>(self.size)
                .bind::<BigInt, _>(self.offset),
        )
    }
}

/// `SELECT DISTINCT ON (<keys>) * FROM ((<part>) UNION ALL ...) AS page ORDER BY <keys> LIMIT size OFFSET offset`,
/// each part in the page's order and limited to `size + offset` logs. A log in two parts (its account's and its
/// cluster's) is one row: the keys end with `id`, so its copies are adjacent in the merged order.
pub(super) struct ReaderUnion {
    parts: Vec<Part>,
    keys: Vec<(Field, Direction)>,
    /// Whether the parts after the first stop at the cut-off (the statement starts `WITH cut AS (...)`).
    cut: bool,
    /// `size + offset`: what each part must hand over at most.
    limit: i64,
    /// `limit - 1`: the cut-off's offset in the reader's own logs.
    last: i64,
    size: i64,
    offset: i64,
}

/// One part of a [`ReaderUnion`]: its logs, in the page's order, at most `limit` of them.
struct Part {
    query: PageQuery,
    how: Read,
}

enum Read {
    /// By its own index (its account's, its cluster's), in the page's order.
    Ordered,
    /// Its own index cannot give the page's order: read whole and sorted (`SELECT * FROM (<its logs> OFFSET 0)
    /// ORDER BY ... LIMIT`: the OFFSET keeps PostgreSQL from walking another index in that order, e.g.
    /// `severity`'s or `service_name`'s, testing every log of the table for this part).
    Fenced,
    /// Once per owned cluster (`unnest(<uuids>) AS owned(uuid) CROSS JOIN LATERAL (<its logs>)`), each in order:
    /// more owned clusters than [`MERGED_CLUSTERS`].
    PerCluster(Vec<String>),
}

impl ReaderUnion {
    fn new(cond: &Conditions<'_>, account: &str, owned: Vec<(String, String)>) -> Self {
        use cluster_logs as t;
        let q = cond.query;
        let mut keys = if q.order.is_empty() {
            vec![(Field::CreatedAt, Direction::Desc)]
        } else {
            q.order.clone()
        };
        if !keys.iter().any(|(f, _)| *f == Field::Id) {
            keys.push((Field::Id, Direction::Desc));
        }
        let limit = q.size.saturating_add(q.offset());
        let first = <[_]>::first(&keys).map(|(f, _)| *f);
        // The indexes the parts are read by: (account_id, created_at | timestamp, id) and (cluster_uuid,
        // created_at | timestamp, id); lists of clusters (`= ANY`) come in no order.
        let ordered = matches!(first, Some(Field::CreatedAt | Field::Timestamp));
        // The cut-off: with `limit` logs of its own at least this new (or old, ascending), the page's logs all are,
        // so the other parts stop there (`cut`, the first key of the own part's `limit`-th log, in the statement's
        // WITH; none when the reader has fewer logs of its own).
        let cut = match <[_]>::first(&keys) {
            Some((field, dir)) if ordered && limit >= 1 => {
                let (op, none) = match dir {
                    Direction::Desc => (">=", "-infinity"),
                    Direction::Asc => ("<=", "infinity"),
                };
                Some(format!(
                    "\"cluster_logs\".\"{}\" {op} coalesce((SELECT at FROM cut), '{none}')",
                    field.name()
                ))
            }
            _ => None,
        };
        let part = |visible: Filter, how: Read| -> Part {
            let mut p: PageQuery = t::table
                .select(LogRow::as_select())
                .filter(t::internal_only.eq(false))
                .filter(visible)
                .into_boxed();
            if let Some(search) = &q.search {
                p = p.filter(compile(search));
            }
            let query = match how {
                Read::Fenced => p.offset(0),
                Read::Ordered | Read::PerCluster(_) => order(p, &keys).limit(limit),
            };
            Part { query, how }
        };
        let (uuids, mut ids): (Vec<String>, Vec<String>) = owned.into_iter().unzip();
        ids.retain(|id| !id.is_empty());
        ids.sort_unstable();
        ids.dedup();
        let ordered_if = |yes: bool| if yes { Read::Ordered } else { Read::Fenced };
        let mut parts = vec![part(
            Box::new(t::account_id.eq(account.to_owned())),
            ordered_if(ordered),
        )];
        // Every part after the reader's own: its clusters', within the cut-off.
        let part = |visible: Filter, how: Read| -> Part {
            match &cut {
                Some(c) => part(
                    Box::new(visible.and(diesel::dsl::sql::<diesel::sql_types::Bool>(c))),
                    how,
                ),
                None => part(visible, how),
            }
        };
        if uuids.len() <= MERGED_CLUSTERS {
            parts.extend(
                uuids
                    .into_iter()
                    .map(|u| part(Box::new(t::cluster_uuid.eq(u)), ordered_if(ordered))),
            );
        } else if ordered {
            let each = diesel::dsl::sql::<diesel::sql_types::Bool>(
                "\"cluster_logs\".\"cluster_uuid\" = owned.uuid",
            );
            parts.push(part(Box::new(each), Read::PerCluster(uuids)));
        } else {
            parts.push(part(Box::new(t::cluster_uuid.eq_any(uuids)), Read::Fenced));
        }
        if !ids.is_empty() {
            parts.push(part(
                Box::new(t::cluster_uuid.eq("").and(t::cluster_id.eq_any(ids))),
                Read::Fenced,
            ));
        }
        Self {
            parts,
            keys,
            cut: cut.is_some(),
            limit,
            last: limit.saturating_sub(1),
            size: q.size,
            offset: q.offset(),
        }
    }

    /// ` FROM (<query>) AS part ORDER BY <keys>`.
    fn push_sorted<'b>(
        &'b self,
        out: &mut AstPass<'_, 'b, Pg>,
        query: &'b PageQuery,
    ) -> QueryResult<()> {
        out.push_sql(" FROM (");
        QueryFragment::<Pg>::walk_ast(query, out.reborrow())?;
        out.push_sql(") AS part ORDER BY ");
        self.push_keys(out, true)
    }

    fn push_keys<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>, directions: bool) -> QueryResult<()> {
        for (i, (field, dir)) in self.keys.iter().enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_identifier(field.name())?;
            if directions {
                out.push_sql(match dir {
                    Direction::Asc => " ASC",
                    Direction::Desc => " DESC",
                });
            }
        }
        Ok(())
    }
}

impl QueryFragment<Pg> for ReaderUnion {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        // One shape per search and number of owned clusters: planned for this execution, never kept.
        out.unsafe_to_cache_prepared();
        if let (true, Some(own), Some((first, _))) = (
            self.cut,
            <[_]>::first(&self.parts),
            <[_]>::first(&self.keys),
        ) {
            out.push_sql("WITH cut AS (SELECT ");
            out.push_identifier(first.name())?;
            out.push_sql(" AS at");
            self.push_sorted(&mut out, &own.query)?;
            out.push_sql(" OFFSET ");
            out.push_bind_param::<BigInt, _>(&self.last)?;
            out.push_sql(" LIMIT 1) ");
        }
        out.push_sql("SELECT DISTINCT ON (");
        self.push_keys(&mut out, false)?;
        out.push_sql(") * FROM (");
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.push_sql(" UNION ALL ");
            }
            out.push_sql("(");
            match &part.how {
                Read::Ordered => QueryFragment::<Pg>::walk_ast(&part.query, out.reborrow())?,
                Read::Fenced => {
                    out.push_sql("SELECT *");
                    self.push_sorted(&mut out, &part.query)?;
                    out.push_sql(" LIMIT ");
                    out.push_bind_param::<BigInt, _>(&self.limit)?;
                }
                Read::PerCluster(uuids) => {
                    out.push_sql("SELECT part.* FROM unnest(");
                    out.push_bind_param::<Array<Text>, _>(uuids)?;
                    out.push_sql(") AS owned(uuid) CROSS JOIN LATERAL (");
                    QueryFragment::<Pg>::walk_ast(&part.query, out.reborrow())?;
                    out.push_sql(") AS part");
                }
            }
            out.push_sql(")");
        }
        out.push_sql(") AS page ORDER BY ");
        self.push_keys(&mut out, true)?;
        out.push_sql(" LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.size)?;
        out.push_sql(" OFFSET ");
        out.push_bind_param::<BigInt, _>(&self.offset)?;
        Ok(())
    }
}

impl QueryId for ReaderUnion {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for ReaderUnion {
    type SqlType = <PageQuery as Query>::SqlType;
}
