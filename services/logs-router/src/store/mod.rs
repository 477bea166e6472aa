//! Every SQL statement of the router, over diesel-async. Nothing above this module sees SQL.

pub mod outbox;
pub mod rows;
pub mod tenants;

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::deadpool::PoolError;
use errors::ibm::IbmError;
use platform::db::{DbConn, DbPool, is_unavailable, is_unavailable_error};

/// Why a store operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error("tenant not found")]
    TenantNotFound,
    #[error("target not found")]
    TargetNotFound,
    #[error("precondition failed")]
    Precondition,
    /// A rule the database state decides (limits, uniqueness, the last target): a 409 with this message.
    #[error("{0}")]
    Conflict(String),
    /// A change that cannot be made (a type change with two targets): a 400 `update_failed`.
    #[error("{0}")]
    UpdateFailed(String),
    /// A request the current state makes invalid (e.g. a merge patch that breaks a rule): answered as is.
    #[error("{0}")]
    Rejected(Box<IbmError>),
    #[error("no database connection: {0}")]
    Pool(#[from] PoolError),
    #[error(transparent)]
    Db(#[from] DieselError),
}

impl OpError {
    /// Maps a unique-constraint violation to the conflict it means; anything else stays a database error.
    pub fn from_db(e: DieselError) -> Self {
        if let DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) = &e {
            let msg = match info.constraint_name() {
                Some("tenants_name_per_account") => {
                    "A tenant with this name already exists in the account."
                }
                Some("targets_name_per_tenant") => {
                    "A target with this name already exists in the tenant."
                }
                Some("targets_type_per_tenant") => {
                    "The tenant already has a target of this type. Only one target of each type is allowed."
                }
                _ => return OpError::Db(e),
            };
            return OpError::Conflict(msg.into());
        }
        OpError::Db(e)
    }

    /// The error for callers that already mapped the domain outcomes (not found, conflicts) themselves.
    pub fn into_ibm(self, failure_code: &'static str) -> IbmError {
        match self {
            OpError::Pool(p) if is_unavailable(&p) => IbmError::unavailable(p),
            OpError::Db(ref e) if is_unavailable_error(e) => IbmError::unavailable(self),
            OpError::Rejected(e) => *e,
            other => IbmError::internal(failure_code, other),
        }
    }
}

pub async fn conn(pool: &DbPool) -> Result<DbConn, OpError> {
    Ok(pool.get().await?)
}
