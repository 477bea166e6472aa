//! Bad input: each row a request, its exact status and error body; and for every row, that nothing changed, that
//! exactly one failure event was recorded for it (with the right action, status, reason and trace), and that the
//! credential appears in neither the answer nor the event. Every row is checked; the failures are listed together.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const NAME: &str = "name must be 1 to 35 characters of letters, digits and '-'";
const CRN: &str = "log_sink_crn must be a CRN of 10 colon-separated segments starting 'crn:v1:' whose service name is 'logdna' or 'logs'";
const HOST: &str = "host must be a host name (dot-separated labels of letters, digits and '-', not starting or ending with '-') or an IPv4 address";
const HOST_LEN: &str = "host must be 1 to 256 characters";
const PORT: &str = "port must be an integer from 1 to 65535";
const CRED_REQUIRED: &str = "access_credential is required for a logdna target";
const CRED_NOT_ALLOWED: &str = "access_credential is not allowed for a logs target";

struct Row {
    what: String,
    method: Method,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Option<String>,
    want: Value,
    action: &'static str,
}

fn action_of(method: &Method, path: &str) -> &'static str {
    let target_route = path.contains("/targets");
    match *method {
        Method::GET => READ,
        Method::POST if !target_route => CREATE,
        Method::DELETE if !target_route => DELETE,
        _ => UPDATE,
    }
}

fn row(what: &str, method: Method, path: &str, body: Option<String>, want: Value) -> Row {
    let mut headers = vec![];
    if method == Method::POST {
        headers.push(("Content-Type", "application/json".to_owned()));
    }
    if method == Method::PATCH {
        headers.push(("Content-Type", "application/merge-patch+json".to_owned()));
        headers.push(("If-Match", "*".to_owned()));
    }
    Row {
        what: what.to_owned(),
        action: action_of(&method, path),
        method,
        path: path.to_owned(),
        headers,
        body,
        want,
    }
}

impl Row {
    fn header(mut self, name: &'static str, value: Option<&str>) -> Self {
        self.headers.retain(|(k, _)| *k != name);
        if let Some(v) = value {
            self.headers.push((name, v.to_owned()));
        }
        self
    }
}

fn fe(field: &str, message: &str) -> Value {
    field_error(field, message)
}

fn invalid_json(detail: &str) -> Value {
    ibm_error(
        400,
        "incorrect_field",
        &format!("The request body is not valid JSON: {detail}"),
        None,
    )
}

/// `logs_target("x")` / `logdna_target("x")` with the value at `pointer` replaced (or removed when None).
fn with(mut v: Value, pointer: &str, value: Option<Value>) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let m = v.pointer_mut(parent).unwrap().as_object_mut().unwrap();
    match value {
        Some(x) => m.insert(key.to_owned(), x),
        None => m.remove(key),
    };
    v
}

fn tenant_with(target: Value) -> String {
    json!({"name": "new-tenant", "targets": [target]}).to_string()
}

