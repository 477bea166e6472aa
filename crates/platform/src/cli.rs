//! The command line both binaries share: `serve` (the default), `migrate`, `token`, `openapi`, and how each runs.

use clap::{Args, Subcommand};
use diesel_migrations::EmbeddedMigrations;
use std::future::Future;
use std::process::ExitCode;

use crate::settings::CommonSettings;

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Apply pending migrations (unless RUN_MIGRATIONS=false), then serve HTTP. The default.
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Print a signed HS256 development token (needs AUTH_HS256_SECRET).
    Token(TokenArgs),
    /// Print the OpenAPI document (the one served at /openapi.json) and exit.
    Openapi,
}

/// What the shared commands need to know about a service.
pub struct Service {
    pub name: &'static str,
    pub migrations: EmbeddedMigrations,
    pub migration_lock_key: i64,
    /// The OpenAPI document as pretty JSON.
    pub openapi: fn() -> Result<String, String>,
}

/// Prints to stdout; a closed pipe (`| head`) is an error message, not a panic.
fn print_line(text: &str) -> Result<(), String> {
    use std::io::Write;
    writeln!(std::io::stdout(), "{text}").map_err(|e| format!("writing to stdout: {e}"))
}

/// Runs `command` (serve when absent); `serve` builds and runs the server until it stops.
pub fn run<F, Fut>(
    service: Service,
    command: Option<Command>,
    common: &CommonSettings,
    serve: F,
) -> ExitCode
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let name = service.name;
    let outcome = match command.unwrap_or(Command::Serve) {
        Command::Token(args) => {
            let secret = common.auth_hs256_secret.as_ref().map(|s| s.expose());
            make_token(&args, secret, &common.auth_account_claim)
                .and_then(|token| print_line(&token))
        }
        Command::Openapi => (service.openapi)().and_then(|doc| print_line(&doc)),
        Command::Migrate => actix_web::rt::System::new().block_on(async {
            let _telemetry = crate::telemetry::init(name, common.log_format);
            let url = common
                .database_url
                .as_ref()
                .ok_or("DATABASE_URL is not set")?
                .expose()
                .to_owned();
            let applied =
                crate::db::run_migrations(&url, service.migrations, service.migration_lock_key)
                    .await
                    .map_err(|e| e.to_string())?;
            tracing::info!(?applied, "migrations applied");
            Ok(())
        }),
        Command::Serve => actix_web::rt::System::new().block_on(async {
            let _telemetry = crate::telemetry::init(name, common.log_format);
            serve().await?;
            tracing::info!("{name} stopped");
            Ok(())
        }),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("{name}: {msg}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The token's subject (`sub`).
    #[arg(long, default_value = "developer")]
    pub sub: String,
    /// The account the caller acts for (written at AUTH_ACCOUNT_CLAIM).
    #[arg(long)]
    pub account: Option<String>,
    /// A permission to grant; repeat for several.
    #[arg(long = "permission")]
    pub permissions: Vec<String>,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    pub ttl: u64,
}

/// The token text, or a message saying why none can be made.
pub fn make_token(
    args: &TokenArgs,
    secret: Option<&str>,
    account_claim: &str,
) -> Result<String, String> {
    let secret = secret
        .filter(|s| !s.is_empty())
        .ok_or("AUTH_HS256_SECRET is not set: the token subcommand signs with it (export the same secret the service uses)")?;
    let token = auth::DevToken {
        sub: args.sub.clone(),
        account: args.account.clone(),
        permissions: args.permissions.clone(),
        ttl_secs: args.ttl,
        account_claim: account_claim.to_owned(),
        extra: serde_json::Map::new(),
    };
    auth::mint_hs256(secret, &token).map_err(|e| format!("signing the token failed: {e}"))
}
