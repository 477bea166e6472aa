//! Starting the router for a test and talking to it: the real app on port 0, its own database cloned from a
//! migrated template, real HTTP, real HS256 tokens.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use logs_router::Settings;
use logs_router::store::rows::{OutboxRow, TargetRow, TenantRow};
use platform::settings::{CommonSettings, Secret};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use testkit::TestDb;
pub use testkit::{Reply, tokens};

pub const BASE: &str = "/v1";
pub const READ: &str = "logs-router.tenant.read";
pub const CREATE: &str = "logs-router.tenant.create";
pub const UPDATE: &str = "logs-router.tenant.update";
pub const DELETE: &str = "logs-router.tenant.delete";
pub const ALL: [&str; 4] = [READ, CREATE, UPDATE, DELETE];

/// The account of the admin token.
pub const ACCOUNT: &str = "acc-1";
pub const REGION: &str = "us-south";
pub const MORE_INFO: &str = "https://cloud.ibm.com/docs/logs-router?topic=logs-router-api-errors";

pub const LOGDNA_CRN: &str =
    "crn:v1:bluemix:public:logdna:us-south:a/abc123:6f0e5c2a-1111-2222-3333-444455556666::";
pub const LOGS_CRN: &str =
    "crn:v1:bluemix:public:logs:us-south:a/abc123:7a1b2c3d-1111-2222-3333-444455556666::";
/// The ingestion key of logdna targets: must never come back in any response or audit event.
pub const CREDENTIAL: &str = "an-ingestion-secret-5e1f9a";

/// base64 of 32 bytes of 0x01, 0x02, 0x03.
pub const KEY_A: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
pub const KEY_B: &str = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";

/// The Go SDK's pinned API version.
pub const SDK_VERSION: &str = "2024-06-15";

pub struct TestApp {
    pub url: String,
    pub db: Arc<TestDb>,
    pub http: reqwest::Client,
    /// Every permission, account [`ACCOUNT`], subject "admin".
    pub admin: String,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// The IBM error envelope of a reply.
pub trait IbmReply {
    /// The error body with `trace` checked against the X-Trace-ID header and then blanked.
    fn error(&self) -> Value;
}

impl IbmReply for Reply {
    fn error(&self) -> Value {
        self.error_with_id("x-trace-id", "trace")
    }
}

/// The IBM error envelope expected (trace blanked as [`Reply::error`] does).
pub fn ibm_error(status: u16, code: &str, message: &str, target: Option<(&str, &str)>) -> Value {
    let mut item = json!({"code": code, "message": message, "more_info": MORE_INFO});
    if let Some((kind, name)) = target {
        item["target"] = json!({"type": kind, "name": name});
    }
    json!({"errors": [item], "status_code": status, "trace": ""})
}

pub fn not_found_tenant(id: &str) -> Value {
    ibm_error(
        404,
        "tenant_id_not_found",
        &format!("The tenant ID specified ({id}) was not found in the database."),
        Some(("parameter", "tenant_id")),
    )
}

pub fn not_found_target(id: &str) -> Value {
    ibm_error(
        404,
        "target_id_not_found",
        &format!("The target ID specified ({id}) was not found in the database."),
        Some(("parameter", "target_id")),
    )
}

/// The 412 as the service words it (the wording itself is checked against IBM's examples in one test of its own).
pub const PRECONDITION_MESSAGE: &str =
    "The content of the 'If-Match' header does not match the expectation.";

pub fn precondition_failed() -> Value {
    ibm_error(
        412,
        "precondition_failed",
        PRECONDITION_MESSAGE,
        Some(("header", "If-Match")),
    )
}

pub fn forbidden(what: &str) -> Value {
    ibm_error(
        403,
        "not_authorized",
        &format!("The specified token does not have authority to {what}."),
        None,
    )
}

pub fn field_error(field: &str, message: &str) -> Value {
    ibm_error(
        400,
        "incorrect_field",
        &format!("The value for '{field}' is not valid. {message}"),
        Some(("field", field)),
    )
}

pub fn conflict(message: &str) -> Value {
    ibm_error(409, "conflict", message, None)
}

pub fn unsupported_media_type() -> Value {
    ibm_error(
        415,
        "incorrect_or_missing_header",
        "Missing or incorrect header: 'Content-Type'",
        Some(("header", "Content-Type")),
    )
}

pub fn settings(db_url: &str) -> Settings {
    let mut common = CommonSettings::for_tests(db_url, tokens::SECRET);
    common.run_migrations = false; // the template is migrated
    Settings {
        common,
        server: platform::server::ServerSettings::for_tests(2),
        region: REGION.into(),
        credentials_key: Some(Secret::new(KEY_A)),
        credentials_key_previous: None,
        // Nothing is delivered yet: the outbox is read directly.
        service_logs_url: Some("http://127.0.0.1:9".into()),
        service_logs_token_file: None,
        tenants_per_account: 1,
        audit_delivered_retention_days: 7,
        trusted_proxies: Vec::new(),
    }
}

pub async fn test_db() -> Arc<TestDb> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/logs-router");
    Arc::new(TestDb::create("logs_router", logs_router::MIGRATIONS, &dir).await)
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    platform::telemetry::init_for_tests();
    let db = test_db().await;
    spawn_on(db, adjust).await
}

