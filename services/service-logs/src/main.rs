//! The `service-logs` binary: `serve` (default), `migrate`, `token`, `openapi`.

use clap::Parser;
use platform::cli::{Command, Service};
use service_logs::Settings;
use std::process::ExitCode;
use utoipa::OpenApi;

#[derive(Debug, Parser)]
#[command(name = "service-logs", version, about = "The OCM Service Log API")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    settings: Settings,
}

const SERVICE: Service = Service {
    name: "service-logs",
    migrations: service_logs::MIGRATIONS,
    migration_lock_key: service_logs::MIGRATION_LOCK_KEY,
    openapi: || {
        service_logs::openapi::ApiDoc::openapi()
            .to_pretty_json()
            .map_err(|e| e.to_string())
    },
};

fn main() -> ExitCode {
    let cli: Cli = platform::cli::parse(
        &["database_url", "webhook_secrets_key"],
        &service_logs::access::PERMISSIONS,
    );
    let settings = cli.settings;
    platform::cli::run(
        SERVICE,
        cli.command,
        &settings.common.clone(),
        || async move {
            let running = service_logs::build(&settings)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(addr = %running.addr, "service-logs listening");
            service_logs::spawn_housekeeping(running.pool.clone(), settings.log_retention_days);
            running.server.await.map_err(|e| e.to_string())
        },
    )
}
