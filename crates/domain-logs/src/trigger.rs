//! Notification triggers: a search over new logs and the actions to run for each match.
//!
//! What a create or a merge patch must hold, whose account a trigger belongs to, which webhook destinations are
//! refused (SSRF), and the opaque identity hash of an action. The search text itself is checked by the service
//! (its field allow-list is the service's); resolving a webhook's host name is the service's too (I/O).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::service_log::RuleError;

/// The most characters a trigger's name may have.
pub const NAME_MAX_CHARS: usize = 255;
/// The most actions one trigger may run.
pub const MAX_ACTIONS: usize = 10;
/// The most recipients one e-mail action may have.
pub const MAX_RECIPIENTS: usize = 20;
/// The longest accepted webhook URL.
pub const URL_MAX_CHARS: usize = 2048;

/// A create body as clients send it; `null` counts as absent (merge patches are applied before this).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TriggerInput {
    pub name: Option<String>,
    pub account_id: Option<String>,
    pub search: Option<String>,
    pub actions: Option<Vec<ActionInput>>,
}

/// One action as clients send it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionInput {
    Webhook { url: String },
    Email { to: Vec<String> },
}

/// A trigger that follows every rule but the search's (checked by the service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidTrigger {
    pub name: String,
    /// `""`: an account-less trigger, which sees every log (internal callers only).
    pub account_id: String,
    pub search: String,
    pub actions: Vec<ValidAction>,
}

/// A checked action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidAction {
    Webhook { url: url::Url },
    Email { to: Vec<String> },
}

/// The kinds of action, as they appear on the wire and in metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionType {
    Webhook,
    Email,
}

impl ActionType {
    pub const ALL: [ActionType; 2] = [ActionType::Webhook, ActionType::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionType::Webhook => "webhook",
            ActionType::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl ValidAction {
    pub fn action_type(&self) -> ActionType {
        match self {
            ValidAction::Webhook { .. } => ActionType::Webhook,
            ValidAction::Email { .. } => ActionType::Email,
        }
    }
}

/// Why a caller may not manage a trigger of the account it asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountRefusal {
    /// Not the caller's own account (403).
    #[error("{0}")]
    Forbidden(String),
}

/// The account a new trigger belongs to: `requested` (`Some("")` for account-less), defaulting to the caller's.
/// A caller without `read-internal` (`internal == false`) manages only its own account's triggers.
pub fn owning_account(
    requested: Option<&str>,
    caller_account: Option<&str>,
    internal: bool,
) -> Result<String, AccountRefusal> {
    let chosen = match (requested, caller_account) {
        (Some(r), _) => r.trim().to_owned(),
        (None, Some(own)) => own.to_owned(),
        (None, None) if internal => String::new(),
        (None, None) => {
            return Err(AccountRefusal::Forbidden(
                "The token carries no account, so there are no triggers it may manage".to_owned(),
            ));
        }
    };
    if internal || Some(chosen.as_str()) == caller_account {
        return Ok(chosen);
    }
    Err(AccountRefusal::Forbidden(match caller_account {
        Some(own) if chosen.is_empty() => format!(
            "Only internal callers may manage account-less triggers; this token manages account '{own}'"
        ),
        Some(own) => format!(
            "This token manages the triggers of account '{own}' only, not of account '{chosen}'"
        ),
        None => "The token carries no account, so there are no triggers it may manage".to_owned(),
    }))
}

/// Whether a caller of `caller_account` (`internal`: any account) may see and change a trigger of `account`.
pub fn may_manage(account: &str, caller_account: Option<&str>, internal: bool) -> bool {
    internal || (!account.is_empty() && Some(account) == caller_account)
}

impl TriggerInput {
    /// A merge-patched body keeps the trigger's `current` account: a trigger never moves to another account.
    pub fn keeps_account(&self, current: &str) -> Result<(), RuleError> {
        if self.account_id.as_deref() == Some(current) {
            Ok(())
        } else {
            Err(RuleError("Field 'account_id' cannot be changed".to_owned()))
        }
    }

