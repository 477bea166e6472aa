//! Every SQL statement of the service, over diesel-async. Nothing above this module sees SQL or diesel, and nothing
//! here knows HTTP: errors are [`StoreError`], which `handlers/errors.rs` maps to the API's answers.

pub mod counts;
pub mod idempotency;
mod insert;
pub mod logs;
pub mod notifications;
pub mod owners;
mod reader_lists;
pub mod retention;
pub mod rows;
pub mod search;
pub mod trigger_cache;
pub mod triggers;

use diesel::result::Error as DieselError;
use diesel_async::pooled_connection::deadpool::PoolError;
use platform::db::{DbConn, DbPool, is_unavailable, is_unavailable_error};

/// What can go wrong talking to the database.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// No connection within the pool's wait, the database unreachable, a connection lost mid-query or a statement
    /// cancelled by `statement_timeout`: worth retrying later.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A statement that must find a row found none.
    #[error("no such row")]
    NotFound,
    /// Anything else: a bug or a broken database.
    #[error("database error: {0}")]
    Failed(String),
}

impl From<PoolError> for StoreError {
    fn from(e: PoolError) -> Self {
        if is_unavailable(&e) {
            StoreError::Unavailable(e.to_string())
        } else {
            StoreError::Failed(format!("no database connection: {e}"))
        }
    }
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => StoreError::NotFound,
            ref lost if is_unavailable_error(lost) => StoreError::Unavailable(e.to_string()),
            other => StoreError::Failed(other.to_string()),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A connection as the store's functions take it (a pooled [`DbConn`] derefs to one), so that callers above the
/// store need not name diesel.
pub type Conn = diesel_async::AsyncPgConnection;

pub async fn conn(pool: &DbPool) -> StoreResult<DbConn> {
    Ok(pool.get().await?)
}
