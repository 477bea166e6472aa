//! The service's settings: the shared contract variables, the server's (`BIND_ADDR`, default `0.0.0.0:8000`;
//! `HTTP_WORKERS`), how single creates are coalesced (`LOG_CREATE_BATCH_*`, see `group_commit`), the
//! retention (`LOG_RETENTION_DAYS`) and the notifications' (`SMTP_URL`, `NOTIFICATION_DUPLICATE_WINDOW`,
//! `NOTIFICATIONS_ALLOW_PRIVATE_NETWORKS`).

use clap::Args;
use platform::server::ServerSettings;
use platform::settings::{CommonSettings, Secret};

use crate::dialect::Ocm;
use crate::group_commit::GroupSettings;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    #[command(flatten)]
    pub common: CommonSettings,

    #[command(flatten)]
    pub server: ServerSettings<Ocm>,

    #[command(flatten)]
    pub group: GroupSettings,

    #[command(flatten)]
    pub notifications: NotificationSettings,

    /// Days a log is kept after it was stored; older logs are deleted by the hourly housekeeping, in batches.
    /// Unset (the default): logs are kept for ever.
    #[arg(long, env = "LOG_RETENTION_DAYS", value_parser = clap::value_parser!(u16).range(1..), global = true)]
    pub log_retention_days: Option<u16>,
}

impl Settings {
    /// Settings for a test server on `database_url`, tokens signed with `secret`, `workers` HTTP workers.
    pub fn for_tests(database_url: &str, secret: &str, workers: usize) -> Self {
        Settings {
            common: CommonSettings::for_tests(database_url, secret),
            server: ServerSettings::for_tests(workers),
            group: GroupSettings::default(),
            notifications: NotificationSettings::for_tests(),
            log_retention_days: None,
        }
    }
}

/// How notifications are sent.
#[derive(Debug, Clone, Args)]
pub struct NotificationSettings {
    /// Lets webhooks reach loopback, private and link-local addresses and use plain `http` (development and
    /// tests only: in production it opens the service to SSRF).
    #[arg(long = "notifications-allow-private-networks", env = "NOTIFICATIONS_ALLOW_PRIVATE_NETWORKS", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub allow_private_networks: bool,

    /// The SMTP relay for e-mail actions: `smtp://` (STARTTLS required), `smtps://` (TLS) or, for development,
    /// `smtp://...?tls=none`; `from=<address>` sets the sender; user and password in the URL authenticate. Without
    /// it e-mail deliveries wait (and are given up after 24 h).
    #[arg(long, env = "SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<Secret>,

    /// Where readers reach this API, e.g. `https://api.example.com`: e-mail notices link to
    /// `<this>/api/service_logs/v1/cluster_logs/<id>`. Unset: the link is that path alone.
    #[arg(long = "notification-link-base-url", env = "NOTIFICATION_LINK_BASE_URL", value_parser = parse_link_base, global = true)]
    pub link_base_url: Option<String>,

    /// A new log equal to one of the same cluster created this recently (same service_name, severity, summary,
    /// description, internal_only) is stored but not notified again: `<n>s`, `<n>m`, `<n>h`, `<n>d` or seconds;
    /// `0` turns the check off.
    #[arg(long = "notification-duplicate-window", env = "NOTIFICATION_DUPLICATE_WINDOW", default_value = "1h", value_parser = parse_window, global = true)]
    pub duplicate_window: time::Duration,

    /// Base64 of 32 bytes: the AES-256-GCM key that seals webhook signing secrets at rest.
    #[arg(
        long,
        env = "WEBHOOK_SECRETS_KEY",
        hide_env_values = true,
        global = true
    )]
    pub webhook_secrets_key: Option<Secret>,

    /// The key before the last rotation: still opens, never seals. At start-up every secret sealed under it (or
    /// stored unsealed by an earlier version) is sealed again under `WEBHOOK_SECRETS_KEY`.
    #[arg(
        long,
        env = "WEBHOOK_SECRETS_KEY_PREVIOUS",
        hide_env_values = true,
        global = true
    )]
    pub webhook_secrets_key_previous: Option<Secret>,

    /// How deliveries are retried (not a variable: tests shorten it).
    #[arg(skip = RetryPolicy::default())]
    pub retry: RetryPolicy,
}

/// How failed deliveries are retried: capped exponential backoff with full jitter from the first failure, for
/// at most `give_up_after` since the notification was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: std::time::Duration,
    pub cap: std::time::Duration,
    pub give_up_after: time::Duration,
    /// Per attempt: connect and answer within this.
    pub timeout: std::time::Duration,
    /// The worker's pause when nothing is due.
    pub idle_poll: std::time::Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: std::time::Duration::from_secs(5),
            cap: std::time::Duration::from_secs(3600),
            give_up_after: time::Duration::hours(24),
            timeout: std::time::Duration::from_secs(10),
            idle_poll: std::time::Duration::from_millis(100),
        }
    }
}

