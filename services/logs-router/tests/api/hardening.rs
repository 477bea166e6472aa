//! What a client may send that no store call can take: headers present but unreadable, NUL (`\u0000`) in the
//! query, a path id or a body. Each is a 400 or 412 in the IBM format naming where, changes nothing, and records
//! exactly one audit event.

use crate::common::*;
use reqwest::Method;
use reqwest::header::HeaderValue;
use serde_json::{Value, json};

/// A request with one raw (possibly non-ASCII) header beside the usual ones.
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    header: (&str, &[u8]),
    extra: &[(&str, &str)],
    body: Option<String>,
) -> Reply {
    let mut req = app
        .http
        .request(method, format!("{}{path}", app.url))
        .bearer_auth(&app.admin)
        .header(header.0, HeaderValue::from_bytes(header.1).unwrap());
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.body(b);
    }
    let res = req.send().await.unwrap();
    Reply {
        status: res.status(),
        headers: res.headers().clone(),
        text: res.text().await.unwrap(),
    }
}

/// Runs `call`, and checks it added exactly one event, a failure with this status, and changed no row.
async fn refused_once<F: std::future::Future<Output = Reply>>(
    app: &TestApp,
    status: u16,
    call: F,
) -> Reply {
    let (before, n) = (app.snapshot().await, app.outbox().await.len());
    let r = call.await;
    assert_eq!(r.status.as_u16(), status, "{}", r.text);
    let rows = app.outbox().await;
    assert_eq!(rows.len(), n + 1, "exactly one event");
    let e = &rows[n].event;
    assert_eq!(e["outcome"], json!("failure"), "{e}");
    assert_eq!(e["reason"]["reasonCode"], json!(status), "{e}");
    assert_eq!(app.snapshot().await, before, "nothing changed");
    r
}