    /// Checks a body; `account_id` is the already-decided owner ([`owning_account`]).
    pub fn validate(
        self,
        account_id: String,
        allow_private: bool,
    ) -> Result<ValidTrigger, RuleError> {
        let name = self.name.unwrap_or_default().trim().to_owned();
        if name.is_empty() {
            return Err(RuleError("Field 'name' is required".to_owned()));
        }
        if name.chars().count() > NAME_MAX_CHARS {
            return Err(RuleError(format!(
                "Field 'name' must have at most {NAME_MAX_CHARS} characters"
            )));
        }
        let search = self.search.unwrap_or_default();
        let actions = self.actions.unwrap_or_default();
        if actions.is_empty() {
            return Err(RuleError(
                "Field 'actions' must hold at least one action".to_owned(),
            ));
        }
        if actions.len() > MAX_ACTIONS {
            return Err(RuleError(format!(
                "Field 'actions' may hold at most {MAX_ACTIONS} actions"
            )));
        }
        let actions = actions
            .into_iter()
            .enumerate()
            .map(|(i, a)| a.validate(i, allow_private))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ValidTrigger {
            name,
            account_id,
            search,
            actions,
        })
    }
}

impl ActionInput {
    fn validate(self, index: usize, allow_private: bool) -> Result<ValidAction, RuleError> {
        match self {
            ActionInput::Webhook { url } => Ok(ValidAction::Webhook {
                url: webhook_url(&url, allow_private)
                    .map_err(|e| RuleError(format!("Field 'actions[{index}].url' {e}")))?,
            }),
            ActionInput::Email { to } => {
                if to.is_empty() || to.len() > MAX_RECIPIENTS {
                    return Err(RuleError(format!(
                        "Field 'actions[{index}].to' must hold 1 to {MAX_RECIPIENTS} addresses"
                    )));
                }
                let mut out = Vec::with_capacity(to.len());
                for (j, address) in to.into_iter().enumerate() {
                    let address = address.trim().to_owned();
                    if !is_mail_address(&address) {
                        return Err(RuleError(format!(
                            "Field 'actions[{index}].to[{j}]' is not an e-mail address"
                        )));
                    }
                    out.push(address);
                }
                Ok(ValidAction::Email { to: out })
            }
        }
    }
}

/// A plain `local@domain` address: no display name, no spaces or control characters, at most 254 characters.
fn is_mail_address(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | ',' | ';' | '"' | '\\'))
        && !domain.contains('@')
}

/// Why a webhook URL is refused (the text follows "Field 'actions[i].url' ").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UrlRefusal(pub String);

/// Checks a webhook URL's form: absolute, `https` (or `http` when private networks are allowed), a host, at
/// most [`URL_MAX_CHARS`], and, when the host is an IP address, not a refused one ([`is_refused_ip`]). A host
/// name is resolved and its addresses checked by the service, at create and again at every send.
pub fn webhook_url(text: &str, allow_private: bool) -> Result<url::Url, UrlRefusal> {
    if text.chars().count() > URL_MAX_CHARS {
        return Err(UrlRefusal(format!(
            "must have at most {URL_MAX_CHARS} characters"
        )));
    }
    let url = url::Url::parse(text.trim())
        .map_err(|e| UrlRefusal(format!("is not an absolute URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(UrlRefusal("must be an https URL".to_owned())),
    }
    let refused = |ip: IpAddr| {
        UrlRefusal(format!(
            "points at {ip}, a loopback, private, link-local or metadata address"
        ))
    };
    match url.host() {
        None => Err(UrlRefusal("has no host".to_owned())),
        Some(url::Host::Ipv4(ip)) if !allow_private && is_refused_ip(IpAddr::V4(ip)) => {
            Err(refused(IpAddr::V4(ip)))
        }
        Some(url::Host::Ipv6(ip)) if !allow_private && is_refused_ip(IpAddr::V6(ip)) => {
            Err(refused(IpAddr::V6(ip)))
        }
        Some(_) => Ok(url),
    }
}

/// Addresses a webhook must never reach: loopback, private (RFC 1918, IPv6 ULA `fc00::/7`), link-local (which
/// holds the cloud metadata address 169.254.169.254), unspecified, shared (CGNAT `100.64/10`), broadcast,
/// multicast, and IPv4 addresses mapped into IPv6.
pub fn is_refused_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_refused_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_refused_v4(v4),
            None => is_refused_v6(v6),
        },
    }
}

fn is_refused_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
}

fn is_refused_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
}

