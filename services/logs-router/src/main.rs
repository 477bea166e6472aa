//! The `logs-router` binary: `serve` (default), `migrate`, `token`, `openapi`.

use clap::Parser;
use logs_router::Settings;
use platform::cli::{Command, Service};
use std::process::ExitCode;
use utoipa::OpenApi;

#[derive(Debug, Parser)]
#[command(
    name = "logs-router",
    version,
    about = "The IBM Cloud Logs Routing management API"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    settings: Settings,
}

const SERVICE: Service = Service {
    name: "logs-router",
    migrations: logs_router::MIGRATIONS,
    migration_lock_key: logs_router::MIGRATION_LOCK_KEY,
    openapi: || {
        logs_router::openapi::ApiDoc::openapi()
            .to_pretty_json()
            .map_err(|e| e.to_string())
    },
};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = cli.settings;
    platform::cli::run(
        SERVICE,
        cli.command,
        &settings.common.clone(),
        || async move {
            let running = logs_router::build(&settings)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(addr = %running.addr, "logs-router listening");
            actix_web::rt::spawn(running.delivery.run());
            running.server.await.map_err(|e| e.to_string())
        },
    )
}
