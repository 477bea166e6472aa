//! The `token` subcommand both binaries share: prints a signed HS256 development token.

use clap::Args;

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
