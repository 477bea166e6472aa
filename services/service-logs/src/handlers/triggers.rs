//! `/notification_triggers`: create, list, read, merge-patch and delete notification triggers.

use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use base64::Engine;
use domain_logs::trigger::{
    TriggerInput, ValidAction, ValidTrigger, may_manage, merge_patch, owning_account,
};
use errors::ocm::OcmError;
use rand::RngCore;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::errors::{broken_rule, refused_account, refused_destination};
use super::{Params, Pool};
use crate::access::{Caller, LOG_READ_INTERNAL, TRIGGER_MANAGE};
use crate::filter::Criteria;
use crate::listing::{ListError, page_and_size};
use crate::notifications::wire::{
    NotificationTrigger, NotificationTriggerList, NotificationTriggerPatch,
    NotificationTriggerRequest, TRIGGER_LIST_KIND,
};
use crate::notifications::{Notifier, ssrf};
use crate::store;
use crate::store::triggers::{StoredAction, TriggerRow, actions_json};
use crate::wire::Error;

type Notify = web::Data<Notifier>;

/// Create a notification trigger; a webhook action's signing secret is in this answer only.
#[utoipa::path(
    post, path = "/api/service_logs/v1/notification_triggers", tag = "notification_triggers",
    request_body(content = NotificationTriggerRequest),
    responses(
        (status = 201, description = "Created; each webhook action carries its secret, shown only here", body = NotificationTrigger),
        (status = 400, description = "Invalid body, search or action (a refused webhook destination included)", body = Error),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.trigger.manage, or another account's trigger without read-internal", body = Error),
        (status = 415, description = "Not JSON", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    pool: Pool,
    caller: Caller,
    notifier: Notify,
    body: web::Json<Value>,
) -> Result<HttpResponse, OcmError> {
    caller.require(TRIGGER_MANAGE)?;
    let input = parse_input(body.into_inner())?;
    let internal = caller.0.has(LOG_READ_INTERNAL);
    let account = owning_account(
        input.account_id.as_deref(),
        caller.0.account.as_deref(),
        internal,
    )
    .map_err(refused_account)?;
    let valid = checked(input, account, &notifier, &[]).await?;
    let (actions, secrets) = stored_all(&valid.actions, None, &notifier)?;
    let now = OffsetDateTime::now_utc();
    let row = TriggerRow {
        id: domain::ids::new_ksuid(),
        name: valid.name,
        account_id: valid.account_id,
        search: valid.search,
        actions: actions_json(&actions)?,
        created_at: now,
        updated_at: now,
    };
    let mut conn = store::conn(&pool).await?;
    let row = store::triggers::insert(&mut conn, &row).await?;
    let out = NotificationTrigger::from_row(row, &actions, |i| secrets.get(i).cloned().flatten());
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, out.href.clone()))
        .json(out))
}

/// List the notification triggers the caller manages (its account's; every one with read-internal).
#[utoipa::path(
    get, path = "/api/service_logs/v1/notification_triggers", tag = "notification_triggers",
    params(
        ("page" = Option<i64>, Query, minimum = 1, description = "Page number, from 1"),
        ("size" = Option<i64>, Query, minimum = -1, description = "Items per page (default 100)"),
    ),
    responses(
        (status = 200, description = "A page of triggers, oldest first", body = NotificationTriggerList),
        (status = 400, description = "Invalid page or size", body = Error),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.trigger.manage", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn list(pool: Pool, caller: Caller, params: Params) -> Result<HttpResponse, OcmError> {
    caller.require(TRIGGER_MANAGE)?;
    let scope = if caller.0.has(LOG_READ_INTERNAL) {
        None
    } else {
        Some(caller.0.account.clone().ok_or_else(|| {
            OcmError::forbidden(
                "The token carries no account, so there are no triggers it may manage",
            )
        })?)
    };
    let (page, size) = page_and_size(&params).map_err(ListError::into_ocm)?;
    let mut conn = store::conn(&pool).await?;
    let offset = (page - 1).saturating_mul(size);
    let (rows, total) = store::triggers::list(&mut conn, scope.as_deref(), size, offset).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let actions = row.stored_actions()?;
            Ok(NotificationTrigger::from_row(row, &actions, |_| None))
        })
        .collect::<Result<Vec<_>, store::StoreError>>()?;
    Ok(HttpResponse::Ok().json(NotificationTriggerList {
        kind: TRIGGER_LIST_KIND,
        page,
        size: i64::try_from(items.len()).unwrap_or(i64::MAX),
        total,
        items,
    }))
}

