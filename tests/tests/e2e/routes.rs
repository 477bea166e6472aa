//! 1. Every router route, success and failure, produces exactly one service log with the mapped fields, visible to
//!    the account owner and invisible to another account.

use crate::harness::{
    ALL, CREATE, CREDENTIAL, DELETE, LOG_READ, READ, REGION, Reply, Stack, UPDATE, enc, event_of,
    items, logdna_target, logs_target, s,
};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;
use testkit::tokens;

const OWNER_ACCOUNT: &str = "e2e-acc-owner";
const OTHER_ACCOUNT: &str = "e2e-acc-other";
/// An account that made no call at all.
const THIRD_ACCOUNT: &str = "e2e-acc-third";

/// What the `cluster_id` / `cluster_uuid` of a call's log must be.
#[derive(Debug, Clone)]
enum Scope {
    /// No single tenant: the account CRN and an empty `cluster_uuid`.
    Account,
    /// This tenant: its CRN and its id in lower case.
    Tenant(String),
    /// Refused before the tenant was known or made (a bad body, a missing permission): either of the above,
    /// consistent with each other.
    Either,
}

/// One call made, and what its log must say.
#[derive(Debug)]
struct Made {
    what: &'static str,
    trace: String,
    action: &'static str,
    status: u16,
    sub: &'static str,
    account: &'static str,
    scope: Scope,
}

fn account_crn(account: &str) -> String {
    format!("crn:v1:bluemix:public:logs-router:{REGION}:a/{account}::")
}

fn tenant_crn(account: &str, id: &str) -> String {
    format!(
        "crn:v1:bluemix:public:logs-router:{REGION}:a/{account}:{}::",
        id.to_lowercase()
    )
}

/// An RFC 3339 UTC time with its fraction cut or padded to microseconds (what PostgreSQL keeps).
fn to_micros(t: &str) -> String {
    let t = t
        .strip_suffix('Z')
        .unwrap_or_else(|| panic!("not UTC: {t}"));
    let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
    format!("{whole}.{:0<6.6}Z", fraction)
}

/// The audit severity (docs/api-logs-router.md#audit-events): by action on success; on failure `Warning` for 400/409/500, `Critical` for 401/403/503,
/// else by action.
fn severity(action: &str, status: u16) -> &'static str {
    let by_action = match action {
        "logs-router.tenant.update" => "Warning",
        "logs-router.tenant.delete" => "Critical",
        _ => "Info",
    };
    match status {
        200..=399 => by_action,
        400 | 409 | 500 => "Warning",
        401 | 403 | 503 => "Critical",
        _ => by_action,
    }
}

/// A caller: token subject, account, token.
type Who<'a> = (&'static str, &'static str, &'a str);

/// A request to the router.
struct Req {
    method: Method,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Option<Value>,
}

fn req(method: Method, path: &str, body: Option<Value>) -> Req {
    Req {
        method,
        path: path.to_owned(),
        headers: Vec::new(),
        body,
    }
}

fn get(path: &str) -> Req {
    req(Method::GET, path, None)
}

fn post(path: &str, body: &Value) -> Req {
    req(Method::POST, path, Some(body.clone()))
}

fn patch(path: &str, body: &Value) -> Req {
    req(Method::PATCH, path, Some(body.clone()))
}

fn delete(path: &str) -> Req {
    req(Method::DELETE, path, None)
}

impl Req {
    fn with(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }
}

/// Makes the calls and keeps what they must have produced.
struct Calls<'a> {
    stack: &'a Stack,
    made: Vec<Made>,
}