/// Another app on an existing database (a restart with other settings).
pub async fn spawn_on(db: Arc<TestDb>, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    platform::telemetry::init_for_tests();
    let mut s = settings(&db.url);
    adjust(&mut s);
    let running = match logs_router::build(&s).await {
        Ok(r) => r,
        Err(e) => panic!("the router did not start: {e}"),
    };
    let handle = running.server.handle();
    tokio::spawn(running.server);
    TestApp {
        url: format!("http://{}", running.addr),
        db,
        http: reqwest::Client::new(),
        admin: tokens::token("admin", Some(ACCOUNT), &ALL),
        handle,
    }
}

pub fn tenants_path() -> String {
    format!("{BASE}/tenants")
}
pub fn tenant_path(id: &str) -> String {
    format!("{BASE}/tenants/{id}")
}
pub fn targets_path(tenant: &str) -> String {
    format!("{BASE}/tenants/{tenant}/targets")
}
pub fn target_path(tenant: &str, target: &str) -> String {
    format!("{BASE}/tenants/{tenant}/targets/{target}")
}

impl TestApp {
    /// A request with exactly these headers (nothing added but the bearer token) and this raw body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Reply {
        let mut req = testkit::http::request(&self.http, &self.url, method, path, token, headers);
        if let Some(b) = body {
            req = req.body(b);
        }
        Reply::send(req).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.request(Method::GET, path, Some(token), &[], None)
            .await
    }

    pub async fn get_h(&self, path: &str, token: &str, headers: &[(&str, &str)]) -> Reply {
        self.request(Method::GET, path, Some(token), headers, None)
            .await
    }

    /// POST with `Content-Type: application/json`.
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.request(
            Method::POST,
            path,
            Some(token),
            &[("Content-Type", "application/json")],
            Some(body.to_string()),
        )
        .await
    }

    /// PATCH with `Content-Type: application/merge-patch+json` and `If-Match` when given.
    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: &Value,
    ) -> Reply {
        let mut h = vec![("Content-Type", "application/merge-patch+json")];
        if let Some(m) = if_match {
            h.push(("If-Match", m));
        }
        self.request(Method::PATCH, path, Some(token), &h, Some(body.to_string()))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str, if_match: Option<&str>) -> Reply {
        let h: Vec<(&str, &str)> = if_match.map(|m| ("If-Match", m)).into_iter().collect();
        self.request(Method::DELETE, path, Some(token), &h, None)
            .await
    }

    /// Creates a tenant with the admin token; returns its body.
    pub async fn create_tenant(&self, body: &Value) -> Value {
        let r = self.post(&tenants_path(), &self.admin, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()
    }

    /// A tenant named `name` with one logdna target "dna" (and a logs target "cl" when `two`).
    pub async fn tenant(&self, name: &str, two: bool) -> Value {
        let mut targets = vec![logdna_target("dna")];
        if two {
            targets.push(logs_target("cl"));
        }
        self.create_tenant(&json!({"name": name, "targets": targets}))
            .await
    }

    pub async fn outbox(&self) -> Vec<OutboxRow> {
        let mut conn = self.db.connect().await;
        logs_router::store::outbox::all(&mut conn).await.unwrap()
    }

    pub async fn events(&self) -> Vec<Value> {
        self.outbox().await.into_iter().map(|r| r.event).collect()
    }

    pub async fn last_event(&self) -> OutboxRow {
        self.outbox().await.pop().expect("no audit event")
    }

    /// Every tenant and target row, ordered by id: "nothing changed" compares two of these.
    pub async fn snapshot(&self) -> (Vec<TenantRow>, Vec<TargetRow>) {
        use logs_router::schema::{targets, tenants};
        let mut conn = self.db.connect().await;
        let t = tenants::table
            .order(tenants::id)
            .select(TenantRow::as_select())
            .load(&mut conn)
            .await
            .unwrap();
        let g = targets::table
            .order(targets::id)
            .select(TargetRow::as_select())
            .load(&mut conn)
            .await
            .unwrap();
        (t, g)
    }

    pub async fn tenant_row(&self, id: &str) -> TenantRow {
        let id = uuid::Uuid::parse_str(id).unwrap();
        self.snapshot()
            .await
            .0
            .into_iter()
            .find(|t| t.id == id)
            .expect("tenant row")
    }

    pub async fn target_row(&self, id: &str) -> TargetRow {
        let id = uuid::Uuid::parse_str(id).unwrap();
        self.snapshot()
            .await
            .1
            .into_iter()
            .find(|t| t.id == id)
            .expect("target row")
    }
}

