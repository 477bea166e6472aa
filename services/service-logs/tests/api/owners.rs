//! Cluster ownership: the registry, learned owners, and readers seeing the logs of the clusters they own now.

use crate::common::*;
use crate::lists::enc;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const MANAGE: &str = "service-logs.cluster.manage";
const UUID: &str = "3f2a6a31-1f8d-4c1e-9d0f-6f1c2b7a9e10";
const CLUSTER_ID: &str = "2bd4e1m0lsq7r2mjk6qv1fbl4r8ct0ab";

fn manager() -> String {
    tokens::token("provisioner", None, &[MANAGE])
}

fn reader(account: &str) -> String {
    tokens::token(&format!("user-of-{account}"), Some(account), &[READ])
}

/// osdctl's exact create body: no `account_id`.
fn osdctl_body(summary: &str) -> Value {
    json!({
        "severity": "Warning", "service_name": "SREManualAction", "cluster_uuid": UUID,
        "cluster_id": CLUSTER_ID, "summary": summary, "description": "Please review.",
        "internal_only": false, "event_stream_id": "", "subscription_id": "sub-1", "doc_references": null
    })
}

/// Posts as the SRE bot (create only, no account) and returns the echo.
async fn sre_post(app: &TestApp, body: Value) -> Value {
    let sre = tokens::token("sre-bot", None, &[CREATE]);
    let r = app
        .call(
            Method::POST,
            &format!("{BASE}/cluster_logs"),
            Some(&sre),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

async fn put_owner(app: &TestApp, uuid: &str, body: Value) -> Reply {
    app.call(
        Method::PUT,
        &format!("{BASE}/clusters/{uuid}/owner"),
        Some(&manager()),
        Some(body),
    )
    .await
}

/// The owner body with `updated_at` checked for shape and blanked.
fn owner_body(r: &Reply) -> Value {
    assert_eq!(r.header("content-type"), Some("application/json"));
    let mut v = r.json();
    let t = v["updated_at"].as_str().unwrap();
    assert!(t.ends_with('Z') && t.len() >= 20, "{t}");
    v["updated_at"] = json!("T");
    v
}

/// Every read path a reader has, each answering exactly the logs in `expected` (newest first).
async fn assert_reader_sees(app: &TestApp, token: &str, expected: &[&Value]) {
    let items: Vec<Value> = expected.iter().map(|v| (*v).clone()).collect();
    let n = items.len();
    let list = json!({"kind": "ClusterLogList", "page": 1, "size": n, "total": n, "items": items});
    for path in [
        format!("{BASE}/cluster_logs"),
        format!("{BASE}/clusters/cluster_logs?cluster_uuid={UUID}"),
        format!("{BASE}/clusters/cluster_logs?cluster_id={CLUSTER_ID}"),
        format!("{BASE}/clusters/{UUID}/cluster_logs"),
    ] {
        let r = app.get(&path, token).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert_eq!(r.json(), list, "{path}");
        // `total` with size=0, a search, fields= and CSV go through the same visibility.
        let counted = app.get(&format!("{path}{}size=0", sep(&path)), token).await;
        assert_eq!(counted.json()["total"], json!(n), "{path} size=0");
        let searched = app
            .get(
                &format!(
                    "{path}{}search={}",
                    sep(&path),
                    enc("service_name = 'SREManualAction'")
                ),
                token,
            )
            .await;
        assert_eq!(searched.json()["total"], json!(n), "{path} search");
        let fields = app
            .get(&format!("{path}{}fields=summary", sep(&path)), token)
            .await;
        let summaries: Vec<Value> = fields.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["summary"].clone())
            .collect();
        let want: Vec<Value> = expected.iter().map(|v| v["summary"].clone()).collect();
        assert_eq!(summaries, want, "{path} fields=");
        let csv = app
            .get(
                &format!("{path}{}format=csv&fields=summary", sep(&path)),
                token,
            )
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert_eq!(csv.text.lines().count(), 1 + n, "{path} csv: {}", csv.text);
    }
    for log in expected {
        let id = log["id"].as_str().unwrap();
        let r = app.get(&format!("{BASE}/cluster_logs/{id}"), token).await;
        assert_eq!(r.status, StatusCode::OK, "by id");
        assert_eq!(&r.json(), *log);
    }
}

fn sep(path: &str) -> &'static str {
    if path.contains('?') { "&" } else { "?" }
}

