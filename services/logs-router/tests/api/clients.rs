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

    // CreateTenant with the seed's example body
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

    // ListTargets, GetTarget, UpdateTarget (every field, as in the seed's example), DeleteTarget, CreateTarget
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
