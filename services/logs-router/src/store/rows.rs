//! Database rows, kept apart from the wire shapes.

use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::cadf::AuditEvent;
use crate::schema::{audit_outbox, targets, tenants};
use crate::store::StoreError;
use domain_routing::etag::{TargetFacts, TenantFacts};
use domain_routing::{TargetSpec, TargetType};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, PartialEq)]
#[diesel(table_name = tenants, check_for_backend(diesel::pg::Pg), treat_none_as_default_value = false)]
pub struct TenantRow {
    pub id: Uuid,
    pub account_id: String,
    pub name: String,
    pub crn: String,
    pub etag: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub trace_id: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, PartialEq)]
#[diesel(table_name = targets, check_for_backend(diesel::pg::Pg), treat_none_as_default_value = false)]
pub struct TargetRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub log_sink_crn: String,
    pub target_type: String,
    pub host: String,
    pub port: i32,
    pub credential_sealed: Option<Vec<u8>>,
    pub etag: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub trace_id: String,
}

impl TenantRow {
    /// A new tenant of `account`, created now; its etag is set by the store.
    pub fn new(id: Uuid, account: &str, crn: String, name: String, trace_id: String) -> Self {
        let at = now();
        Self {
            id,
            account_id: account.to_owned(),
            name,
            crn,
            etag: String::new(),
            created_at: at,
            updated_at: at,
            trace_id,
        }
    }
}

impl TargetRow {
    /// A new target of `tenant_id` as the client described it, created now; its credential is sealed by the
    /// caller and its etag set by the store.
    pub fn new(tenant_id: Uuid, spec: &TargetSpec, trace_id: String) -> Self {
        let at = now();
        Self {
            id: Uuid::new_v4(),
            tenant_id,
            name: spec.name.clone(),
            log_sink_crn: spec.log_sink_crn.clone(),
            target_type: spec.target_type.as_str().to_owned(),
            host: spec.host.clone(),
            port: i32::from(spec.port),
            credential_sealed: None,
            etag: String::new(),
            created_at: at,
            updated_at: at,
            trace_id,
        }
    }

    /// This target changed to `spec` (a patch's result), written now by the request `trace_id`. A change that
    /// changes nothing (same values, same sealed credential) keeps the row as it is, `updated_at` and so the
    /// etag included.
    pub fn changed(
        &self,
        spec: &TargetSpec,
        credential_sealed: Option<Vec<u8>>,
        trace_id: String,
    ) -> Self {
        let same =
            self.spec().is_ok_and(|s| s == *spec) && self.credential_sealed == credential_sealed;
        if same {
            return self.clone();
        }
        Self {
            name: spec.name.clone(),
            log_sink_crn: spec.log_sink_crn.clone(),
            target_type: spec.target_type.as_str().to_owned(),
            host: spec.host.clone(),
            port: i32::from(spec.port),
            credential_sealed,
            updated_at: now(),
            trace_id,
            ..self.clone()
        }
    }

    /// The stored type, as the rules know it.
    pub fn kind(&self) -> Result<TargetType, StoreError> {
        self.target_type
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("target {}: {e}", self.id)))
    }

    fn port(&self) -> Result<u16, StoreError> {
        u16::try_from(self.port)
            .map_err(|_| StoreError::Corrupt(format!("target {}: port {}", self.id, self.port)))
    }

    /// The target as the rules see it (a merge patch applies to this). The credential stays sealed here.
    pub fn spec(&self) -> Result<TargetSpec, StoreError> {
        Ok(TargetSpec {
            name: self.name.clone(),
            log_sink_crn: self.log_sink_crn.clone(),
            target_type: self.kind()?,
            host: self.host.clone(),
            port: self.port()?,
            access_credential: None,
        })
    }

    /// What its etag covers.
    pub fn facts(&self) -> Result<TargetFacts<'_>, StoreError> {
        Ok(TargetFacts {
            id: self.id,
            name: &self.name,
            log_sink_crn: &self.log_sink_crn,
            target_type: self.kind()?,
            host: &self.host,
            port: self.port()?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

impl TenantRow {
    /// What its etag covers, given its targets (their etags set), oldest first.
    pub fn facts<'a>(&'a self, targets: &'a [TargetRow]) -> TenantFacts<'a> {
        TenantFacts {
            id: self.id,
            name: &self.name,
            crn: &self.crn,
            created_at: self.created_at,
            updated_at: self.updated_at,
            target_tags: targets.iter().map(|t| t.etag.as_str()).collect(),
        }
    }
}

/// An audit event on its way to the outbox (`outbox::insert` serialises the event).
#[derive(Debug, Clone)]
pub struct NewOutboxEvent {
    pub event_id: Uuid,
    pub account_id: String,
    pub event: AuditEvent,
    pub traceparent: String,
}

/// The row `outbox::insert` writes. (`treat_none_as_default_value = false` keeps inserts cacheable as prepared
/// statements; see service-logs' `NewLogRow`.)
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_outbox, treat_none_as_default_value = false)]
pub(crate) struct NewOutboxRow<'a> {
    pub event_id: Uuid,
    pub account_id: &'a str,
    pub event: serde_json::Value,
    pub traceparent: &'a str,
}

/// A pending outbox row, as the delivery worker and tests read it.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = audit_outbox, check_for_backend(diesel::pg::Pg))]
pub struct OutboxRow {
    pub seq: i64,
    pub event_id: Uuid,
    pub account_id: String,
    pub event: serde_json::Value,
    pub traceparent: String,
    pub created_at: OffsetDateTime,
    pub attempts: i32,
    pub next_attempt_at: OffsetDateTime,
    pub last_error: String,
    pub delivered_at: Option<OffsetDateTime>,
    pub parked_at: Option<OffsetDateTime>,
}

/// Now, at the precision PostgreSQL keeps (microseconds), so an etag computed before a write matches the row read
/// back after it.
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    let micros = t.microsecond();
    t.replace_microsecond(micros).unwrap_or(t)
}
