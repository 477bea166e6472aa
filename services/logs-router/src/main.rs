//! The `logs-router` binary: `serve` (default), `migrate`, `token`.

use clap::{Parser, Subcommand};
use logs_router::Settings;
use platform::token_cmd::{TokenArgs, make_token};
use std::process::ExitCode;

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

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations (unless RUN_MIGRATIONS=false), then serve HTTP. The default.
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Print a signed HS256 development token (needs AUTH_HS256_SECRET).
    Token(TokenArgs),
    /// Print the OpenAPI document (the one served at /openapi.json) and exit.
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Token(args) => {
            let secret = cli
                .settings
                .common
                .auth_hs256_secret
                .as_ref()
                .map(|s| s.expose());
            match make_token(&args, secret, &cli.settings.common.auth_account_claim) {
                Ok(token) => {
                    println!("{token}");
                    ExitCode::SUCCESS
                }
                Err(msg) => {
                    eprintln!("logs-router token: {msg}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Openapi => {
            use utoipa::OpenApi;
            match logs_router::openapi::ApiDoc::openapi().to_pretty_json() {
                Ok(doc) => {
                    println!("{doc}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("openapi: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Migrate => run(cli.settings, true),
        Command::Serve => run(cli.settings, false),
    }
}

fn run(settings: Settings, migrate_only: bool) -> ExitCode {
    let result = actix_web::rt::System::new().block_on(async move {
        let _telemetry = platform::telemetry::init("logs-router", settings.common.log_format);
        if migrate_only {
            let url = settings
                .common
                .database_url
                .as_ref()
                .ok_or("DATABASE_URL is not set")?
                .expose()
                .to_owned();
            let applied = platform::db::run_migrations(
                &url,
                logs_router::MIGRATIONS,
                logs_router::MIGRATION_LOCK_KEY,
            )
            .await
            .map_err(|e| e.to_string())?;
            tracing::info!(?applied, "migrations applied");
            return Ok::<(), String>(());
        }
        let running = logs_router::build(&settings)
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(addr = %running.addr, "logs-router listening");
        actix_web::rt::spawn(running.delivery.run());
        running.server.await.map_err(|e| e.to_string())?;
        tracing::info!("logs-router stopped");
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("logs-router: {msg}");
            ExitCode::FAILURE
        }
    }
}