pub fn logdna_target(name: &str) -> Value {
    json!({"log_sink_crn": LOGDNA_CRN, "name": name,
           "parameters": {"host": "www.example.com", "port": 8080, "access_credential": CREDENTIAL}})
}

pub fn logs_target(name: &str) -> Value {
    json!({"log_sink_crn": LOGS_CRN, "name": name,
           "parameters": {"host": "logs.example.com", "port": 443}})
}

pub fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_owned()
}

/// A quoted 64-hex-digit SHA-256, 66 characters.
pub fn assert_etag(tag: &str) {
    assert_eq!(tag.len(), 66, "etag {tag}");
    assert!(tag.starts_with('"') && tag.ends_with('"'), "etag {tag}");
    assert!(
        tag[1..65]
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "etag {tag}"
    );
}

pub fn assert_upper_uuid(id: &str) {
    assert_eq!(id.len(), 36, "id {id}");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "id {id}");
    assert_eq!(id, id.to_uppercase(), "id {id} is not upper case");
}

pub fn assert_time(t: &str) {
    assert!(
        t.ends_with('Z') && domain::timefmt::parse_rfc3339(t).is_some(),
        "time {t}"
    );
}

pub fn tenant_crn(account: &str, id: &str) -> String {
    format!(
        "crn:v1:bluemix:public:logs-router:{REGION}:a/{account}:{}::",
        id.to_lowercase()
    )
}

/// What a target in a response must be: exactly these fields, the generated ones well-formed.
pub fn expect_target(got: &Value, name: &str, crn: &str, kind: &str, host: &str, port: i64) {
    let id = s(&got["id"]);
    assert_upper_uuid(&id);
    assert_etag(&s(&got["etag"]));
    assert_time(&s(&got["created_at"]));
    assert_time(&s(&got["updated_at"]));
    assert_eq!(
        got,
        &json!({
            "id": id, "log_sink_crn": crn, "name": name, "etag": got["etag"], "type": kind,
            "created_at": got["created_at"], "updated_at": got["updated_at"],
            "parameters": {"host": host, "port": port}
        }),
        "target"
    );
}

