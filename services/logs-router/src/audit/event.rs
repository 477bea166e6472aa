//! One request's audit event, filled in as the request learns what it touches.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use errors::ibm::IbmError;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::access::Caller;
use crate::store::rows::{NewOutboxRow, TenantRow};
use crate::store::{self, outbox};
use domain::routing::{account_crn, format_id, tenant_crn};
use platform::db::DbPool;

/// The audited actions: one per permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Create,
    Update,
    Delete,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Read => "logs-router.tenant.read",
            Action::Create => "logs-router.tenant.create",
            Action::Update => "logs-router.tenant.update",
            Action::Delete => "logs-router.tenant.delete",
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }

    fn severity(self) -> &'static str {
        match self {
            Action::Read | Action::Create => "normal",
            Action::Update => "warning",
            Action::Delete => "critical",
        }
    }
}

/// A request's audit event in the making.
#[derive(Debug, Clone)]
pub struct Audit {
    action: Action,
    trace_id: String,
    traceparent: String,
    initiator_id: String,
    initiator_name: String,
    client_address: String,
    region: String,
    account: String,
    target_id: String,
    target_name: String,
    request_data: Map<String, Value>,
    response_data: Map<String, Value>,
    detail: Option<String>,
}

impl Audit {
    pub fn begin(req: &HttpRequest, region: &str, caller: &Caller, action: Action) -> Self {
        let trace_id = errors::context::request_id();
        let account = caller.0.account.clone().unwrap_or_default();
        let mut request_data = Map::new();
        request_data.insert("region".into(), json!(region));
        Self {
            action,
            trace_id,
            traceparent: platform::telemetry::current_traceparent(),
            initiator_id: caller.0.iam_id.clone(),
            initiator_name: caller.0.subject.clone(),
            client_address: req
                .connection_info()
                .realip_remote_addr()
                .unwrap_or_default()
                .to_owned(),
            region: region.to_owned(),
            target_id: account_crn(region, &account),
            account,
            target_name: String::new(),
            request_data,
            response_data: Map::new(),
            detail: None,
        }
    }

    /// The call concerns this tenant (known before it is found).
    pub fn tenant_id(&mut self, id: Uuid) {
        self.target_id = tenant_crn(&self.region, &self.account, id);
        self.request_data
            .insert("tenantID".into(), json!(format_id(id)));
    }

    /// The tenant as found or written.
    pub fn tenant(&mut self, t: &TenantRow) {
        self.tenant_id(t.id);
        self.target_id = t.crn.clone();
        self.target_name = t.name.clone();
        self.response_data.insert("tenantCRN".into(), json!(t.crn));
    }

    /// The target a call creates, changes or deletes.
    pub fn target(&mut self, target_type: &str, host: &str, port: i64, crn: &str) {
        self.request_data
            .insert("targetType".into(), json!(target_type));
        self.request_data.insert("targetHost".into(), json!(host));
        self.request_data.insert("targetPort".into(), json!(port));
        self.request_data.insert("targetCRN".into(), json!(crn));
    }

    /// A few words on what happened, after the tenant name in the message (e.g. "create target t1").
    pub fn detail(&mut self, detail: impl Into<String>) {
        self.detail = Some(detail.into());
    }

    pub fn action(&self) -> Action {
        self.action
    }

    /// The event, as an outbox row, for an answer with `status` (and, on failure, its reason).
    pub fn event(&self, status: StatusCode, failure: Option<&str>) -> NewOutboxRow {
        let event_id = Uuid::new_v4();
        let failed = failure.is_some();
        let severity = if failed {
            match status.as_u16() {
                400 | 409 | 500 => "warning",
                401 | 403 | 503 => "critical",
                _ => self.action.severity(),
            }
        } else {
            self.action.severity()
        };
        let subject = match (
            self.target_name.is_empty(),
            self.action,
            self.request_data.contains_key("tenantID"),
        ) {
            (false, _, _) => format!("tenant {}", self.target_name),
            (true, Action::Read, false) => "tenants".to_owned(),
            (true, _, _) => "tenant".to_owned(),
        };
        let mut message = format!("Logs Routing: {} {subject}", self.action.verb());
        if let Some(d) = &self.detail {
            message.push_str(&format!(" ({d})"));
        }
        if failed {
            message.push_str(" -failure");
        }
        let mut reason = json!({
            "reasonCode": status.as_u16(),
            "reasonType": status.canonical_reason().unwrap_or_default(),
        });
        if let Some(f) = failure {
            reason["reasonForFailure"] = json!(f);
        }
        let event = json!({
            "id": event_id.to_string(),
            "eventTime": domain::timefmt::format_utc(time::OffsetDateTime::now_utc()),
            "action": self.action.name(),
            "outcome": if failed { "failure" } else { "success" },
            "message": message,
            "severity": severity,
            "correlationId": self.trace_id,
            "dataEvent": false,
            "observer": {"name": "ActivityTracker"},
            "initiator": {
                "id": self.initiator_id,
                "name": self.initiator_name,
                "typeURI": "service/security/account/user",
                "credential": {"type": "token"},
                "host": {"address": self.client_address},
            },
            "target": {
                "id": self.target_id,
                "name": self.target_name,
                "typeURI": "logs-router/tenant",
            },
            "reason": reason,
            "requestData": Value::Object(self.request_data.clone()),
            "responseData": Value::Object(self.response_data.clone()),
        });
        NewOutboxRow {
            event_id,
            account_id: self.account.clone(),
            event,
            traceparent: self.traceparent.clone(),
        }
    }

    /// Records the failure event of a request that failed (its own transaction: nothing else was written), and
    /// hands the answer on. A success has already written its event with its change.
    pub async fn settle(
        self,
        pool: &DbPool,
        result: Result<HttpResponse, IbmError>,
    ) -> Result<HttpResponse, IbmError> {
        if let Err(e) = &result {
            let row = self.event(e.status, Some(&e.message));
            let written = async {
                let mut conn = store::conn(pool).await.map_err(|e| e.to_string())?;
                outbox::insert(&mut conn, &row)
                    .await
                    .map_err(|e| e.to_string())
            }
            .await;
            if let Err(err) = written {
                tracing::error!(error = %err, action = self.action.name(), "recording a failure audit event failed");
            }
        }
        result
    }
}
