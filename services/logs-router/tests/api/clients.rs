//! The request sequences of the real clients: the Go SDK (platform-services-go-sdk logsrouterv3-style calls) and
//! the Terraform provider's `ibm_logs_router_tenant`.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// What the Go SDK sends on every call: the pinned API version, JSON accept, its user agent; a body's content
/// type per method; If-Match exactly as returned (quotes included).
struct Sdk<'a> {
    app: &'a TestApp,
    token: String,
}

impl Sdk<'_> {
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Reply {
        let mut h = vec![
            ("IBM-API-Version", SDK_VERSION),
            ("Accept", "application/json"),
            (
                "User-Agent",
                "platform-services-go-sdk/0.71.0 (lang=go; arch=amd64; os=linux; go.version=go1.22.4)",
            ),
        ];
        match method {
            Method::POST => h.push(("Content-Type", "application/json")),
            Method::PATCH => h.push(("Content-Type", "application/merge-patch+json")),
            _ => {}
        }
        if let Some(m) = if_match {
            h.push(("If-Match", m));
        }
        self.app
            .request(
                method,
                path,
                Some(&self.token),
                &h,
                body.map(ToString::to_string),
            )
            .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go_sdk_full_lifecycle() {
    let app = spawn().await;
    let sdk = Sdk {
        app: &app,
        token: tokens::token("sdk-user", Some(ACCOUNT), &ALL),
    };

    // CreateTenant with the API reference's example body
    let r = sdk
        .call(
            Method::POST,
            &tenants_path(),
            Some(&json!({"name": "my-logging-tenant",
            "targets": [logdna_target("my-logdna-log-sink"), logs_target("my-logs-log-sink")]})),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let t = r.json();
    let id = s(&t["id"]);
    expect_tenant(
        &t,
        ACCOUNT,
        "my-logging-tenant",
        &[
            (
                "my-logdna-log-sink",
                LOGDNA_CRN,
                "logdna",
                "www.example.com",
                8080,
            ),
            (
                "my-logs-log-sink",
                LOGS_CRN,
                "logs",
                "logs.example.com",
                443,
            ),
        ],
    );
    assert_eq!(r.etag(), s(&t["etag"]));

    // ListTenants, with and without name
    let r = sdk.call(Method::GET, &tenants_path(), None, None).await;
    assert_eq!(r.json(), json!({"tenants": [t.clone()]}));
    let r = sdk
        .call(
            Method::GET,
            &format!("{}?name=my-logging-tenant", tenants_path()),
            None,
            None,
        )
        .await;
    assert_eq!(r.json(), json!({"tenants": [t.clone()]}));

    // GetTenant, then UpdateTenant with If-Match as read (the SDK copies the ETag response header)
    let r = sdk.call(Method::GET, &tenant_path(&id), None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let etag = r.etag();
    let r = sdk
        .call(
            Method::PATCH,
            &tenant_path(&id),
            Some(&json!({"name": "a-new-name"})),
            Some(&etag),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["name"], json!("a-new-name"));

    // ListTargets, GetTarget, UpdateTarget (every field, as in the API reference's example), DeleteTarget, CreateTarget
    let r = sdk.call(Method::GET, &targets_path(&id), None, None).await;
    assert_eq!(r.json()["targets"].as_array().unwrap().len(), 2);
    let dna = s(&r.json()["targets"][0]["id"]);
    let cl = s(&r.json()["targets"][1]["id"]);
    let r = sdk
        .call(Method::GET, &target_path(&id, &dna), None, None)
        .await;
    let etag = r.etag();
    let r = sdk
        .call(Method::PATCH, &target_path(&id, &dna), Some(&json!({
            "log_sink_crn": LOGDNA_CRN, "name": "my-log-sink",
            "parameters": {"host": "www.example.com", "port": 8080, "access_credential": "an-ingestion-secret"}})), Some(&etag))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    expect_target(
        &r.json(),
        "my-log-sink",
        LOGDNA_CRN,
        "logdna",
        "www.example.com",
        8080,
    );
    assert!(!r.text.contains("an-ingestion-secret"));
    let r = sdk
        .call(Method::DELETE, &target_path(&id, &cl), None, None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = sdk
        .call(
            Method::POST,
            &targets_path(&id),
            Some(&logs_target("my-logs-log-sink")),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // DeleteTenant, then GetTenant: the SDK's error parsing needs a non-empty errors array
    let r = sdk
        .call(Method::DELETE, &tenant_path(&id), None, None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = sdk.call(Method::GET, &tenant_path(&id), None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error(), not_found_tenant(&id));
    let r = sdk.call(Method::GET, &tenants_path(), None, None).await;
    assert_eq!(r.json(), json!({"tenants": []}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_updates_a_tenant_with_two_targets_using_etags_read_before_the_first_write() {
    let app = spawn().await;
    let tf = tokens::token("terraform", Some(ACCOUNT), &ALL);
    let created = app
        .post(
            &tenants_path(),
            &tf,
            &json!({"name": "tf-tenant", "targets": [logdna_target("dna"), logs_target("cl")]}),
        )
        .await
        .json();
    let id = s(&created["id"]);

    // refresh: read the tenant; every etag comes from this one read
    let state = app
        .get_h(&tenant_path(&id), &tf, &[("IBM-API-Version", SDK_VERSION)])
        .await
        .json();
    let tenant_etag = s(&state["etag"]);
    let t0 = state["targets"][0].clone();
    let t1 = state["targets"][1].clone();
    let h = |tag: &str| -> Vec<(&'static str, String)> {
        vec![
            ("IBM-API-Version", SDK_VERSION.into()),
            ("Content-Type", "application/merge-patch+json".into()),
            ("If-Match", tag.into()),
        ]
    };
    let send = |path: String, tag: String, body: Value| {
        let app = &app;
        let tf = tf.clone();
        async move {
            let hh = h(&tag);
            let headers: Vec<(&str, &str)> = hh.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.request(
                Method::PATCH,
                &path,
                Some(&tf),
                &headers,
                Some(body.to_string()),
            )
            .await
        }
    };
    // apply: the tenant, then target 1, then target 0
    let r = send(
        tenant_path(&id),
        tenant_etag,
        json!({"name": "tf-tenant-2"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "tenant: {}", r.text);
    let r = send(target_path(&id, &s(&t1["id"])), s(&t1["etag"]),
        json!({"name": "cl-2", "log_sink_crn": LOGS_CRN, "parameters": {"host": "logs2.example.com", "port": 443}})).await;
    assert_eq!(r.status, StatusCode::OK, "target 1: {}", r.text);
    let r = send(target_path(&id, &s(&t0["id"])), s(&t0["etag"]),
        json!({"name": "dna-2", "log_sink_crn": LOGDNA_CRN, "parameters": {"host": "www.example.com", "port": 8443, "access_credential": "k2"}})).await;
    assert_eq!(r.status, StatusCode::OK, "target 0: {}", r.text);

    // the read after apply shows the plan
    let after = app.get(&tenant_path(&id), &tf).await.json();
    expect_tenant(
        &after,
        ACCOUNT,
        "tf-tenant-2",
        &[
            ("dna-2", LOGDNA_CRN, "logdna", "www.example.com", 8443),
            ("cl-2", LOGS_CRN, "logs", "logs2.example.com", 443),
        ],
    );
    assert_eq!(after["targets"][0]["id"], t0["id"]);
    assert_eq!(after["targets"][1]["id"], t1["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_reading_a_deleted_tenant_gets_a_404() {
    let app = spawn().await;
    let tf = tokens::token("terraform", Some(ACCOUNT), &ALL);
    let created = app
        .post(
            &tenants_path(),
            &tf,
            &json!({"name": "tf-tenant", "targets": [logs_target("cl")]}),
        )
        .await
        .json();
    let id = s(&created["id"]);
    // deleted out of band (the console, another workspace)
    let r = app.delete(&tenant_path(&id), &app.admin, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    // refresh: 404 (the provider then drops it from state); the id as Terraform stored it, and lower case
    for path_id in [id.clone(), id.to_lowercase()] {
        let r = app
            .get_h(
                &tenant_path(&path_id),
                &tf,
                &[("IBM-API-Version", SDK_VERSION)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.error(), not_found_tenant(&id));
    }
    // a destroy of the same tenant is a 404 too
    let r = app.delete(&tenant_path(&id), &tf, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error(), not_found_tenant(&id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_reads_every_listed_field_without_null_checks() {
    let app = spawn_with(|s| s.tenants_per_account = 2).await;
    app.tenant("a", true).await;
    app.create_tenant(&json!({"name": "b", "targets": [logs_target("cl")]}))
        .await;
    let list = app.get(&tenants_path(), &app.admin).await.json();
    let tenants = list["tenants"].as_array().unwrap();
    assert_eq!(tenants.len(), 2);
    for t in tenants {
        for k in ["id", "created_at", "updated_at", "crn", "name", "etag"] {
            assert!(t[k].is_string() && !s(&t[k]).is_empty(), "{k} of {t}");
        }
        for g in t["targets"].as_array().unwrap() {
            for k in [
                "id",
                "log_sink_crn",
                "name",
                "etag",
                "type",
                "created_at",
                "updated_at",
            ] {
                assert!(g[k].is_string() && !s(&g[k]).is_empty(), "{k} of {g}");
            }
            assert!(g["parameters"]["host"].is_string());
            assert!(g["parameters"]["port"].is_i64());
            assert!(g["parameters"].get("access_credential").is_none());
        }
    }
    expect_tenant(&tenants[0], ACCOUNT, "a", &[DNA, CL]);
    expect_tenant(&tenants[1], ACCOUNT, "b", &[CL]);
}

/// Terraform's `ibm_logs_router_tenant` read dereferences `write_status` without a nil check: every tenant body
/// carries it, `success` and nothing else, on create, get, list and patch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tenant_body_carries_write_status_success() {
    let app = spawn().await;
    let success = json!({"status": "success"});
    let t = app.tenant("t1", true).await;
    assert_eq!(t["write_status"], success, "create");
    let id = s(&t["id"]);
    let got = app.get(&tenant_path(&id), &app.admin).await;
    assert_eq!(got.json()["write_status"], success, "get");
    assert_eq!(got.etag(), s(&t["etag"]), "write_status is not in the etag");
    let list = app.get(&tenants_path(), &app.admin).await.json();
    assert_eq!(list["tenants"][0]["write_status"], success, "list");
    let r = app
        .patch(
            &tenant_path(&id),
            &app.admin,
            Some(&got.etag()),
            &json!({"name": "t2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["write_status"], success, "patch");
    // and the document says so
    let doc = app
        .request(Method::GET, "/openapi.json", None, &[], None)
        .await
        .json();
    let schema = &doc["components"]["schemas"];
    assert_eq!(
        schema["Tenant"]["properties"]["write_status"]["$ref"],
        json!("#/components/schemas/WriteStatus")
    );
    assert_eq!(schema["WriteStatus"]["required"], json!(["status"]));
}

/// Terraform builds every target from the logdna-style parameters: a logs target's create carries
/// `"access_credential": null`, and a PATCH of a logdna target carries it too. `null` means "unchanged": the
/// stored sealed value stays, and a PATCH that changes nothing else keeps the etags.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_null_credentials_are_accepted_and_change_nothing() {
    let app = spawn().await;
    let mut cl = logs_target("cl");
    cl["parameters"]["access_credential"] = Value::Null;
    let t = app
        .create_tenant(&json!({"name": "tf", "targets": [logdna_target("dna"), cl]}))
        .await;
    expect_tenant(&t, ACCOUNT, "tf", &[DNA, CL]);
    let id = s(&t["id"]);
    let cl_id = s(&t["targets"][1]["id"]);
    assert_eq!(app.target_row(&cl_id).await.credential_sealed, None);
    // a target create with a null credential (logs) is accepted as well
    let dna = &t["targets"][0];
    let dna_id = s(&dna["id"]);
    let r = app
        .delete(&target_path(&id, &cl_id), &app.admin, None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let mut cl2 = logs_target("cl2");
    cl2["parameters"]["access_credential"] = Value::Null;
    let r = app.post(&targets_path(&id), &app.admin, &cl2).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    expect_target(&r.json(), "cl2", LOGS_CRN, "logs", "logs.example.com", 443);

    // the logdna target, patched as Terraform sends it: every field as read, the credential null
    let before = app.target_row(&dna_id).await;
    let tenant_before = app.get(&tenant_path(&id), &app.admin).await;
    let patch = json!({"name": "dna", "log_sink_crn": LOGDNA_CRN,
        "parameters": {"host": "www.example.com", "port": 8080, "access_credential": null}});
    let r = app
        .patch(
            &target_path(&id, &dna_id),
            &app.admin,
            Some(&s(&dna["etag"])),
            &patch,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json(), *dna, "nothing changed");
    assert_eq!(r.etag(), s(&dna["etag"]));
    let after = app.target_row(&dna_id).await;
    assert!(before.credential_sealed.is_some());
    assert_eq!(
        after.credential_sealed, before.credential_sealed,
        "sealed value kept"
    );
    assert_eq!(after.etag, before.etag);
    let tenant_after = app.get(&tenant_path(&id), &app.admin).await;
    assert_eq!(
        tenant_after.etag(),
        tenant_before.etag(),
        "tenant etag kept"
    );

    // with a real change beside it, the change is made and the credential still kept
    let mut patch = patch;
    patch["parameters"]["port"] = json!(9443);
    let r = app
        .patch(
            &target_path(&id, &dna_id),
            &app.admin,
            Some(&s(&dna["etag"])),
            &patch,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    expect_target(
        &r.json(),
        "dna",
        LOGDNA_CRN,
        "logdna",
        "www.example.com",
        9443,
    );
    assert_ne!(r.etag(), s(&dna["etag"]));
    let changed = app.target_row(&dna_id).await;
    assert_eq!(changed.credential_sealed, before.credential_sealed);
}

/// What IBM's Go SDK (at its last release and at HEAD) sends and reads, pinned call by call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ibm_go_sdk_requests_and_error_reading() {
    let app = spawn().await;
    let token = tokens::token("sdk-user", Some(ACCOUNT), &ALL);
    let ua = "my-go-sdk/0.1.0 (lang=go; arch=amd64; os=linux; go.version=go1.22.4)";
    let common = [("IBM-API-Version", "2024-06-15"), ("User-Agent", ua)];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut h: Vec<(&str, &str)> = common.to_vec();
        h.extend_from_slice(extra);
        h
    };
    let json_body = [
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
    ];
    let body = json!({"name": "sdk", "targets": [logdna_target("dna"), logs_target("cl")]});
    let r = app
        .request(
            Method::POST,
            &tenants_path(),
            Some(&token),
            &with(&json_body),
            Some(body.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let t = r.json();
    let (id, dna) = (s(&t["id"]), s(&t["targets"][0]["id"]));
    let dna_path = target_path(&id, &dna);

    // GET the target; PATCH it as merge patch with If-Match exactly as the ETag header came back (quoted)
    let r = app
        .request(
            Method::GET,
            &dna_path,
            Some(&token),
            &with(&[("Accept", "application/json")]),
            None,
        )
        .await;
    let etag = r.etag();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    let patch_headers = [
        ("Accept", "application/json"),
        ("Content-Type", "application/merge-patch+json"),
    ];
    let mut h = with(&patch_headers);
    h.push(("If-Match", &etag));
    let r = app
        .request(
            Method::PATCH,
            &dna_path,
            Some(&token),
            &h,
            Some(json!({"name": "dna2"}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["name"], json!("dna2"));
    // the same etag again: stale, 412, with an error the SDK can read
    let r = app
        .request(
            Method::PATCH,
            &dna_path,
            Some(&token),
            &h,
            Some(json!({"name": "dna3"}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(r.error(), precondition_failed());

    // DELETE with neither Accept nor If-Match (nor a body): the target, then the tenant
    let cl_path = target_path(&id, &s(&t["targets"][1]["id"]));
    let r = app
        .request(Method::DELETE, &cl_path, Some(&token), &with(&[]), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert!(r.text.is_empty());
    let r = app
        .request(
            Method::DELETE,
            &tenant_path(&id),
            Some(&token),
            &with(&[]),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);

    // every error the SDK may meet has errors[0].code and errors[0].message, non-empty
    let tenant_body = Some(body.to_string());
    let cases: Vec<(Reply, u16)> = vec![
        (
            app.request(
                Method::GET,
                &tenant_path(&id),
                Some(&token),
                &with(&[]),
                None,
            )
            .await,
            404,
        ),
        (
            app.request(
                Method::GET,
                &tenant_path("not-a-uuid"),
                Some(&token),
                &with(&[]),
                None,
            )
            .await,
            400,
        ),
        (
            app.request(Method::GET, &tenants_path(), None, &with(&[]), None)
                .await,
            401,
        ),
        (
            app.request(
                Method::GET,
                &tenants_path(),
                Some(&tokens::token("u", Some(ACCOUNT), &[])),
                &with(&[]),
                None,
            )
            .await,
            403,
        ),
        (
            app.request(
                Method::POST,
                &tenants_path(),
                Some(&token),
                &with(&[]),
                tenant_body.clone(),
            )
            .await,
            415,
        ),
        (
            app.request(
                Method::POST,
                &tenants_path(),
                Some(&token),
                &with(&json_body),
                Some("{".into()),
            )
            .await,
            400,
        ),
        (
            app.request(Method::GET, "/v1/nowhere", Some(&token), &with(&[]), None)
                .await,
            404,
        ),
        (
            app.request(Method::PUT, &tenants_path(), Some(&token), &with(&[]), None)
                .await,
            405,
        ),
    ];
    for (r, status) in cases {
        assert_eq!(r.status.as_u16(), status, "{}", r.text);
        let e = r.json();
        assert_eq!(e["status_code"], json!(status), "{e}");
        let first = &e["errors"][0];
        assert!(
            first["code"].is_string() && !s(&first["code"]).is_empty(),
            "{e}"
        );
        assert!(
            first["message"].is_string() && !s(&first["message"]).is_empty(),
            "{e}"
        );
    }
}