/// The opaque identity of an action of a trigger: a hex SHA-256 over the trigger id, the type and its
/// destination (the URL, or the recipients). It names neither the URL nor any secret, and stays the same for as
/// long as the action does.
pub fn action_hash<'a>(
    trigger_id: &str,
    kind: ActionType,
    destination: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut h = Sha256::new();
    h.update(trigger_id.as_bytes());
    h.update([0]);
    h.update(kind.as_str().as_bytes());
    for part in destination {
        h.update([0]);
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// RFC 7396 JSON merge patch: `patch` applied to `target`.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(changes) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(map) = target {
        for (key, value) in changes {
            if value.is_null() {
                map.remove(key);
            } else {
                merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_account_follows_the_caller() {
        assert_eq!(owning_account(None, Some("a"), false), Ok("a".to_owned()));
        assert_eq!(
            owning_account(Some("a"), Some("a"), false),
            Ok("a".to_owned())
        );
        assert_eq!(
            owning_account(Some("b"), Some("a"), false),
            Err(AccountRefusal::Forbidden(
                "This token manages the triggers of account 'a' only, not of account 'b'"
                    .to_owned()
            ))
        );
        assert!(owning_account(Some(""), Some("a"), false).is_err());
        assert_eq!(owning_account(Some(""), Some("a"), true), Ok(String::new()));
        assert_eq!(owning_account(None, None, true), Ok(String::new()));
        assert_eq!(owning_account(Some("b"), None, true), Ok("b".to_owned()));
        assert!(owning_account(None, None, false).is_err());
        assert!(may_manage("a", Some("a"), false));
        assert!(!may_manage("", Some("a"), false));
        assert!(!may_manage("b", Some("a"), false));
        assert!(may_manage("", None, true));
    }

    #[test]
    fn a_patch_keeps_the_account() {
        let with = |a: Option<&str>| TriggerInput {
            account_id: a.map(str::to_owned),
            ..TriggerInput::default()
        };
        assert_eq!(with(Some("a")).keeps_account("a"), Ok(()));
        assert_eq!(
            with(Some("b")).keeps_account("a"),
            Err(RuleError("Field 'account_id' cannot be changed".to_owned()))
        );
        assert!(with(None).keeps_account("a").is_err());
        assert_eq!(with(Some("")).keeps_account(""), Ok(()));
    }

    #[test]
    fn refused_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fc12::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(is_refused_ip(ip), "{ip}");
        }
        for ip in ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "172.32.0.1"] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(!is_refused_ip(ip), "{ip}");
        }
    }

    #[test]
    fn webhook_urls() {
        assert!(webhook_url("https://hooks.example.com/x", false).is_ok());
        assert_eq!(
            webhook_url("http://hooks.example.com/x", false),
            Err(UrlRefusal("must be an https URL".to_owned()))
        );
        assert!(webhook_url("http://127.0.0.1:9/x", true).is_ok());
        assert_eq!(
            webhook_url("https://[fd00::1]/x", false),
            Err(UrlRefusal(
                "points at fd00::1, a loopback, private, link-local or metadata address".to_owned()
            ))
        );
        assert!(webhook_url("ftp://x.example/", false).is_err());
        assert!(webhook_url("not a url", false).is_err());
    }

    #[test]
    fn bodies() {
        let input: TriggerInput = serde_json::from_value(json!({
            "name": " n ", "search": "severity = 'Error'",
            "actions": [{"type": "email", "to": ["ops@example.com"]}, {"type": "webhook", "url": "https://h.example/"}]
        }))
        .unwrap();
        let t = input.validate("acc".to_owned(), false).unwrap();
        assert_eq!(t.name, "n");
        assert_eq!(t.actions.len(), 2);
        let bad: TriggerInput = serde_json::from_value(
            json!({"name": "n", "actions": [{"type": "email", "to": ["nope"]}]}),
        )
        .unwrap();
        assert_eq!(
            bad.validate(String::new(), false),
            Err(RuleError(
                "Field 'actions[0].to[0]' is not an e-mail address".to_owned()
            ))
        );
        let none: TriggerInput = serde_json::from_value(json!({"name": "n"})).unwrap();
        assert_eq!(
            none.validate(String::new(), false),
            Err(RuleError(
                "Field 'actions' must hold at least one action".to_owned()
            ))
        );
    }

    #[test]
    fn hashes_hide_the_destination() {
        let url = "https://h.example/secret-token";
        let h = action_hash("t1", ActionType::Webhook, [url]);
        assert_eq!(h.len(), 64);
        assert!(!h.contains("secret"));
        assert_ne!(h, action_hash("t2", ActionType::Webhook, [url]));
        assert_ne!(h, action_hash("t1", ActionType::Email, [url]));
        assert_eq!(h, action_hash("t1", ActionType::Webhook, [url]));
    }

    #[test]
    fn merge_patches() {
        let mut v = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1]});
        merge_patch(&mut v, &json!({"a": null, "b": {"c": 5}, "e": [2, 3]}));
        assert_eq!(v, json!({"b": {"c": 5, "d": 3}, "e": [2, 3]}));
    }
}
