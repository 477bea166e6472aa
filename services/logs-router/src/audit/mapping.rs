//! One audit event as the service log that records it (spec: "Mapping of one audit event to a service log").

use serde_json::{Value, json};

use crate::store::rows::OutboxRow;

/// Service-logs keeps summaries of at most this many characters.
const SUMMARY_MAX: usize = 255;

fn text<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .try_fold(v, |v, k| v.get(*k))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The `POST /cluster_logs` body for an outbox row.
pub fn service_log(row: &OutboxRow) -> Value {
    let e = &row.event;
    let severity = match text(e, &["severity"]) {
        "critical" => "Critical",
        "warning" => "Warning",
        _ => "Info",
    };
    let cluster_uuid = text(e, &["requestData", "tenantID"]).to_ascii_lowercase();
    let summary: String = text(e, &["message"]).chars().take(SUMMARY_MAX).collect();
    json!({
        "service_name": "logs-router",
        "cluster_id": text(e, &["target", "id"]),
        "cluster_uuid": cluster_uuid,
        "account_id": row.account_id,
        "log_type": text(e, &["action"]),
        "severity": severity,
        "summary": summary,
        "description": e.to_string(),
        "timestamp": text(e, &["eventTime"]),
        "username": text(e, &["initiator", "name"]),
        "event_stream_id": text(e, &["correlationId"]),
        "internal_only": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_every_field() {
        let event = json!({
            "action": "logs-router.tenant.update", "severity": "warning", "message": "Logs Routing: update tenant t1",
            "eventTime": "2026-01-02T03:04:05.5Z", "correlationId": "trace-1",
            "initiator": {"name": "alice"}, "target": {"id": "crn:v1:bluemix:public:logs-router:us-south:a/acc:abc::"},
            "requestData": {"tenantID": "ABC-DEF"}
        });
        let row = OutboxRow {
            seq: 1,
            event_id: uuid::Uuid::nil(),
            account_id: "acc".into(),
            event: event.clone(),
            traceparent: String::new(),
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            attempts: 0,
            next_attempt_at: time::OffsetDateTime::UNIX_EPOCH,
            last_error: String::new(),
            delivered_at: None,
            parked_at: None,
        };
        assert_eq!(
            service_log(&row),
            json!({
                "service_name": "logs-router", "cluster_id": "crn:v1:bluemix:public:logs-router:us-south:a/acc:abc::",
                "cluster_uuid": "abc-def", "account_id": "acc", "log_type": "logs-router.tenant.update",
                "severity": "Warning", "summary": "Logs Routing: update tenant t1", "description": event.to_string(),
                "timestamp": "2026-01-02T03:04:05.5Z", "username": "alice", "event_stream_id": "trace-1",
                "internal_only": false
            })
        );
    }
}