/// `<n>s`, `<n>m`, `<n>h`, `<n>d` or a number of seconds.
pub fn parse_window(text: &str) -> Result<time::Duration, String> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_lowercase()),
        _ => (t, 's'),
    };
    let n: i64 = digits.parse().ok().filter(|n| *n >= 0).ok_or_else(|| {
        format!("'{text}' is not a duration: write e.g. 3600, 90s, 30m, 1h or 1d")
    })?;
    let seconds = match unit {
        's' => Some(n),
        'm' => n.checked_mul(60),
        'h' => n.checked_mul(3600),
        'd' => n.checked_mul(86_400),
        _ => None,
    }
    .ok_or_else(|| format!("'{text}' is not a duration: write e.g. 3600, 90s, 30m, 1h or 1d"))?;
    Ok(time::Duration::seconds(seconds))
}

/// The webhook secrets key of [`NotificationSettings::for_tests`]: base64 of 32 bytes of 0x42. Never a
/// deployment's.
pub const TEST_WEBHOOK_SECRETS_KEY: &str = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=";

impl NotificationSettings {
    /// Settings for tests: private networks allowed, short retries, [`TEST_WEBHOOK_SECRETS_KEY`].
    pub fn for_tests() -> Self {
        Self {
            allow_private_networks: true,
            smtp_url: None,
            link_base_url: None,
            duplicate_window: time::Duration::hours(1),
            webhook_secrets_key: Some(Secret::new(TEST_WEBHOOK_SECRETS_KEY)),
            webhook_secrets_key_previous: None,
            retry: RetryPolicy {
                base: std::time::Duration::from_millis(50),
                cap: std::time::Duration::from_millis(400),
                give_up_after: time::Duration::hours(24),
                timeout: std::time::Duration::from_secs(2),
                idle_poll: std::time::Duration::from_millis(20),
            },
        }
    }
}

/// An absolute `http(s)` URL without query or fragment, as given (a trailing `/` is dropped when used).
fn parse_link_base(s: &str) -> Result<String, String> {
    let url = url::Url::parse(s).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https")
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(
            "an http(s) URL without query or fragment, e.g. https://api.example.com".to_owned(),
        );
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::{Settings, parse_link_base, parse_window};
    use clap::Args;

    #[test]
    fn every_flag_is_named_after_its_variable() {
        let cmd = Settings::augment_args(clap::Command::new("service-logs"));
        assert_eq!(
            platform::cli::flags_unlike_their_variables(&cmd),
            Vec::<String>::new()
        );
    }

    #[test]
    fn every_flag_is_accepted_before_and_after_the_subcommand() {
        use clap::FromArgMatches;
        let cmd = Settings::augment_args(clap::Command::new("service-logs"));
        let local: Vec<String> = cmd
            .get_arguments()
            .filter(|a| a.get_long().is_some() && !a.is_global_set())
            .map(|a| a.get_id().to_string())
            .collect();
        assert_eq!(local, Vec::<String>::new());
        let cmd = cmd.subcommand(clap::Command::new("serve"));
        let matches = cmd
            .try_get_matches_from([
                "service-logs",
                "serve",
                "--database-url",
                "postgres://x",
                "--log-retention-days",
                "3",
                "--notification-duplicate-window",
                "30m",
                "--webhook-secrets-key",
                "k",
            ])
            .unwrap();
        let settings = Settings::from_arg_matches(&matches).unwrap();
        assert_eq!(settings.log_retention_days, Some(3));
        assert_eq!(
            settings.notifications.duplicate_window,
            time::Duration::minutes(30)
        );
        assert_eq!(
            settings
                .notifications
                .webhook_secrets_key
                .as_ref()
                .map(|k| k.expose()),
            Some("k")
        );
    }

    #[test]
    fn link_bases() {
        assert!(parse_link_base("https://api.example.com").is_ok());
        assert!(parse_link_base("http://127.0.0.1:8000/").is_ok());
        assert!(parse_link_base("api.example.com").is_err());
        assert!(parse_link_base("ftp://x").is_err());
        assert!(parse_link_base("https://x/?a=1").is_err());
    }

    #[test]
    fn windows() {
        assert_eq!(parse_window("1h"), Ok(time::Duration::hours(1)));
        assert_eq!(parse_window("90"), Ok(time::Duration::seconds(90)));
        assert_eq!(parse_window("30m"), Ok(time::Duration::minutes(30)));
        assert_eq!(parse_window("0"), Ok(time::Duration::ZERO));
        assert_eq!(parse_window("2d"), Ok(time::Duration::days(2)));
        assert!(parse_window("soon").is_err());
        assert!(parse_window("-1h").is_err());
        assert!(parse_window("1w").is_err());
    }
}
