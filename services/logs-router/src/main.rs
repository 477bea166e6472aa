//! The `logs-router` binary: `serve` (default), `migrate`, `token`, `openapi`, and `outbox` (operators).

mod outbox_command;

use clap::{Parser, Subcommand};
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
    command: Option<RouterCommand>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Debug, Subcommand)]
enum RouterCommand {
    #[command(flatten)]
    Common(Command),
    /// List the audit outbox's undelivered events and requeue parked ones (needs DATABASE_URL).
    Outbox(outbox_command::OutboxArgs),
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
    let cli: Cli = platform::cli::parse(
        &["database_url", "credentials_key", "service_logs_url"],
        &logs_router::access::PERMISSIONS,
    );
    let settings = cli.settings;
    let command = match cli.command {
        Some(RouterCommand::Outbox(args)) => {
            return match outbox_command::run(&args, &settings) {
                Ok(()) => ExitCode::SUCCESS,
                Err(msg) => {
                    eprintln!("logs-router: {msg}");
                    ExitCode::FAILURE
                }
            };
        }
        Some(RouterCommand::Common(command)) => Some(command),
        None => None,
    };
    platform::cli::run(SERVICE, command, &settings.common.clone(), || async move {
        let running = logs_router::build(&settings)
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(addr = %running.addr, "logs-router listening");
        actix_web::rt::spawn(running.delivery.run());
        running.server.await.map_err(|e| e.to_string())
    })
}
