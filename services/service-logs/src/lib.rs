//! service-logs: the OCM Service Log API.
//!
//! [`build`] is the one place the app is assembled, used by `main` and by the tests alike.

pub mod access;
pub mod dialect;
pub mod fields;
pub mod filter;
pub mod group_commit;
pub mod handlers;
pub mod listing;
pub mod notifications;
pub mod openapi;
pub mod routes;
pub mod schema;
pub mod settings;
pub mod store;
pub mod wire;

use actix_web::dev::Server;
use actix_web::web;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use platform::server::{self, Database, Foundation};
use std::net::SocketAddr;
use std::time::Duration;
use utoipa::OpenApi;

use platform::db::DbPool;

pub use platform::server::StartError;
pub use settings::Settings;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/service-logs");
/// Advisory-lock key that serialises migrations of this service's database.
pub const MIGRATION_LOCK_KEY: i64 = 0x5e1_0c5;
/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest accepted body of a bulk create (`POST /cluster_logs/bulk`, up to 1,000 logs), and of no other route.
pub const BULK_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The service's database: its pool's `application_name` and its migrations.
pub const DATABASE: Database = Database {
    application_name: "service-logs",
    migrations: MIGRATIONS,
    migration_lock_key: MIGRATION_LOCK_KEY,
};

/// A running server and where it listens.
pub struct Running {
    pub server: Server,
    pub addr: SocketAddr,
    pub pool: DbPool,
    /// The notification worker; it stops when this is dropped.
    pub notifications: notifications::worker::WorkerHandle,
}

/// Migrates (unless disabled), builds the pool and verifier, binds and returns the server, not yet awaited.
pub async fn build(settings: &Settings) -> Result<Running, StartError> {
    let mut verifier = auth::Verifier::new(&settings.common.auth_config())?;
    // The cluster's service-account issuer (AUTH_SA_*): the router's projected token may create logs.
    if let Some(sa) = auth::ServiceAccountIssuer::from_env(&[access::LOG_CREATE])? {
        verifier = verifier.with_service_accounts(&sa)?;
    }
    let notifier =
        notifications::Notifier::new(&settings.notifications).map_err(StartError::Settings)?;
    let foundation = Foundation::prepare(DATABASE, &settings.common, verifier).await?;
    tokio::spawn(reseal_secrets(
        foundation.pool.clone(),
        notifier.secrets.clone(),
    ));
    let metrics =
        notifications::worker::NotificationMetrics::register(&foundation.metrics.registry)
            .map_err(|e| StartError::Metrics(e.into()))?;
    let creates = web::Data::new(group_commit::GroupCommit::start(
        foundation.pool.clone(),
        &settings.group,
        notifier.queueing.clone(),
    ));
    let bound = server::serve::<dialect::Ocm, _>(
        &settings.server,
        &foundation,
        &openapi::ApiDoc::openapi(),
        {
            let notifier = actix_web::web::Data::new(notifier.clone());
            move |cfg: &mut actix_web::web::ServiceConfig| {
                cfg.app_data(creates.clone());
                cfg.app_data(notifier.clone());
                routes::configure(cfg);
            }
        },
    )?;
    let worker = notifications::worker::spawn(foundation.pool.clone(), notifier, metrics);
    Ok(Running {
        server: bound.server,
        addr: bound.addr,
        pool: foundation.pool,
        notifications: worker,
    })
}

/// Seals again the webhook secrets kept unsealed (by a version before sealing) or under the previous key, in the
/// background: the worker opens either form meanwhile.
async fn reseal_secrets(pool: platform::db::DbPool, sealer: sealing::Sealer) {
    let resealed = async {
        let mut conn = store::conn(&pool).await?;
        store::triggers::reseal_secrets(&mut conn, &sealer).await
    }
    .await;
    match resealed {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            triggers = n,
            "webhook secrets sealed again under WEBHOOK_SECRETS_KEY"
        ),
        Err(e) => {
            tracing::warn!(error = %e, "sealing webhook secrets again failed; they are tried at the next start")
        }
    }
}

/// Logs deleted per retention batch: a few thousand rows keep each transaction short (the cascade to
/// `idempotency_keys` included) while a backlog of millions still goes in minutes.
const RETENTION_BATCH: i64 = 5_000;
/// The pause between two retention batches, so a large first purge leaves the database to the requests.
const RETENTION_PAUSE: Duration = Duration::from_millis(50);

/// Every hour, for as long as the server runs: forgets expired idempotency keys and, with `LOG_RETENTION_DAYS`,
/// deletes the logs stored longer ago than that (in batches, each on a connection of its own, until none is left).
pub fn spawn_housekeeping(pool: DbPool, log_retention_days: Option<u16>) {
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let purged = async {
                let mut conn = pool.get().await.map_err(|e| e.to_string())?;
                store::idempotency::purge_expired(&mut conn)
                    .await
                    .map_err(|e| e.to_string())
            }
            .await;
            match purged {
                Ok(n) => tracing::info!(purged = n, "expired idempotency keys removed"),
                Err(e) => tracing::warn!(error = %e, "purging idempotency keys failed"),
            }
            if let Some(days) = log_retention_days {
                match purge_past_retention(&pool, days).await {
                    Ok(n) => tracing::info!(deleted = n, days, "logs past their retention deleted"),
                    Err(e) => {
                        tracing::warn!(error = %e, "deleting logs past their retention failed")
                    }
                }
            }
        }
    });
}

/// Deletes the logs stored more than `days` days ago, a batch at a time; returns how many went.
pub async fn purge_past_retention(pool: &DbPool, days: u16) -> Result<u64, store::StoreError> {
    let mut deleted = 0u64;
    loop {
        let mut conn = store::conn(pool).await?;
        let n = store::retention::purge_batch(&mut conn, days, RETENTION_BATCH).await?;
        drop(conn);
        deleted += n as u64;
        if (n as i64) < RETENTION_BATCH {
            return Ok(deleted);
        }
        tokio::time::sleep(RETENTION_PAUSE).await;
    }
}
