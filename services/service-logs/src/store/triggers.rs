//! The notification triggers table.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
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
        /// `whsec_` + base64 of the signing key.
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

/// Replaces the trigger's changeable fields; the row after, or `None` if it is gone.
pub async fn update(
    conn: &mut AsyncPgConnection,
    row: &TriggerRow,
) -> StoreResult<Option<TriggerRow>> {
    use notification_triggers as t;
    Ok(diesel::update(t::table.find(row.id.clone()))
        .set((
            t::name.eq(row.name.clone()),
            t::search.eq(row.search.clone()),
            t::actions.eq(row.actions.clone()),
            t::updated_at.eq(row.updated_at),
        ))
        .returning(TriggerRow::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

/// Deletes a trigger; whether it existed.
pub async fn delete(conn: &mut AsyncPgConnection, id: &str) -> StoreResult<bool> {
    let n = diesel::delete(notification_triggers::table.find(id.to_owned()))
        .execute(conn)
        .await?;
    Ok(n > 0)
}