impl Calls<'_> {
    /// Sends `r` as `who`; the answer must be `status`, and the call must leave one log of `action` about `scope`.
    async fn call(
        &mut self,
        what: &'static str,
        who: Who<'_>,
        r: Req,
        (status, action, scope): (u16, &'static str, Scope),
    ) -> Reply {
        let (sub, account, token) = who;
        let headers: Vec<(&str, &str)> = r.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = self
            .stack
            .call(
                0,
                r.method.clone(),
                &r.path,
                Some(token),
                &headers,
                r.body.as_ref(),
            )
            .await;
        assert_eq!(
            reply.status.as_u16(),
            status,
            "{what}: {} {} answered {}: {}",
            r.method,
            r.path,
            reply.status,
            reply.text
        );
        self.made.push(Made {
            what,
            trace: reply.trace(),
            action,
            status,
            sub,
            account,
            scope,
        });
        reply
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_leaves_one_service_log_for_its_account_only() {
    let stack = Stack::start("routes", 1).await;
    let owner_token = tokens::token("owner", Some(OWNER_ACCOUNT), &ALL);
    let owner: Who = ("owner", OWNER_ACCOUNT, &owner_token);
    let nobody_token = tokens::token("nobody", Some(OWNER_ACCOUNT), &[]);
    let nobody: Who = ("nobody", OWNER_ACCOUNT, &nobody_token);
    let updater_token = tokens::token("updater", Some(OWNER_ACCOUNT), &[READ, UPDATE]);
    let updater: Who = ("updater", OWNER_ACCOUNT, &updater_token);
    let other_token = tokens::token("other", Some(OTHER_ACCOUNT), &ALL);
    let other: Who = ("other", OTHER_ACCOUNT, &other_token);
    // The audit actions are named like the permissions.
    use Scope::{Account, Either};
    let unknown = uuid::Uuid::new_v4().to_string().to_uppercase();
    let stale = format!("\"{}\"", "0".repeat(64));
    let mut c = Calls {
        stack: &stack,
        made: Vec::new(),
    };

    // GET /tenants
    c.call(
        "list, none yet",
        owner,
        get("/v1/tenants"),
        (200, READ, Account),
    )
    .await;
    c.call(
        "list without permission",
        nobody,
        get("/v1/tenants"),
        (403, READ, Either),
    )
    .await;
    // POST /tenants
    let bad = json!({"name": "bad name!", "targets": [logdna_target("dna")]});
    c.call(
        "create, bad name",
        owner,
        post("/v1/tenants", &bad),
        (400, CREATE, Either),
    )
    .await;
    let good = json!({"name": "e2e-tenant", "targets": [logdna_target("dna")]});
    let plain = post("/v1/tenants", &good).with("Content-Type", "text/plain");
    c.call(
        "create, wrong content type",
        owner,
        plain,
        (415, CREATE, Either),
    )
    .await;
    let created = c
        .call(
            "create",
            owner,
            post("/v1/tenants", &good),
            (201, CREATE, Either),
        )
        .await;
    let created = created.json();
    let tenant = s(&created, "id").to_owned();
    let dna = s(&created["targets"][0], "id").to_owned();
    c.made.last_mut().unwrap().scope = Scope::Tenant(tenant.clone());
    let second = json!({"name": "e2e-second", "targets": [logs_target("cl")]});
    c.call(
        "create a second tenant",
        owner,
        post("/v1/tenants", &second),
        (409, CREATE, Either),
    )
    .await;
    // GET /tenants/{id}
    let t_path = format!("/v1/tenants/{tenant}");
    let t = || Scope::Tenant(tenant.clone());
    let u = || Scope::Tenant(unknown.clone());
    let tenant_etag = c
        .call("read", owner, get(&t_path), (200, READ, t()))
        .await
        .etag();
    let unknown_path = format!("/v1/tenants/{unknown}");
    c.call("read, unknown", owner, get(&unknown_path), (404, READ, u()))
        .await;
    c.call(
        "read, not a UUID",
        owner,
        get("/v1/tenants/not-a-uuid"),
        (400, READ, Either),
    )
    .await;
    c.call(
        "read without permission",
        nobody,
        get(&t_path),
        (403, READ, Either),
    )
    .await;
    // PATCH /tenants/{id}
    let rename = json!({"name": "e2e-renamed"});
    let stale_rename = patch(&t_path, &rename).with("If-Match", &stale);
    c.call(
        "rename, stale If-Match",
        owner,
        stale_rename,
        (412, UPDATE, t()),
    )
    .await;
    let bad_rename = patch(&t_path, &json!({"name": "no spaces"})).with("If-Match", &tenant_etag);
    c.call("rename, bad name", owner, bad_rename, (400, UPDATE, t()))
        .await;
    let good_rename = patch(&t_path, &rename).with("If-Match", &tenant_etag);
    c.call("rename", owner, good_rename, (200, UPDATE, t()))
        .await;
    // GET /tenants/{id}/targets
    let targets_path = format!("{t_path}/targets");
    c.call("list targets", owner, get(&targets_path), (200, READ, t()))
        .await;
    let unknown_targets = format!("{unknown_path}/targets");
    c.call(
        "list targets, unknown tenant",
        owner,
        get(&unknown_targets),
        (404, READ, u()),
    )
    .await;
    // POST /tenants/{id}/targets
    let cl = post(&targets_path, &logs_target("cl"));
    let cl = c
        .call("create target", owner, cl, (201, UPDATE, t()))
        .await
        .json();
    let cl = s(&cl, "id").to_owned();
    let cl2 = post(&targets_path, &logs_target("cl2"));
    c.call(
        "create a second logs target",
        owner,
        cl2,
        (409, UPDATE, t()),
    )
    .await;
    // GET /tenants/{id}/targets/{target_id}
    let cl_path = format!("{targets_path}/{cl}");
    let cl_etag = c
        .call("read target", owner, get(&cl_path), (200, READ, t()))
        .await
        .etag();
    let unknown_target = format!("{targets_path}/{unknown}");
    c.call(
        "read target, unknown",
        owner,
        get(&unknown_target),
        (404, READ, t()),
    )
    .await;
    // PATCH /tenants/{id}/targets/{target_id}
    let port = json!({"parameters": {"port": 6514}});
    c.call(
        "update target without If-Match",
        owner,
        patch(&cl_path, &port),
        (412, UPDATE, t()),
    )
    .await;
    let update_cl = || patch(&cl_path, &port).with("If-Match", &cl_etag);
    c.call(
        "update target without permission",
        nobody,
        update_cl(),
        (403, UPDATE, Either),
    )
    .await;
    c.call("update target", owner, update_cl(), (200, UPDATE, t()))
        .await;
    // DELETE /tenants/{id}/targets/{target_id}
    c.call("delete target", owner, delete(&cl_path), (204, UPDATE, t()))
        .await;
    let dna_path = format!("{targets_path}/{dna}");
    c.call(
        "delete the last target",
        owner,
        delete(&dna_path),
        (409, UPDATE, t()),
    )
    .await;
    // DELETE /tenants/{id}
    c.call(
        "delete without permission",
        updater,
        delete(&t_path),
        (403, DELETE, Either),
    )
    .await;
    let stale_delete = delete(&t_path).with("If-Match", &stale);
    c.call(
        "delete, stale If-Match",
        owner,
        stale_delete,
        (412, DELETE, t()),
    )
    .await;
    c.call("delete", owner, delete(&t_path), (204, DELETE, t()))
        .await;
    c.call("delete again", owner, delete(&t_path), (404, DELETE, t()))
        .await;
    // Another account: events of its own, about its own account (its CRN of the tenant id it asked for).
    c.call(
        "list, other account",
        other,
        get("/v1/tenants"),
        (200, READ, Account),
    )
    .await;
    c.call(
        "read the owner's tenant from another account",
        other,
        get(&t_path),
        (404, READ, t()),
    )
    .await;

    // No valid token: no audit event.
    let anonymous = stack
        .call(0, Method::GET, "/v1/tenants", None, &[], None)
        .await;
    anonymous.expect(401);
    let forged = tokens::hs256_with(
        "not-the-secret",
        &tokens::claims("forger", Some(OWNER_ACCOUNT), &ALL),
    );
    stack
        .call(0, Method::GET, "/v1/tenants", Some(&forged), &[], None)
        .await
        .expect(401);

    let made = c.made;
    let logs = stack
        .wait_delivered(made.len(), Duration::from_secs(20))
        .await;

    // One log per call, found by the call's X-Trace-ID, with the mapped fields.
    let mut owner_logs = BTreeSet::new();
    let mut other_logs = BTreeSet::new();
    for m in &made {
        let mine: Vec<&Value> = logs
            .iter()
            .filter(|l| s(l, "event_stream_id") == m.trace)
            .collect();
        assert_eq!(
            mine.len(),
            1,
            "{}: logs with event_stream_id {} (the call's X-Trace-ID): {mine:#?}",
            m.what,
            m.trace
        );
        let log = mine[0];
        let event = event_of(log);
        let ctx = format!("{} ({} {}): log {log:#}", m.what, m.action, m.status);
        assert_eq!(s(log, "service_name"), "logs-router", "{ctx}");
        assert_eq!(s(log, "log_type"), m.action, "{ctx}");
        assert_eq!(s(log, "severity"), severity(m.action, m.status), "{ctx}");
        assert_eq!(s(log, "account_id"), m.account, "{ctx}");
        assert_eq!(s(log, "username"), m.sub, "{ctx}");
        assert_eq!(log["internal_only"], json!(false), "{ctx}");
        assert_eq!(s(log, "summary"), s(&event, "message"), "{ctx}");
        assert!(s(log, "summary").starts_with("Logs Routing: "), "{ctx}");
        assert_eq!(
            s(&event, "outcome"),
            if m.status < 400 { "success" } else { "failure" },
            "{ctx}"
        );
        assert_eq!(event["reason"]["reasonCode"], json!(m.status), "{ctx}");
        assert_eq!(s(&event, "action"), m.action, "{ctx}");
        assert_eq!(s(&event, "correlationId"), m.trace, "{ctx}");
        assert_eq!(s(&event["initiator"], "name"), m.sub, "{ctx}");
        assert_eq!(
            to_micros(s(log, "timestamp")),
            to_micros(s(&event, "eventTime")),
            "{ctx}"
        );
        assert_eq!(s(log, "cluster_id"), s(&event["target"], "id"), "{ctx}");
        let (uuid, cluster_id) = (s(log, "cluster_uuid"), s(log, "cluster_id"));
        // A log is filed under a tenant's uuid only when the router found or wrote that tenant in the caller's
        // account (the event's responseData then names its CRN); otherwise it keeps the CRN alone.
        let confirmed = event["responseData"].get("tenantCRN").is_some();
        let asked = event["requestData"]["tenantID"]
            .as_str()
            .unwrap_or_default();
        match &m.scope {
            Scope::Account => {
                assert_eq!(uuid, "", "{ctx}");
                assert_eq!(cluster_id, account_crn(m.account), "{ctx}");
            }
            Scope::Tenant(id) if !confirmed => {
                assert_eq!(uuid, "", "{ctx}");
                assert_eq!(cluster_id, tenant_crn(m.account, id), "{ctx}");
            }
            Scope::Tenant(id) => {
                assert_eq!(uuid, id.to_lowercase(), "{ctx}");
                assert_eq!(cluster_id, tenant_crn(m.account, id), "{ctx}");
            }
            Scope::Either if uuid.is_empty() && asked.is_empty() => {
                assert_eq!(cluster_id, account_crn(m.account), "{ctx}");
            }
            Scope::Either if uuid.is_empty() => {
                assert!(!confirmed, "{ctx}");
                assert_eq!(cluster_id, tenant_crn(m.account, asked), "{ctx}");
            }
            Scope::Either => {
                assert!(uuid::Uuid::parse_str(uuid).is_ok(), "{ctx}");
                assert_eq!(uuid, uuid.to_lowercase(), "{ctx}");
                assert_eq!(cluster_id, tenant_crn(m.account, uuid), "{ctx}");
            }
        }
        assert!(
            !s(log, "description").contains(CREDENTIAL),
            "{ctx}: the access credential leaked"
        );
        let id = s(log, "id").to_owned();
        if m.account == OWNER_ACCOUNT {
            owner_logs.insert(id);
        } else {
            other_logs.insert(id);
        }
    }
    // A few summaries worded as docs/api-logs-router.md#audit-events shows them.
    let summary_of = |what: &str| {
        let m = made.iter().find(|m| m.what == what).unwrap();
        let log = logs
            .iter()
            .find(|l| s(l, "event_stream_id") == m.trace)
            .unwrap();
        s(log, "summary").to_owned()
    };
    assert_eq!(
        summary_of("rename"),
        "Logs Routing: update tenant e2e-renamed"
    );
    assert_eq!(
        summary_of("create"),
        "Logs Routing: create tenant e2e-tenant"
    );
    assert!(summary_of("create, bad name").ends_with(" -failure"));

    // Visibility: each account reads exactly its own, through every list route; a third account reads nothing.
    let reader =
        |account: &str| tokens::token(&format!("reader-{account}"), Some(account), &[LOG_READ]);
    let ids = |page: &Value| -> BTreeSet<String> {
        items(page).iter().map(|l| s(l, "id").to_owned()).collect()
    };
    let search_all = format!(
        "/cluster_logs?size=-1&search={}",
        enc("service_name = 'logs-router'")
    );
    let by_tenant = format!("/clusters/{}/cluster_logs?size=-1", tenant.to_lowercase());
    let updates = format!(
        "/cluster_logs?size=-1&search={}",
        enc("log_type = 'logs-router.tenant.update'")
    );
    let logs_where = |pred: &dyn Fn(&Value) -> bool| -> BTreeSet<String> {
        logs.iter()
            .filter(|l| pred(l))
            .map(|l| s(l, "id").to_owned())
            .collect()
    };
    let owner_reader = reader(OWNER_ACCOUNT);
    assert_eq!(
        ids(&stack.sl_get(&search_all, &owner_reader).await),
        owner_logs
    );
    assert_eq!(
        ids(&stack.sl_get(&by_tenant, &owner_reader).await),
        logs_where(&|l| s(l, "account_id") == OWNER_ACCOUNT
            && s(l, "cluster_uuid") == tenant.to_lowercase()),
        "the owner reads the tenant's audit trail"
    );
    assert_eq!(
        ids(&stack.sl_get(&updates, &owner_reader).await),
        logs_where(&|l| s(l, "account_id") == OWNER_ACCOUNT
            && s(l, "log_type") == "logs-router.tenant.update"),
    );
    let other_reader = reader(OTHER_ACCOUNT);
    assert_eq!(
        ids(&stack.sl_get(&search_all, &other_reader).await),
        other_logs
    );
    let other_by_tenant = ids(&stack.sl_get(&by_tenant, &other_reader).await);
    assert!(
        other_by_tenant.is_disjoint(&owner_logs),
        "another account reads the owner's tenant logs: {other_by_tenant:?}"
    );
    assert_eq!(
        stack.sl_get(&updates, &other_reader).await["total"],
        json!(0),
        "another account reads the owner's update logs"
    );
    let third = reader(THIRD_ACCOUNT);
    for q in [&search_all, &by_tenant, &updates] {
        assert_eq!(
            stack.sl_get(q, &third).await["total"],
            json!(0),
            "an account that made no call reads logs at {q}"
        );
    }
}
