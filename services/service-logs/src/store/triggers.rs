//! The notification triggers table.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use platform::db::TxError;
use sealing::Sealer;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::schema::notification_triggers;
use crate::store::{StoreError, StoreResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, PartialEq)]
#[diesel(table_name = notification_triggers, check_for_backend(Pg))]
pub struct TriggerRow {
    pub id: String,
    pub name: String,
    /// `""`: account-less.
    pub account_id: String,
    pub search: String,
    /// A JSON array of [`StoredAction`].
    pub actions: serde_json::Value,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// An action as the `actions` column keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StoredAction {
    Webhook {
        url: String,
        /// The signing secret (`whsec_` + base64 of the key) as kept: sealed ([`seal_secret`]), or, when an
        /// earlier version stored it, as is until start-up seals it ([`reseal_secrets`]).
        secret: String,
        /// Set when the receiver answered 410 Gone: the action runs no more.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disabled_at: Option<String>,
    },
    Email {
        to: Vec<String>,
    },
}

impl TriggerRow {
    pub fn stored_actions(&self) -> StoreResult<Vec<StoredAction>> {
        serde_json::from_value(self.actions.clone()).map_err(|e| {
            StoreError::Failed(format!("trigger {} has unreadable actions: {e}", self.id))
        })
    }
}

/// What a sealed secret starts with; an unsealed one (from a version before sealing) starts `whsec_`.
const SEALED: &str = "sealed:";

/// A webhook's signing secret as the `actions` column keeps it: `sealed:` and the base64 of its AES-256-GCM sealing
/// under `WEBHOOK_SECRETS_KEY`, so that the database, its backups and its replicas hold no key that signs.
pub fn seal_secret(sealer: &Sealer, secret: &str) -> StoreResult<String> {
    let sealed = sealer
        .seal(secret)
        .map_err(|e| StoreError::Failed(e.to_string()))?;
    Ok(format!("{SEALED}{}", STANDARD.encode(sealed)))
}

/// The signing secret of a kept one ([`seal_secret`]'s form, or unsealed from an earlier version); the error says
/// why it cannot be opened (for the delivery's `last_error` and the logs).
pub fn open_secret(sealer: &Sealer, kept: &str) -> Result<String, String> {
    let Some(sealed) = kept.strip_prefix(SEALED) else {
        return Ok(kept.to_owned());
    };
    let bytes = STANDARD
        .decode(sealed)
        .map_err(|_| "the webhook's sealed secret is not base64".to_owned())?;
    sealer
        .open(&bytes)
        .map_err(|e| format!("the webhook's secret cannot be opened: {e}"))
}

/// Whether a kept secret is sealed under the current key (`false`: unsealed, or under the previous key).
fn sealed_now(sealer: &Sealer, kept: &str) -> bool {
    kept.strip_prefix(SEALED)
        .and_then(|s| STANDARD.decode(s).ok())
        .is_some_and(|b| sealer.is_current(&b))
}

/// Whether any webhook of `actions` keeps its secret otherwise than sealed under the current key.
fn needs_resealing(sealer: &Sealer, actions: &[StoredAction]) -> bool {
    actions.iter().any(|a| match a {
        StoredAction::Webhook { secret, .. } => !sealed_now(sealer, secret),
        StoredAction::Email { .. } => false,
    })
}

/// Triggers read per statement while looking for secrets to seal again.
const RESEAL_PAGE: i64 = 500;

