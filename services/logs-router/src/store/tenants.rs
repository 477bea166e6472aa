//! Tenants and their targets. Every write runs in one transaction with its audit event, locks the tenant row
//! first (so concurrent writes to one tenant serialise and the loser sees a changed etag), asks
//! `domain_routing::tenant` whether the tenant may take the change, with what it read under the lock, and keeps
//! the etags in step with the representation.

use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use domain_routing::TargetType;
use domain_routing::etag::{self, Condition, precondition_holds};
use domain_routing::tenant::{self, Change};
use uuid::Uuid;

use crate::schema::{targets, tenants};
use crate::store::outbox;
use crate::store::rows::{NewOutboxEvent, TargetRow, TenantRow};
use crate::store::{StoreError, TxError};
use platform::db::Cached;

pub type TenantWithTargets = (TenantRow, Vec<TargetRow>);

fn types_of(targets: &[TargetRow]) -> Result<Vec<TargetType>, StoreError> {
    targets.iter().map(TargetRow::kind).collect()
}

fn target_tag(row: &TargetRow) -> Result<String, StoreError> {
    Ok(etag::target(&row.facts()?))
}

async fn targets_of(conn: &mut AsyncPgConnection, tenant_id: Uuid) -> QueryResult<Vec<TargetRow>> {
    targets::table
        .filter(targets::tenant_id.eq(tenant_id))
        .order((targets::created_at.asc(), targets::id.asc()))
        .select(TargetRow::as_select())
        .load(conn)
        .await
}

/// The account's tenants (optionally only the one named `name`), oldest first, with their targets.
pub async fn list(
    conn: &mut AsyncPgConnection,
    account: &str,
    name: Option<&str>,
) -> Result<Vec<TenantWithTargets>, StoreError> {
    let mut q = tenants::table
        .filter(tenants::account_id.eq(account.to_owned()))
        .into_boxed();
    if let Some(n) = name {
        q = q.filter(tenants::name.eq(n.to_owned()));
    }
    let rows: Vec<TenantRow> = q
        .order((tenants::created_at.asc(), tenants::id.asc()))
        .select(TenantRow::as_select())
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|t| t.id).collect();
    let all_targets: Vec<TargetRow> = targets::table
        .filter(targets::tenant_id.eq_any(ids))
        .order((targets::created_at.asc(), targets::id.asc()))
        .select(TargetRow::as_select())
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|t| {
            let mine = all_targets
                .iter()
                .filter(|x| x.tenant_id == t.id)
                .cloned()
                .collect();
            (t, mine)
        })
        .collect())
}

/// One tenant of the account, with its targets.
pub async fn get(
    conn: &mut AsyncPgConnection,
    account: &str,
    id: Uuid,
) -> Result<Option<TenantWithTargets>, StoreError> {
    let row: Option<TenantRow> = tenants::table
        .filter(tenants::id.eq(id))
        .filter(tenants::account_id.eq(account.to_owned()))
        .select(TenantRow::as_select())
        .first(conn)
        .await
        .optional()?;
    match row {
        None => Ok(None),
        Some(t) => {
            let ts = targets_of(conn, t.id).await?;
            Ok(Some((t, ts)))
        }
    }
}

