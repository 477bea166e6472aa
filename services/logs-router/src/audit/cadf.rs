//! The audit event as stored in the outbox and sent on: a CADF event as IBM Activity Tracker writes them, typed,
//! serialised once (by `store::outbox::insert`) and read back as this type (by `mapping`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub id: String,
    pub event_time: String,
    /// The permission the call needs, e.g. `logs-router.tenant.update`.
    pub action: String,
    /// `success` or `failure`.
    pub outcome: String,
    pub message: String,
    /// `normal`, `warning` or `critical`.
    pub severity: String,
    /// The request's `X-Trace-ID`.
    pub correlation_id: String,
    pub data_event: bool,
    pub observer: Observer,
    pub initiator: Initiator,
    pub target: EventTarget,
    pub reason: Reason,
    pub request_data: RequestData,
    pub response_data: ResponseData,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observer {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Initiator {
    pub id: String,
    pub name: String,
    #[serde(rename = "typeURI")]
    pub type_uri: String,
    pub credential: CredentialKind,
    pub host: Host,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialKind {
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTarget {
    /// The tenant's CRN, or the account's for calls that concern no single tenant.
    pub id: String,
    pub name: String,
    #[serde(rename = "typeURI")]
    pub type_uri: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reason {
    pub reason_code: u16,
    pub reason_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_for_failure: Option<String>,
}

/// What the call asked about; each member only once the request has learnt it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestData {
    pub region: String,
    #[serde(rename = "tenantID", default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(
        rename = "targetType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub target_type: Option<String>,
    #[serde(
        rename = "targetHost",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub target_host: Option<String>,
    #[serde(
        rename = "targetPort",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub target_port: Option<i64>,
    #[serde(rename = "targetCRN", default, skip_serializing_if = "Option::is_none")]
    pub target_crn: Option<String>,
    /// An operator's requeue (`logs-router outbox requeue`): the requeued event, its last delivery error and the
    /// operator's reason.
    #[serde(rename = "eventID", default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    #[serde(rename = "lastError", default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseData {
    #[serde(rename = "tenantCRN", default, skip_serializing_if = "Option::is_none")]
    pub tenant_crn: Option<String>,
}
