//! The connection pool and embedded migrations.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel_async::pooled_connection::deadpool::{Object, Pool, PoolError};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl as _, SimpleAsyncConnection};
use diesel_migrations::EmbeddedMigrations;
use futures_util::FutureExt;
use std::time::Duration;

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;

/// How long a request waits for a pooled connection before answering 503.
pub const POOL_WAIT: Duration = Duration::from_secs(3);
/// Statements running longer than this are cancelled by PostgreSQL.
pub const STATEMENT_TIMEOUT_MS: u32 = 30_000;

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("DATABASE_URL is not set")]
    MissingUrl,
    #[error("cannot build the database pool: {0}")]
    Pool(String),
    #[error("migrations failed: {0}")]
    Migrations(String),
}

/// A pool whose connections carry `application_name` and a statement timeout, and whose waits are bounded.
pub fn build_pool(
    url: &str,
    max_size: usize,
    application_name: &'static str,
) -> Result<DbPool, DbSetupError> {
    let mut config = ManagerConfig::<AsyncPgConnection>::default();
    // Fast: a checkout only checks the connection is not broken and has no open transaction. The default
    // (Verified) runs a `SELECT 1` round trip on every checkout, which doubled PostgreSQL's work per request in
    // `make bench`; a connection that died meanwhile fails its first query and is dropped by the pool.
    config.recycling_method = diesel_async::pooled_connection::RecyclingMethod::Fast;
    config.custom_setup = Box::new(move |url| {
        let url = url.to_owned();
        async move {
            let mut conn = AsyncPgConnection::establish(&url).await?;
            // A simple-query batch: two statements cannot share one prepared statement.
            conn.batch_execute(&format!(
                "SET application_name = '{application_name}'; SET statement_timeout = {STATEMENT_TIMEOUT_MS}"
            ))
            .await
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        }
        .boxed()
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
    Pool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(POOL_WAIT))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| DbSetupError::Pool(e.to_string()))
}

/// Applies pending migrations under a PostgreSQL advisory lock (replicas starting together wait for each
/// other), returning the versions applied. Runs on a blocking thread: diesel's migration harness is synchronous.
pub async fn run_migrations(
    url: &str,
    migrations: EmbeddedMigrations,
    lock_key: i64,
) -> Result<Vec<String>, DbSetupError> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || blocking::migrate_blocking(&url, migrations, lock_key))
        .await
        .map_err(|e| DbSetupError::Migrations(e.to_string()))?
}

/// Synchronous on purpose: diesel's migration harness is; kept apart so diesel's and diesel-async's
/// `RunQueryDsl` do not meet in one scope.
mod blocking {
    use super::DbSetupError;
    use diesel::sql_types::BigInt;
    use diesel::{Connection, RunQueryDsl};
    use diesel_async::AsyncPgConnection;
    use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
    use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

    pub(super) fn migrate_blocking(
        url: &str,
        migrations: EmbeddedMigrations,
        lock_key: i64,
    ) -> Result<Vec<String>, DbSetupError> {
        let mut conn = <AsyncConnectionWrapper<AsyncPgConnection> as Connection>::establish(url)
            .map_err(|e| DbSetupError::Migrations(format!("connecting: {e}")))?;
        diesel::sql_query("SELECT pg_advisory_lock($1)")
            .bind::<BigInt, _>(lock_key)
            .execute(&mut conn)
            .map_err(|e| DbSetupError::Migrations(format!("taking the migration lock: {e}")))?;
        let applied = conn
            .run_pending_migrations(migrations)
            .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>())
            .map_err(|e| DbSetupError::Migrations(e.to_string()));
        let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
            .bind::<BigInt, _>(lock_key)
            .execute(&mut conn);
        if let Err(e) = unlocked {
            tracing::warn!(error = %e, "releasing the migration lock failed; it goes with the connection");
        }
        applied
    }
}

/// Whether a pool error means "no connection in time" (a 503) rather than a bug.
pub fn is_unavailable(err: &PoolError) -> bool {
    matches!(
        err,
        PoolError::Timeout(_)
            | PoolError::Backend(_)
            | PoolError::Closed
            | PoolError::NoRuntimeSpecified
    )
}