/// Seals again, under the current key, every webhook secret kept otherwise: unsealed by a version before sealing,
/// or sealed under `WEBHOOK_SECRETS_KEY_PREVIOUS` before a rotation. Run at start-up; each trigger is changed under
/// its row lock ([`change`]) and checked again there, so instances starting together seal each secret once, and a
/// concurrent patch is kept. A secret that cannot be opened (a key neither current nor previous) is left as it is,
/// with a warning: its deliveries fail until the key is given back. Answers how many triggers were changed.
pub async fn reseal_secrets(conn: &mut AsyncPgConnection, sealer: &Sealer) -> StoreResult<usize> {
    use notification_triggers as t;
    let mut changed = 0;
    let mut after = String::new();
    loop {
        let page: Vec<(String, serde_json::Value)> = t::table
            .filter(t::id.gt(after.clone()))
            .order_by(t::id.asc())
            .select((t::id, t::actions))
            .limit(RESEAL_PAGE)
            .load(conn)
            .await?;
        let Some((last, _)) = page.last() else {
            return Ok(changed);
        };
        after = last.clone();
        for (id, actions) in page {
            let stale = serde_json::from_value::<Vec<StoredAction>>(actions)
                .is_ok_and(|a| needs_resealing(sealer, &a));
            if !stale {
                continue;
            }
            let resealed = change(conn, &id, async |mut row| {
                let mut actions = row.stored_actions()?;
                if !needs_resealing(sealer, &actions) {
                    return Ok((row, false));
                }
                for a in &mut actions {
                    if let StoredAction::Webhook { secret, .. } = a
                        && !sealed_now(sealer, secret)
                    {
                        let plain = open_secret(sealer, secret).map_err(StoreError::Failed)?;
                        *secret = seal_secret(sealer, &plain)?;
                    }
                }
                row.actions = actions_json(&actions)?;
                Ok::<_, StoreError>((row, true))
            })
            .await;
            match resealed {
                Ok(Some((_, true))) => changed += 1,
                Ok(_) => {}
                Err(StoreError::Failed(e)) => {
                    tracing::warn!(trigger = %id, error = %e, "a webhook secret could not be sealed again; left as it is");
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// The actions' JSON for the column.
pub fn actions_json(actions: &[StoredAction]) -> StoreResult<serde_json::Value> {
    serde_json::to_value(actions).map_err(|e| StoreError::Failed(e.to_string()))
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &TriggerRow) -> StoreResult<TriggerRow> {
    Ok(diesel::insert_into(notification_triggers::table)
        .values(row)
        .returning(TriggerRow::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn find(conn: &mut AsyncPgConnection, id: &str) -> StoreResult<Option<TriggerRow>> {
    Ok(notification_triggers::table
        .find(id.to_owned())
        .select(TriggerRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// A page of triggers, oldest first (of `account` only when given), and the total.
pub async fn list(
    conn: &mut AsyncPgConnection,
    account: Option<&str>,
    size: i64,
    offset: i64,
) -> StoreResult<(Vec<TriggerRow>, i64)> {
    use notification_triggers as t;
    let mut page = t::table.select(TriggerRow::as_select()).into_boxed();
    let mut count = t::table.count().into_boxed();
    if let Some(a) = account {
        page = page.filter(t::account_id.eq(a.to_owned()));
        count = count.filter(t::account_id.eq(a.to_owned()));
    }
    let rows = page
        .order_by((t::created_at.asc(), t::id.asc()))
        .limit(size)
        .offset(offset)
        .load(conn)
        .await?;
    let total = count.get_result(conn).await?;
    Ok((rows, total))
}

/// Changes a trigger under its row lock: `change` gets the row as it is and answers the row to store (its name,
/// search, actions and `updated_at`) with anything the caller wants back, or refuses (nothing is written). The
/// lock is held until the new row is written, so the writers of one trigger (two merge-patches, a patch and a 410's
/// disable) apply one after the other, each to the other's result, and none loses the other's change. Inside an
/// open transaction it is a savepoint of it. `Ok(None)` when the trigger does not exist.
pub async fn change<T, E, F, Fut>(
    conn: &mut AsyncPgConnection,
    id: &str,
    change: F,
) -> Result<Option<(TriggerRow, T)>, E>
where
    F: FnOnce(TriggerRow) -> Fut + Send,
    Fut: Future<Output = Result<(TriggerRow, T), E>> + Send,
    T: Send,
    E: From<StoreError> + Send,
{
    use notification_triggers as t;
    let id = id.to_owned();
    let changed = conn
        .transaction::<_, TxError<StoreError, E>, _>(async move |conn| {
            let Some(current) = t::table
                .find(id.clone())
                .select(TriggerRow::as_select())
                .for_update()
                .first(conn)
                .await
                .optional()?
            else {
                return Ok(None);
            };
            let (next, extra) = change(current).await.map_err(TxError::Change)?;
            let row = diesel::update(t::table.find(id))
                .set((
                    t::name.eq(next.name),
                    t::search.eq(next.search),
                    t::actions.eq(next.actions),
                    t::updated_at.eq(next.updated_at),
                ))
                .returning(TriggerRow::as_returning())
                .get_result(conn)
                .await?;
            Ok(Some((row, extra)))
        })
        .await;
    changed.map_err(|e| match e {
        TxError::Store(e) => E::from(e),
        TxError::Change(e) => e,
    })
}

/// Deletes a trigger; whether it existed.
pub async fn delete(conn: &mut AsyncPgConnection, id: &str) -> StoreResult<bool> {
    let n = diesel::delete(notification_triggers::table.find(id.to_owned()))
        .execute(conn)
        .await?;
    Ok(n > 0)
}