/// Get one notification trigger (never its secrets).
#[utoipa::path(
    get, path = "/api/service_logs/v1/notification_triggers/{id}", tag = "notification_triggers",
    params(("id" = String, Path, description = "The trigger's KSUID")),
    responses(
        (status = 200, description = "The trigger", body = NotificationTrigger),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.trigger.manage", body = Error),
        (status = 404, description = "No such trigger, or not one the caller manages", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn get(
    pool: Pool,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, OcmError> {
    caller.require(TRIGGER_MANAGE)?;
    let mut conn = store::conn(&pool).await?;
    let row = managed(&mut conn, &caller, &id).await?;
    let actions = row.stored_actions()?;
    Ok(HttpResponse::Ok().json(NotificationTrigger::from_row(row, &actions, |_| None)))
}

/// Change a notification trigger with a JSON merge patch (RFC 7396) of `name`, `search` and `actions`
/// (`actions` is replaced whole; a webhook keeps its secret while its URL stays, a new URL gets a new secret,
/// shown in this answer only). `account_id` cannot change.
#[utoipa::path(
    patch, path = "/api/service_logs/v1/notification_triggers/{id}", tag = "notification_triggers",
    params(("id" = String, Path, description = "The trigger's KSUID")),
    request_body(content = NotificationTriggerPatch, description = "A JSON merge patch of name, search and actions", content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The trigger after the patch", body = NotificationTrigger),
        (status = 400, description = "Invalid patch, search or action", body = Error),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.trigger.manage", body = Error),
        (status = 404, description = "No such trigger, or not one the caller manages", body = Error),
        (status = 415, description = "Not JSON", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn patch(
    pool: Pool,
    caller: Caller,
    notifier: Notify,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, OcmError> {
    caller.require(TRIGGER_MANAGE)?;
    let patch = body.into_inner();
    let mut conn = store::conn(&pool).await?;
    // The patch applied to the trigger as read now, and its webhook destinations resolved (DNS), before the lock.
    let before = managed(&mut conn, &caller, &id).await?;
    if !patch.is_object() {
        return Err(OcmError::bad_request("Request body must be a JSON object"));
    }
    let first = checked(
        patched(&before, &patch)?,
        before.account_id.clone(),
        &notifier,
        &[],
    )
    .await?;
    // Then under the trigger's row lock: a concurrent patch, or the worker disabling a webhook after a 410, is
    // applied before or after this one and is never overwritten by a copy read before it. When the trigger changed
    // meanwhile the patch is applied again to it, and only a destination that writer brought in is resolved under
    // the lock.
    let changed = store::triggers::change(&mut conn, &id, async |current| {
        if !manages(&caller, &current) {
            return Err(not_found(&current.id));
        }
        let current_actions = current.stored_actions()?;
        let valid = if current == before {
            first
        } else {
            let resolved: Vec<String> = destinations(&first).map(|(_, u)| u.to_string()).collect();
            let input = patched(&current, &patch)?;
            checked(input, current.account_id.clone(), &notifier, &resolved).await?
        };
        let (actions, revealed) = stored_all(&valid.actions, Some(&current_actions), &notifier)?;
        let row = TriggerRow {
            name: valid.name,
            search: valid.search,
            actions: actions_json(&actions)?,
            updated_at: OffsetDateTime::now_utc(),
            ..current
        };
        Ok((row, (actions, revealed)))
    })
    .await?;
    let (row, (actions, revealed)) = changed.ok_or_else(|| not_found(&id))?;
    let out = NotificationTrigger::from_row(row, &actions, |i| revealed.get(i).cloned().flatten());
    Ok(HttpResponse::Ok().json(out))
}

/// Delete a notification trigger; notifications already queued are still sent.
#[utoipa::path(
    delete, path = "/api/service_logs/v1/notification_triggers/{id}", tag = "notification_triggers",
    params(("id" = String, Path, description = "The trigger's KSUID")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.trigger.manage", body = Error),
        (status = 404, description = "No such trigger, or not one the caller manages", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn delete(
    pool: Pool,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, OcmError> {
    caller.require(TRIGGER_MANAGE)?;
    let mut conn = store::conn(&pool).await?;
    let row = managed(&mut conn, &caller, &id).await?;
    if store::triggers::delete(&mut conn, &row.id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(not_found(&row.id))
    }
}

fn not_found(id: &str) -> OcmError {
    OcmError::not_found(format!("Notification trigger with id '{id}' not found"))
}

/// The trigger `id` if it exists and the caller manages it (404 otherwise: another account's trigger is not
/// admitted to exist).
async fn managed(
    conn: &mut store::Conn,
    caller: &Caller,
    id: &str,
) -> Result<TriggerRow, OcmError> {
    if !domain::ids::is_ksuid(id) {
        return Err(not_found(id));
    }
    let row = store::triggers::find(conn, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    if manages(caller, &row) {
        Ok(row)
    } else {
        Err(not_found(id))
    }
}

/// Whether the caller manages `row` (its own account's trigger, or any with `read-internal`).
fn manages(caller: &Caller, row: &TriggerRow) -> bool {
    may_manage(
        &row.account_id,
        caller.0.account.as_deref(),
        caller.0.has(LOG_READ_INTERNAL),
    )
}

fn parse_input(body: Value) -> Result<TriggerInput, OcmError> {
    if !body.is_object() {
        return Err(OcmError::bad_request("Request body must be a JSON object"));
    }
    serde_json::from_value(body).map_err(|e| {
        OcmError::bad_request(format!(
            "Request body is not a valid notification trigger: {e}"
        ))
    })
}

/// The domain's rules, the search's, and every webhook destination resolved and checked (SSRF), but for those in
/// `resolved` (checked a moment ago by the same request).
async fn checked(
    input: TriggerInput,
    account: String,
    notifier: &Notifier,
    resolved: &[String],
) -> Result<ValidTrigger, OcmError> {
    let allow_private = notifier.allow_private_networks;
    let valid = input
        .validate(account, allow_private)
        .map_err(broken_rule)?;
    Criteria::parse(&valid.search)?;
    for (i, url) in destinations(&valid) {
        if !resolved.iter().any(|r| r == url.as_str()) {
            ssrf::check_at_create(url, allow_private)
                .await
                .map_err(|e| refused_destination(i, e))?;
        }
    }
    Ok(valid)
}

/// The webhook destinations of a trigger, with their action's index.
fn destinations(valid: &ValidTrigger) -> impl Iterator<Item = (usize, &url::Url)> {
    valid
        .actions
        .iter()
        .enumerate()
        .filter_map(|(i, a)| match a {
            ValidAction::Webhook { url } => Some((i, url)),
            ValidAction::Email { .. } => None,
        })
}

/// The trigger `current` with the merge patch applied, as the input of a create.
fn patched(current: &TriggerRow, patch: &Value) -> Result<TriggerInput, OcmError> {
    let current_actions = current.stored_actions()?;
    let mut doc = json!({
        "name": current.name, "account_id": current.account_id, "search": current.search,
        "actions": current_actions.iter().map(|a| match a {
            StoredAction::Webhook { url, .. } => json!({"type": "webhook", "url": url}),
            StoredAction::Email { to } => json!({"type": "email", "to": to}),
        }).collect::<Vec<_>>(),
    });
    merge_patch(&mut doc, patch);
    let input = parse_input(doc)?;
    input
        .keeps_account(&current.account_id)
        .map_err(broken_rule)?;
    Ok(input)
}

/// The stored form of each action, and the signing secret of each webhook that got a new one (shown in this answer
/// only): a webhook keeps the (sealed) secret of the `current` action with the same URL, or gets a new one, sealed.
fn stored_all(
    actions: &[ValidAction],
    current: Option<&[StoredAction]>,
    notifier: &Notifier,
) -> Result<(Vec<StoredAction>, Vec<Option<String>>), OcmError> {
    let mut stored = Vec::with_capacity(actions.len());
    let mut revealed = Vec::with_capacity(actions.len());
    for action in actions {
        let (a, new) = match action {
            ValidAction::Webhook { url } => {
                let kept = current.into_iter().flatten().find_map(|a| match a {
                    StoredAction::Webhook {
                        url: u,
                        secret,
                        disabled_at,
                    } if u == url.as_str() => Some((secret.clone(), disabled_at.clone())),
                    _ => None,
                });
                let (secret, disabled_at, new) = match kept {
                    Some((secret, disabled_at)) => (secret, disabled_at, None),
                    None => {
                        let plain = new_secret();
                        let sealed = store::triggers::seal_secret(&notifier.secrets, &plain)?;
                        (sealed, None, Some(plain))
                    }
                };
                let a = StoredAction::Webhook {
                    url: url.to_string(),
                    secret,
                    disabled_at,
                };
                (a, new)
            }
            ValidAction::Email { to } => (StoredAction::Email { to: to.clone() }, None),
        };
        stored.push(a);
        revealed.push(new);
    }
    Ok((stored, revealed))
}

/// A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes.
fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
}