/// Whether a query error means the database went away or refused to work (a 503 with `Retry-After`, since trying
/// again shortly can succeed) rather than a bug (a 500): the connection lost or closed (`error communicating with
/// the server`, `connection closed`), the server shutting down, restarting or in recovery (`terminating connection
/// due to administrator command`), or a statement cancelled by `statement_timeout`. Both services' stores map
/// their query errors through this.
pub fn is_unavailable_error(err: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    /// Messages of the PostgreSQL errors of SQLSTATE class 08 (connection), 57P01-57P03 (shutdown, cannot connect
    /// now) and 57014 from `statement_timeout`; diesel keeps their message, not their code.
    const UNAVAILABLE: [&str; 9] = [
        "terminating connection due to administrator command",
        "terminating connection due to crash of another server process",
        "the database system is shutting down",
        "the database system is starting up",
        "the database system is in recovery mode",
        "the database system is not yet accepting connections",
        "canceling statement due to statement timeout",
        "connection closed",
        "error communicating with the server",
    ];
    match err {
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        )
        | Error::BrokenTransactionManager => true,
        Error::DatabaseError(_, info) => {
            let message = info.message();
            UNAVAILABLE.iter().any(|m| message.contains(m)) || message.contains("statement timeout")
        }
        _ => false,
    }
}

/// A statement declared cacheable as a prepared statement, or, for a statement whose SQL text a client shapes,
/// declared never to be kept.
///
/// diesel marks every `UPDATE`, every `sql_query`, every multi-row `INSERT` and every `sql` literal unsafe to cache
/// (their text *could* vary from call to call), so diesel-async prepares them again on each execution: a Parse and
/// Describe round trip before the Bind/Execute, and a Close after. [`Cached::kept`] prepares such a statement once
/// per connection and keeps it, keyed by its SQL text: only for statements whose text takes a bounded number of
/// forms (fixed `SET` lists, a bounded number of rows, constant `sql_query` text), each form one cache entry for the
/// life of the connection.
///
/// diesel also caches every statement it does not know to be unsafe, with no bound on the number of entries. A
/// list's search compiles to SQL of its own shape, so caching those would let a client grow every pooled
/// connection's cache, and the prepared statements PostgreSQL keeps for it, one search at a time.
/// [`Cached::when`] keeps a statement only when its text is `bounded`; otherwise it is prepared unnamed for this
/// execution and never kept.
#[derive(Debug, Clone, Copy)]
pub struct Cached<Q> {
    query: Q,
    keep: bool,
}

impl<Q> Cached<Q> {
    /// Kept prepared on the connection.
    pub fn kept(query: Q) -> Self {
        Self { query, keep: true }
    }

    /// Kept prepared only when its SQL text takes a bounded number of forms.
    pub fn when(query: Q, bounded: bool) -> Self {
        Self {
            query,
            keep: bounded,
        }
    }
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Cached<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.query.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(self.keep)
    }
}

/// No static id: the cache is keyed by the SQL text.
impl<Q> QueryId for Cached<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Cached<Q> {
    type SqlType = Q::SqlType;
}

/// Why a transaction that runs a caller's step did not happen: the store's reason (`S`, the service's store error)
/// or the step's own refusal (`E`, the caller's error type, handed back untouched). Callers need not know diesel to
/// take it.
#[derive(Debug, thiserror::Error)]
pub enum TxError<S, E> {
    #[error(transparent)]
    Store(S),
    #[error(transparent)]
    Change(E),
}

impl<S: From<diesel::result::Error>, E> From<diesel::result::Error> for TxError<S, E> {
    fn from(e: diesel::result::Error) -> Self {
        TxError::Store(S::from(e))
    }
}

/// Checks the database answers within `timeout`.
pub async fn ping(pool: &DbPool, timeout: Duration) -> Result<(), String> {
    let check = async {
        let mut conn = pool.get().await.map_err(|e| e.to_string())?;
        diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<(), String>(())
    };
    tokio::time::timeout(timeout, check)
        .await
        .map_err(|_| "timed out".to_owned())?
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};

    fn db_error(kind: DatabaseErrorKind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn lost_and_refused_connections_are_unavailable_bugs_are_not() {
        for e in [
            db_error(
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            ),
            db_error(
                DatabaseErrorKind::UnableToSendCommand,
                "error communicating with the server: Connection reset by peer (os error 104)",
            ),
            db_error(DatabaseErrorKind::UnableToSendCommand, "connection closed"),
            db_error(
                DatabaseErrorKind::ClosedConnection,
                "server closed the connection",
            ),
            db_error(
                DatabaseErrorKind::Unknown,
                "canceling statement due to statement timeout",
            ),
            db_error(
                DatabaseErrorKind::Unknown,
                "the database system is shutting down",
            ),
            Error::BrokenTransactionManager,
        ] {
            assert!(is_unavailable_error(&e), "{e}");
        }
        for e in [
            Error::NotFound,
            db_error(DatabaseErrorKind::UniqueViolation, "duplicate key value"),
            db_error(DatabaseErrorKind::Unknown, "syntax error at or near \"x\""),
            db_error(
                DatabaseErrorKind::CheckViolation,
                "violates check constraint",
            ),
        ] {
            assert!(!is_unavailable_error(&e), "{e}");
        }
    }
}
