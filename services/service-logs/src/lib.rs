//! service-logs: the OCM Service Log API.
//!
//! [`build`] is the one place the app is assembled, used by `main` and by the tests alike.

pub mod access;
pub mod dialect;
pub mod fields;
pub mod filter;
pub mod handlers;
pub mod listing;
pub mod openapi;
pub mod routes;
pub mod schema;
pub mod settings;
pub mod store;
pub mod wire;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use errors::ocm::OcmError;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;
use utoipa::OpenApi;

use platform::db::{self, DbPool};
use platform::metrics::Metrics;

pub use settings::Settings;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/service-logs");
/// Advisory-lock key that serialises migrations of this service's database.
pub const MIGRATION_LOCK_KEY: i64 = 0x5e1_0c5;
/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] db::DbSetupError),
    #[error(transparent)]
    Auth(#[from] auth::ConfigError),
    #[error(transparent)]
    Metrics(#[from] platform::metrics::MetricsError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// A running server and where it listens.
pub struct Running {
    pub server: Server,
    pub addr: SocketAddr,
    pub pool: DbPool,
}

/// Migrates (unless disabled), builds the pool and verifier, binds and returns the server, not yet awaited.
pub async fn build(settings: &Settings) -> Result<Running, StartError> {
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
    let mut verifier = auth::Verifier::new(&settings.common.auth_config())?;
    // The cluster's service-account issuer (AUTH_SA_*): the router's projected token may create logs.
    if let Some(sa) = auth::ServiceAccountIssuer::from_env(&[access::LOG_CREATE])? {
        verifier = verifier.with_service_accounts(&sa)?;
    }
    let verifier = web::Data::new(verifier);
    let pool = db::build_pool(&url, settings.common.pool_size(), "service-logs")?;
    let metrics = web::Data::new(Metrics::new()?);
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
            .app_data(verifier.clone())
            .app_data(metrics.clone())
            .app_data(json_config())
            .app_data(web::QueryConfig::default().error_handler(|e, _| {
                OcmError::bad_request(format!("Invalid query string: {e}")).into()
            }))
            .app_data(
                web::PathConfig::default().error_handler(|e, _| {
                    OcmError::bad_request(format!("Invalid path: {e}")).into()
                }),
            )
            .configure(platform::health::configure)
            .route("/openapi.json", web::get().to(openapi_json))
            .configure(routes::configure)
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(OcmError::not_found("The requested resource does not exist"))
            }))
            .wrap(from_fn(
                platform::middleware::request_context::<dialect::Ocm>,
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
    })
}

fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_BODY_BYTES)
        .error_handler(|err, _req| {
            use actix_web::error::JsonPayloadError as J;
            let e = match &err {
                J::ContentType => {
                    OcmError::from_status(actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE, "")
                }
                J::Overflow { .. } | J::OverflowKnownLength { .. } => {
                    OcmError::from_status(actix_web::http::StatusCode::PAYLOAD_TOO_LARGE, "")
                }
                J::Deserialize(e) => {
                    OcmError::bad_request(format!("Request body is not valid JSON: {e}"))
                }
                other => OcmError::bad_request(format!("Request body could not be read: {other}")),
            };
            e.into()
        })
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(openapi::ApiDoc::openapi())
}

/// Forgets expired idempotency keys every hour, for as long as the server runs.
pub fn spawn_housekeeping(pool: DbPool) {
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
        }
    });
}
