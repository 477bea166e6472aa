//! The bootstrap both services share: what a service needs before it serves (migrations, token verifier, pool,
//! metrics), and the HTTP server around its routes (bind, workers, request middleware, extractor configs in the
//! API's dialect, health and OpenAPI endpoints, unknown routes, shutdown). A service supplies its [`Dialect`], its
//! migrations and a `configure` function registering its own state and routes.

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};
use clap::Args;
use diesel_migrations::EmbeddedMigrations;
use std::fmt;
use std::marker::PhantomData;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::db::{self, DbPool};
use crate::dialect::{self, Dialect};
use crate::metrics::{Metrics, MetricsError};
use crate::settings::CommonSettings;

/// How long a stopping server lets in-flight requests finish before it closes their connections.
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// After SIGTERM (or SIGINT), how long the server still accepts and answers everything with `Connection: close`
/// before it stops accepting: each busy keep-alive connection gets one last answer that tells its client not to
/// send on it again, so no request is sent into a socket being closed.
pub const DRAIN_WINDOW: Duration = Duration::from_secs(1);

/// Set when the server was told to stop; the middleware then closes each connection after its answer.
#[derive(Debug, Default)]
pub struct Draining(AtomicBool);

impl Draining {
    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
    fn start(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Waits for SIGTERM or SIGINT, marks the server draining, waits [`DRAIN_WINDOW`]; the server then stops
/// gracefully: no new connections, in-flight requests answered (actix closes each connection after its answer),
/// at most [`SHUTDOWN_TIMEOUT`].
async fn stop_signal(draining: web::Data<Draining>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (term, int) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(term), Ok(int)) => (term, int),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "cannot listen for SIGTERM/SIGINT; stop the process with SIGKILL");
            return std::future::pending().await;
        }
    };
    let (mut term, mut int) = (term, int);
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: draining"),
        _ = int.recv() => tracing::info!("SIGINT: draining"),
    }
    draining.start();
    tokio::time::sleep(DRAIN_WINDOW).await;
    tracing::info!("no longer accepting connections; finishing in-flight requests");
}

/// Where and how the HTTP server listens. `D` supplies the service's default address.
#[derive(Args)]
pub struct ServerSettings<D: Dialect> {
    /// `host:port` to listen on.
    #[arg(long, env = "BIND_ADDR", default_value = D::DEFAULT_BIND_ADDR, global = true)]
    pub bind_addr: String,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "HTTP_WORKERS", global = true)]
    pub http_workers: Option<usize>,

    #[arg(skip)]
    dialect: PhantomData<fn() -> D>,
}

impl<D: Dialect> ServerSettings<D> {
    pub fn new(bind_addr: impl Into<String>, http_workers: Option<usize>) -> Self {
        Self {
            bind_addr: bind_addr.into(),
            http_workers,
            dialect: PhantomData,
        }
    }

    /// Port 0 on loopback, `workers` threads: what tests use.
    pub fn for_tests(workers: usize) -> Self {
        Self::new("127.0.0.1:0", Some(workers))
    }
}

impl<D: Dialect> Clone for ServerSettings<D> {
    fn clone(&self) -> Self {
        Self::new(self.bind_addr.clone(), self.http_workers)
    }
}

impl<D: Dialect> fmt::Debug for ServerSettings<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSettings")
            .field("bind_addr", &self.bind_addr)
            .field("http_workers", &self.http_workers)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] db::DbSetupError),
    #[error(transparent)]
    Auth(#[from] auth::ConfigError),
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// A setting the service could not use.
    #[error("{0}")]
    Settings(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// What a service's database and callers need: its name (the pool's `application_name`) and migrations.
pub struct Database {
    pub application_name: &'static str,
    pub migrations: EmbeddedMigrations,
    pub migration_lock_key: i64,
}

/// What every service has before it serves: a migrated database's pool, the token verifier, the metrics.
pub struct Foundation {
    pub pool: DbPool,
    pub verifier: web::Data<auth::Verifier>,
    pub metrics: web::Data<Metrics>,
}

impl Foundation {
    /// Migrates (unless disabled), then builds the pool and the metrics registry around the service's `verifier`
    /// (built by the service from `common.auth_config()`, plus any issuer of its own).
    pub async fn prepare(
        database: Database,
        common: &CommonSettings,
        verifier: auth::Verifier,
    ) -> Result<Self, StartError> {
        let url = common
            .database_url
            .as_ref()
            .ok_or(db::DbSetupError::MissingUrl)?
            .expose()
            .to_owned();
        if common.run_migrations {
            let applied =
                db::run_migrations(&url, database.migrations, database.migration_lock_key).await?;
            tracing::info!(?applied, "migrations applied");
        }
        let verifier = web::Data::new(verifier);
        let pool = db::build_pool(&url, common.pool_size(), database.application_name)?;
        let metrics = web::Data::new(Metrics::new()?);
        Ok(Self {
            pool,
            verifier,
            metrics,
        })
    }
}

/// A bound server, not yet awaited, and where it listens.
pub struct Bound {
    pub server: Server,
    pub addr: SocketAddr,
}

/// Binds `settings.bind_addr` and builds the server: the middleware of dialect `D`, its extractor configs, the
/// operational endpoints, `/openapi.json` (`openapi`, rendered once), the service's `configure` (its own app data
/// and routes), and an unknown-route answer in the dialect.
pub fn serve<D, F>(
    settings: &ServerSettings<D>,
    foundation: &Foundation,
    openapi: &impl serde::Serialize,
    configure: F,
) -> Result<Bound, StartError>
where
    D: Dialect,
    F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let bind_error = |source| StartError::Bind {
        addr: settings.bind_addr.clone(),
        source,
    };
    let listener = TcpListener::bind(&settings.bind_addr).map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    let document = web::Data::new(OpenApiDocument(
        serde_json::to_vec(openapi).map_err(|e| bind_error(std::io::Error::other(e)))?,
    ));
    let pool = web::Data::new(foundation.pool.clone());
    let verifier = foundation.verifier.clone();
    let metrics = foundation.metrics.clone();
    let draining = web::Data::new(Draining::default());
    let stopping = stop_signal(draining.clone());
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(draining.clone())
            .app_data(pool.clone())
            .app_data(verifier.clone())
            .app_data(metrics.clone())
            .app_data(document.clone())
            .app_data(dialect::json_config::<D>())
            .app_data(dialect::query_config::<D>())
            .app_data(dialect::path_config::<D>())
            .configure(crate::health::configure)
            .route("/openapi.json", web::get().to(openapi_json))
            .configure(configure.clone())
            .default_service(web::to(dialect::unknown_route::<D>))
            .wrap(from_fn(crate::middleware::request_context::<D>))
            .wrap(tracing_actix_web::TracingLogger::default())
    })
    .shutdown_timeout(SHUTDOWN_TIMEOUT.as_secs())
    .shutdown_signal(stopping)
    // Lists are streamed in several writes; with Nagle's algorithm on, the last small write of an answer waits
    // for the client's delayed ACK, 40 ms on Linux, on every request of a keep-alive connection.
    .tcp_nodelay(true)
    .listen(listener)
    .map_err(bind_error)?;
    if let Some(n) = settings.http_workers.filter(|n| *n > 0) {
        server = server.workers(n);
    }
    Ok(Bound {
        server: server.run(),
        addr,
    })
}

/// The service's OpenAPI document as JSON, rendered once at start.
struct OpenApiDocument(Vec<u8>);

async fn openapi_json(document: web::Data<OpenApiDocument>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.0.clone())
}
