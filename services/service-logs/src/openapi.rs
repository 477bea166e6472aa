//! The OpenAPI document, generated from the handlers' annotations and the wire types.

use platform::openapi::BearerAuth;
use utoipa::OpenApi;

use crate::handlers::{bulk, clusters, logs, metadata, notifications, owners, triggers, warehouse};
use crate::notifications::wire::{
    Action, ActionRequest, ClusterLogNotification, ClusterLogNotificationList, CompletedAction,
    NotificationTrigger, NotificationTriggerList, NotificationTriggerPatch,
    NotificationTriggerRequest,
};
use crate::wire::{
    ClusterLog, ClusterLogBulkItem, ClusterLogBulkItemResult, ClusterLogBulkRequest,
    ClusterLogBulkResult, ClusterLogList, ClusterLogRequest, ClusterOwner, ClusterOwnerRequest,
    Error, Metadata, WarehouseCount,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "OCM Service Log API", version = "1.0.0",
         description = "Receives and maintains logs from internal sources related to OpenShift clusters."),
    paths(
        logs::create, bulk::create, logs::list, logs::get, logs::delete,
        clusters::by_ids, clusters::by_uuid, notifications::list,
        owners::put, owners::get, owners::delete,
        triggers::create, triggers::list, triggers::get, triggers::patch, triggers::delete,
        metadata::get,
        warehouse::count, warehouse::remove,
    ),
    components(schemas(ClusterLog, ClusterLogBulkRequest, ClusterLogBulkItem, ClusterLogBulkResult, ClusterLogBulkItemResult, ClusterLogList, ClusterLogRequest, ClusterOwner, ClusterOwnerRequest, Metadata, WarehouseCount, Error,
        NotificationTrigger, NotificationTriggerList, NotificationTriggerPatch, NotificationTriggerRequest, NotificationTriggerPatch, Action, ActionRequest,
        ClusterLogNotification, ClusterLogNotificationList, CompletedAction)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;