fn severity(status: u16, action: &str) -> &'static str {
    match status {
        400 | 409 | 500 => "warning",
        401 | 403 | 503 => "critical",
        _ => match action {
            READ | CREATE => "normal",
            UPDATE => "warning",
            _ => "critical",
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_answer_exact_errors_change_nothing_and_are_audited() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let (dna, cl) = (s(&t["targets"][0]["id"]), s(&t["targets"][1]["id"]));
    let tenants = tenants_path();
    let tenant = tenant_path(&id);
    let targets = targets_path(&id);
    let dna_path = target_path(&id, &dna);
    let cl_path = target_path(&id, &cl);
    let lt = || logs_target("x");
    let dt = || logdna_target("x");
    let s36 = "a".repeat(36);
    let host257 = format!(
        "{}.{}.{}.{}",
        "h".repeat(63),
        "h".repeat(63),
        "h".repeat(63),
        "h".repeat(65)
    );
    let cos = "crn:v1:bluemix:public:cloud-object-storage:global:a/abc123:6f0e5c2a-1111-2222-3333-444455556666::";
    let nine = "crn:v1:bluemix:public:logs:us-south:a/abc123:6f0e5c2a:";
    let v2 = "crn:v2:bluemix:public:logs:us-south:a/abc123:6f0e5c2a-1111-2222-3333-444455556666::";
    let upper =
        "crn:v1:bluemix:public:LOGS:us-south:a/abc123:6f0e5c2a-1111-2222-3333-444455556666::";
    let stale = format!("\"{}\"", "0".repeat(64));
    let p = Method::POST;
    let pa = Method::PATCH;

    let mut rows = vec![
        // ---- POST /tenants: the body as a whole
        row("invalid JSON", p.clone(), &tenants, Some("{".into()), invalid_json("EOF while parsing an object at line 1 column 1")),
        row("empty body", p.clone(), &tenants, Some(String::new()), invalid_json("EOF while parsing a value at line 1 column 0")),
        row("array body", p.clone(), &tenants, Some("[1]".into()), fe("body", "the request body must be a JSON object")),
        row("null body", p.clone(), &tenants, Some("null".into()), fe("body", "the request body must be a JSON object")),
        row("unknown field", p.clone(), &tenants, Some(json!({"name": "t", "targets": [lt()], "foo": 1}).to_string()), fe("foo", "unknown field 'foo'")),
        row("read-only id", p.clone(), &tenants, Some(json!({"name": "t", "targets": [lt()], "id": "x"}).to_string()), fe("id", "field 'id' is read-only")),
        row("read-only crn", p.clone(), &tenants, Some(json!({"name": "t", "targets": [lt()], "crn": "x"}).to_string()), fe("crn", "field 'crn' is read-only")),
        // name
        row("no name", p.clone(), &tenants, Some(json!({"targets": [lt()]}).to_string()), fe("name", "name is required")),
        row("null name", p.clone(), &tenants, Some(json!({"name": null, "targets": [lt()]}).to_string()), fe("name", "name is required")),
        row("number name", p.clone(), &tenants, Some(json!({"name": 5, "targets": [lt()]}).to_string()), fe("name", "name must be a string")),
        row("empty name", p.clone(), &tenants, Some(json!({"name": "", "targets": [lt()]}).to_string()), fe("name", NAME)),
        row("36-char name", p.clone(), &tenants, Some(json!({"name": s36, "targets": [lt()]}).to_string()), fe("name", NAME)),
        row("name with space", p.clone(), &tenants, Some(json!({"name": "my tenant", "targets": [lt()]}).to_string()), fe("name", NAME)),
        row("name with underscore", p.clone(), &tenants, Some(json!({"name": "my_tenant", "targets": [lt()]}).to_string()), fe("name", NAME)),
        row("name with dot", p.clone(), &tenants, Some(json!({"name": "my.tenant", "targets": [lt()]}).to_string()), fe("name", NAME)),
        row("non-ASCII name", p.clone(), &tenants, Some(json!({"name": "tenänt", "targets": [lt()]}).to_string()), fe("name", NAME)),
        // targets
        row("no targets", p.clone(), &tenants, Some(json!({"name": "t"}).to_string()), fe("targets", "targets is required")),
        row("targets not an array", p.clone(), &tenants, Some(json!({"name": "t", "targets": {}}).to_string()), fe("targets", "targets must be an array")),
        row("zero targets", p.clone(), &tenants, Some(json!({"name": "t", "targets": []}).to_string()), fe("targets", "a tenant has 1 or 2 targets")),
        row("three targets", p.clone(), &tenants, Some(json!({"name": "t", "targets": [lt(), dt(), logs_target("y")]}).to_string()), fe("targets", "a tenant has 1 or 2 targets")),
        row("two of one type", p.clone(), &tenants, Some(json!({"name": "t", "targets": [logs_target("a"), logs_target("b")]}).to_string()),
            ibm_error(409, "conflict", "A tenant can have only one target of type 'logs'.", Some(("field", "targets")))),
        row("duplicate target names", p.clone(), &tenants, Some(json!({"name": "t", "targets": [logs_target("a"), logdna_target("a")]}).to_string()), fe("targets[1].name", "target names must be unique within a tenant")),
        row("target not an object", p.clone(), &tenants, Some(json!({"name": "t", "targets": [5]}).to_string()), fe("targets[0]", "targets[0] must be an object")),
        row("target unknown field", p.clone(), &tenants, Some(tenant_with(with(lt(), "/foo", Some(json!(1))))), fe("targets[0].foo", "unknown field 'foo'")),
        row("target read-only type", p.clone(), &tenants, Some(tenant_with(with(lt(), "/type", Some(json!("logs"))))), fe("targets[0].type", "field 'type' is read-only: it follows the service name in log_sink_crn")),
        row("target read-only id", p.clone(), &tenants, Some(tenant_with(with(lt(), "/id", Some(json!("x"))))), fe("targets[0].id", "field 'id' is read-only")),
        row("target without name", p.clone(), &tenants, Some(tenant_with(with(lt(), "/name", None))), fe("targets[0].name", "name is required")),
        row("target bad name", p.clone(), &tenants, Some(tenant_with(with(lt(), "/name", Some(json!("a b"))))), fe("targets[0].name", NAME)),
        // log_sink_crn
        row("no crn", p.clone(), &tenants, Some(tenant_with(with(lt(), "/log_sink_crn", None))), fe("targets[0].log_sink_crn", "log_sink_crn is required")),
        row("number crn", p.clone(), &tenants, Some(tenant_with(with(lt(), "/log_sink_crn", Some(json!(7))))), fe("targets[0].log_sink_crn", "log_sink_crn must be a string")),
        row("cos crn", p.clone(), &tenants, Some(tenant_with(with(lt(), "/log_sink_crn", Some(json!(cos))))), fe("targets[0].log_sink_crn", CRN)),
        row("9-segment crn", p.clone(), &tenants, Some(tenant_with(with(lt(), "/log_sink_crn", Some(json!(nine))))), fe("targets[0].log_sink_crn", CRN)),
        row("crn:v2", p.clone(), &tenants, Some(tenant_with(with(lt(), "/log_sink_crn", Some(json!(v2))))), fe("targets[0].log_sink_crn", CRN)),
        row("upper-case service", p.clone(), &tenants, Some(tenant_with(with(lt(), "/log_sink_crn", Some(json!(upper))))), fe("targets[0].log_sink_crn", CRN)),
        row("empty crn", p.clone(), &tenants, Some(tenant_with(with(lt(), "/log_sink_crn", Some(json!(""))))), fe("targets[0].log_sink_crn", CRN)),
        // parameters
        row("no parameters", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters", None))), fe("targets[0].parameters", "parameters is required")),
        row("parameters not an object", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters", Some(json!("x"))))), fe("targets[0].parameters", "parameters must be an object")),
        row("parameters unknown field", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/foo", Some(json!(1))))), fe("targets[0].parameters.foo", "unknown field 'foo'")),
        row("no host", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/host", None))), fe("targets[0].parameters.host", "host is required")),
        row("empty host", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/host", Some(json!(""))))), fe("targets[0].parameters.host", HOST_LEN)),
        row("257-char host", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/host", Some(json!(host257))))), fe("targets[0].parameters.host", HOST_LEN)),
        row("host with underscore", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/host", Some(json!("bad_host"))))), fe("targets[0].parameters.host", HOST)),
        row("host starting with -", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/host", Some(json!("-a.example.com"))))), fe("targets[0].parameters.host", HOST)),
        row("host with empty label", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/host", Some(json!("a..b"))))), fe("targets[0].parameters.host", HOST)),
        row("host with scheme", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/host", Some(json!("https://a.example.com"))))), fe("targets[0].parameters.host", HOST)),
        row("number host", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/host", Some(json!(5))))), fe("targets[0].parameters.host", "host must be a string")),
        row("no port", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/port", None))), fe("targets[0].parameters.port", "port is required")),
        row("string port", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/port", Some(json!("80"))))), fe("targets[0].parameters.port", PORT)),
        row("port 0", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/port", Some(json!(0))))), fe("targets[0].parameters.port", PORT)),
        row("port 65536", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/port", Some(json!(65536))))), fe("targets[0].parameters.port", PORT)),
        row("negative port", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/port", Some(json!(-1))))), fe("targets[0].parameters.port", PORT)),
        row("fractional port", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/port", Some(json!(80.5))))), fe("targets[0].parameters.port", PORT)),
        // access_credential
        row("logdna without credential", p.clone(), &tenants, Some(tenant_with(with(dt(), "/parameters/access_credential", None))), fe("targets[0].parameters.access_credential", CRED_REQUIRED)),
        row("logdna null credential", p.clone(), &tenants, Some(tenant_with(with(dt(), "/parameters/access_credential", Some(Value::Null)))), fe("targets[0].parameters.access_credential", CRED_REQUIRED)),
        row("logdna empty credential", p.clone(), &tenants, Some(tenant_with(with(dt(), "/parameters/access_credential", Some(json!(""))))), fe("targets[0].parameters.access_credential", "access_credential must not be empty")),
        row("logdna number credential", p.clone(), &tenants, Some(tenant_with(with(dt(), "/parameters/access_credential", Some(json!(5))))), fe("targets[0].parameters.access_credential", "access_credential must be a string")),
        row("logs with credential", p.clone(), &tenants, Some(tenant_with(with(lt(), "/parameters/access_credential", Some(json!(CREDENTIAL))))), fe("targets[0].parameters.access_credential", CRED_NOT_ALLOWED)),
        row("second target bad", p.clone(), &tenants, Some(json!({"name": "t", "targets": [dt(), with(lt(), "/parameters/port", Some(json!(0)))]}).to_string()), fe("targets[1].parameters.port", PORT)),
        // headers
        row("text/plain", p.clone(), &tenants, Some(tenant_with(lt())), unsupported_media_type()).header("Content-Type", Some("text/plain")),
        row("no content type", p.clone(), &tenants, Some(tenant_with(lt())), unsupported_media_type()).header("Content-Type", None),
        row("merge-patch on POST", p.clone(), &tenants, Some(tenant_with(lt())), unsupported_media_type()).header("Content-Type", Some("application/merge-patch+json")),
        row("bad API version", p.clone(), &tenants, Some(tenant_with(lt())), ibm_error(400, "incorrect_or_missing_header",
            "Missing or incorrect header: 'IBM-API-Version'. IBM-API-Version must be a date in the format YYYY-MM-DD", Some(("header", "IBM-API-Version"))))
            .header("IBM-API-Version", Some("2024-6-15")),
        // state
        row("over the tenant limit", p.clone(), &tenants, Some(tenant_with(lt())), conflict("The account already has the maximum number of tenants in this region (1).")),

        // ---- PATCH /tenants/{id}
        row("tenant patch invalid JSON", pa.clone(), &tenant, Some("{\"name\":".into()), invalid_json("EOF while parsing a value at line 1 column 8")),
        row("tenant patch array", pa.clone(), &tenant, Some("[]".into()), fe("body", "the request body must be a JSON object")),
        row("tenant patch empty", pa.clone(), &tenant, Some("{}".into()), fe("name", "name is required")),
        row("tenant patch null name", pa.clone(), &tenant, Some(json!({"name": null}).to_string()), fe("name", "name cannot be null")),
        row("tenant patch number name", pa.clone(), &tenant, Some(json!({"name": 1}).to_string()), fe("name", "name must be a string")),
        row("tenant patch bad name", pa.clone(), &tenant, Some(json!({"name": "a/b"}).to_string()), fe("name", NAME)),
        row("tenant patch long name", pa.clone(), &tenant, Some(json!({"name": s36}).to_string()), fe("name", NAME)),
        row("tenant patch targets", pa.clone(), &tenant, Some(json!({"targets": []}).to_string()), fe("targets", "field 'targets' cannot be changed by a tenant PATCH; use the targets of the tenant")),
        row("tenant patch crn", pa.clone(), &tenant, Some(json!({"crn": "x"}).to_string()), fe("crn", "field 'crn' is read-only")),
        row("tenant patch etag", pa.clone(), &tenant, Some(json!({"etag": "x"}).to_string()), fe("etag", "field 'etag' is read-only")),
        row("tenant patch unknown", pa.clone(), &tenant, Some(json!({"name": "ok", "foo": 1}).to_string()), fe("foo", "unknown field 'foo'")),
        row("tenant patch no If-Match", pa.clone(), &tenant, Some(json!({"name": "ok"}).to_string()), precondition_failed()).header("If-Match", None),
        row("tenant patch stale If-Match", pa.clone(), &tenant, Some(json!({"name": "ok"}).to_string()), precondition_failed()).header("If-Match", Some(&stale)),
        row("tenant patch text/plain", pa.clone(), &tenant, Some(json!({"name": "ok"}).to_string()), unsupported_media_type()).header("Content-Type", Some("text/plain")),
        row("tenant patch no content type", pa.clone(), &tenant, Some(json!({"name": "ok"}).to_string()), unsupported_media_type()).header("Content-Type", None),

        // ---- DELETE /tenants/{id}
        row("tenant delete stale If-Match", Method::DELETE, &tenant, None, precondition_failed()).header("If-Match", Some(&stale)),
        row("tenant delete bad id", Method::DELETE, &tenant_path("xyz"), None, ibm_error(400, "incorrect_parameter", "The 'tenantID' specified (xyz) is not valid.", Some(("parameter", "tenant_id")))),

        // ---- GET
        row("tenant get bad id", Method::GET, &tenant_path("8717DB99-2CFB-4BA6-A033"), None, ibm_error(400, "incorrect_parameter", "The 'tenantID' specified (8717DB99-2CFB-4BA6-A033) is not valid.", Some(("parameter", "tenant_id")))),
        row("target get bad id", Method::GET, &target_path(&id, "nope"), None, ibm_error(400, "incorrect_parameter", "The 'targetID' specified (nope) is not valid.", Some(("parameter", "target_id")))),

        // ---- POST /tenants/{id}/targets
        row("target post invalid JSON", p.clone(), &targets, Some("{".into()), invalid_json("EOF while parsing an object at line 1 column 1")),
        row("target post array", p.clone(), &targets, Some("[]".into()), fe("body", "the request body must be a JSON object")),
        row("target post empty", p.clone(), &targets, Some("{}".into()), fe("name", "name is required")),
        row("target post bad name", p.clone(), &targets, Some(with(lt(), "/name", Some(json!(""))).to_string()), fe("name", NAME)),
        row("target post cos crn", p.clone(), &targets, Some(with(lt(), "/log_sink_crn", Some(json!(cos))).to_string()), fe("log_sink_crn", CRN)),
        row("target post port", p.clone(), &targets, Some(with(lt(), "/parameters/port", Some(json!(0))).to_string()), fe("parameters.port", PORT)),
        row("target post host", p.clone(), &targets, Some(with(lt(), "/parameters/host", Some(json!("a b"))).to_string()), fe("parameters.host", HOST)),
        row("target post type", p.clone(), &targets, Some(with(lt(), "/type", Some(json!("logs"))).to_string()), fe("type", "field 'type' is read-only: it follows the service name in log_sink_crn")),
        row("target post unknown", p.clone(), &targets, Some(with(lt(), "/foo", Some(json!(1))).to_string()), fe("foo", "unknown field 'foo'")),
        row("target post logdna no credential", p.clone(), &targets, Some(with(dt(), "/parameters/access_credential", None).to_string()), fe("parameters.access_credential", CRED_REQUIRED)),
        row("target post logs credential", p.clone(), &targets, Some(with(lt(), "/parameters/access_credential", Some(json!(CREDENTIAL))).to_string()), fe("parameters.access_credential", CRED_NOT_ALLOWED)),
        row("target post type taken", p.clone(), &targets, Some(lt().to_string()), conflict("The tenant already has a target of type 'logs'. Only one target of each type is allowed.")),
        row("target post text/plain", p.clone(), &targets, Some(lt().to_string()), unsupported_media_type()).header("Content-Type", Some("text/plain")),

        // ---- PATCH /tenants/{id}/targets/{id}
        row("target patch invalid JSON", pa.clone(), &dna_path, Some("{".into()), invalid_json("EOF while parsing an object at line 1 column 1")),
        row("target patch array", pa.clone(), &dna_path, Some("[1]".into()), fe("body", "the request body must be a JSON object")),
        row("target patch null name", pa.clone(), &dna_path, Some(json!({"name": null}).to_string()), fe("name", "name cannot be null")),
        row("target patch bad name", pa.clone(), &dna_path, Some(json!({"name": "a b"}).to_string()), fe("name", NAME)),
        row("target patch null crn", pa.clone(), &dna_path, Some(json!({"log_sink_crn": null}).to_string()), fe("log_sink_crn", "log_sink_crn cannot be null")),
        row("target patch cos crn", pa.clone(), &dna_path, Some(json!({"log_sink_crn": cos}).to_string()), fe("log_sink_crn", CRN)),
        row("target patch null parameters", pa.clone(), &dna_path, Some(json!({"parameters": null}).to_string()), fe("parameters", "parameters cannot be null")),
        row("target patch parameters string", pa.clone(), &dna_path, Some(json!({"parameters": "x"}).to_string()), fe("parameters", "parameters must be an object")),
        row("target patch null host", pa.clone(), &dna_path, Some(json!({"parameters": {"host": null}}).to_string()), fe("parameters.host", "host cannot be null")),
        row("target patch bad host", pa.clone(), &dna_path, Some(json!({"parameters": {"host": "bad_host"}}).to_string()), fe("parameters.host", HOST)),
        row("target patch null port", pa.clone(), &dna_path, Some(json!({"parameters": {"port": null}}).to_string()), fe("parameters.port", "port cannot be null")),
        row("target patch port 70000", pa.clone(), &dna_path, Some(json!({"parameters": {"port": 70000}}).to_string()), fe("parameters.port", PORT)),
        row("target patch string port", pa.clone(), &dna_path, Some(json!({"parameters": {"port": "443"}}).to_string()), fe("parameters.port", PORT)),
        row("target patch to logdna with a null credential", pa.clone(), &cl_path, Some(json!({"log_sink_crn": LOGDNA_CRN, "parameters": {"access_credential": null}}).to_string()), fe("parameters.access_credential", CRED_REQUIRED)),
        row("target patch empty credential", pa.clone(), &dna_path, Some(json!({"parameters": {"access_credential": ""}}).to_string()), fe("parameters.access_credential", "access_credential must not be empty")),
        row("target patch parameters unknown", pa.clone(), &dna_path, Some(json!({"parameters": {"foo": 1}}).to_string()), fe("parameters.foo", "unknown field 'foo'")),
        row("target patch type", pa.clone(), &dna_path, Some(json!({"type": "logs"}).to_string()), fe("type", "field 'type' is read-only: it follows the service name in log_sink_crn")),
        row("target patch id", pa.clone(), &dna_path, Some(json!({"id": "x"}).to_string()), fe("id", "field 'id' is read-only")),
        row("target patch unknown", pa.clone(), &dna_path, Some(json!({"foo": 1}).to_string()), fe("foo", "unknown field 'foo'")),
        row("target patch logs credential", pa.clone(), &cl_path, Some(json!({"parameters": {"access_credential": CREDENTIAL}}).to_string()), fe("parameters.access_credential", CRED_NOT_ALLOWED)),
        row("target patch logs to logdna without credential", pa.clone(), &cl_path, Some(json!({"log_sink_crn": LOGDNA_CRN}).to_string()), fe("parameters.access_credential", CRED_REQUIRED)),
        row("target patch type change with two targets", pa.clone(), &cl_path, Some(json!({"log_sink_crn": LOGDNA_CRN, "parameters": {"access_credential": CREDENTIAL}}).to_string()),
            ibm_error(400, "update_failed", "Target type cannot be changed. Only one target of each type is allowed", None)),
        row("target patch name taken", pa.clone(), &cl_path, Some(json!({"name": "dna"}).to_string()), conflict("A target with this name already exists in the tenant.")),
        row("target patch no If-Match", pa.clone(), &dna_path, Some(json!({"name": "ok"}).to_string()), precondition_failed()).header("If-Match", None),
        row("target patch stale If-Match", pa.clone(), &dna_path, Some(json!({"name": "ok"}).to_string()), precondition_failed()).header("If-Match", Some(&stale)),
        row("target patch tenant etag", pa.clone(), &dna_path, Some(json!({"name": "ok"}).to_string()), precondition_failed()).header("If-Match", Some(&s(&t["etag"]))),
        row("target patch text/plain", pa.clone(), &dna_path, Some(json!({"name": "ok"}).to_string()), unsupported_media_type()).header("Content-Type", Some("text/plain")),

        // ---- DELETE /tenants/{id}/targets/{id}
        row("target delete stale If-Match", Method::DELETE, &cl_path, None, precondition_failed()).header("If-Match", Some(&stale)),
    ];
    // the path id rows name their action by route like every other
    for r in &mut rows {
        r.action = action_of(&r.method, &r.path);
    }

    let before = app.snapshot().await;
    let mut problems: Vec<String> = vec![];
    for r in rows {
        let n = app.outbox().await.len();
        let headers: Vec<(&str, &str)> = r.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = app
            .request(
                r.method.clone(),
                &r.path,
                Some(&app.admin),
                &headers,
                r.body.clone(),
            )
            .await;
        let label = format!("[{}] {} {}", r.what, r.method, r.path);
        let want_status = r.want["status_code"].as_u64().unwrap() as u16;
        if reply.status.as_u16() != want_status {
            problems.push(format!(
                "{label}: status {} (want {want_status}): {}",
                reply.status, reply.text
            ));
            continue;
        }
        let got = reply.error();
        if got != r.want {
            problems.push(format!("{label}: body\n   got  {got}\n   want {}", r.want));
        }
        if leaks(&reply.text) {
            problems.push(format!("{label}: the credential is in the answer"));
        }
        if app.snapshot().await != before {
            problems.push(format!("{label}: something changed"));
            break;
        }
        let events = app.outbox().await;
        if events.len() != n + 1 {
            problems.push(format!(
                "{label}: {} events recorded (want 1)",
                events.len() - n
            ));
            continue;
        }
        let e = &events[n].event;
        let message = r.want["errors"][0]["message"].clone();
        let checks = [
            ("action", e["action"].clone(), json!(r.action)),
            ("outcome", e["outcome"].clone(), json!("failure")),
            (
                "reasonCode",
                e["reason"]["reasonCode"].clone(),
                json!(want_status),
            ),
            (
                "reasonForFailure",
                e["reason"]["reasonForFailure"].clone(),
                message,
            ),
            (
                "correlationId",
                e["correlationId"].clone(),
                json!(reply.trace()),
            ),
            (
                "severity",
                e["severity"].clone(),
                json!(severity(want_status, r.action)),
            ),
        ];
        for (what, got, want) in checks {
            if got != want {
                problems.push(format!("{label}: event {what} = {got} (want {want})"));
            }
        }
        if leaks(&e.to_string()) {
            problems.push(format!("{label}: the credential is in the event"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_last_target_is_refused_audited_and_changes_nothing() {
    let app = spawn().await;
    let t = app.tenant("t1", false).await;
    let before = app.snapshot().await;
    let n = app.outbox().await.len();
    let r = app
        .delete(
            &target_path(&s(&t["id"]), &s(&t["targets"][0]["id"])),
            &app.admin,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.error(),
        conflict("The last target of a tenant cannot be deleted; delete the tenant instead.")
    );
    assert_eq!(app.snapshot().await, before);
    let events = app.events().await;
    assert_eq!(events.len(), n + 1);
    assert_eq!(events[n]["outcome"], json!("failure"));
    assert_eq!(events[n]["action"], json!(UPDATE));
    assert_eq!(events[n]["reason"]["reasonCode"], json!(409));
    assert_eq!(events[n]["severity"], json!("warning"));
}
