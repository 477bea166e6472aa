//! Tenants and their targets. Every write runs in one transaction with its audit event, locks the tenant row
//! first (so concurrent writes to one tenant serialise and the loser sees a changed etag), and keeps the etags in
//! step with the representation.

use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::etag;
use crate::schema::{targets, tenants};
use crate::store::OpError;
use crate::store::outbox;
use crate::store::rows::{NewOutboxRow, TargetRow, TenantRow};

pub type TenantWithTargets = (TenantRow, Vec<TargetRow>);

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
) -> QueryResult<Vec<TenantWithTargets>> {
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
) -> QueryResult<Option<TenantWithTargets>> {
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
) -> Result<TenantRow, OpError> {
    tenants::table
        .filter(tenants::id.eq(id))
        .filter(tenants::account_id.eq(account.to_owned()))
        .select(TenantRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or(OpError::TenantNotFound)
}

/// Recomputes and stores the tenant's etag after its targets changed. The request's trace id goes with it: the
/// tenant row is one the request writes.
async fn refresh_tenant_etag(
    conn: &mut AsyncPgConnection,
    mut tenant: TenantRow,
    trace_id: &str,
) -> Result<TenantWithTargets, OpError> {
    let ts = targets_of(conn, tenant.id).await?;
    tenant.etag = etag::tenant(&tenant, &ts);
    tenant.trace_id = trace_id.to_owned();
    diesel::update(tenants::table.filter(tenants::id.eq(tenant.id)))
        .set((
            tenants::etag.eq(&tenant.etag),
            tenants::trace_id.eq(&tenant.trace_id),
        ))
        .execute(conn)
        .await?;
    Ok((tenant, ts))
}

fn check_if_match(if_match: Option<&str>, current: &str, required: bool) -> Result<(), OpError> {
    match if_match {
        Some(h) if etag::if_match(h, current) => Ok(()),
        None if !required => Ok(()),
        _ => Err(OpError::Precondition),
    }
}

/// Creates a tenant with its targets, unless the account is at its limit.
pub async fn create(
    conn: &mut AsyncPgConnection,
    limit: u32,
    mut tenant: TenantRow,
    mut new_targets: Vec<TargetRow>,
    record: impl FnOnce(&TenantRow) -> NewOutboxRow + Send,
) -> Result<TenantWithTargets, OpError> {
    conn.transaction(async |conn| {
        // Serialise creates per account so two at once cannot both pass the limit check.
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind::<Text, _>(format!("tenants:{}", tenant.account_id))
            .execute(conn)
            .await?;
        let count: i64 = tenants::table
            .filter(tenants::account_id.eq(&tenant.account_id))
            .count()
            .get_result(conn)
            .await?;
        if count >= i64::from(limit) {
            return Err(OpError::Conflict(format!(
                "The account already has the maximum number of tenants in this region ({limit})."
            )));
        }
        for t in &mut new_targets {
            t.etag = etag::target(t);
        }
        tenant.etag = etag::tenant(&tenant, &new_targets);
        diesel::insert_into(tenants::table)
            .values(&tenant)
            .execute(conn)
            .await
            .map_err(OpError::from_db)?;
        diesel::insert_into(targets::table)
            .values(&new_targets)
            .execute(conn)
            .await
            .map_err(OpError::from_db)?;
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
    if_match: Option<&str>,
    new_name: &str,
    trace_id: &str,
    record: impl FnOnce(&TenantRow) -> NewOutboxRow + Send,
) -> Result<TenantWithTargets, OpError> {
    conn.transaction(async |conn| {
        let mut tenant = lock_tenant(conn, account, id).await?;
        check_if_match(if_match, &tenant.etag, true)?;
        let ts = targets_of(conn, id).await?;
        tenant.name = new_name.to_owned();
        tenant.updated_at = crate::store::rows::now();
        tenant.trace_id = trace_id.to_owned();
        tenant.etag = etag::tenant(&tenant, &ts);
        diesel::update(tenants::table.filter(tenants::id.eq(id)))
            .set((
                tenants::name.eq(&tenant.name),
                tenants::updated_at.eq(tenant.updated_at),
                tenants::trace_id.eq(&tenant.trace_id),
                tenants::etag.eq(&tenant.etag),
            ))
            .execute(conn)
            .await
            .map_err(OpError::from_db)?;
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
    if_match: Option<&str>,
    record: impl FnOnce(&TenantRow) -> NewOutboxRow + Send,
) -> Result<TenantRow, OpError> {
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

/// Adds a target to a tenant: at most two, one of each type, names unique.
pub async fn add_target(
    conn: &mut AsyncPgConnection,
    account: &str,
    tenant_id: Uuid,
    mut target: TargetRow,
    record: impl FnOnce(&TenantRow) -> NewOutboxRow + Send,
) -> Result<(TenantRow, TargetRow), OpError> {
    conn.transaction(async |conn| {
        let tenant = lock_tenant(conn, account, tenant_id).await?;
        let existing = targets_of(conn, tenant_id).await?;
        if existing.iter().any(|t| t.target_type == target.target_type) {
            return Err(OpError::Conflict(format!(
                "The tenant already has a target of type '{}'. Only one target of each type is allowed.",
                target.target_type
            )));
        }
        if existing.len() >= 2 {
            return Err(OpError::Conflict("A tenant can have at most 2 targets.".into()));
        }
        target.etag = etag::target(&target);
        diesel::insert_into(targets::table).values(&target).execute(conn).await.map_err(OpError::from_db)?;
        let (tenant, _) = refresh_tenant_etag(conn, tenant, &target.trace_id).await?;
        outbox::insert(conn, &record(&tenant)).await?;
        Ok((tenant, target))
    })
    .await
}

/// Applies `change` to a target if `if_match` matches its etag. `change` gets the current row and how many targets
/// the tenant has, and returns the new row (or refuses).
pub async fn update_target(
    conn: &mut AsyncPgConnection,
    account: &str,
    tenant_id: Uuid,
    target_id: Uuid,
    if_match: Option<&str>,
    change: impl FnOnce(&TargetRow, usize) -> Result<TargetRow, OpError> + Send,
    record: impl FnOnce(&TenantRow, &TargetRow) -> NewOutboxRow + Send,
) -> Result<(TenantRow, TargetRow), OpError> {
    conn.transaction(async |conn| {
        let tenant = lock_tenant(conn, account, tenant_id).await?;
        let existing = targets_of(conn, tenant_id).await?;
        let current = existing
            .iter()
            .find(|t| t.id == target_id)
            .ok_or(OpError::TargetNotFound)?;
        check_if_match(if_match, &current.etag, true)?;
        let mut next = change(current, existing.len())?;
        next.etag = etag::target(&next);
        diesel::update(targets::table.filter(targets::id.eq(target_id)))
            .set((
                targets::name.eq(&next.name),
                targets::log_sink_crn.eq(&next.log_sink_crn),
                targets::target_type.eq(&next.target_type),
                targets::host.eq(&next.host),
                targets::port.eq(next.port),
                targets::credential_sealed.eq(&next.credential_sealed),
                targets::etag.eq(&next.etag),
                targets::updated_at.eq(next.updated_at),
                targets::trace_id.eq(&next.trace_id),
            ))
            .execute(conn)
            .await
            .map_err(OpError::from_db)?;
        let (tenant, _) = refresh_tenant_etag(conn, tenant, &next.trace_id).await?;
        outbox::insert(conn, &record(&tenant, &next)).await?;
        Ok((tenant, next))
    })
    .await
}

/// Deletes a target unless it is the tenant's last; honours `if_match` when sent.
pub async fn delete_target(
    conn: &mut AsyncPgConnection,
    account: &str,
    tenant_id: Uuid,
    target_id: Uuid,
    if_match: Option<&str>,
    trace_id: &str,
    record: impl FnOnce(&TenantRow, &TargetRow) -> NewOutboxRow + Send,
) -> Result<TenantRow, OpError> {
    conn.transaction(async |conn| {
        let tenant = lock_tenant(conn, account, tenant_id).await?;
        let existing = targets_of(conn, tenant_id).await?;
        let current = existing
            .iter()
            .find(|t| t.id == target_id)
            .ok_or(OpError::TargetNotFound)?
            .clone();
        check_if_match(if_match, &current.etag, false)?;
        if existing.len() <= 1 {
            return Err(OpError::Conflict(
                "The last target of a tenant cannot be deleted; delete the tenant instead.".into(),
            ));
        }
        diesel::delete(targets::table.filter(targets::id.eq(target_id)))
            .execute(conn)
            .await?;
        let (tenant, _) = refresh_tenant_etag(conn, tenant, trace_id).await?;
        outbox::insert(conn, &record(&tenant, &current)).await?;
        Ok(tenant)
    })
    .await
}
