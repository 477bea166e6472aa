//! Totals from `log_counts` (kept by triggers on `cluster_logs`, see its migration): the logs of each
//! (account, cluster uuid, cluster id, internal) are counted once, so a list without a search totals a few rows
//! per cluster instead of counting its logs. The predicates mirror [`super::owners::readable_by`] and the list's
//! cluster scope on the same columns; `tests/api/counts.rs` checks every total against counting the logs.

use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::listing::ClusterScope;
use crate::schema::log_counts;
use crate::store::logs::Seen;

type CountFilter = Box<dyn BoxableExpression<log_counts::table, Pg, SqlType = Bool>>;

/// The rows whose logs `account` may read: `owners::readable_by` on `log_counts`.
fn readable_by(account: &str) -> CountFilter {
    crate::store::owners::readable_on!(log_counts, account)
}

fn in_scope(scope: &ClusterScope) -> Option<CountFilter> {
    match scope {
        ClusterScope::Any => None,
        ClusterScope::Ids {
            cluster_ids,
            cluster_uuids,
        } => {
            let by_id: Option<CountFilter> = (!cluster_ids.is_empty()).then(|| {
                Box::new(log_counts::cluster_id.eq_any(cluster_ids.clone())) as CountFilter
            });
            let by_uuid: Option<CountFilter> = (!cluster_uuids.is_empty()).then(|| {
                Box::new(log_counts::cluster_uuid.eq_any(cluster_uuids.clone())) as CountFilter
            });
            match (by_id, by_uuid) {
                (Some(a), Some(b)) => Some(Box::new(a.or(b))),
                (a, b) => a.or(b),
            }
        }
    }
}

/// How many logs `seen` covers in `scope`: what `SELECT count(*)` over the logs would answer.
pub(crate) fn total(
    seen: Seen<'_>,
    scope: &ClusterScope,
) -> log_counts::BoxedQuery<'static, Pg, diesel::sql_types::BigInt> {
    let parts = [
        match seen {
            Seen::All => None,
            Seen::Reader(account) => Some(readable_by(account)),
            Seen::Public => Some(Box::new(log_counts::internal_only.eq(false)) as CountFilter),
            Seen::Account(account) => Some(Box::new(
                log_counts::internal_only
                    .eq(false)
                    .and(log_counts::account_id.eq(account.to_owned())),
            ) as CountFilter),
        },
        in_scope(scope),
    ];
    let mut q = log_counts::table
        .select(sql::<diesel::sql_types::BigInt>(
            "coalesce(sum(n), 0)::int8",
        ))
        .into_boxed();
    if let Some(f) = parts
        .into_iter()
        .flatten()
        .reduce(|a, b| Box::new(a.and(b)) as CountFilter)
    {
        q = q.filter(f);
    }
    q
}
