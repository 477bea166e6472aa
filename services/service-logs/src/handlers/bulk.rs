//! `POST /cluster_logs/bulk`: many creates in one request and one transaction, each answered on its own.

use actix_web::http::StatusCode;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use domain_logs::service_log;
use errors::ocm::OcmError;
use platform::guard::{self, Unstorable};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::Pool;
use super::errors::{bad_request, key_in_progress, key_mismatch};
use super::logs::prepare;
use crate::access::{Caller, LOG_CREATE};
use crate::notifications::Notifier;
use crate::store;
use crate::store::logs::{NewLog, Stored};
use crate::wire::{
    BULK_RESULT_KIND, ClusterLog, ClusterLogBulkItemResult, ClusterLogBulkRequest,
    ClusterLogBulkResult, Error,
};

/// The field of an item holding its idempotency key.
const ITEM_KEY: &str = "idempotency_key";

/// Create many log records at once.
#[utoipa::path(
    post, path = "/api/service_logs/v1/cluster_logs/bulk", tag = "cluster_logs",
    request_body(content = ClusterLogBulkRequest, description = "1 to 1000 create bodies, each with an optional idempotency_key"),
    responses(
        (status = 200, description = "One answer per item, in request order: 201 with the log made, 200 with the log an \
            idempotency key replays, or 400/409/422 with the error a single create would answer", body = ClusterLogBulkResult),
        (status = 400, description = "Not a JSON object, or 'items' not an array of 1 to 1000 entries", body = Error),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.log.create", body = Error),
        (status = 413, description = "Body larger than 4 MiB", body = Error),
        (status = 415, description = "Not JSON", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    req: HttpRequest,
    pool: Pool,
    caller: Caller,
    notifier: web::Data<Notifier>,
    body: web::Json<Value>,
) -> Result<HttpResponse, OcmError> {
    caller.require(LOG_CREATE)?;
    let Value::Object(mut body) = body.into_inner() else {
        return Err(OcmError::bad_request("Request body must be a JSON object"));
    };
    let Some(Value::Array(items)) = body.remove("items") else {
        return Err(OcmError::bad_request(
            "Field 'items' must be an array of logs",
        ));
    };
    service_log::bulk_size(items.len()).map_err(bad_request)?;
    // The middleware found a NUL somewhere (see `dialect::Ocm::unstorable`): refuse the items holding one, each on
    // its own, and the whole request when it is outside them.
    let marked = req.extensions().get::<Unstorable>().is_some();
    if marked && let Some(found) = guard::in_value(&Value::Object(body)) {
        return Err(unstorable(&found));
    }
    let now = OffsetDateTime::now_utc();
    let mut answers: Vec<Option<OcmError>> = Vec::with_capacity(items.len());
    let mut batch: Vec<NewLog> = Vec::with_capacity(items.len());
    for item in items {
        match item_log(item, marked, &caller, now) {
            Ok(new) => {
                batch.push(new);
                answers.push(None);
            }
            Err(e) => answers.push(Some(e)),
        }
    }
    let stored = if batch.is_empty() {
        Vec::new()
    } else {
        let mut conn = store::conn(&pool).await?;
        store::logs::create(&mut conn, &batch, &notifier.queueing).await?
    };
    let mut stored = stored.into_iter();
    let mut items = Vec::with_capacity(answers.len());
    for answer in answers {
        let result = match answer {
            Some(e) => failed(&e),
            None => match stored.next() {
                Some(Stored::Created(log)) => logged(StatusCode::CREATED, log),
                Some(Stored::Replayed(log)) => logged(StatusCode::OK, log),
                Some(Stored::Mismatch) => failed(&key_mismatch()),
                Some(Stored::InProgress) => failed(&key_in_progress()),
                None => return Err(OcmError::internal("a bulk create lost an item")),
            },
        };
        items.push(result);
    }
    Ok(HttpResponse::Ok().json(ClusterLogBulkResult {
        kind: BULK_RESULT_KIND,
        items,
    }))
}

/// One item made ready to store, or the error a single create with that body (and key) would answer.
fn item_log(
    item: Value,
    marked: bool,
    caller: &Caller,
    now: OffsetDateTime,
) -> Result<NewLog, OcmError> {
    if marked && let Some(found) = guard::in_value(&item) {
        return Err(unstorable(&found));
    }
    let Value::Object(mut fields) = item else {
        return Err(OcmError::bad_request("Item must be a JSON object"));
    };
    let key = item_key(&mut fields)?;
    prepare(Value::Object(fields), key, &caller.0, now, "Item")
}

/// Takes the item's `idempotency_key` out of it (its body's fingerprint leaves the key out, so that an item
/// replays a single create made with the same key and body). `null` counts as absent.
fn item_key(fields: &mut Map<String, Value>) -> Result<Option<String>, OcmError> {
    match fields.remove(ITEM_KEY) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(key)) => {
            service_log::idempotency_key(&key, &format!("Field '{ITEM_KEY}'"))
                .map(Some)
                .map_err(bad_request)
        }
        Some(_) => Err(OcmError::bad_request(format!(
            "Field '{ITEM_KEY}' must be a string"
        ))),
    }
}

/// The answer a single create gets for text PostgreSQL cannot store (the middleware's, `platform::guard`).
fn unstorable(found: &Unstorable) -> OcmError {
    OcmError::from_status(StatusCode::BAD_REQUEST, &found.to_string())
}

fn logged(status: StatusCode, log: crate::store::rows::LogRow) -> ClusterLogBulkItemResult {
    ClusterLogBulkItemResult {
        status: status.as_u16(),
        log: Some(ClusterLog::from_row(log, None)),
        error: None,
    }
}

fn failed(e: &OcmError) -> ClusterLogBulkItemResult {
    ClusterLogBulkItemResult {
        status: e.status.as_u16(),
        log: None,
        error: Some(e.body()),
    }
}
