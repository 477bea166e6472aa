//! One audit event as the service log that records it (docs/api-logs-router.md#delivery-to-service-logs).

use serde_json::{Value, json};

use crate::audit::cadf::AuditEvent;
use crate::store::rows::OutboxRow;
use domain::cluster_log::SUMMARY_MAX_CHARS;

/// The `POST /cluster_logs` body for an outbox row; an error when the row does not hold an [`AuditEvent`].
pub fn service_log(row: &OutboxRow) -> Result<Value, serde_json::Error> {
    let e: AuditEvent = serde_json::from_value(row.event.clone())?;
    let severity = match e.severity.as_str() {
        "critical" => "Critical",
        "warning" => "Warning",
        _ => "Info",
    };
    // Filed under the tenant's uuid only when the router found (or wrote) that tenant in the caller's account: a
    // uuid from a path that names no tenant of the caller's would otherwise let any caller put logs under a cluster
    // uuid of its choosing, which teaches service-logs a cluster owner (issue 11's learned ownership) or shows the
    // caller's probe to another account. Such a log keeps the account-qualified CRN as its `cluster_id`.
    let cluster_uuid = match (&e.request_data.tenant_id, &e.response_data.tenant_crn) {
        (Some(id), Some(_)) => id.to_ascii_lowercase(),
        _ => String::new(),
    };
    let summary: String = e.message.chars().take(SUMMARY_MAX_CHARS).collect();
    Ok(json!({
        "service_name": "logs-router",
        "cluster_id": e.target.id,
        "cluster_uuid": cluster_uuid,
        "account_id": row.account_id,
        "log_type": e.action,
        "severity": severity,
        "summary": summary,
        "description": row.event.to_string(),
        "timestamp": e.event_time,
        "username": e.initiator.name,
        "event_stream_id": e.correlation_id,
        "internal_only": false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(event: Value) -> OutboxRow {
        OutboxRow {
            seq: 1,
            event_id: uuid::Uuid::nil(),
            account_id: "acc".into(),
            event,
            traceparent: String::new(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            attempts: 0,
            next_attempt_at: time::OffsetDateTime::UNIX_EPOCH,
            last_error: String::new(),
            delivered_at: None,
            parked_at: None,
        }
    }

    #[test]
    fn maps_every_field() {
        let event = json!({
            "id": "e1", "action": "logs-router.tenant.update", "outcome": "success", "severity": "warning",
            "message": "Logs Routing: update tenant t1", "eventTime": "2026-01-02T03:04:05.5Z",
            "correlationId": "trace-1", "dataEvent": false, "observer": {"name": "ActivityTracker"},
            "initiator": {"id": "iam", "name": "alice", "typeURI": "service/security/account/user",
                          "credential": {"type": "token"}, "host": {"address": "127.0.0.1"}},
            "target": {"id": "crn:v1:bluemix:public:logs-router:us-south:a/acc:abc::", "name": "t1",
                       "typeURI": "logs-router/tenant"},
            "reason": {"reasonCode": 200, "reasonType": "OK"},
            "requestData": {"region": "us-south", "tenantID": "ABC-DEF"},
            "responseData": {"tenantCRN": "crn:v1:bluemix:public:logs-router:us-south:a/acc:abc::"}
        });
        let row = row(event.clone());
        assert_eq!(
            service_log(&row).unwrap(),
            json!({
                "service_name": "logs-router", "cluster_id": "crn:v1:bluemix:public:logs-router:us-south:a/acc:abc::",
                "cluster_uuid": "abc-def", "account_id": "acc", "log_type": "logs-router.tenant.update",
                "severity": "Warning", "summary": "Logs Routing: update tenant t1", "description": event.to_string(),
                "timestamp": "2026-01-02T03:04:05.5Z", "username": "alice", "event_stream_id": "trace-1",
                "internal_only": false
            })
        );
    }

    #[test]
    fn a_row_without_an_event_is_an_error() {
        let row = row(json!({"message": "not an event"}));
        assert!(service_log(&row).is_err());
    }

    #[test]
    fn a_tenant_not_confirmed_in_the_callers_account_files_no_cluster_uuid() {
        // A tenant id from a path that the router did not find in the caller's account (no `tenantCRN` in the
        // response data): the log keeps the account-qualified CRN and no uuid of the caller's choosing.
        let event = json!({
            "id": "e2", "eventTime": "2026-01-02T03:04:05Z", "action": "logs-router.tenant.read",
            "outcome": "failure", "message": "Logs Routing: read tenant -failure", "severity": "normal",
            "correlationId": "trace-2", "dataEvent": false, "observer": {"name": "ActivityTracker"},
            "initiator": {"id": "iam", "name": "mallory", "typeURI": "service/security/account/user",
                          "credential": {"type": "token"}, "host": {"address": "127.0.0.1"}},
            "target": {"id": "crn:v1:bluemix:public:logs-router:us-south:a/acc:abc::", "name": "",
                       "typeURI": "logs-router/tenant"},
            "reason": {"reasonCode": 404, "reasonType": "Not Found"},
            "requestData": {"region": "us-south", "tenantID": "ABC-DEF"}, "responseData": {}
        });
        let log = service_log(&row(event)).unwrap();
        assert_eq!(log["cluster_uuid"], "");
        assert_eq!(
            log["cluster_id"],
            "crn:v1:bluemix:public:logs-router:us-south:a/acc:abc::"
        );
    }
}