async fn lock_tenant(
    conn: &mut AsyncPgConnection,
    account: &str,
    id: Uuid,
) -> Result<TenantRow, StoreError> {
    tenants::table
        .filter(tenants::id.eq(id))
        .filter(tenants::account_id.eq(account.to_owned()))
        .select(TenantRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or(StoreError::TenantNotFound(id))
}

/// Recomputes and stores the tenant's etag after its targets changed, from `targets`: the tenant's targets as they
/// now stand, which the caller read under the tenant's lock and changed itself (no second read). The request's
/// trace id goes with it: the tenant row is one the request writes.
async fn refresh_tenant_etag(
    conn: &mut AsyncPgConnection,
    mut tenant: TenantRow,
    mut targets: Vec<TargetRow>,
    trace_id: &str,
) -> Result<TenantWithTargets, StoreError> {
    targets.sort_by_key(|t| (t.created_at, t.id));
    tenant.etag = etag::tenant(&tenant.facts(&targets));
    tenant.trace_id = trace_id.to_owned();
    Cached::kept(
        diesel::update(tenants::table.filter(tenants::id.eq(tenant.id))).set((
            tenants::etag.eq(&tenant.etag),
            tenants::trace_id.eq(&tenant.trace_id),
        )),
    )
    .execute(conn)
    .await?;
    Ok((tenant, targets))
}

fn check_if_match(
    if_match: Option<&Condition>,
    current: &str,
    required: bool,
) -> Result<(), StoreError> {
    if precondition_holds(if_match, current, required) {
        Ok(())
    } else {
        Err(StoreError::Precondition)
    }
}

/// Creates a tenant with its targets, unless the account is at its limit.
pub async fn create(
    conn: &mut AsyncPgConnection,
    limit: u32,
    mut tenant: TenantRow,
    mut new_targets: Vec<TargetRow>,
    record: impl FnOnce(&TenantRow) -> NewOutboxEvent + Send,
) -> Result<TenantWithTargets, StoreError> {
    conn.transaction(async |conn| {
        // Serialise creates per account so two at once cannot both pass the limit check.
        Cached::kept(
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind::<Text, _>(format!("tenants:{}", tenant.account_id)),
        )
        .execute(conn)
        .await?;
        let count: i64 = tenants::table
            .filter(tenants::account_id.eq(&tenant.account_id))
            .count()
            .get_result(conn)
            .await?;
        tenant::check_new_tenant(count, limit)?;
        for t in &mut new_targets {
            t.etag = target_tag(t)?;
        }
        tenant.etag = etag::tenant(&tenant.facts(&new_targets));
        diesel::insert_into(tenants::table)
            .values(&tenant)
            .execute(conn)
            .await?;
        // One statement for all the targets: its text varies only with their number, which the rules bound (one
        // target per type), so it is cached like the others.
        if !new_targets.is_empty() {
            Cached::kept(diesel::insert_into(targets::table).values(&new_targets))
                .execute(conn)
                .await?;
        }
        outbox::insert(conn, &record(&tenant)).await?;
        Ok((tenant, new_targets))
    })
    .await
}

/// Renames a tenant if `if_match` matches its etag.
pub async fn rename(
    conn: &mut AsyncPgConnection,
    account: &str,
    id: Uuid,
    if_match: Option<&Condition>,
    new_name: &str,
    trace_id: &str,
    record: impl FnOnce(&TenantRow) -> NewOutboxEvent + Send,
) -> Result<TenantWithTargets, StoreError> {
    conn.transaction(async |conn| {
        let mut tenant = lock_tenant(conn, account, id).await?;
        check_if_match(if_match, &tenant.etag, true)?;
        let ts = targets_of(conn, id).await?;
        tenant.name = new_name.to_owned();
        tenant.updated_at = crate::store::rows::now();
        tenant.trace_id = trace_id.to_owned();
        tenant.etag = etag::tenant(&tenant.facts(&ts));
        Cached::kept(
            diesel::update(tenants::table.filter(tenants::id.eq(id))).set((
                tenants::name.eq(&tenant.name),
                tenants::updated_at.eq(tenant.updated_at),
                tenants::trace_id.eq(&tenant.trace_id),
                tenants::etag.eq(&tenant.etag),
            )),
        )
        .execute(conn)
        .await?;
        outbox::insert(conn, &record(&tenant)).await?;
        Ok((tenant, ts))
    })
    .await
}

/// Deletes a tenant (its targets go with it) if `if_match`, when sent, matches.
pub async fn delete(
    conn: &mut AsyncPgConnection,
    account: &str,
    id: Uuid,
    if_match: Option<&Condition>,
    record: impl FnOnce(&TenantRow) -> NewOutboxEvent + Send,
) -> Result<TenantRow, StoreError> {
    conn.transaction(async |conn| {
        let tenant = lock_tenant(conn, account, id).await?;
        check_if_match(if_match, &tenant.etag, false)?;
        diesel::delete(tenants::table.filter(tenants::id.eq(id)))
            .execute(conn)
            .await?;
        outbox::insert(conn, &record(&tenant)).await?;
        Ok(tenant)
    })
    .await
}

/// Adds a target to a tenant, if the tenant may take it; names are unique (a constraint).
pub async fn add_target(
    conn: &mut AsyncPgConnection,
    account: &str,
    tenant_id: Uuid,
    mut target: TargetRow,
    record: impl FnOnce(&TenantRow) -> NewOutboxEvent + Send,
) -> Result<(TenantRow, TargetRow), StoreError> {
    conn.transaction(async |conn| {
        let tenant = lock_tenant(conn, account, tenant_id).await?;
        let mut existing = targets_of(conn, tenant_id).await?;
        tenant::check(&types_of(&existing)?, Change::AddTarget(target.kind()?))?;
        target.etag = target_tag(&target)?;
        diesel::insert_into(targets::table)
            .values(&target)
            .execute(conn)
            .await?;
        existing.push(target.clone());
        let (tenant, _) = refresh_tenant_etag(conn, tenant, existing, &target.trace_id).await?;
        outbox::insert(conn, &record(&tenant)).await?;
        Ok((tenant, target))
    })
    .await
}

/// Applies `change` to a target if `if_match` matches its etag and the tenant may take the result. `change` gets
/// the current row and returns the new one, or refuses with its own error (hence `E`, handed back as
/// [`TxError::Change`]).
pub async fn update_target<E>(
    conn: &mut AsyncPgConnection,
    account: &str,
    (tenant_id, target_id): (Uuid, Uuid),
    if_match: Option<&Condition>,
    change: impl FnOnce(&TargetRow) -> Result<TargetRow, E> + Send,
    record: impl FnOnce(&TenantRow, &TargetRow) -> NewOutboxEvent + Send,
) -> Result<(TenantRow, TargetRow), TxError<E>>
where
    E: Send,
{
    conn.transaction(async |conn| {
        let tenant = lock_tenant(conn, account, tenant_id).await?;
        let mut existing = targets_of(conn, tenant_id).await?;
        let at = existing
            .iter()
            .position(|t| t.id == target_id)
            .ok_or(StoreError::TargetNotFound(target_id))?;
        let current = &existing[at];
        check_if_match(if_match, &current.etag, true)?;
        let mut next = change(current).map_err(TxError::Change)?;
        let kinds = Change::ChangeTarget {
            from: current.kind()?,
            to: next.kind()?,
        };
        tenant::check(&types_of(&existing)?, kinds).map_err(StoreError::from)?;
        next.etag = target_tag(&next)?;
        Cached::kept(
            diesel::update(targets::table.filter(targets::id.eq(target_id))).set((
                targets::name.eq(&next.name),
                targets::log_sink_crn.eq(&next.log_sink_crn),
                targets::target_type.eq(&next.target_type),
                targets::host.eq(&next.host),
                targets::port.eq(next.port),
                targets::credential_sealed.eq(&next.credential_sealed),
                targets::etag.eq(&next.etag),
                targets::updated_at.eq(next.updated_at),
                targets::trace_id.eq(&next.trace_id),
            )),
        )
        .execute(conn)
        .await
        .map_err(StoreError::from)?;
        existing[at] = next.clone();
        let (tenant, _) = refresh_tenant_etag(conn, tenant, existing, &next.trace_id).await?;
        outbox::insert(conn, &record(&tenant, &next)).await?;
        Ok((tenant, next))
    })
    .await
}

/// Deletes a target if the tenant may lose it (not its last); honours `if_match` when sent.
pub async fn delete_target(
    conn: &mut AsyncPgConnection,
    account: &str,
    (tenant_id, target_id): (Uuid, Uuid),
    if_match: Option<&Condition>,
    trace_id: &str,
    record: impl FnOnce(&TenantRow, &TargetRow) -> NewOutboxEvent + Send,
) -> Result<TenantRow, StoreError> {
    conn.transaction(async |conn| {
        let tenant = lock_tenant(conn, account, tenant_id).await?;
        let mut existing = targets_of(conn, tenant_id).await?;
        let at = existing
            .iter()
            .position(|t| t.id == target_id)
            .ok_or(StoreError::TargetNotFound(target_id))?;
        check_if_match(if_match, &existing[at].etag, false)?;
        tenant::check(&types_of(&existing)?, Change::DeleteTarget)?;
        diesel::delete(targets::table.filter(targets::id.eq(target_id)))
            .execute(conn)
            .await?;
        let current = existing.remove(at);
        let (tenant, _) = refresh_tenant_etag(conn, tenant, existing, trace_id).await?;
        outbox::insert(conn, &record(&tenant, &current)).await?;
        Ok(tenant)
    })
    .await
}
