//! Audit events (docs/api-logs-router.md#audit-events, #delivery-to-service-logs): one CADF event per call with a valid token, written to
//! the outbox with the change (or alone), failures included; each event's content pinned.

use crate::common::*;
use logs_router::store::rows::OutboxRow;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const IAM: &str = "IBMid-270001ABCD";
const SUB: &str = "alice@example.com";

fn alice(perms: &[&str]) -> String {
    let mut c = tokens::claims(SUB, Some(ACCOUNT), perms);
    c["iam_id"] = json!(IAM);
    tokens::hs256(&c)
}

fn who() -> (String, String) {
    (IAM.into(), SUB.into())
}

/// The one event a call added since `before` rows.
async fn only_new_event(app: &TestApp, before: usize) -> OutboxRow {
    let rows = app.outbox().await;
    assert_eq!(
        rows.len(),
        before + 1,
        "exactly one event per call: {:#?}",
        &rows[before.min(rows.len())..]
            .iter()
            .map(|r| &r.event)
            .collect::<Vec<_>>()
    );
    let row = rows.into_iter().last().unwrap();
    assert_eq!(row.account_id, ACCOUNT);
    assert!(row.delivered_at.is_none());
    row
}

fn traced(trace: &str) -> Vec<(&str, &str)> {
    vec![("X-Trace-ID", trace)]
}

