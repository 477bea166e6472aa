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
    /// Print a development token signed with the HS256 signing key AUTH_HS256_SECRET.
    #[command(
        long_about = "Print a development token signed with the HS256 signing key AUTH_HS256_SECRET (the same key the \
                      service verifies with). Exits 1 when the key is not set."
    )]
    Token(TokenArgs),
    /// Print the OpenAPI document (the one served at /openapi.json) and exit.
    Openapi,
}

/// The settings `token` reads; every other setting belongs to the server and is hidden from `token --help`.
const TOKEN_SETTINGS: [&str; 2] = ["auth_hs256_secret", "auth_account_claim"];

/// The command line as `--help` should show it, for a `Parser`'s `command()`:
/// * `[env: NAME]` rather than clap's `[env: NAME=<current value>]`, which reads as "empty" when unset and
///   would print a secret when set; defaults stay as `[default: …]`;
/// * `token --help` lists the token's own flags and the two settings it reads (the signing key, the account
///   claim), not the server's;
/// * the settings in `required` (ids, e.g. `database_url`) say that `serve` needs them;
/// * `token --permission` lists the service's `permissions`, so a token can be minted without reading the docs.
pub fn with_plain_help(
    cmd: clap::Command,
    required: &[&str],
    permissions: &[&str],
) -> clap::Command {
    let mut cmd = cmd.mut_args(|a| a.hide_env_values(true));
    for id in required {
        cmd = cmd.mut_arg(*id, |a| {
            let help = a.get_help().map(ToString::to_string).unwrap_or_default();
            a.help(format!("{help} (required by serve)"))
        });
    }
    // A subcommand that defines an argument itself does not get the global one of that id: `token` gets
    // copies (same id, type and variable), hidden unless `token` reads them. Their values still reach the
    // settings, since the id is global.
    let copies: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| {
            let copy = a.clone().global(false);
            match a.get_id().as_str() {
                "auth_hs256_secret" => {
                    copy.help("The HS256 signing key the token is signed with (required).")
                }
                id if TOKEN_SETTINGS.contains(&id) => copy,
                _ => copy.hide(true),
            }
        })
        .collect();
    let granted = format!(
        "A permission to grant; repeat for several. This service's: {}.",
        permissions.join(", ")
    );
    cmd.mut_subcommand("token", |token| {
        token
            .args(copies)
            .mut_arg("permissions", |a| a.help(granted))
    })
}

/// Parses the command line with [`with_plain_help`].
pub fn parse<P: clap::Parser>(required: &[&str], permissions: &[&str]) -> P {
    let matches = with_plain_help(P::command(), required, permissions).get_matches();
    P::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
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

#[cfg(test)]
mod help_tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches, Parser};

    #[derive(Debug, Parser)]
    #[command(name = "svc")]
    struct Cli {
        #[command(subcommand)]
        command: Option<Command>,
        #[command(flatten)]
        common: CommonSettings,
    }

    fn help(args: &[&str]) -> String {
        let cmd = with_plain_help(
            Cli::command(),
            &["database_url"],
            &["svc.thing.read", "svc.thing.manage"],
        );
        match cmd.try_get_matches_from(args) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{args:?} printed no help"),
        }
    }

    #[test]
    fn token_help_shows_only_what_token_reads() {
        let text = help(&["svc", "token", "--help"]);
        for wanted in [
            "--sub",
            "--account",
            "--permission",
            "--ttl",
            "--auth-account-claim",
        ] {
            assert!(text.contains(wanted), "{wanted} missing from:\n{text}");
        }
        assert!(
            text.contains("This service's: svc.thing.read, svc.thing.manage."),
            "{text}"
        );
        assert!(
            text.contains(
                "--auth-hs256-secret <AUTH_HS256_SECRET>\n          The HS256 signing key"
            ),
            "{text}"
        );
        for unwanted in [
            "--database-url",
            "--run-migrations",
            "--auth-jwks-url",
            "--log-format",
        ] {
            assert!(!text.contains(unwanted), "{unwanted} in:\n{text}");
        }
    }

    #[test]
    fn help_shows_variables_without_values_and_marks_what_serve_needs() {
        let text = help(&["svc", "--help"]);
        assert!(
            text.contains("[env: RUN_MIGRATIONS] [default: true]"),
            "{text}"
        );
        assert!(!text.contains("[env: RUN_MIGRATIONS=]"), "{text}");
        assert!(
            text.contains("`postgres://` URL of the service's own database (required by serve) [env: DATABASE_URL]"),
            "{text}"
        );
    }

    #[test]
    fn token_still_reads_the_key_given_after_it() {
        let cmd = with_plain_help(Cli::command(), &[], &[]);
        let matches = cmd
            .try_get_matches_from(["svc", "token", "--auth-hs256-secret", "k", "--sub", "me"])
            .unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        assert_eq!(
            cli.common.auth_hs256_secret.map(|s| s.expose().to_owned()),
            Some("k".into())
        );
        assert!(matches!(cli.command, Some(Command::Token(TokenArgs { sub, .. })) if sub == "me"));
    }
}
