//! Every SQL statement of the service, over diesel-async. Nothing above this module sees SQL.

pub mod idempotency;
pub mod logs;
pub mod rows;

use diesel_async::pooled_connection::deadpool::PoolError;
use errors::ocm::OcmError;
use platform::db::{DbConn, DbPool, is_unavailable, is_unavailable_error};

/// What can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no database connection: {0}")]
    Pool(#[from] PoolError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl From<StoreError> for OcmError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Pool(p) if is_unavailable(&p) => OcmError::unavailable(p),
            StoreError::Query(diesel::result::Error::NotFound) => {
                OcmError::not_found("The requested resource does not exist")
            }
            // A lost or refused connection, or a statement cancelled by statement_timeout: try again later.
            StoreError::Query(ref q) if is_unavailable_error(q) => OcmError::unavailable(e),
            other => OcmError::internal(other),
        }
    }
}

pub async fn conn(pool: &DbPool) -> Result<DbConn, StoreError> {
    Ok(pool.get().await?)
}