fn req(extra: &[(&'static str, Value)]) -> Value {
    let mut m = json!({"region": REGION});
    for (k, v) in extra {
        m[*k] = v.clone();
    }
    m
}

fn target_data(kind: &str, host: &str, port: i64, crn: &str) -> [(&'static str, Value); 4] {
    [
        ("targetType", json!(kind)),
        ("targetHost", json!(host)),
        ("targetPort", json!(port)),
        ("targetCRN", json!(crn)),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_successful_call_records_its_event() {
    let app = spawn().await;
    let token = alice(&ALL);
    let trace = |n: u32| format!("00000000-0000-4000-8000-{n:012}");

    // create
    let n = app.outbox().await.len();
    let r = app
        .request(
            Method::POST,
            &tenants_path(),
            Some(&token),
            &[
                ("X-Trace-ID", &trace(1)),
                ("Content-Type", "application/json"),
            ],
            Some(json!({"name": "t1", "targets": [logdna_target("dna")]}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let t = r.json();
    let id = s(&t["id"]);
    let crn = tenant_crn(ACCOUNT, &id);
    let e = only_new_event(&app, n).await;
    let mut request = req(&[("tenantID", json!(id))]);
    for (k, v) in target_data("logdna", "www.example.com", 8080, LOGDNA_CRN) {
        request[k] = v;
    }
    assert_eq!(
        pinned(&e),
        Expect {
            action: CREATE,
            status: 201,
            failure: None,
            severity: "normal",
            message: "Logs Routing: create tenant t1".into(),
            trace: trace(1),
            initiator: who(),
            target: (crn.clone(), "t1".into()),
            request,
            response: json!({"tenantCRN": crn}),
        }
        .json()
    );

    // list (and a filtered list)
    for (k, path) in [
        (2, tenants_path()),
        (3, format!("{}?name=t1", tenants_path())),
    ] {
        let n = app.outbox().await.len();
        let r = app.get_h(&path, &token, &traced(&trace(k))).await;
        assert_eq!(r.status, StatusCode::OK);
        let e = only_new_event(&app, n).await;
        assert_eq!(
            pinned(&e),
            Expect {
                action: READ,
                status: 200,
                failure: None,
                severity: "normal",
                message: "Logs Routing: read tenants".into(),
                trace: trace(k),
                initiator: who(),
                target: (account_crn(ACCOUNT), String::new()),
                request: req(&[]),
                response: json!({}),
            }
            .json()
        );
    }

    // read, and a 304
    for (k, h, status) in [(4, None, 200u16), (5, Some(s(&t["etag"])), 304)] {
        let n = app.outbox().await.len();
        let tr = trace(k);
        let mut headers = traced(&tr);
        if let Some(tag) = &h {
            headers.push(("If-None-Match", tag));
        }
        let r = app.get_h(&tenant_path(&id), &token, &headers).await;
        assert_eq!(r.status.as_u16(), status);
        let e = only_new_event(&app, n).await;
        assert_eq!(
            pinned(&e),
            Expect {
                action: READ,
                status,
                failure: None,
                severity: "normal",
                message: "Logs Routing: read tenant t1".into(),
                trace: trace(k),
                initiator: who(),
                target: (crn.clone(), "t1".into()),
                request: req(&[("tenantID", json!(id))]),
                response: json!({"tenantCRN": crn}),
            }
            .json()
        );
    }

    // rename
    let n = app.outbox().await.len();
    let r = app
        .request(
            Method::PATCH,
            &tenant_path(&id),
            Some(&token),
            &[
                ("X-Trace-ID", &trace(6)),
                ("Content-Type", "application/merge-patch+json"),
                ("If-Match", &s(&t["etag"])),
            ],
            Some(json!({"name": "t2"}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let e = only_new_event(&app, n).await;
    assert_eq!(
        pinned(&e),
        Expect {
            action: UPDATE,
            status: 200,
            failure: None,
            severity: "warning",
            message: "Logs Routing: update tenant t2".into(),
            trace: trace(6),
            initiator: who(),
            target: (crn.clone(), "t2".into()),
            request: req(&[("tenantID", json!(id))]),
            response: json!({"tenantCRN": crn}),
        }
        .json()
    );

    // list targets
    let n = app.outbox().await.len();
    let r = app
        .get_h(&targets_path(&id), &token, &traced(&trace(7)))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let e = only_new_event(&app, n).await;
    assert_eq!(
        pinned(&e),
        Expect {
            action: READ,
            status: 200,
            failure: None,
            severity: "normal",
            message: "Logs Routing: read tenant t2".into(),
            trace: trace(7),
            initiator: who(),
            target: (crn.clone(), "t2".into()),
            request: req(&[("tenantID", json!(id))]),
            response: json!({"tenantCRN": crn}),
        }
        .json()
    );

    // create a target
    let n = app.outbox().await.len();
    let r = app
        .request(
            Method::POST,
            &targets_path(&id),
            Some(&token),
            &[
                ("X-Trace-ID", &trace(8)),
                ("Content-Type", "application/json"),
            ],
            Some(logs_target("cl").to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let gid = s(&r.json()["id"]);
    let e = only_new_event(&app, n).await;
    let mut request = req(&[("tenantID", json!(id))]);
    for (k, v) in target_data("logs", "logs.example.com", 443, LOGS_CRN) {
        request[k] = v;
    }
    assert_eq!(
        pinned(&e),
        Expect {
            action: UPDATE,
            status: 201,
            failure: None,
            severity: "warning",
            message: "Logs Routing: update tenant t2 (create target cl)".into(),
            trace: trace(8),
            initiator: who(),
            target: (crn.clone(), "t2".into()),
            request: request.clone(),
            response: json!({"tenantCRN": crn}),
        }
        .json()
    );

    // read a target
    let n = app.outbox().await.len();
    let r = app
        .get_h(&target_path(&id, &gid), &token, &traced(&trace(9)))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let e = only_new_event(&app, n).await;
    assert_eq!(
        pinned(&e),
        Expect {
            action: READ,
            status: 200,
            failure: None,
            severity: "normal",
            message: "Logs Routing: read tenant t2".into(),
            trace: trace(9),
            initiator: who(),
            target: (crn.clone(), "t2".into()),
            request: request.clone(),
            response: json!({"tenantCRN": crn}),
        }
        .json()
    );

    // delete a target
    let n = app.outbox().await.len();
    let r = app
        .request(
            Method::DELETE,
            &target_path(&id, &gid),
            Some(&token),
            &traced(&trace(10)),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let e = only_new_event(&app, n).await;
    assert_eq!(
        pinned(&e),
        Expect {
            action: UPDATE,
            status: 204,
            failure: None,
            severity: "warning",
            message: "Logs Routing: update tenant t2 (delete target cl)".into(),
            trace: trace(10),
            initiator: who(),
            target: (crn.clone(), "t2".into()),
            request,
            response: json!({"tenantCRN": crn}),
        }
        .json()
    );

    // delete the tenant
    let n = app.outbox().await.len();
    let r = app
        .request(
            Method::DELETE,
            &tenant_path(&id),
            Some(&token),
            &traced(&trace(11)),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let e = only_new_event(&app, n).await;
    assert_eq!(
        pinned(&e),
        Expect {
            action: DELETE,
            status: 204,
            failure: None,
            severity: "critical",
            message: "Logs Routing: delete tenant t2".into(),
            trace: trace(11),
            initiator: who(),
            target: (crn.clone(), "t2".into()),
            request: req(&[("tenantID", json!(id))]),
            response: json!({"tenantCRN": crn}),
        }
        .json()
    );

    for row in app.outbox().await {
        assert!(
            !leaks(&row.event.to_string()),
            "credential in {}",
            row.event
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_patch_event_names_the_target() {
    // Spec: requestData holds targetType, targetHost, targetPort, targetCRN "where they apply"; a target update is
    // where they apply (as they do for a target create, read and delete).
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let crn = tenant_crn(ACCOUNT, &id);
    let cl = &t["targets"][1];
    let token = alice(&ALL);
    let n = app.outbox().await.len();
    let r = app
        .request(
            Method::PATCH,
            &target_path(&id, &s(&cl["id"])),
            Some(&token),
            &[
                ("Content-Type", "application/merge-patch+json"),
                ("If-Match", &s(&cl["etag"])),
            ],
            Some(json!({"parameters": {"port": 6514}}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let e = only_new_event(&app, n).await;
    let mut request = req(&[("tenantID", json!(id))]);
    for (k, v) in target_data("logs", "logs.example.com", 6514, LOGS_CRN) {
        request[k] = v;
    }
    assert_eq!(
        pinned(&e),
        Expect {
            action: UPDATE,
            status: 200,
            failure: None,
            severity: "warning",
            message: "Logs Routing: update tenant t1".into(),
            trace: r.trace(),
            initiator: who(),
            target: (crn.clone(), "t1".into()),
            request,
            response: json!({"tenantCRN": crn}),
        }
        .json()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_record_their_event_with_reason_and_severity() {
    let app = spawn().await;
    let token = alice(&ALL);
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let crn = tenant_crn(ACCOUNT, &id);
    let missing = "8717DB99-2CFB-4BA6-A033-89C994C2E9F0";
    let name_msg = "The value for 'name' is not valid. name must be 1 to 35 characters of letters, digits and '-'";

    // 400 (create): warning
    let n = app.outbox().await.len();
    let r = app
        .post(
            &tenants_path(),
            &token,
            &json!({"name": "bad name", "targets": [logs_target("x")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let e = only_new_event(&app, n).await;
    assert_eq!(
        pinned(&e),
        Expect {
            action: CREATE,
            status: 400,
            failure: Some(name_msg.into()),
            severity: "warning",
            message: "Logs Routing: create tenant -failure".into(),
            trace: r.trace(),
            initiator: who(),
            target: (account_crn(ACCOUNT), String::new()),
            request: req(&[]),
            response: json!({}),
        }
        .json()
    );

    // 403 (list): critical
    let n = app.outbox().await.len();
    let r = app.get(&tenants_path(), &alice(&[CREATE])).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let e = only_new_event(&app, n).await;
    assert_eq!(
        pinned(&e),
        Expect {
            action: READ,
            status: 403,
            failure: Some("The specified token does not have authority to list tenants.".into()),
            severity: "critical",
            message: "Logs Routing: read tenants -failure".into(),
            trace: r.trace(),
            initiator: who(),
            target: (account_crn(ACCOUNT), String::new()),
            request: req(&[]),
            response: json!({}),
        }
        .json()
    );

    // 403 (delete): critical
    let n = app.outbox().await.len();
    let r = app.delete(&tenant_path(&id), &alice(&[READ]), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let e = only_new_event(&app, n).await;
    assert_eq!(pinned(&e)["severity"], json!("critical"));
    assert_eq!(pinned(&e)["action"], json!(DELETE));

    // 404 (read): not a failure status with a severity of its own, so the action's own (docs/api-logs-router.md#audit-events)
    let n = app.outbox().await.len();
    let r = app.get(&tenant_path(missing), &token).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let e = only_new_event(&app, n).await;
    let missing_crn = tenant_crn(ACCOUNT, missing);
    assert_eq!(
        pinned(&e),
        Expect {
            action: READ,
            status: 404,
            failure: Some(format!(
                "The tenant ID specified ({missing}) was not found in the database."
            )),
            severity: "normal",
            message: "Logs Routing: read tenant -failure".into(),
            trace: r.trace(),
            initiator: who(),
            target: (missing_crn, String::new()),
            request: req(&[("tenantID", json!(missing))]),
            response: json!({}),
        }
        .json()
    );

    // 409 (create over the limit): warning
    let n = app.outbox().await.len();
    let r = app
        .post(
            &tenants_path(),
            &token,
            &json!({"name": "t2", "targets": [logs_target("x")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let e = only_new_event(&app, n).await;
    let got = pinned(&e);
    // The refused create names the id it would have used (unspecified; pinned as the service does it).
    let would_be = s(&got["requestData"]["tenantID"]);
    let mut request = req(&[("tenantID", json!(would_be))]);
    for (k, v) in target_data("logs", "logs.example.com", 443, LOGS_CRN) {
        request[k] = v;
    }
    assert_eq!(
        got,
        Expect {
            action: CREATE,
            status: 409,
            failure: Some(
                "The account already has the maximum number of tenants in this region (1).".into()
            ),
            severity: "warning",
            message: "Logs Routing: create tenant -failure".into(),
            trace: r.trace(),
            initiator: who(),
            target: (tenant_crn(ACCOUNT, &would_be), String::new()),
            request,
            response: json!({}),
        }
        .json()
    );

    // 412 (rename without If-Match): likewise the action's own, update's: warning
    let n = app.outbox().await.len();
    let r = app
        .patch(&tenant_path(&id), &token, None, &json!({"name": "t3"}))
        .await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED);
    let e = only_new_event(&app, n).await;
    assert_eq!(
        pinned(&e),
        Expect {
            action: UPDATE,
            status: 412,
            failure: Some(PRECONDITION_MESSAGE.into()),
            severity: "warning",
            message: "Logs Routing: update tenant -failure".into(),
            trace: r.trace(),
            initiator: who(),
            target: (crn.clone(), String::new()),
            request: req(&[("tenantID", json!(id))]),
            response: json!({}),
        }
        .json()
    );

    // 415 (create): pinned: create's own severity, normal
    let n = app.outbox().await.len();
    let r = app
        .request(
            Method::POST,
            &tenants_path(),
            Some(&token),
            &[("Content-Type", "text/plain")],
            Some("{}".into()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let e = only_new_event(&app, n).await;
    assert_eq!(
        pinned(&e),
        Expect {
            action: CREATE,
            status: 415,
            failure: Some("Missing or incorrect header: 'Content-Type'".into()),
            severity: "normal",
            message: "Logs Routing: create tenant -failure".into(),
            trace: r.trace(),
            initiator: who(),
            target: (account_crn(ACCOUNT), String::new()),
            request: req(&[]),
            response: json!({}),
        }
        .json()
    );

    // 400 update_failed (target type change with two targets): warning
    let cl = &t["targets"][1];
    let n = app.outbox().await.len();
    let r = app
        .patch(
            &target_path(&id, &s(&cl["id"])),
            &token,
            Some("*"),
            &json!({"log_sink_crn": LOGDNA_CRN, "parameters": {"access_credential": CREDENTIAL}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let e = only_new_event(&app, n).await;
    let got = pinned(&e);
    assert_eq!(got["outcome"], json!("failure"));
    assert_eq!(got["severity"], json!("warning"));
    assert_eq!(
        got["reason"],
        json!({"reasonCode": 400, "reasonType": "Bad Request",
        "reasonForFailure": "Target type cannot be changed. Only one target of each type is allowed"})
    );
    assert!(!leaks(&got.to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_change_leaves_only_its_failure_event() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let cl = &t["targets"][1];
    let before = app.snapshot().await;
    let n = app.outbox().await.len();
    // the update reaches the database and is refused there (unique name): rolled back
    let r = app
        .patch(
            &target_path(&id, &s(&cl["id"])),
            &app.admin,
            Some(&s(&cl["etag"])),
            &json!({"name": "dna"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(app.snapshot().await, before);
    let e = only_new_event(&app, n).await;
    assert_eq!(e.event["outcome"], json!("failure"));
    assert_eq!(e.event["reason"]["reasonCode"], json!(409));
    assert_eq!(e.event["severity"], json!("warning"));
    assert_eq!(e.event["correlationId"], json!(r.trace()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_row_carries_the_w3c_traceparent_of_its_request() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    app.get(&tenant_path(&s(&t["id"])), &app.admin).await;
    app.get(
        &tenant_path("8717DB99-2CFB-4BA6-A033-89C994C2E9F0"),
        &app.admin,
    )
    .await;
    let rows = app.outbox().await;
    assert_eq!(rows.len(), 3);
    for row in rows {
        let parts: Vec<&str> = row.traceparent.split('-').collect();
        assert!(
            parts.len() == 4
                && parts[0] == "00"
                && parts[1].len() == 32
                && parts[2].len() == 16
                && parts[3].len() == 2
                && parts[1..]
                    .iter()
                    .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
                && parts[1] != "0".repeat(32),
            "traceparent {:?}",
            row.traceparent
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_carries_no_internal_detail_and_still_records_its_event() {
    let app = spawn().await;
    app.tenant("t1", true).await;
    {
        use diesel_async::RunQueryDsl;
        let mut conn = app.db.connect().await;
        diesel::sql_query("ALTER TABLE targets RENAME TO targets_gone")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let n = app.outbox().await.len();
    let r = app.get(&tenants_path(), &app.admin).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text);
    let msg = "An unexpected error occurred; quote the trace id when reporting it";
    assert_eq!(
        r.error(),
        ibm_error(500, "failure_getting_tenant_ids", msg, None)
    );
    for word in ["targets", "relation", "diesel", "SQL", "postgres", "exist"] {
        assert!(
            !r.text.contains(word),
            "internal detail {word:?} in {}",
            r.text
        );
    }
    let e = only_new_event(&app, n).await;
    assert_eq!(
        pinned(&e),
        Expect {
            action: READ,
            status: 500,
            failure: Some(msg.into()),
            severity: "warning",
            message: "Logs Routing: read tenants -failure".into(),
            trace: r.trace(),
            initiator: admin_initiator(),
            target: (account_crn(ACCOUNT), String::new()),
            request: req(&[]),
            response: json!({}),
        }
        .json()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_too_large_body_with_a_valid_token_records_a_failure_event() {
    // Spec: every call with a valid token produces one audit event, success or failure.
    let app = spawn().await;
    let n = app.outbox().await.len();
    let huge = json!({"name": "x".repeat(70 * 1024)}).to_string();
    let r = app
        .request(
            Method::POST,
            &tenants_path(),
            Some(&app.admin),
            &[("Content-Type", "application/json")],
            Some(huge),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let events = app.events().await;
    assert_eq!(
        events.len(),
        n + 1,
        "one failure event for the refused create"
    );
    assert_eq!(events[n]["action"], json!(CREATE));
    assert_eq!(events[n]["reason"]["reasonCode"], json!(413));
}