async fn assert_reader_sees_nothing_of(app: &TestApp, token: &str, logs: &[&Value]) {
    assert_reader_sees(app, token, &[]).await;
    for log in logs {
        let id = log["id"].as_str().unwrap();
        let r = app.get(&format!("{BASE}/cluster_logs/{id}"), token).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "by id");
        assert_eq!(
            r.error(),
            ocm_error(7, &format!("Log with id '{id}' not found"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sre_log_is_seen_by_the_registered_owner_on_every_read_path() {
    let app = spawn().await;
    let log = sre_post(&app, osdctl_body("Action required: review")).await;
    let (owner, other) = (reader("acc-owner"), reader("acc-other"));
    // Nobody owns the cluster yet: its readers see nothing.
    assert_reader_sees_nothing_of(&app, &owner, &[&log]).await;

    let r = put_owner(
        &app,
        UUID,
        json!({"account_id": "acc-owner", "cluster_id": CLUSTER_ID, "subscription_id": "sub-1"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let registered = json!({
        "kind": "ClusterOwner", "cluster_uuid": UUID, "cluster_id": CLUSTER_ID, "subscription_id": "sub-1",
        "account_id": "acc-owner", "source": "explicit", "updated_at": "T"
    });
    assert_eq!(owner_body(&r), registered);
    let got = app
        .get(&format!("{BASE}/clusters/{UUID}/owner"), &manager())
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json(), r.json());

    assert_reader_sees(&app, &owner, &[&log]).await;
    assert_reader_sees_nothing_of(&app, &other, &[&log]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_cluster_takes_its_whole_history_along() {
    let app = spawn().await;
    put_owner(&app, UUID, json!({"account_id": "acc-a"})).await;
    let first = sre_post(&app, osdctl_body("first")).await;
    let second = sre_post(&app, osdctl_body("second")).await;
    let (a, b) = (reader("acc-a"), reader("acc-b"));
    assert_reader_sees(&app, &a, &[&second, &first]).await;
    assert_reader_sees_nothing_of(&app, &b, &[&first, &second]).await;

    let moved = put_owner(&app, UUID, json!({"account_id": "acc-b"})).await;
    assert_eq!(moved.status, StatusCode::OK);
    assert_eq!(moved.json()["account_id"], json!("acc-b"));
    assert_reader_sees_nothing_of(&app, &a, &[&first, &second]).await;
    assert_reader_sees(&app, &b, &[&second, &first]).await;

    // Forgetting the owner hides the logs again; the logs stay.
    let gone = app
        .call(
            Method::DELETE,
            &format!("{BASE}/clusters/{UUID}/owner"),
            Some(&manager()),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(gone.text, "");
    assert_reader_sees_nothing_of(&app, &b, &[&first, &second]).await;
    assert_eq!(app.count_rows().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_logs_are_never_visible_to_readers() {
    let app = spawn().await;
    put_owner(&app, UUID, json!({"account_id": "acc-owner"})).await;
    let mut body = osdctl_body("internal note");
    body["internal_only"] = json!(true);
    let internal = sre_post(&app, body).await;
    let mut own = log(UUID, "internal, own account");
    own["account_id"] = json!("acc-owner");
    own["internal_only"] = json!(true);
    let own_internal = app.create(own).await;
    assert_reader_sees_nothing_of(&app, &reader("acc-owner"), &[&internal, &own_internal]).await;
    let all = app
        .get(&format!("{BASE}/clusters/{UUID}/cluster_logs"), &app.admin)
        .await;
    assert_eq!(all.json()["total"], json!(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_teaches_an_owner_and_an_explicit_one_wins() {
    let app = spawn().await;
    let path = format!("{BASE}/clusters/{UUID}/owner");
    let mut first = osdctl_body("from acc-x");
    first["account_id"] = json!("acc-x");
    let from_x = app.create(first).await;
    let learned = app.get(&path, &app.admin).await;
    assert_eq!(learned.status, StatusCode::OK, "read-internal may GET");
    assert_eq!(
        owner_body(&learned),
        json!({
            "kind": "ClusterOwner", "cluster_uuid": UUID, "cluster_id": CLUSTER_ID, "subscription_id": "sub-1",
            "account_id": "acc-x", "source": "learned", "updated_at": "T"
        })
    );
    // A later log naming another account does not replace a learned owner...
    let mut second = osdctl_body("from acc-w");
    second["account_id"] = json!("acc-w");
    let from_w = app.create(second).await;
    assert_eq!(
        app.get(&path, &app.admin).await.json()["account_id"],
        json!("acc-x")
    );
    let bot = sre_post(&app, osdctl_body("from the bot")).await;
    assert_reader_sees(&app, &reader("acc-x"), &[&bot, &from_w, &from_x]).await;

    // ...an explicit registration does, and no log replaces it.
    let r = put_owner(&app, UUID, json!({"account_id": "acc-y"})).await;
    assert_eq!(
        owner_body(&r),
        json!({
            "kind": "ClusterOwner", "cluster_uuid": UUID, "cluster_id": "", "subscription_id": "",
            "account_id": "acc-y", "source": "explicit", "updated_at": "T"
        })
    );
    let mut third = osdctl_body("from acc-z");
    third["account_id"] = json!("acc-z");
    let from_z = app.create(third).await;
    let now = app.get(&path, &manager()).await.json();
    assert_eq!(
        (now["account_id"].clone(), now["source"].clone()),
        (json!("acc-y"), json!("explicit"))
    );
    assert_reader_sees(&app, &reader("acc-y"), &[&from_z, &bot, &from_w, &from_x]).await;
    // A log's own account still reads it.
    let x = app
        .get(&format!("{BASE}/cluster_logs"), &reader("acc-x"))
        .await;
    assert_eq!(x.json()["items"], json!([from_x]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_without_uuid_follows_the_owner_of_its_cluster_id() {
    let app = spawn().await;
    put_owner(
        &app,
        UUID,
        json!({"account_id": "acc-owner", "cluster_id": CLUSTER_ID}),
    )
    .await;
    let mut body = osdctl_body("by cluster id only");
    body["cluster_uuid"] = json!("");
    let by_id = sre_post(&app, body).await;
    // A log of another cluster that happens to carry no uuid either is not the owner's.
    let mut elsewhere = osdctl_body("elsewhere");
    elsewhere["cluster_uuid"] = json!("");
    elsewhere["cluster_id"] = json!("other-cluster");
    sre_post(&app, elsewhere).await;
    let r = app
        .get(&format!("{BASE}/cluster_logs"), &reader("acc-owner"))
        .await;
    assert_eq!(r.json()["items"], json!([by_id]));
    let r = app
        .get(
            &format!("{BASE}/clusters/cluster_logs?cluster_id={CLUSTER_ID}"),
            &reader("acc-owner"),
        )
        .await;
    assert_eq!(r.json()["items"], json!([by_id]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_registrations_leave_one_whole_owner() {
    let app = spawn().await;
    let log = sre_post(&app, osdctl_body("raced")).await;
    for round in 0..10 {
        let bodies = [
            json!({"account_id": "acc-1", "cluster_id": "c-1", "subscription_id": "s-1"}),
            json!({"account_id": "acc-2", "cluster_id": "c-2", "subscription_id": "s-2"}),
        ];
        let (a, b) = tokio::join!(
            put_owner(&app, UUID, bodies[0].clone()),
            put_owner(&app, UUID, bodies[1].clone())
        );
        assert_eq!(
            (a.status, b.status),
            (StatusCode::OK, StatusCode::OK),
            "round {round}"
        );
        let now = app
            .get(&format!("{BASE}/clusters/{UUID}/owner"), &manager())
            .await
            .json();
        let n = now["account_id"]
            .as_str()
            .unwrap()
            .trim_start_matches("acc-")
            .to_owned();
        // Never a mix of the two bodies.
        assert_eq!(
            (now["cluster_id"].clone(), now["subscription_id"].clone()),
            (json!(format!("c-{n}")), json!(format!("s-{n}"))),
            "round {round}"
        );
        let (winner, loser) = if n == "1" {
            ("acc-1", "acc-2")
        } else {
            ("acc-2", "acc-1")
        };
        let seen = |acc: &str| {
            let token = reader(acc);
            let app = &app;
            async move {
                app.get(&format!("{BASE}/clusters/{UUID}/cluster_logs"), &token)
                    .await
                    .json()["total"]
                    .clone()
            }
        };
        assert_eq!(seen(winner).await, json!(1));
        assert_eq!(seen(loser).await, json!(0));
    }
    assert!(log["id"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_answers_with_exact_errors() {
    let app = spawn().await;
    let path = format!("{BASE}/clusters/{UUID}/owner");
    let no_owner = ocm_error(7, &format!("Cluster '{UUID}' has no registered owner"));
    let r = app.get(&path, &manager()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error(), no_owner);
    let r = app
        .call(Method::DELETE, &path, Some(&manager()), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error(), no_owner);

    // Permissions: manage for every method; read-internal may also GET; a reader may not.
    let owner_reader = reader("acc-owner");
    for (method, body) in [
        (Method::PUT, Some(json!({"account_id": "acc-owner"}))),
        (Method::GET, None),
        (Method::DELETE, None),
    ] {
        for token in [
            &owner_reader,
            &tokens::token("bot", None, &[CREATE, DELETE]),
        ] {
            let r = app
                .call(method.clone(), &path, Some(token), body.clone())
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{method}");
            assert_eq!(
                r.error(),
                ocm_error(
                    11,
                    "The caller lacks the 'service-logs.cluster.manage' permission"
                )
            );
        }
    }
    let r = app
        .call(
            Method::PUT,
            &path,
            Some(&app.admin),
            Some(json!({"account_id": "a"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "read-internal may not PUT");
    let r = app
        .call(Method::PUT, &path, None, Some(json!({"account_id": "a"})))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // Bodies: account_id required; wrong types and non-objects are malformed; nothing is stored.
    for body in [
        json!({}),
        json!({"account_id": null}),
        json!({"account_id": " "}),
    ] {
        let r = put_owner(&app, UUID, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.error(), ocm_error(8, "Field 'account_id' is required"));
    }
    let r = put_owner(&app, UUID, json!(["acc"])).await;
    assert_eq!(
        r.error(),
        ocm_error(21, "Request body must be a JSON object")
    );
    let r = put_owner(&app, UUID, json!({"account_id": 7})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error()["id"], json!("21"));
    assert_eq!(
        app.get(&path, &manager()).await.status,
        StatusCode::NOT_FOUND
    );

    // Registered, read back by read-internal, removed.
    assert_eq!(
        put_owner(&app, UUID, json!({"account_id": "acc-owner"}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(app.get(&path, &app.admin).await.status, StatusCode::OK);
    let r = app
        .call(Method::DELETE, &path, Some(&manager()), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&path, &manager()).await.status,
        StatusCode::NOT_FOUND
    );
}
