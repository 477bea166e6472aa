//! The JSON shapes of notification triggers.

use domain::timefmt::format_utc;
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::triggers::{StoredAction, TriggerRow};
use crate::wire::API_BASE;

pub const TRIGGER_KIND: &str = "NotificationTrigger";
pub const TRIGGER_LIST_KIND: &str = "NotificationTriggerList";

pub fn trigger_href(id: &str) -> String {
    format!("{API_BASE}/notification_triggers/{id}")
}

/// A notification trigger: new logs that match `search` (and that the trigger's account may see) run `actions`.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct NotificationTrigger {
    /// Always `NotificationTrigger`.
    pub kind: &'static str,
    pub id: String,
    pub href: String,
    pub name: String,
    /// The owning account; `""` for an account-less trigger, which sees every log (internal callers only).
    pub account_id: String,
    /// A search in the list searches' language; `""` matches every log.
    pub search: String,
    pub actions: Vec<Action>,
    /// RFC 3339 in UTC.
    pub created_at: String,
    pub updated_at: String,
}

/// One action of a trigger.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Action {
    /// `webhook` or `email`.
    #[serde(rename = "type")]
    #[schema(example = "webhook")]
    pub action_type: &'static str,
    /// webhook: the destination.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// webhook: the Standard Webhooks signing secret (`whsec_` + base64), present only in the answer that created
    /// the action, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// webhook: when the receiver answered 410 Gone and the action was disabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<String>,
    /// email: the recipients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<String>>,
}

impl Action {
    /// The action as shown; `revealed` is its new signing secret, shown only in the answer that created it.
    pub fn from_stored(a: &StoredAction, revealed: Option<String>) -> Self {
        match a {
            StoredAction::Webhook {
                url, disabled_at, ..
            } => Self {
                action_type: "webhook",
                url: Some(url.clone()),
                secret: revealed,
                disabled_at: disabled_at.clone(),
                to: None,
            },
            StoredAction::Email { to } => Self {
                action_type: "email",
                url: None,
                secret: None,
                disabled_at: None,
                to: Some(to.clone()),
            },
        }
    }
}

impl NotificationTrigger {
    /// The trigger as shown; `revealed(i)` is action `i`'s signing secret when it is new in this answer.
    pub fn from_row(
        row: TriggerRow,
        actions: &[StoredAction],
        revealed: impl Fn(usize) -> Option<String>,
    ) -> Self {
        Self {
            kind: TRIGGER_KIND,
            href: trigger_href(&row.id),
            id: row.id,
            name: row.name,
            account_id: row.account_id,
            search: row.search,
            actions: actions
                .iter()
                .enumerate()
                .map(|(i, a)| Action::from_stored(a, revealed(i)))
                .collect(),
            created_at: format_utc(row.created_at),
            updated_at: format_utc(row.updated_at),
        }
    }
}

/// A page of triggers.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationTriggerList {
    /// Always `NotificationTriggerList`.
    pub kind: &'static str,
    pub page: i64,
    pub size: i64,
    pub total: i64,
    pub items: Vec<NotificationTrigger>,
}

/// The body of `POST /notification_triggers` and, as a JSON merge patch, of `PATCH` (documentation only:
/// `domain_logs::trigger::TriggerInput` reads it). Unknown fields are refused.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationTriggerRequest {
    /// Required, 1 to 255 characters, not blank.
    #[schema(pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$", max_length = 255)]
    pub name: String,
    /// Defaults to the token's account; only internal callers may name another, or `""` (account-less).
    #[schema(pattern = r"^[^\u0000]*$")]
    pub account_id: Option<String>,
    /// A search in the list searches' language; absent or `""` matches every log.
    #[schema(pattern = r"^[^\u0000]*$")]
    pub search: Option<String>,
    /// 1 to 10 actions: `{"type":"webhook","url":"https://..."}` or `{"type":"email","to":["ops@example.com"]}`.
    #[schema(min_items = 1, max_items = 10)]
    pub actions: Vec<ActionRequest>,
}

/// The body of `PATCH /notification_triggers/{id}`: a JSON merge patch (documentation only). Absent members
/// keep their value; `search: null` clears the search; `actions` replaces the list whole; `account_id` must stay
/// as it is.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationTriggerPatch {
    #[schema(pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$", max_length = 255)]
    pub name: Option<String>,
    #[schema(pattern = r"^[^\u0000]*$")]
    pub account_id: Option<String>,
    #[schema(pattern = r"^[^\u0000]*$")]
    pub search: Option<String>,
    #[schema(min_items = 1, max_items = 10)]
    pub actions: Option<Vec<ActionRequest>>,
}

/// One action of a request.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// `webhook` or `email`.
    #[serde(rename = "type")]
    #[schema(pattern = "^(webhook|email)$")]
    pub action_type: String,
    /// webhook: an https URL that does not resolve to a loopback, private, link-local or metadata address.
    pub url: Option<String>,
    /// email: 1 to 20 addresses.
    pub to: Option<Vec<String>>,
}

pub const NOTIFICATION_KIND: &str = "ClusterLogNotification";
pub const NOTIFICATION_LIST_KIND: &str = "ClusterLogNotificationList";

/// The notification bookkeeping of one log (`id` and `href` are the log's).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct ClusterLogNotification {
    /// Always `ClusterLogNotification`.
    pub kind: &'static str,
    pub id: String,
    pub href: String,
    /// Assigned when the log matched a trigger and was queued; null if it never was (or was a duplicate).
    pub notification_uuid: Option<String>,
    /// When every action queued for the log finished; null while any is pending, or if never queued.
    pub notified_at: Option<String>,
    /// Each action that completed successfully; empty until one has.
    pub completed_actions: Vec<CompletedAction>,
    /// Ours: the earlier log of the same cluster this one repeats (within NOTIFICATION_DUPLICATE_WINDOW), so it
    /// was not notified again. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
}

/// One completed action.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct CompletedAction {
    /// `webhook` or `email`.
    #[serde(rename = "type")]
    pub action_type: String,
    /// Opaque SHA-256 of the action's identity (never its URL, recipients or secret).
    pub hash: String,
    /// Always `completed`.
    pub status: &'static str,
    /// RFC 3339 in UTC.
    pub completed_at: String,
}

/// A page of notification bookkeeping, in the order of the logs.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterLogNotificationList {
    /// Always `ClusterLogNotificationList`.
    pub kind: &'static str,
    pub page: i64,
    pub size: i64,
    pub total: i64,
    pub items: Vec<ClusterLogNotification>,
}
