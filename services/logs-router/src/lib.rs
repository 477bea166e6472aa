//! logs-router: the IBM Cloud Logs Routing management API.
//!
//! [`build`] is the one place the app is assembled, used by `main` and by the tests alike.

pub mod access;
pub mod audit;
pub mod client_address;
pub mod dialect;
pub mod handlers;
pub mod headers;
pub mod openapi;
pub mod routes;
pub mod schema;
pub mod service_logs_client;
pub mod settings;
pub mod store;
pub mod wire;

use actix_web::dev::Server;
use actix_web::web;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use platform::server::{self, Database, Foundation};
use std::net::SocketAddr;
use utoipa::OpenApi;

use platform::db::DbPool;
use sealing::Sealer;

pub use settings::Settings;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/logs-router");
/// Advisory-lock key that serialises migrations of this service's database.
pub const MIGRATION_LOCK_KEY: i64 = 0x10_9e_70;
/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The router's database: its pool's `application_name` and its migrations.
pub const DATABASE: Database = Database {
    application_name: "logs-router",
    migrations: MIGRATIONS,
    migration_lock_key: MIGRATION_LOCK_KEY,
};

/// What every handler shares.
pub struct AppState {
    pub pool: DbPool,
    pub sealer: Sealer,
    pub region: String,
    pub tenants_per_account: u32,
    /// Whose `X-Forwarded-For` the audit trail believes.
    pub trusted_proxies: Vec<client_address::Cidr>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Platform(#[from] server::StartError),
    #[error(transparent)]
    Keys(#[from] sealing::KeyError),
    #[error("SERVICE_LOGS_URL is not set: the router records its audit events in service-logs")]
    NoServiceLogs,
    #[error(transparent)]
    Client(#[from] service_logs_client::ClientError),
    #[error("registering delivery metrics failed: {0}")]
    DeliveryMetrics(#[from] prometheus::Error),
}

/// A running server and where it listens, and the audit delivery worker, ready to be started.
pub struct Running {
    pub server: Server,
    pub addr: SocketAddr,
    pub pool: DbPool,
    pub delivery: audit::delivery::Worker,
}

/// How long the oldest undelivered audit event may wait before `/readyz` reports degraded.
pub const DEGRADED_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Checks the keys, migrates (unless disabled), builds the pool and verifier, binds and returns the server, not
/// yet awaited.
pub async fn build(settings: &Settings) -> Result<Running, StartError> {
    let sealer = Sealer::from_base64(
        settings.credentials_key.as_ref().map(|s| s.expose()),
        settings
            .credentials_key_previous
            .as_ref()
            .map(|s| s.expose()),
    )?;
    let service_logs_url = settings
        .service_logs_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .ok_or(StartError::NoServiceLogs)?;
    let token = service_logs_client::TokenSource::new(
        settings.service_logs_token_file.clone(),
        settings
            .common
            .auth_hs256_secret
            .as_ref()
            .map(|s| s.expose()),
        &settings.common.auth_account_claim,
    )?;
    let client = std::sync::Arc::new(service_logs_client::ServiceLogsClient::new(
        service_logs_url,
        token,
    )?);
    let verifier =
        auth::Verifier::new(&settings.common.auth_config()).map_err(server::StartError::from)?;
    let foundation = Foundation::prepare(DATABASE, &settings.common, verifier).await?;
    let pool = foundation.pool.clone();
    let degradation = web::Data::new(platform::health::Degradation::default());
    let delivery = audit::delivery::Worker {
        pool: pool.clone(),
        client,
        metrics: audit::delivery::DeliveryMetrics::register(&foundation.metrics.registry)?,
        degradation: degradation.clone().into_inner(),
        degraded_after: DEGRADED_AFTER,
        keep_delivered_days: settings.audit_delivered_retention_days,
        in_flight: audit::delivery::Worker::in_flight_for_pool(pool.status().max_size),
    };
    let state = web::Data::new(AppState {
        pool: pool.clone(),
        sealer,
        region: settings.region.clone(),
        tenants_per_account: settings.tenants_per_account,
        trusted_proxies: settings.trusted_proxies.clone(),
    });
    let bound = server::serve::<dialect::Ibm, _>(
        &settings.server,
        &foundation,
        &openapi::ApiDoc::openapi(),
        move |cfg: &mut web::ServiceConfig| {
            cfg.app_data(state.clone())
                .app_data(degradation.clone())
                .configure(routes::configure);
        },
    )?;
    Ok(Running {
        server: bound.server,
        addr: bound.addr,
        pool,
        delivery,
    })
}
