//! Every SQL statement of the router, over diesel-async. Nothing above this module sees SQL, and nothing here
//! knows HTTP: outcomes are [`StoreError`]s, which `handlers::errors` maps to IBM errors.

pub mod outbox;
pub mod rows;
pub mod tenants;

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::deadpool::PoolError;
use domain_routing::TenantRuleError;
use platform::db::{DbConn, DbPool, is_unavailable, is_unavailable_error};
use uuid::Uuid;

/// A unique constraint of the schema: the database's word on what can race.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    /// `tenants_name_per_account`
    TenantName,
    /// `targets_name_per_tenant`
    TargetName,
    /// `targets_type_per_tenant`
    TargetType,
}

/// Why a store operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("tenant {0} not found")]
    TenantNotFound(Uuid),
    #[error("target {0} not found")]
    TargetNotFound(Uuid),
    /// `If-Match` does not match the stored etag (or is missing where required).
    #[error("precondition failed")]
    Precondition,
    /// A rule of the tenant as a whole, checked with what was read under the lock.
    #[error(transparent)]
    Rule(#[from] TenantRuleError),
    /// A unique constraint refused the write.
    #[error("unique constraint {0:?}")]
    Taken(Unique),
    /// A stored row the rules cannot read (a bug or a hand edit): a 500.
    #[error("stored row not readable: {0}")]
    Corrupt(String),
    /// The database cannot be reached in time, or the connection was lost: worth a retry (a 503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The pool failed in a way a retry will not mend (a 500).
    #[error("no database connection: {0}")]
    Pool(String),
    #[error(transparent)]
    Db(DieselError),
}

impl From<DieselError> for StoreError {
    /// Unique violations become the conflict they mean; a lost connection or a statement timeout is
    /// [`StoreError::Unavailable`].
    fn from(e: DieselError) -> Self {
        if let DieselError::DatabaseError(kind, info) = &e {
            let unique = match (kind, info.constraint_name()) {
                (DatabaseErrorKind::UniqueViolation, Some("tenants_name_per_account")) => {
                    Some(Unique::TenantName)
                }
                (DatabaseErrorKind::UniqueViolation, Some("targets_name_per_tenant")) => {
                    Some(Unique::TargetName)
                }
                (DatabaseErrorKind::UniqueViolation, Some("targets_type_per_tenant")) => {
                    Some(Unique::TargetType)
                }
                _ => None,
            };
            if let Some(u) = unique {
                return StoreError::Taken(u);
            }
        }
        if is_unavailable_error(&e) {
            return StoreError::Unavailable(e.to_string());
        }
        StoreError::Db(e)
    }
}

/// Why a transaction that runs a caller's step did not happen ([`platform::db::TxError`] of this store).
pub type TxError<E> = platform::db::TxError<StoreError, E>;

impl<E> From<StoreError> for TxError<E> {
    fn from(e: StoreError) -> Self {
        TxError::Store(e)
    }
}

impl From<PoolError> for StoreError {
    fn from(e: PoolError) -> Self {
        if is_unavailable(&e) {
            StoreError::Unavailable(e.to_string())
        } else {
            StoreError::Pool(e.to_string())
        }
    }
}

pub async fn conn(pool: &DbPool) -> Result<DbConn, StoreError> {
    Ok(pool.get().await?)
}