const NON_ASCII_TAG: &[u8] = "\"é-stale\"".as_bytes();

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_if_match_is_never_absent_412() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let dna = target_path(&id, &s(&t["targets"][0]["id"]));
    let cl = target_path(&id, &s(&t["targets"][1]["id"]));
    let if_match = ("If-Match", NON_ASCII_TAG);
    for (method, path, extra, body) in [
        (Method::DELETE, tenant_path(&id), vec![], None),
        (Method::DELETE, cl.clone(), vec![], None),
        (
            Method::PATCH,
            dna.clone(),
            vec![("Content-Type", "application/merge-patch+json")],
            Some(json!({"name": "x"}).to_string()),
        ),
        (
            Method::PATCH,
            tenant_path(&id),
            vec![("Content-Type", "application/merge-patch+json")],
            Some(json!({"name": "x"}).to_string()),
        ),
    ] {
        let r = refused_once(
            &app,
            412,
            raw(&app, method.clone(), &path, if_match, &extra, body),
        )
        .await;
        assert_eq!(r.error(), precondition_failed(), "{method} {path}");
    }
    // a second, readable line does not make the unreadable one absent
    let r = refused_once(&app, 412, async {
        let res = app
            .http
            .delete(format!("{}{cl}", app.url))
            .bearer_auth(&app.admin)
            .header("If-Match", "*")
            .header("If-Match", HeaderValue::from_bytes(NON_ASCII_TAG).unwrap())
            .send()
            .await
            .unwrap();
        Reply {
            status: res.status(),
            headers: res.headers().clone(),
            text: res.text().await.unwrap(),
        }
    })
    .await;
    assert_eq!(r.error(), precondition_failed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_if_none_match_api_version_and_trace_id_are_400() {
    let app = spawn().await;
    let t = app.tenant("t1", false).await;
    let id = s(&t["id"]);
    let r = refused_once(
        &app,
        400,
        raw(
            &app,
            Method::GET,
            &tenant_path(&id),
            ("If-None-Match", NON_ASCII_TAG),
            &[],
            None,
        ),
    )
    .await;
    assert_eq!(
        r.error(),
        ibm_error(
            400,
            "incorrect_or_missing_header",
            "Missing or incorrect header: 'If-None-Match'",
            Some(("header", "If-None-Match"))
        )
    );
    let r = refused_once(
        &app,
        400,
        raw(
            &app,
            Method::GET,
            &tenant_path(&id),
            ("IBM-API-Version", "2024-06-1é".as_bytes()),
            &[],
            None,
        ),
    )
    .await;
    assert_eq!(
        r.error()["errors"][0]["target"],
        json!({"type": "header", "name": "IBM-API-Version"})
    );
    let r = refused_once(
        &app,
        400,
        raw(
            &app,
            Method::DELETE,
            &tenant_path(&id),
            (
                "X-Trace-ID",
                "a58646e9-f4d5-4327-81b1-ae8d501f35é".as_bytes(),
            ),
            &[],
            None,
        ),
    )
    .await;
    assert_eq!(
        r.error()["errors"][0]["target"],
        json!({"type": "header", "name": "X-Trace-ID"})
    );
}

/// What the boundary guard (`platform::guard`) answers for a NUL in a body, at `field`.
fn nul_field(field: &str) -> Value {
    ibm_error(
        400,
        "incorrect_field",
        &format!("Field '{field}' contains a NUL character (\\u0000), which cannot be stored"),
        Some(("field", field)),
    )
}

/// The guard's answer for a NUL in the path: no column could store it, so it is refused before the ids are read.
const NUL_PATH: &str = "The path contains a NUL character, which cannot be stored";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_in_a_query_a_path_or_a_body_is_a_400_naming_where_and_audited() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let dna = target_path(&id, &s(&t["targets"][0]["id"]));
    let json_h = [("Content-Type", "application/json")];
    let patch_h = [
        ("Content-Type", "application/merge-patch+json"),
        ("If-Match", "*"),
    ];

    // the query
    let query_nul = ibm_error(
        400,
        "incorrect_parameter",
        "Query parameter 'name' contains a NUL character, which cannot be stored",
        Some(("parameter", "name")),
    );
    for path in [
        format!("{}?name=%00", tenants_path()),
        format!("{}?name=a%00b", targets_path(&id)),
    ] {
        let r = refused_once(
            &app,
            400,
            app.request(Method::GET, &path, Some(&app.admin), &[], None),
        )
        .await;
        assert_eq!(r.error(), query_nul, "{path}");
    }

    // a path id: refused by the guard, before the ids are read, and audited like every refusal
    for path in [tenant_path("%00"), target_path(&id, "a%00")] {
        let r = refused_once(
            &app,
            400,
            app.request(Method::DELETE, &path, Some(&app.admin), &[], None),
        )
        .await;
        assert_eq!(
            r.error(),
            ibm_error(400, "incorrect_parameter", NUL_PATH, None),
            "{path}"
        );
        let e = app.last_event().await.event;
        assert_eq!(e["reason"]["reasonForFailure"], json!(NUL_PATH), "{path}");
    }

    // bodies: keys and values, at the top and in parameters, on POST and PATCH
    let mut key = json!({"name": "t2", "targets": [logs_target("x")]});
    key["a\u{0}"] = json!(1);
    let mut value = logdna_target("y");
    value["parameters"]["access_credential"] = json!("se\u{0}cret");
    let mut param_key = json!({"parameters": {"port": 1}});
    param_key["parameters"]["p\u{0}"] = json!(true);
    let cases = [
        (Method::POST, tenants_path(), &json_h[..], key, "a\\u0000"),
        (
            Method::POST,
            tenants_path(),
            &json_h[..],
            json!({"name": "n\u{0}", "targets": []}),
            "name",
        ),
        (
            Method::POST,
            targets_path(&id),
            &json_h[..],
            value,
            "parameters.access_credential",
        ),
        (
            Method::PATCH,
            dna.clone(),
            &patch_h[..],
            param_key,
            "parameters.p\\u0000",
        ),
        (
            Method::PATCH,
            dna.clone(),
            &patch_h[..],
            json!({"name": "a\u{0}"}),
            "name",
        ),
        (
            Method::PATCH,
            tenant_path(&id),
            &patch_h[..],
            json!({"name": ["\u{0}"]}),
            "name[0]",
        ),
    ];
    for (method, path, headers, body, field) in cases {
        let call = app.request(
            method.clone(),
            &path,
            Some(&app.admin),
            headers,
            Some(body.to_string()),
        );
        let r = refused_once(&app, 400, call).await;
        assert_eq!(r.error(), nul_field(field), "{method} {path} {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_forwarded_for_is_believed_only_from_trusted_proxies_and_only_as_an_address() {
    let address = |app: &TestApp, xff: &'static str| {
        let app_url = app.url.clone();
        let http = app.http.clone();
        let token = app.admin.clone();
        async move {
            let r = http
                .get(format!("{app_url}{}", tenants_path()))
                .bearer_auth(token)
                .header("X-Forwarded-For", xff)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), reqwest::StatusCode::OK);
        }
    };
    // by default nobody is a trusted proxy: the peer address, whatever the header says
    let app = spawn().await;
    for xff in ["203.0.113.9", "not-an-ip <script>"] {
        address(&app, xff).await;
        let e = app.last_event().await.event;
        assert_eq!(
            e["initiator"]["host"]["address"],
            json!("127.0.0.1"),
            "{xff}"
        );
    }
    // the test client's loopback as the trusted proxy: its client's address, when it is one
    let app = spawn_with(|s| s.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()]).await;
    let long = Box::leak("9".repeat(20_000).into_boxed_str());
    for (xff, recorded) in [
        ("203.0.113.9", "203.0.113.9"),
        ("198.51.100.1, 203.0.113.9", "203.0.113.9"),
        ("not-an-ip <script>", "127.0.0.1"),
        (&*long, "127.0.0.1"),
    ] {
        address(&app, xff).await;
        let e = app.last_event().await.event;
        assert_eq!(
            e["initiator"]["host"]["address"],
            json!(recorded),
            "{}",
            &xff[..xff.len().min(40)]
        );
    }
}
