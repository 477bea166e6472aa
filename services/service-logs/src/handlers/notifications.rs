//! `GET /clusters/cluster_logs/notifications`: the notification bookkeeping of a cluster's logs, as the real
//! service's document defines it.

use actix_web::HttpResponse;
use domain::timefmt::format_utc;
use errors::ocm::OcmError;

use super::{Params, Pool, cluster_scope};
use crate::access::Caller;
use crate::listing::ListQuery;
use crate::notifications::wire::{
    ClusterLogNotification, ClusterLogNotificationList, CompletedAction, NOTIFICATION_KIND,
    NOTIFICATION_LIST_KIND,
};
use crate::store::{self, logs::Conditions};
use crate::wire::{Error, log_href};

/// Get notification status for service logs of a cluster (by cluster_id and/or cluster_uuid).
#[utoipa::path(
    get, path = "/api/service_logs/v1/clusters/cluster_logs/notifications", tag = "clusters",
    params(
        ("cluster_id" = Option<String>, Query, description = "Internal cluster id (the any-id object's member)"),
        ("cluster_uuid" = Option<String>, Query, description = "External cluster id; with both, a log matching either is listed"),
        ("page" = Option<i64>, Query, minimum = 1), ("size" = Option<i64>, Query, minimum = -1),
        ("search" = Option<String>, Query, description = "A search over the logs' fields"),
        ("orderBy" = Option<String>, Query, description = "Comma-separated 'field [asc|desc]' over the logs' fields; default newest first"),
    ),
    responses(
        (status = 200, description = "Notification status of the matching logs", body = ClusterLogNotificationList),
        (status = 400, description = "Neither id given, or an invalid parameter", body = Error),
        (status = 401, description = "Not authenticated", body = Error),
        (status = 403, description = "Lacks service-logs.log.read", body = Error),
        (status = 503, description = "Database unavailable", body = Error),
    ),
    security(("bearer" = []))
)]
pub async fn list(pool: Pool, caller: Caller, params: Params) -> Result<HttpResponse, OcmError> {
    let visibility = caller.visibility()?;
    let clusters = cluster_scope(&params)?;
    // This list has no `fields` or `format` (nor `order`, the SDK's alias): they are ignored.
    let mut params = params.into_inner();
    for ignored in ["fields", "format", "order"] {
        params.remove(ignored);
    }
    let query = ListQuery::from_params(&params)?;
    let cond = Conditions {
        visibility: &visibility,
        clusters: &clusters,
        query: &query,
    };
    let mut conn = store::conn(&pool).await?;
    let (rows, total) = store::logs::page_rows(&mut conn, &cond).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut kept = store::notifications::bookkeeping(&mut conn, &ids).await?;
    let items: Vec<ClusterLogNotification> = ids
        .into_iter()
        .map(|id| {
            let (row, completed) = match kept.remove(&id) {
                Some((row, completed)) => (Some(row), completed),
                None => (None, Vec::new()),
            };
            ClusterLogNotification {
                kind: NOTIFICATION_KIND,
                href: log_href(&id),
                id,
                notification_uuid: row
                    .as_ref()
                    .and_then(|r| r.notification_uuid)
                    .map(|u| u.to_string()),
                notified_at: row.as_ref().and_then(|r| r.notified_at).map(format_utc),
                completed_actions: completed
                    .into_iter()
                    .map(|c| CompletedAction {
                        action_type: c.action_type,
                        hash: c.action_hash,
                        status: "completed",
                        completed_at: c.finished_at.map(format_utc).unwrap_or_default(),
                    })
                    .collect(),
                duplicate_of: row.and_then(|r| r.duplicate_of),
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(ClusterLogNotificationList {
        kind: NOTIFICATION_LIST_KIND,
        page: query.page,
        size: i64::try_from(items.len()).unwrap_or(i64::MAX),
        total,
        items,
    }))
}
