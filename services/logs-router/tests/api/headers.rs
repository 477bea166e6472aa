//! Headers (docs/api-logs-router.md#headers): IBM-API-Version, Content-Type, ETag / If-Match / If-None-Match, X-Trace-ID.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn version_error(reason: &str) -> serde_json::Value {
    ibm_error(
        400,
        "incorrect_or_missing_header",
        &format!("Missing or incorrect header: 'IBM-API-Version'. {reason}"),
        Some(("header", "IBM-API-Version")),
    )
}

const SHAPE: &str = "IBM-API-Version must be a date in the format YYYY-MM-DD";
const NOT_REAL: &str = "IBM-API-Version must be a real calendar date (YYYY-MM-DD)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ibm_api_version_must_be_a_real_date_not_after_today() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let today = time::OffsetDateTime::now_utc().date();
    let tomorrow = today.next_day().unwrap();
    let future = format!(
        "Missing or incorrect header: 'IBM-API-Version'. IBM-API-Version must not be after today ({today}, UTC)"
    );
    // accepted
    for v in [SDK_VERSION, "2000-01-01", &today.to_string(), "2024-02-29"] {
        let r = app
            .get_h(&tenant_path(&id), &app.admin, &[("IBM-API-Version", v)])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{v}: {}", r.text);
    }
    // refused, on every route, before anything changes
    let before = app.snapshot().await;
    let gid = s(&t["targets"][0]["id"]);
    let routes = [
        (Method::GET, tenants_path(), None),
        (
            Method::POST,
            tenants_path(),
            Some(json!({"name": "t2", "targets": [logs_target("x")]})),
        ),
        (Method::GET, tenant_path(&id), None),
        (
            Method::PATCH,
            tenant_path(&id),
            Some(json!({"name": "renamed"})),
        ),
        (Method::DELETE, tenant_path(&id), None),
        (Method::GET, targets_path(&id), None),
        (Method::POST, targets_path(&id), Some(logs_target("x"))),
        (Method::GET, target_path(&id, &gid), None),
        (
            Method::PATCH,
            target_path(&id, &gid),
            Some(json!({"name": "renamed"})),
        ),
        (
            Method::DELETE,
            target_path(&id, &s(&t["targets"][1]["id"])),
            None,
        ),
    ];
    let tomorrow_s = tomorrow.to_string();
    let cases = [
        ("2024-6-15", version_error(SHAPE)),
        ("15-06-2024", version_error(SHAPE)),
        ("2024/06/15", version_error(SHAPE)),
        ("", version_error(SHAPE)),
        ("latest", version_error(SHAPE)),
        ("2024-02-30", version_error(NOT_REAL)),
        ("2023-02-29", version_error(NOT_REAL)),
        ("2024-13-01", version_error(NOT_REAL)),
        ("2024-00-10", version_error(NOT_REAL)),
        (
            tomorrow_s.as_str(),
            ibm_error(
                400,
                "incorrect_or_missing_header",
                &future,
                Some(("header", "IBM-API-Version")),
            ),
        ),
        (
            "9999-12-31",
            ibm_error(
                400,
                "incorrect_or_missing_header",
                &future,
                Some(("header", "IBM-API-Version")),
            ),
        ),
    ];
    for (v, want) in &cases {
        for (method, path, body) in &routes {
            let ct = if *method == Method::POST {
                "application/json"
            } else {
                "application/merge-patch+json"
            };
            let r = app
                .request(
                    method.clone(),
                    path,
                    Some(&app.admin),
                    &[
                        ("IBM-API-Version", v),
                        ("Content-Type", ct),
                        ("If-Match", "*"),
                    ],
                    body.as_ref().map(ToString::to_string),
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "{v:?} {method} {path}: {}",
                r.text
            );
            assert_eq!(&r.error(), want, "{v:?} {method} {path}");
        }
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_type_415_unless_json_or_merge_patch() {
    let app = spawn().await;
    let t = app.tenant("t1", false).await;
    let id = s(&t["id"]);
    let gid = s(&t["targets"][0]["id"]);
    let before = app.snapshot().await;
    let tenant_body = json!({"name": "t2", "targets": [logs_target("x")]}).to_string();
    let target_body = logs_target("x").to_string();
    let patch_body = json!({"name": "renamed"}).to_string();
    let bad_post = [
        None,
        Some("text/plain"),
        Some("application/merge-patch+json"),
        Some("application/xml"),
        Some("application/x-www-form-urlencoded"),
        Some("json"),
    ];
    let bad_patch = [
        None,
        Some("text/plain"),
        Some("application/xml"),
        Some("application/json-patch+json"),
    ];
    let posts = [
        (tenants_path(), &tenant_body),
        (targets_path(&id), &target_body),
    ];
    let patches = [
        (tenant_path(&id), &patch_body),
        (target_path(&id, &gid), &patch_body),
    ];
    for ct in bad_post {
        for (path, body) in &posts {
            let h: Vec<(&str, &str)> = ct.map(|c| ("Content-Type", c)).into_iter().collect();
            let r = app
                .request(
                    Method::POST,
                    path,
                    Some(&app.admin),
                    &h,
                    Some((*body).clone()),
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "POST {path} {ct:?}: {}",
                r.text
            );
            assert_eq!(r.error(), unsupported_media_type(), "POST {path} {ct:?}");
        }
    }
    for ct in bad_patch {
        for (path, body) in &patches {
            let mut h: Vec<(&str, &str)> = ct.map(|c| ("Content-Type", c)).into_iter().collect();
            h.push(("If-Match", "*"));
            let r = app
                .request(
                    Method::PATCH,
                    path,
                    Some(&app.admin),
                    &h,
                    Some((*body).clone()),
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "PATCH {path} {ct:?}: {}",
                r.text
            );
            assert_eq!(r.error(), unsupported_media_type(), "PATCH {path} {ct:?}");
        }
    }
    assert_eq!(app.snapshot().await, before);
    // accepted forms
    let r = app
        .request(
            Method::POST,
            &targets_path(&id),
            Some(&app.admin),
            &[("Content-Type", "application/json; charset=utf-8")],
            Some(target_body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    for (i, ct) in [
        "application/merge-patch+json",
        "application/json",
        "application/merge-patch+json; charset=utf-8",
        "Application/JSON",
    ]
    .into_iter()
    .enumerate()
    {
        let r = app
            .request(
                Method::PATCH,
                &tenant_path(&id),
                Some(&app.admin),
                &[("Content-Type", ct), ("If-Match", "*")],
                Some(json!({"name": format!("n{i}")}).to_string()),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{ct}: {}", r.text);
        let r = app
            .request(
                Method::PATCH,
                &target_path(&id, &gid),
                Some(&app.admin),
                &[("Content-Type", ct), ("If-Match", "*")],
                Some(json!({"name": format!("n{i}")}).to_string()),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{ct}: {}", r.text);
    }
    // GET and DELETE need no Content-Type
    let r = app.get(&tenant_path(&id), &app.admin).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etags_are_strong_stable_and_per_resource() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let (dna, cl) = (t["targets"][0].clone(), t["targets"][1].clone());
    for tag in [&t["etag"], &dna["etag"], &cl["etag"]] {
        assert_etag(&s(tag));
    }
    assert_ne!(dna["etag"], cl["etag"]);
    // stable across reads
    for _ in 0..2 {
        let r = app.get(&tenant_path(&id), &app.admin).await;
        assert_eq!(r.etag(), s(&t["etag"]));
        assert_eq!(r.json()["etag"], t["etag"]);
        let r = app.get(&target_path(&id, &s(&dna["id"])), &app.admin).await;
        assert_eq!(r.etag(), s(&dna["etag"]));
    }
    // a tenant rename leaves target etags alone
    let r = app
        .patch(
            &tenant_path(&id),
            &app.admin,
            Some(&s(&t["etag"])),
            &json!({"name": "t2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let renamed = r.json();
    assert_ne!(renamed["etag"], t["etag"]);
    assert_eq!(renamed["targets"][0]["etag"], dna["etag"]);
    assert_eq!(renamed["targets"][1]["etag"], cl["etag"]);
    // a change to one target leaves the other's alone and changes the tenant's
    let r = app
        .patch(
            &target_path(&id, &s(&cl["id"])),
            &app.admin,
            Some(&s(&cl["etag"])),
            &json!({"parameters": {"port": 6514}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let cl2 = r.json();
    assert_ne!(cl2["etag"], cl["etag"]);
    let after = app.get(&tenant_path(&id), &app.admin).await.json();
    assert_eq!(after["targets"][0]["etag"], dna["etag"]);
    assert_eq!(after["targets"][1]["etag"], cl2["etag"]);
    assert_ne!(after["etag"], renamed["etag"]);
    // adding and deleting a target changes the tenant's etag, not the other target's
    let r = app
        .delete(&target_path(&id, &s(&cl["id"])), &app.admin, None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let after_delete = app.get(&tenant_path(&id), &app.admin).await.json();
    assert_ne!(after_delete["etag"], after["etag"]);
    assert_eq!(after_delete["targets"][0]["etag"], dna["etag"]);
    let r = app
        .post(&targets_path(&id), &app.admin, &logs_target("cl"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let after_add = app.get(&tenant_path(&id), &app.admin).await.json();
    assert_ne!(after_add["etag"], after_delete["etag"]);
    assert_eq!(after_add["targets"][0]["etag"], dna["etag"]);
    assert_eq!(after_add["targets"][1]["etag"], r.json()["etag"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patch_needs_a_matching_if_match() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let dna = t["targets"][0].clone();
    let tenant_etag = s(&t["etag"]);
    let target_etag = s(&dna["etag"]);
    let unquoted = tenant_etag.trim_matches('"').to_owned();
    let weak = format!("W/{tenant_etag}");
    let stale = format!("\"{}\"", "0".repeat(64));
    let before = app.snapshot().await;
    for if_match in [
        None,
        Some(stale.as_str()),
        Some(unquoted.as_str()),
        Some(weak.as_str()),
        Some(target_etag.as_str()),
        Some(""),
        Some("\"\""),
    ] {
        let r = app
            .patch(
                &tenant_path(&id),
                &app.admin,
                if_match,
                &json!({"name": "renamed"}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::PRECONDITION_FAILED,
            "tenant If-Match {if_match:?}: {}",
            r.text
        );
        assert_eq!(r.error(), precondition_failed());
    }
    let dna_path = target_path(&id, &s(&dna["id"]));
    let dna_unquoted = target_etag.trim_matches('"').to_owned();
    let dna_weak = format!("W/{target_etag}");
    for if_match in [
        None,
        Some(stale.as_str()),
        Some(dna_unquoted.as_str()),
        Some(dna_weak.as_str()),
        Some(tenant_etag.as_str()),
        Some(s(&t["targets"][1]["etag"]).as_str()),
    ] {
        let r = app
            .patch(&dna_path, &app.admin, if_match, &json!({"name": "renamed"}))
            .await;
        assert_eq!(
            r.status,
            StatusCode::PRECONDITION_FAILED,
            "target If-Match {if_match:?}: {}",
            r.text
        );
        assert_eq!(r.error(), precondition_failed());
    }
    assert_eq!(app.snapshot().await, before, "a 412 changes nothing");
    // a list that holds the current tag matches; so does *
    let list = format!("{stale}, {tenant_etag}");
    let r = app
        .patch(
            &tenant_path(&id),
            &app.admin,
            Some(&list),
            &json!({"name": "n1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .patch(
            &tenant_path(&id),
            &app.admin,
            Some("*"),
            &json!({"name": "n2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // the etag returned by a PATCH is the one the next PATCH needs; the previous one is now stale
    let etag = r.etag();
    let r2 = app
        .patch(
            &tenant_path(&id),
            &app.admin,
            Some(&tenant_etag),
            &json!({"name": "n3"}),
        )
        .await;
    assert_eq!(r2.status, StatusCode::PRECONDITION_FAILED);
    let r3 = app
        .patch(
            &tenant_path(&id),
            &app.admin,
            Some(&etag),
            &json!({"name": "n3"}),
        )
        .await;
    assert_eq!(r3.status, StatusCode::OK);
    let r = app
        .patch(&dna_path, &app.admin, Some("*"), &json!({"name": "n1"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r2 = app
        .patch(
            &dna_path,
            &app.admin,
            Some(&target_etag),
            &json!({"name": "n2"}),
        )
        .await;
    assert_eq!(r2.status, StatusCode::PRECONDITION_FAILED);
    let r3 = app
        .patch(
            &dna_path,
            &app.admin,
            Some(&r.etag()),
            &json!({"name": "n2"}),
        )
        .await;
    assert_eq!(r3.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_honours_if_match_when_sent() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let stale = format!("\"{}\"", "0".repeat(64));
    let before = app.snapshot().await;
    for bad in [stale.as_str(), s(&t["targets"][0]["etag"]).as_str()] {
        let r = app.delete(&tenant_path(&id), &app.admin, Some(bad)).await;
        assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{}", r.text);
        assert_eq!(r.error(), precondition_failed());
        let r = app
            .delete(
                &target_path(&id, &s(&t["targets"][1]["id"])),
                &app.admin,
                Some(&stale),
            )
            .await;
        assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{}", r.text);
        assert_eq!(r.error(), precondition_failed());
    }
    assert_eq!(app.snapshot().await, before);
    let r = app
        .delete(
            &target_path(&id, &s(&t["targets"][1]["id"])),
            &app.admin,
            Some(&s(&t["targets"][1]["etag"])),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    // the tenant's etag changed with its targets: the old one is stale now
    let r = app
        .delete(&tenant_path(&id), &app.admin, Some(&s(&t["etag"])))
        .await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED);
    let current = app.get(&tenant_path(&id), &app.admin).await.etag();
    let r = app
        .delete(&tenant_path(&id), &app.admin, Some(&current))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    // * matches any existing resource
    let t = app.tenant("t2", true).await;
    let r = app
        .delete(
            &target_path(&s(&t["id"]), &s(&t["targets"][0]["id"])),
            &app.admin,
            Some("*"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .delete(&tenant_path(&s(&t["id"])), &app.admin, Some("*"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .delete(&tenant_path(&s(&t["id"])), &app.admin, Some("*"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "* on a missing tenant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_tenant_honours_if_none_match_with_304() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let etag = s(&t["etag"]);
    let weak = format!("W/{etag}");
    let list = format!("\"abc\", {etag}");
    for v in [etag.as_str(), "*", weak.as_str(), list.as_str()] {
        let r = app
            .get_h(&tenant_path(&id), &app.admin, &[("If-None-Match", v)])
            .await;
        assert_eq!(r.status, StatusCode::NOT_MODIFIED, "{v}: {}", r.text);
        assert_eq!(r.text, "");
        assert_eq!(r.etag(), etag);
        r.trace();
    }
    let r = app
        .get_h(
            &tenant_path(&id),
            &app.admin,
            &[("If-None-Match", "\"0000\"")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), t);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_target_honours_if_none_match_with_304() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let g = &t["targets"][1];
    let path = target_path(&s(&t["id"]), &s(&g["id"]));
    let r = app
        .get_h(&path, &app.admin, &[("If-None-Match", &s(&g["etag"]))])
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_MODIFIED,
        "spec: GET honours If-None-Match with 304; got {}",
        r.text
    );
    assert_eq!(r.text, "");
    assert_eq!(r.etag(), s(&g["etag"]));
    let r = app
        .get_h(&path, &app.admin, &[("If-None-Match", "\"0000\"")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(&r.json(), g);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_trace_id_is_generated_when_absent_and_on_every_response() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let replies = vec![
        app.get(&tenants_path(), &app.admin).await,
        app.post(&tenants_path(), &app.admin, &json!({})).await,
        app.get_h(&tenant_path(&id), &app.admin, &[("If-None-Match", "*")])
            .await,
        app.request(Method::GET, &tenants_path(), None, &[], None)
            .await,
        app.request(Method::GET, "/nope", None, &[], None).await,
        app.request(Method::PUT, &tenants_path(), None, &[], None)
            .await,
        app.request(Method::GET, "/healthz", None, &[], None).await,
        app.delete(
            &target_path(&id, &s(&t["targets"][1]["id"])),
            &app.admin,
            None,
        )
        .await,
    ];
    let mut seen = std::collections::HashSet::new();
    for r in &replies {
        let trace = r.trace();
        assert!(uuid::Uuid::parse_str(&trace).is_ok(), "{trace}");
        assert!(seen.insert(trace), "a new id per request");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_trace_id_goes_to_the_response_the_error_the_rows_and_the_event() {
    let app = spawn().await;
    let trace = "a58646e9-f4d5-4327-81b1-ae8d501f35e2";
    let h = [("X-Trace-ID", trace), ("Content-Type", "application/json")];
    let body = json!({"name": "t1", "targets": [logdna_target("dna"), logs_target("cl")]});
    let r = app
        .request(
            Method::POST,
            &tenants_path(),
            Some(&app.admin),
            &h,
            Some(body.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.trace(), trace);
    let t = r.json();
    let id = s(&t["id"]);
    assert_eq!(app.tenant_row(&id).await.trace_id, trace);
    for g in t["targets"].as_array().unwrap() {
        assert_eq!(app.target_row(&s(&g["id"])).await.trace_id, trace);
    }
    assert_eq!(app.last_event().await.event["correlationId"], json!(trace));

    // a rename stamps the tenant row with its own trace; targets keep theirs
    let t2 = "0b8f7a1e-5c3d-4e2f-9a1b-2c3d4e5f6a7b";
    let r = app
        .request(
            Method::PATCH,
            &tenant_path(&id),
            Some(&app.admin),
            &[
                ("X-Trace-ID", t2),
                ("Content-Type", "application/merge-patch+json"),
                ("If-Match", "*"),
            ],
            Some(json!({"name": "t2"}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.trace(), t2);
    assert_eq!(app.tenant_row(&id).await.trace_id, t2);
    assert_eq!(
        app.target_row(&s(&t["targets"][0]["id"])).await.trace_id,
        trace
    );
    assert_eq!(app.last_event().await.event["correlationId"], json!(t2));

    // a target PATCH stamps that target only
    let t3 = "1c9e8b2f-6d4e-4f3a-8b2c-3d4e5f6a7b8c";
    let r = app
        .request(
            Method::PATCH,
            &target_path(&id, &s(&t["targets"][1]["id"])),
            Some(&app.admin),
            &[
                ("X-Trace-ID", t3),
                ("Content-Type", "application/merge-patch+json"),
                ("If-Match", "*"),
            ],
            Some(json!({"name": "cl2"}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        app.target_row(&s(&t["targets"][1]["id"])).await.trace_id,
        t3
    );
    assert_eq!(
        app.target_row(&s(&t["targets"][0]["id"])).await.trace_id,
        trace
    );
    assert_eq!(app.last_event().await.event["correlationId"], json!(t3));

    // an error carries it in `trace`, and its failure event in correlationId
    let t4 = "2d0f9c3a-7e5f-4a4b-9c3d-4e5f6a7b8c9d";
    let r = app
        .request(
            Method::GET,
            &tenant_path("8717DB99-2CFB-4BA6-A033-89C994C2E9F0"),
            Some(&app.admin),
            &[("X-Trace-ID", t4)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.trace(), t4);
    assert_eq!(r.json()["trace"], json!(t4));
    assert_eq!(app.last_event().await.event["correlationId"], json!(t4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_trace_id_is_normalised_to_lower_case_hyphenated() {
    let app = spawn().await;
    let t = app.tenant("t1", false).await;
    let want = "a58646e9-f4d5-4327-81b1-ae8d501f35e2";
    // IBM's own example value is upper case; the other spellings of the same UUID come back the same
    for sent in [
        "A58646E9-F4D5-4327-81B1-AE8D501F35E2",
        "{A58646E9-F4D5-4327-81B1-AE8D501F35E2}",
        "urn:uuid:a58646e9-f4d5-4327-81b1-ae8d501f35e2",
        "a58646e9f4d5432781b1ae8d501f35e2",
    ] {
        let r = app
            .request(
                Method::GET,
                &tenants_path(),
                Some(&app.admin),
                &[("X-Trace-ID", sent)],
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{sent}");
        assert_eq!(r.trace(), want, "{sent}");
        assert_eq!(
            app.last_event().await.event["correlationId"],
            json!(want),
            "{sent}"
        );
    }
    // the rows a request writes carry the same spelling
    let r = app
        .request(
            Method::PATCH,
            &tenant_path(&s(&t["id"])),
            Some(&app.admin),
            &[
                ("X-Trace-ID", "{A58646E9-F4D5-4327-81B1-AE8D501F35E2}"),
                ("Content-Type", "application/merge-patch+json"),
                ("If-Match", "*"),
            ],
            Some(json!({"name": "t2"}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(app.tenant_row(&s(&t["id"])).await.trace_id, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_write_stamps_the_tenant_row_it_rewrites() {
    // Spec: the trace id goes "into the database rows the request writes". A target change rewrites its
    // tenant's row (the tenant's etag), so that row carries the request's trace too.
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let trace = "3e1a0d4b-8f6a-4b5c-8d4e-5f6a7b8c9d0e";
    let r = app
        .request(
            Method::PATCH,
            &target_path(&id, &s(&t["targets"][1]["id"])),
            Some(&app.admin),
            &[
                ("X-Trace-ID", trace),
                ("Content-Type", "application/merge-patch+json"),
                ("If-Match", "*"),
            ],
            Some(json!({"name": "cl2"}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let row = app.tenant_row(&id).await;
    assert_ne!(row.etag, s(&t["etag"]), "the tenant row was rewritten");
    assert_eq!(
        row.trace_id, trace,
        "tenants.trace_id of the rewritten tenant row"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_x_trace_id_is_400_and_changes_nothing() {
    let app = spawn().await;
    let t = app.tenant("t1", false).await;
    let before = app.snapshot().await;
    let want = ibm_error(
        400,
        "incorrect_or_missing_header",
        "Missing or incorrect header: 'X-Trace-ID'. It must be a UUID.",
        Some(("header", "X-Trace-ID")),
    );
    for bad in [
        "not-a-uuid",
        "12345",
        "A58646E9-F4D5-4327-81B1",
        "A58646E9-F4D5-4327-81B1-AE8D501F35EZ",
        "",
    ] {
        for (method, path, body) in [
            (Method::GET, tenants_path(), None),
            (
                Method::POST,
                tenants_path(),
                Some(json!({"name": "t2", "targets": [logs_target("x")]})),
            ),
            (
                Method::PATCH,
                tenant_path(&s(&t["id"])),
                Some(json!({"name": "x"})),
            ),
            (Method::DELETE, tenant_path(&s(&t["id"])), None),
        ] {
            let ct = if method == Method::POST {
                "application/json"
            } else {
                "application/merge-patch+json"
            };
            let r = app
                .request(
                    method.clone(),
                    &path,
                    Some(&app.admin),
                    &[("X-Trace-ID", bad), ("Content-Type", ct), ("If-Match", "*")],
                    body.map(|b| b.to_string()),
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "{bad:?} {method} {path}: {}",
                r.text
            );
            let generated = r.trace();
            assert_ne!(generated, bad);
            assert!(uuid::Uuid::parse_str(&generated).is_ok());
            assert_eq!(r.error(), want);
        }
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_x_trace_id_with_a_valid_token_records_a_failure_event() {
    // Spec: every call with a valid token produces one audit event; a 400 refused before any work still records
    // its failure event.
    let app = spawn().await;
    let before = app.outbox().await.len();
    let r = app
        .request(
            Method::GET,
            &tenants_path(),
            Some(&app.admin),
            &[("X-Trace-ID", "not-a-uuid")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let events = app.events().await;
    assert_eq!(
        events.len(),
        before + 1,
        "one failure event for the refused call"
    );
    let e = events.last().unwrap();
    assert_eq!(e["action"], json!(READ));
    assert_eq!(e["outcome"], json!("failure"));
    assert_eq!(e["reason"]["reasonCode"], json!(400));
    assert_eq!(e["correlationId"], json!(r.trace()));
}
