//! The cluster-owner registry, and the condition that lets a reader see the logs of the clusters its account
//! owns.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, Text, Timestamptz};
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain_logs::owner::{Source, ValidOwner};
use platform::db::Cached;
use time::OffsetDateTime;

use crate::schema::cluster_owners;
use crate::store::StoreResult;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, PartialEq)]
#[diesel(table_name = cluster_owners, check_for_backend(Pg))]
pub struct OwnerRow {
    pub cluster_uuid: String,
    pub cluster_id: String,
    pub subscription_id: String,
    pub account_id: String,
    pub source: String,
    pub updated_at: OffsetDateTime,
}

impl OwnerRow {
    fn new(owner: &ValidOwner, source: Source) -> Self {
        Self {
            cluster_uuid: owner.cluster_uuid.clone(),
            cluster_id: owner.cluster_id.clone(),
            subscription_id: owner.subscription_id.clone(),
            account_id: owner.account_id.clone(),
            source: source.as_str().to_owned(),
            updated_at: OffsetDateTime::now_utc(),
        }
    }
}

/// Registers `owner` explicitly, replacing whatever was known (one statement: of two racing registrations the
/// later one wins whole).
pub async fn register(conn: &mut AsyncPgConnection, owner: &ValidOwner) -> StoreResult<OwnerRow> {
    use cluster_owners as o;
    let row = OwnerRow::new(owner, Source::Explicit);
    Ok(diesel::insert_into(o::table)
        .values(&row)
        .on_conflict(o::cluster_uuid)
        .do_update()
        .set((
            o::cluster_id.eq(excluded(o::cluster_id)),
            o::subscription_id.eq(excluded(o::subscription_id)),
            o::account_id.eq(excluded(o::account_id)),
            o::source.eq(excluded(o::source)),
            o::updated_at.eq(excluded(o::updated_at)),
        ))
        .returning(OwnerRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Records the learned owners unless their clusters already have one (explicit or learned), in one statement.
/// The first owner of a cluster in `owners` is the one recorded; rows go in cluster order, so that concurrent
/// batches lock the registry's index entries in the same order.
pub(crate) async fn learn_all<'a>(
    conn: &mut AsyncPgConnection,
    owners: impl Iterator<Item = &'a ValidOwner>,
) -> QueryResult<()> {
    let mut known = std::collections::HashSet::new();
    let mut first: Vec<&ValidOwner> = owners
        .filter(|o| known.insert(o.cluster_uuid.as_str()))
        .collect();
    if first.is_empty() {
        return Ok(());
    }
    first.sort_by(|a, b| a.cluster_uuid.cmp(&b.cluster_uuid));
    // One array per column: one SQL text (kept prepared) whatever the number of owners.
    let column = |f: fn(&ValidOwner) -> &str| first.iter().map(|o| f(o)).collect::<Vec<_>>();
    Cached::kept(
        diesel::sql_query(
            "INSERT INTO cluster_owners (cluster_uuid, cluster_id, subscription_id, account_id, source, updated_at) \
             SELECT t.*, $5, $6 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t \
             ON CONFLICT (cluster_uuid) DO NOTHING",
        )
        .bind::<Array<Text>, _>(column(|o| &o.cluster_uuid))
        .bind::<Array<Text>, _>(column(|o| &o.cluster_id))
        .bind::<Array<Text>, _>(column(|o| &o.subscription_id))
        .bind::<Array<Text>, _>(column(|o| &o.account_id))
        .bind::<Text, _>(Source::Learned.as_str())
        .bind::<Timestamptz, _>(OffsetDateTime::now_utc()),
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    cluster_uuid: &str,
) -> StoreResult<Option<OwnerRow>> {
    Ok(cluster_owners::table
        .find(cluster_uuid.to_owned())
        .select(OwnerRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Forgets the owner; whether there was one. The cluster's logs stay.
pub async fn remove(conn: &mut AsyncPgConnection, cluster_uuid: &str) -> StoreResult<bool> {
    let n = diesel::delete(cluster_owners::table.find(cluster_uuid.to_owned()))
        .execute(conn)
        .await?;
    Ok(n > 0)
}

/// The logs `account` may read with `service-logs.log.read`: not `internal_only`, and either its own
/// `account_id` is the account's or its cluster is owned by the account now, matched by `cluster_uuid`, or by
/// `cluster_id` when the log has no uuid.
///
/// The owned clusters are two `ARRAY(SELECT ...)` sub-plans, each run once per statement as one index-only
/// lookup (`cluster_owners_account`); as `= ANY(...)` they stay index conditions, so PostgreSQL can combine the
/// account, cluster-uuid and cluster-id indexes of the logs (a plain `IN (SELECT ...)` under `OR` could not).
///
/// A macro over the table: `cluster_logs`, and `log_counts`, whose rows count logs by the same columns.
macro_rules! readable_on {
    ($table:ident, $account:expr) => {{
        let account: &str = $account;
        let owned = diesel::dsl::sql::<diesel::sql_types::Bool>(concat!(
            "(\"",
            stringify!($table),
            "\".\"cluster_uuid\" = ANY(ARRAY(SELECT o.cluster_uuid FROM cluster_owners o WHERE o.account_id = "
        ))
        .bind::<diesel::sql_types::Text, _>(account.to_owned())
        .sql(concat!(
            ")) OR (\"",
            stringify!($table),
            "\".\"cluster_uuid\" = '' AND \"",
            stringify!($table),
            "\".\"cluster_id\" = ANY(ARRAY(SELECT o.cluster_id FROM cluster_owners o WHERE o.account_id = "
        ))
        .bind::<diesel::sql_types::Text, _>(account.to_owned())
        .sql(" AND o.cluster_id <> ''))))");
        Box::new(
            $table::internal_only
                .eq(false)
                .and($table::account_id.eq(account.to_owned()).or(owned)),
        )
    }};
}
pub(crate) use readable_on;
