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
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use errors::ibm::IbmError;
use std::net::{SocketAddr, TcpListener};
use utoipa::OpenApi;

use platform::db::{self, DbPool};
use platform::metrics::Metrics;
use sealing::Sealer;

pub use settings::Settings;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/logs-router");
/// Advisory-lock key that serialises migrations of this service's database.
pub const MIGRATION_LOCK_KEY: i64 = 0x10_9e_70;
/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

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
    Db(#[from] db::DbSetupError),
    #[error(transparent)]
    Auth(#[from] auth::ConfigError),
    #[error(transparent)]
    Keys(#[from] sealing::KeyError),
    #[error(transparent)]
    Metrics(#[from] platform::metrics::MetricsError),
    #[error("SERVICE_LOGS_URL is not set: the router records its audit events in service-logs")]
    NoServiceLogs,
    #[error(transparent)]
    Client(#[from] service_logs_client::ClientError),
    #[error("registering delivery metrics failed: {0}")]
    DeliveryMetrics(#[from] prometheus::Error),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
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
    let url = settings
        .common
        .database_url
        .as_ref()
        .ok_or(db::DbSetupError::MissingUrl)?
        .expose()
        .to_owned();
    if settings.common.run_migrations {
        let applied = db::run_migrations(&url, MIGRATIONS, MIGRATION_LOCK_KEY).await?;
        tracing::info!(?applied, "migrations applied");
    }
    let verifier = web::Data::new(auth::Verifier::new(&settings.common.auth_config())?);
    let pool = db::build_pool(&url, settings.common.pool_size(), "logs-router")?;
    let metrics = web::Data::new(Metrics::new()?);
    let degradation = web::Data::new(platform::health::Degradation::default());
    let delivery = audit::delivery::Worker {
        pool: pool.clone(),
        client,
        metrics: audit::delivery::DeliveryMetrics::register(&metrics.registry)?,
        degradation: degradation.clone().into_inner(),
        degraded_after: DEGRADED_AFTER,
    };
    let state = web::Data::new(AppState {
        pool: pool.clone(),
        sealer,
        region: settings.region.clone(),
        tenants_per_account: settings.tenants_per_account,
        trusted_proxies: settings.trusted_proxies.clone(),
    });
    let listener = TcpListener::bind(&settings.bind_addr).map_err(|source| StartError::Bind {
        addr: settings.bind_addr.clone(),
        source,
    })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: settings.bind_addr.clone(),
        source,
    })?;
    let pool_data = web::Data::new(pool.clone());
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(pool_data.clone())
            .app_data(state.clone())
            .app_data(verifier.clone())
            .app_data(metrics.clone())
            .app_data(degradation.clone())
            .app_data(web::QueryConfig::default().error_handler(|e, _| {
                IbmError::new(
                    actix_web::http::StatusCode::BAD_REQUEST,
                    errors::ibm::code::INCORRECT_PARAMETER,
                    format!("Invalid query string: {e}"),
                )
                .into()
            }))
            .configure(platform::health::configure)
            .route("/openapi.json", web::get().to(openapi_json))
            .configure(routes::configure)
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(IbmError::from_status(
                    actix_web::http::StatusCode::NOT_FOUND,
                    "",
                ))
            }))
            .wrap(from_fn(
                platform::middleware::request_context::<dialect::Ibm>,
            ))
            .wrap(tracing_actix_web::TracingLogger::default())
    })
    .shutdown_timeout(30)
    .listen(listener)
    .map_err(|source| StartError::Bind {
        addr: settings.bind_addr.clone(),
        source,
    })?;
    if let Some(n) = settings.http_workers.filter(|n| *n > 0) {
        server = server.workers(n);
    }
    Ok(Running {
        server: server.run(),
        addr,
        pool,
        delivery,
    })
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(openapi::ApiDoc::openapi())
}