/// What a tenant in a response must be; `targets` are (name, crn, type, host, port), oldest first.
pub fn expect_tenant(
    got: &Value,
    account: &str,
    name: &str,
    targets: &[(&str, &str, &str, &str, i64)],
) {
    let id = s(&got["id"]);
    assert_upper_uuid(&id);
    assert_etag(&s(&got["etag"]));
    assert_time(&s(&got["created_at"]));
    assert_time(&s(&got["updated_at"]));
    let listed = got["targets"].as_array().expect("targets array");
    assert_eq!(listed.len(), targets.len(), "targets of {got}");
    for (g, (n, c, k, h, p)) in listed.iter().zip(targets) {
        expect_target(g, n, c, k, h, *p);
    }
    assert_eq!(
        got,
        &json!({
            "id": id, "created_at": got["created_at"], "updated_at": got["updated_at"],
            "crn": tenant_crn(account, &id), "name": name, "etag": got["etag"], "targets": got["targets"],
            "write_status": {"status": "success"}
        }),
        "tenant"
    );
}

pub const DNA: (&str, &str, &str, &str, i64) =
    ("dna", LOGDNA_CRN, "logdna", "www.example.com", 8080);
pub const CL: (&str, &str, &str, &str, i64) = ("cl", LOGS_CRN, "logs", "logs.example.com", 443);

/// An audit event as expected; [`Expect::json`] renders it with `id` and `eventTime` blank, as [`pinned`] leaves
/// a stored one.
pub struct Expect {
    pub action: &'static str,
    pub status: u16,
    /// `Some(reasonForFailure)` for a failure.
    pub failure: Option<String>,
    pub severity: &'static str,
    pub message: String,
    pub trace: String,
    /// (initiator id, initiator name)
    pub initiator: (String, String),
    /// (target id, target name)
    pub target: (String, String),
    pub request: Value,
    pub response: Value,
}

impl Expect {
    pub fn json(&self) -> Value {
        let reason_type = StatusCode::from_u16(self.status)
            .unwrap()
            .canonical_reason()
            .unwrap_or_default();
        let mut reason = json!({"reasonCode": self.status, "reasonType": reason_type});
        if let Some(f) = &self.failure {
            reason["reasonForFailure"] = json!(f);
        }
        json!({
            "id": "",
            "eventTime": "",
            "action": self.action,
            "outcome": if self.failure.is_some() { "failure" } else { "success" },
            "message": self.message,
            "severity": self.severity,
            "correlationId": self.trace,
            "dataEvent": false,
            "observer": {"name": "ActivityTracker"},
            "initiator": {
                "id": self.initiator.0, "name": self.initiator.1,
                "typeURI": "service/security/account/user",
                "credential": {"type": "token"},
                "host": {"address": "127.0.0.1"},
            },
            "target": {"id": self.target.0, "name": self.target.1, "typeURI": "logs-router/tenant"},
            "reason": reason,
            "requestData": self.request,
            "responseData": self.response,
        })
    }
}

/// A stored event with `id` (checked against the row's event_id) and `eventTime` (checked: RFC 3339, recent)
/// blanked.
pub fn pinned(row: &OutboxRow) -> Value {
    let mut e = row.event.clone();
    assert_eq!(e["id"], json!(row.event_id.to_string()), "event id");
    let at = domain::timefmt::parse_rfc3339(e["eventTime"].as_str().unwrap_or_default())
        .unwrap_or_else(|| panic!("eventTime of {e}"));
    let age = time::OffsetDateTime::now_utc() - at;
    assert!(
        age < time::Duration::minutes(1) && age > time::Duration::seconds(-5),
        "eventTime {at}"
    );
    e["id"] = json!("");
    e["eventTime"] = json!("");
    e
}

/// The account-scoped CRN events use when no single tenant is concerned.
pub fn account_crn(account: &str) -> String {
    format!("crn:v1:bluemix:public:logs-router:{REGION}:a/{account}::")
}

pub fn admin_initiator() -> (String, String) {
    ("admin".into(), "admin".into())
}

/// `value` contains the credential anywhere in its text.
pub fn leaks(text: &str) -> bool {
    text.contains(CREDENTIAL)
}
