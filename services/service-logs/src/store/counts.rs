//! Totals from `log_counts` (kept by triggers on `cluster_logs`, see its migration): the logs of each
//! (account, cluster uuid, cluster id, internal) are counted once, so a list without a search totals a few rows
//! per cluster instead of counting its logs. The condition is the list's own (`logs::visible_on!`, on the same columns); `tests/api/counts.rs` checks every total against counting the logs.

use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;

use crate::listing::ClusterScope;
use crate::schema::log_counts;
use crate::store::logs::{Seen, visible_on};

/// How many logs `seen` covers in `scope`: what `SELECT count(*)` over the logs would answer.
pub(crate) fn total(
    seen: Seen<'_>,
    scope: &ClusterScope,
) -> log_counts::BoxedQuery<'static, Pg, diesel::sql_types::BigInt> {
    let mut q = log_counts::table
        .select(sql::<diesel::sql_types::BigInt>(
            "coalesce(sum(n), 0)::int8",
        ))
        .into_boxed();
    if let Some(f) = visible_on!(log_counts, seen, scope) {
        q = q.filter(f);
    }
    q
}
