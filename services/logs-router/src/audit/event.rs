//! One request's audit event, filled in as the request learns what it touches.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use errors::ibm::IbmError;
use uuid::Uuid;

use crate::access::Caller;
use crate::audit::cadf::{
    AuditEvent, CredentialKind, EventTarget, Host, Initiator, Observer, Reason, RequestData,
    ResponseData,
};
use crate::store::rows::{NewOutboxEvent, TargetRow, TenantRow};
use crate::store::{self, outbox};
use domain_routing::{TargetSpec, account_crn, format_id, tenant_crn};
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
    request_data: RequestData,
    response_data: ResponseData,
    detail: Option<String>,
}

impl Audit {
    /// `client_address`: what `client_address::client_address` made of the request.
    pub fn begin(region: &str, caller: &Caller, action: Action, client_address: String) -> Self {
        let trace_id = errors::context::request_id();
        let account = caller.0.account.clone().unwrap_or_default();
        Self {
            action,
            trace_id,
            traceparent: platform::telemetry::current_traceparent(),
            initiator_id: caller.0.iam_id.clone(),
            initiator_name: caller.0.subject.clone(),
            client_address,
            region: region.to_owned(),
            target_id: account_crn(region, &account),
            account,
            target_name: String::new(),
            request_data: RequestData {
                region: region.to_owned(),
                ..RequestData::default()
            },
            response_data: ResponseData::default(),
            detail: None,
        }
    }

    /// The call concerns this tenant (known before it is found).
    pub fn tenant_id(&mut self, id: Uuid) {
        self.target_id = tenant_crn(&self.region, &self.account, id);
        self.request_data.tenant_id = Some(format_id(id));
    }

    /// The tenant as found or written.
    pub fn tenant(&mut self, t: &TenantRow) {
        self.tenant_id(t.id);
        self.target_id = t.crn.clone();
        self.target_name = t.name.clone();
        self.response_data.tenant_crn = Some(t.crn.clone());
    }

    /// The target a call creates, changes or deletes.
    pub fn target(&mut self, target_type: &str, host: &str, port: i64, crn: &str) {
        let r = &mut self.request_data;
        r.target_type = Some(target_type.to_owned());
        r.target_host = Some(host.to_owned());
        r.target_port = Some(port);
        r.target_crn = Some(crn.to_owned());
    }

    /// [`Audit::target`] for a stored target.
    pub fn target_row(&mut self, t: &TargetRow) {
        self.target(&t.target_type, &t.host, i64::from(t.port), &t.log_sink_crn);
    }

    /// [`Audit::target`] for a target as sent.
    pub fn target_spec(&mut self, t: &TargetSpec) {
        self.target(
            t.target_type.as_str(),
            &t.host,
            i64::from(t.port),
            &t.log_sink_crn,
        );
    }

    /// A few words on what happened, after the tenant name in the message (e.g. "create target t1").
    pub fn detail(&mut self, detail: impl Into<String>) {
        self.detail = Some(detail.into());
    }

    pub fn action(&self) -> Action {
        self.action
    }

    /// The event, as an outbox row, for an answer with `status` (and, on failure, its reason).
    pub fn event(&self, status: StatusCode, failure: Option<&str>) -> NewOutboxEvent {
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
            self.request_data.tenant_id.is_some(),
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
        let event = AuditEvent {
            id: event_id.to_string(),
            event_time: domain::timefmt::format_utc(time::OffsetDateTime::now_utc()),
            action: self.action.name().to_owned(),
            outcome: if failed { "failure" } else { "success" }.to_owned(),
            message,
            severity: severity.to_owned(),
            correlation_id: self.trace_id.clone(),
            data_event: false,
            observer: Observer {
                name: "ActivityTracker".to_owned(),
            },
            initiator: Initiator {
                id: self.initiator_id.clone(),
                name: self.initiator_name.clone(),
                type_uri: "service/security/account/user".to_owned(),
                credential: CredentialKind {
                    kind: "token".to_owned(),
                },
                host: Host {
                    address: self.client_address.clone(),
                },
            },
            target: EventTarget {
                id: self.target_id.clone(),
                name: self.target_name.clone(),
                type_uri: "logs-router/tenant".to_owned(),
            },
            reason: Reason {
                reason_code: status.as_u16(),
                reason_type: status.canonical_reason().unwrap_or_default().to_owned(),
                reason_for_failure: failure.map(str::to_owned),
            },
            request_data: self.request_data.clone(),
            response_data: self.response_data.clone(),
        };
        NewOutboxEvent {
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
