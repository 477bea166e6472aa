//! Matching new logs against triggers (ownership decides whose triggers see a log) and webhook deliveries to a
//! real receiver that verifies the Standard Webhooks signatures with its own implementation.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::common::*;
use crate::triggers::{TRIGGERS, internal_token, owner_token, post_trigger};

const UUID: &str = "5b9b6c1e-2f0d-4a57-8e43-3f8e0c6a1d22";

/// Verifies a Standard Webhooks signature the way a receiver would, written from the specification (not the
/// service's code): HMAC-SHA256 over `{id}.{timestamp}.{body}` with the base64-decoded secret.
fn verify(secret: &str, id: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    let key = STANDARD.decode(&secret["whsec_".len()..]).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    header.split(' ').any(|s| s == expected)
}

#[test]
fn the_verifier_passes_the_specifications_vector() {
    assert!(verify(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "1614265330",
        br#"{"test": 2432232314}"#,
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    ));
    assert!(!verify(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "1614265331",
        br#"{"test": 2432232314}"#,
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    ));
}

/// A webhook receiver: answers `status`, and keeps every request whose signature verifies, by webhook-id.
#[derive(Clone)]
struct Receiver {
    status: Arc<AtomicU16>,
    secret: Arc<Mutex<String>>,
    accepted: Arc<Mutex<BTreeMap<String, Vec<Value>>>>,
    bad_signatures: Arc<Mutex<usize>>,
}

impl Receiver {
    fn new() -> Self {
        Self {
            status: Arc::new(AtomicU16::new(204)),
            secret: Arc::new(Mutex::new(String::new())),
            accepted: Arc::default(),
            bad_signatures: Arc::default(),
        }
    }

    /// Listens on `port` (0: any); the port.
    fn start(&self, port: u16) -> u16 {
        let me = self.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(me.clone()))
                .default_service(web::to(receive))
        })
        .workers(1)
        .bind(("127.0.0.1", port))
        .unwrap();
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        port
    }

    fn accepted(&self) -> BTreeMap<String, Vec<Value>> {
        self.accepted.lock().unwrap().clone()
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, me: web::Data<Receiver>) -> HttpResponse {
    let h = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (id, ts, sig) = (
        h("webhook-id"),
        h("webhook-timestamp"),
        h("webhook-signature"),
    );
    let secret = me.secret.lock().unwrap().clone();
    let status = me.status.load(Ordering::SeqCst);
    if !verify(&secret, &id, &ts, &body, &sig) {
        *me.bad_signatures.lock().unwrap() += 1;
        return HttpResponse::Unauthorized().finish();
    }
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - ts.parse::<i64>().unwrap();
    assert!(age.abs() < 300, "stale timestamp {ts}");
    if (200..300).contains(&status) {
        let v: Value = serde_json::from_slice(&body).unwrap();
        me.accepted.lock().unwrap().entry(id).or_default().push(v);
    }
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

async fn hook_trigger(
    app: &TestApp,
    token: &str,
    account: Option<&str>,
    url: &str,
    search: &str,
) -> Value {
    let mut body =
        json!({"name": "hook", "search": search, "actions": [{"type": "webhook", "url": url}]});
    if let Some(a) = account {
        body["account_id"] = json!(a);
    }
    let r = post_trigger(app, token, body).await;
    r.expect(201);
    r.json()
}

async fn queued_triggers(app: &TestApp, log_id: &str) -> Vec<String> {
    let mut conn = app.db.connect().await;
    let mut t: Vec<String> = service_logs::store::notifications::rows_for_log(&mut conn, log_id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.trigger_id)
        .collect();
    t.sort();
    t
}

async fn post_log(app: &TestApp, body: Value) -> Value {
    let sre = tokens::token("sre-bot", None, &[CREATE]);
    let r = app
        .call(
            Method::POST,
            &format!("{BASE}/cluster_logs"),
            Some(&sre),
            Some(body),
        )
        .await;
    r.expect(201);
    r.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_triggers_that_see_a_log_are_its_readers() {
    let app = spawn_with(|s| s.notifications.retry.idle_poll = Duration::from_secs(3600)).await;
    // No receiver: nothing is sent in this test (the worker idles), only queued.
    let url = "http://127.0.0.1:9/hook";
    let mine = hook_trigger(&app, &owner_token("acc-1"), None, url, "severity = 'Error'").await;
    let other = hook_trigger(&app, &owner_token("acc-2"), None, url, "").await;
    let internal = hook_trigger(&app, &internal_token(), None, url, "").await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let (mine, other, internal) = (id(&mine), id(&other), id(&internal));
    let mut both = vec![mine.clone(), internal.clone()];
    both.sort();

    // The first log naming an account teaches the owner: acc-1's trigger sees it (and later ones of the cluster).
    let first = post_log(&app, json!({"cluster_uuid": UUID, "account_id": "acc-1", "severity": "Error", "service_name": "s", "summary": "one"})).await;
    assert_eq!(
        queued_triggers(&app, first["id"].as_str().unwrap()).await,
        both
    );
    let later = post_log(
        &app,
        json!({"cluster_uuid": UUID, "severity": "Error", "service_name": "s", "summary": "two"}),
    )
    .await;
    assert_eq!(
        queued_triggers(&app, later["id"].as_str().unwrap()).await,
        both
    );
    // The search decides within the account.
    let info = post_log(
        &app,
        json!({"cluster_uuid": UUID, "severity": "Info", "service_name": "s", "summary": "three"}),
    )
    .await;
    assert_eq!(
        queued_triggers(&app, info["id"].as_str().unwrap()).await,
        vec![internal.clone()]
    );
    // internal_only: account-less triggers only.
    let hidden = post_log(&app, json!({"cluster_uuid": UUID, "severity": "Error", "service_name": "s", "summary": "four", "internal_only": true})).await;
    assert_eq!(
        queued_triggers(&app, hidden["id"].as_str().unwrap()).await,
        vec![internal.clone()]
    );
    // The cluster moves to acc-2: its triggers see the cluster's new logs, acc-1's no longer.
    let manage = tokens::token("provisioner", None, &["service-logs.cluster.manage"]);
    app.call(
        Method::PUT,
        &format!("{BASE}/clusters/{UUID}/owner"),
        Some(&manage),
        Some(json!({"account_id": "acc-2"})),
    )
    .await
    .expect(200);
    let moved = post_log(
        &app,
        json!({"cluster_uuid": UUID, "severity": "Error", "service_name": "s", "summary": "five"}),
    )
    .await;
    let mut now = vec![other.clone(), internal.clone()];
    now.sort();
    assert_eq!(
        queued_triggers(&app, moved["id"].as_str().unwrap()).await,
        now
    );
    // Another cluster, no owner, no account: account-less triggers only.
    let stray = post_log(
        &app,
        json!({"cluster_id": "other", "severity": "Error", "service_name": "s", "summary": "six"}),
    )
    .await;
    assert_eq!(
        queued_triggers(&app, stray["id"].as_str().unwrap()).await,
        vec![internal.clone()]
    );
    // A deleted trigger sees nothing new.
    app.call(
        Method::DELETE,
        &format!("{TRIGGERS}/{internal}"),
        Some(&internal_token()),
        None,
    )
    .await
    .expect(204);
    let after = post_log(&app, json!({"cluster_id": "other", "severity": "Error", "service_name": "s", "summary": "seven"})).await;
    assert!(
        queued_triggers(&app, after["id"].as_str().unwrap())
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bulk_create_matches_each_log_against_its_own_readers_triggers() {
    // The triggers of a whole batch are read at once; which sees which log is still each log's readers' rule.
    let app = spawn_with(|s| s.notifications.retry.idle_poll = Duration::from_secs(3600)).await;
    let url = "http://127.0.0.1:9/hook";
    let id = |v: Value| v["id"].as_str().unwrap().to_owned();
    let one = id(hook_trigger(&app, &owner_token("acc-1"), None, url, "").await);
    let two = id(hook_trigger(&app, &owner_token("acc-2"), None, url, "severity = 'Error'").await);
    let internal = id(hook_trigger(&app, &internal_token(), None, url, "").await);
    let other_uuid = "7c0d8e2f-3a1b-4c68-9f54-4a9f1d7b2e33";
    let items = json!({"items": [
        // teaches acc-1 the cluster: seen by acc-1 and the internal trigger
        {"cluster_uuid": UUID, "account_id": "acc-1", "severity": "Info", "service_name": "s", "summary": "a"},
        // same cluster, no account: its owner (learned in this very batch) and internal
        {"cluster_uuid": UUID, "severity": "Info", "service_name": "s", "summary": "b"},
        // acc-2's own log, Error: acc-2 and internal
        {"cluster_uuid": other_uuid, "account_id": "acc-2", "severity": "Error", "service_name": "s", "summary": "c"},
        // acc-2's cluster, Info: acc-2's search refuses it: internal only
        {"cluster_uuid": other_uuid, "severity": "Info", "service_name": "s", "summary": "d"},
        // internal_only: account-less triggers only
        {"cluster_uuid": UUID, "severity": "Error", "service_name": "s", "summary": "e", "internal_only": true}
    ]});
    let sre = tokens::token("sre-bot", None, &[CREATE]);
    let r = app
        .call(
            Method::POST,
            &format!("{BASE}/cluster_logs/bulk"),
            Some(&sre),
            Some(items),
        )
        .await;
    r.expect(200);
    let ids: Vec<String> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert_eq!(i["status"], 201, "{i}");
            i["log"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let expected = [
        sorted(vec![one.clone(), internal.clone()]),
        sorted(vec![one.clone(), internal.clone()]),
        sorted(vec![two.clone(), internal.clone()]),
        vec![internal.clone()],
        vec![internal.clone()],
    ];
    for (log, want) in ids.iter().zip(expected) {
        assert_eq!(queued_triggers(&app, log).await, want, "log {log}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_arrive_signed_once_each_across_an_outage() {
    let app = spawn().await;
    let receiver = Receiver::new();
    // Reserve a port, then leave it closed: the receiver is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/hooks");
    let trigger = hook_trigger(&app, &owner_token("acc-1"), None, &url, "").await;
    *receiver.secret.lock().unwrap() = trigger["actions"][0]["secret"].as_str().unwrap().to_owned();

    let mut logs = Vec::new();
    for i in 0..5 {
        logs.push(post_log(&app, json!({"cluster_uuid": UUID, "account_id": "acc-1", "severity": "Info", "service_name": "s", "summary": format!("log {i}")})).await);
    }
    // Attempts fail meanwhile (connection refused) and are retried.
    eventually("failed attempts", async || {
        let mut conn = app.db.connect().await;
        let rows = service_logs::store::notifications::rows_for_log(
            &mut conn,
            logs[4]["id"].as_str().unwrap(),
        )
        .await
        .unwrap();
        rows.iter().all(|r| r.attempts >= 2)
    })
    .await;
    // Back up, first answering 503 for a while, then accepting.
    receiver.status.store(503, Ordering::SeqCst);
    receiver.start(port);
    tokio::time::sleep(Duration::from_millis(300)).await;
    receiver.status.store(204, Ordering::SeqCst);
    eventually("every log delivered", async || {
        receiver.accepted().len() == 5
    })
    .await;
    // Settle: nothing more arrives.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let accepted = receiver.accepted();
    assert_eq!(*receiver.bad_signatures.lock().unwrap(), 0);
    let mut delivered: Vec<Value> = accepted
        .values()
        .map(|v| {
            assert_eq!(v.len(), 1, "delivered twice: {v:?}");
            v[0].clone()
        })
        .collect();
    delivered.sort_by_key(|v| v["data"]["summary"].as_str().unwrap().to_owned());
    for (got, log) in delivered.iter().zip(&logs) {
        assert_eq!(got["type"], json!("cluster_log.created"));
        assert!(got["timestamp"].as_str().unwrap().ends_with('Z'));
        assert_eq!(
            got["data"], *log,
            "the data is the log as the API returns it"
        );
    }
    for id in accepted.keys() {
        assert!(id.starts_with("msg_") && id.len() == 36, "{id}");
    }
    let mut conn = app.db.connect().await;
    for log in &logs {
        let rows = service_logs::store::notifications::rows_for_log(
            &mut conn,
            log["id"].as_str().unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].outcome.as_deref(), Some("completed"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_410_disables_the_action_and_retries_give_up() {
    let app =
        spawn_with(|s| s.notifications.retry.give_up_after = time::Duration::milliseconds(600))
            .await;
    let receiver = Receiver::new();
    let port = receiver.start(0);
    let gone = hook_trigger(
        &app,
        &owner_token("acc-1"),
        None,
        &format!("http://127.0.0.1:{port}/gone"),
        "summary = 'gone'",
    )
    .await;
    let token = owner_token("acc-1");
    *receiver.secret.lock().unwrap() = gone["actions"][0]["secret"].as_str().unwrap().to_owned();
    receiver.status.store(410, Ordering::SeqCst);
    let log = post_log(&app, json!({"cluster_uuid": UUID, "account_id": "acc-1", "severity": "Info", "service_name": "s", "summary": "gone"})).await;
    let href = gone["href"].as_str().unwrap();
    eventually("the action disabled", async || {
        app.get(href, &token).await.json()["actions"][0]
            .get("disabled_at")
            .is_some()
    })
    .await;
    let mut conn = app.db.connect().await;
    let log_id = log["id"].as_str().unwrap();
    // The action is disabled in the transaction that records the delivery's outcome.
    let rows = service_logs::store::notifications::rows_for_log(&mut conn, log_id)
        .await
        .unwrap();
    assert_eq!(rows[0].outcome.as_deref(), Some("disabled"));
    // A disabled action queues nothing more.
    let next = post_log(&app, json!({"cluster_uuid": UUID, "severity": "Info", "service_name": "s", "summary": "gone", "description": "again"})).await;
    assert!(
        queued_triggers(&app, next["id"].as_str().unwrap())
            .await
            .is_empty()
    );

    // A receiver that keeps failing: retried, then given up once the limit passes, and counted.
    receiver.status.store(500, Ordering::SeqCst);
    hook_trigger(
        &app,
        &token,
        None,
        &format!("http://127.0.0.1:{port}/fail"),
        "summary = 'fail'",
    )
    .await;
    let failing = post_log(
        &app,
        json!({"cluster_uuid": UUID, "severity": "Info", "service_name": "s", "summary": "fail"}),
    )
    .await;
    eventually("given up", async || {
        let rows = service_logs::store::notifications::rows_for_log(
            &mut conn,
            failing["id"].as_str().unwrap(),
        )
        .await
        .unwrap();
        rows[0].outcome.as_deref() == Some("given_up")
    })
    .await;
    let metrics = app.raw(app.req(Method::GET, "/metrics")).await.text;
    assert!(
        metrics.contains("notifications_given_up_total{type=\"webhook\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("notifications_sent_total{type=\"webhook\"} 0"),
        "{metrics}"
    );
    let retried = metrics
        .lines()
        .find_map(|l| l.strip_prefix("notifications_retried_total{type=\"webhook\"} "))
        .unwrap();
    assert!(retried.parse::<u64>().unwrap() >= 1, "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_410_disables_the_action_in_what_a_concurrent_patch_committed() {
    let app = spawn().await;
    let receiver = Receiver::new();
    let port = receiver.start(0);
    let token = owner_token("acc-1");
    let hook = hook_trigger(
        &app,
        &token,
        None,
        &format!("http://127.0.0.1:{port}/gone"),
        "",
    )
    .await;
    *receiver.secret.lock().unwrap() = hook["actions"][0]["secret"].as_str().unwrap().to_owned();
    receiver.status.store(410, Ordering::SeqCst);
    let href = hook["href"].as_str().unwrap();
    let id = hook["id"].as_str().unwrap();
    // A patch adding an e-mail action is mid-transaction when the receiver's 410 comes back.
    let rival = RivalWriter::begin(
        &app,
        id,
        r#"actions = actions || '[{"type": "email", "to": ["ops@example.com"]}]'::jsonb"#,
    )
    .await;
    let (log, ()) = tokio::join!(
        post_log(
            &app,
            json!({"cluster_uuid": UUID, "account_id": "acc-1", "severity": "Info", "service_name": "s", "summary": "s"})
        ),
        rival.commit_once_waited_on(),
    );
    let mut conn = app.db.connect().await;
    eventually("the delivery finished", async || {
        service_logs::store::notifications::rows_for_log(&mut conn, log["id"].as_str().unwrap())
            .await
            .unwrap()[0]
            .outcome
            .is_some()
    })
    .await;
    let actions = app.get(href, &token).await.json()["actions"].clone();
    assert!(actions[0]["disabled_at"].is_string(), "{actions}");
    assert_eq!(
        actions[1],
        json!({"type": "email", "to": ["ops@example.com"]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_destination_is_checked_again_at_send_time() {
    let app = spawn_with(|s| s.notifications.allow_private_networks = false).await;
    let receiver = Receiver::new();
    let port = receiver.start(0);
    // A trigger whose destination became private after its create (as a DNS change would make it): written
    // straight to the table, since the API refuses it.
    let mut conn = app.db.connect().await;
    let now = time::OffsetDateTime::now_utc();
    let row = service_logs::store::triggers::TriggerRow {
        id: domain::ids::new_ksuid(),
        name: "moved".into(),
        account_id: "acc-1".into(),
        search: String::new(),
        actions: json!([{"type": "webhook", "url": format!("https://127.0.0.1:{port}/x"), "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}]),
        created_at: now,
        updated_at: now,
    };
    service_logs::store::triggers::insert(&mut conn, &row)
        .await
        .unwrap();
    let log = post_log(&app, json!({"cluster_uuid": UUID, "account_id": "acc-1", "severity": "Info", "service_name": "s", "summary": "x"})).await;
    let id = log["id"].as_str().unwrap().to_owned();
    eventually("a refused attempt", async || {
        let rows = service_logs::store::notifications::rows_for_log(&mut conn, &id)
            .await
            .unwrap();
        rows[0].attempts >= 1
    })
    .await;
    let rows = service_logs::store::notifications::rows_for_log(&mut conn, &id)
        .await
        .unwrap();
    assert_eq!(
        rows[0].last_error,
        "the URL points at 127.0.0.1, a loopback, private, link-local or metadata address"
    );
    assert!(receiver.accepted().is_empty());
    assert_eq!(
        *receiver.bad_signatures.lock().unwrap(),
        0,
        "nothing reached the receiver"
    );
}

const NOTIFICATIONS: &str = "/api/service_logs/v1/clusters/cluster_logs/notifications";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notifications_list_shows_the_bookkeeping() {
    let app = spawn().await;
    let receiver = Receiver::new();
    let port = receiver.start(0);
    let token = owner_token("acc-1");
    let trigger = hook_trigger(
        &app,
        &token,
        None,
        &format!("http://127.0.0.1:{port}/h"),
        "severity = 'Error'",
    )
    .await;
    *receiver.secret.lock().unwrap() = trigger["actions"][0]["secret"].as_str().unwrap().to_owned();
    let matched = post_log(&app, json!({"cluster_uuid": UUID, "account_id": "acc-1", "severity": "Error", "service_name": "s", "summary": "m"})).await;
    let quiet = post_log(
        &app,
        json!({"cluster_uuid": UUID, "severity": "Info", "service_name": "s", "summary": "q"}),
    )
    .await;
    eventually("delivered", async || receiver.accepted().len() == 1).await;
    let path = format!("{NOTIFICATIONS}?cluster_uuid={UUID}");
    let mut body = Value::Null;
    eventually("notified_at", async || {
        body = app.get(&path, &token).await.json();
        !body["items"][1]["notified_at"].is_null()
    })
    .await;
    let item = &body["items"][1];
    let uuid = item["notification_uuid"].as_str().unwrap().to_owned();
    assert_eq!(uuid::Uuid::parse_str(&uuid).unwrap().to_string(), uuid);
    let notified = item["notified_at"].as_str().unwrap().to_owned();
    let completed_at = item["completed_actions"][0]["completed_at"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(notified, completed_at);
    let hash = item["completed_actions"][0]["hash"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(hash.len(), 64);
    assert!(
        !body.to_string().contains("127.0.0.1"),
        "the hash hides the URL"
    );
    let (mid, qid) = (
        matched["id"].as_str().unwrap(),
        quiet["id"].as_str().unwrap(),
    );
    assert_eq!(
        body,
        json!({
            "kind": "ClusterLogNotificationList", "page": 1, "size": 2, "total": 2,
            "items": [
                {"kind": "ClusterLogNotification", "id": qid, "href": format!("{BASE}/cluster_logs/{qid}"),
                 "notification_uuid": null, "notified_at": null, "completed_actions": []},
                {"kind": "ClusterLogNotification", "id": mid, "href": format!("{BASE}/cluster_logs/{mid}"),
                 "notification_uuid": uuid, "notified_at": notified,
                 "completed_actions": [{"type": "webhook", "hash": hash, "status": "completed", "completed_at": completed_at}]}
            ]
        })
    );
    // search, orderBy, page and size as for the logs; fields and format are not this list's and are ignored.
    let r = app
        .get(
            &format!("{path}&search=severity%20%3D%20'Error'&fields=id&format=csv"),
            &token,
        )
        .await;
    assert_eq!(r.json()["items"], json!([body["items"][1]]));
    let r = app
        .get(
            &format!("{path}&orderBy=summary%20asc&size=1&page=2"),
            &token,
        )
        .await;
    assert_eq!(
        r.json(),
        json!({"kind": "ClusterLogNotificationList", "page": 2, "size": 1, "total": 2, "items": [body["items"][0]]})
    );
    // The logs' visibility: another account sees none; internal readers see all.
    let other = tokens::token("u2", Some("acc-2"), &[READ]);
    assert_eq!(app.get(&path, &other).await.json()["total"], json!(0));
    assert_eq!(app.get(&path, &app.admin).await.json()["total"], json!(2));
    let r = app.get(NOTIFICATIONS, &token).await;
    r.expect(400);
    assert_eq!(
        r.error(),
        ocm_error(
            21,
            "At least one of 'cluster_id' or 'cluster_uuid' is required"
        )
    );
    let r = app.get(&format!("{path}&search=nope"), &token).await;
    r.expect(400);
    assert_eq!(r.error()["id"], json!("23"));
    let r = app
        .get(&path, &tokens::token("x", Some("acc-1"), &[CREATE]))
        .await;
    r.expect(403);
    assert_eq!(
        r.error(),
        ocm_error(
            11,
            "The caller lacks the 'service-logs.log.read' permission"
        )
    );
}

/// Bookkeeping item of `log_id` in the cluster's notifications list, as acc-1's reader sees it.
async fn item_of(app: &TestApp, log_id: &str) -> Value {
    let list = app
        .get(
            &format!("{NOTIFICATIONS}?cluster_uuid={UUID}"),
            &owner_token("acc-1"),
        )
        .await
        .json();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == json!(log_id))
        .unwrap()
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_are_stored_but_not_notified_again() {
    let app = spawn_with(|s| {
        s.notifications.duplicate_window = time::Duration::seconds(2);
        s.notifications.retry.idle_poll = Duration::from_secs(3600);
    })
    .await;
    hook_trigger(
        &app,
        &owner_token("acc-1"),
        None,
        "http://127.0.0.1:9/h",
        "",
    )
    .await;
    let body = json!({"cluster_uuid": UUID, "account_id": "acc-1", "severity": "Warning", "service_name": "s", "summary": "disk", "description": "full"});
    let first = post_log(&app, body.clone()).await;
    let first_id = first["id"].as_str().unwrap();
    let again = post_log(&app, body.clone()).await;
    let again_id = again["id"].as_str().unwrap();
    assert!(
        queued_triggers(&app, again_id).await.is_empty(),
        "a duplicate queues nothing"
    );
    assert_eq!(queued_triggers(&app, first_id).await.len(), 1);
    assert_eq!(
        item_of(&app, again_id).await,
        json!({"kind": "ClusterLogNotification", "id": again_id, "href": format!("{BASE}/cluster_logs/{again_id}"),
               "notification_uuid": null, "notified_at": null, "completed_actions": [], "duplicate_of": first_id})
    );
    // Any difference on a compared field is a new notice.
    let mut other = body.clone();
    other["description"] = json!("full again");
    let different = post_log(&app, other).await;
    assert_eq!(
        queued_triggers(&app, different["id"].as_str().unwrap())
            .await
            .len(),
        1
    );
    // Prefer: duplicate=reject refuses it outright, naming the earlier log; nothing is stored.
    let sre = tokens::token("sre-bot", None, &[CREATE]);
    let before = app.count_rows().await;
    let reject = app
        .raw(
            app.req(Method::POST, &format!("{BASE}/cluster_logs"))
                .bearer_auth(&sre)
                .header("Prefer", "return=minimal, duplicate=reject")
                .json(&body),
        )
        .await;
    reject.expect(409);
    assert_eq!(
        reject.error(),
        ocm_error(
            6,
            &format!(
                "This log duplicates log '{first_id}' of the same cluster, created within the last 2s (Prefer: duplicate=reject); it was not stored"
            )
        )
    );
    assert_eq!(app.count_rows().await, before);
    // A keyed create repeated with the header still answers the first 201 again (not a duplicate of itself).
    let mut keyed = body.clone();
    keyed["cluster_uuid"] = json!("6c0d7e2f-3a1e-4b68-9f54-4a9f1d7b2e33");
    let send = || {
        app.req(Method::POST, &format!("{BASE}/cluster_logs"))
            .bearer_auth(&sre)
            .header("Prefer", "duplicate=reject")
            .header("Idempotency-Key", "k-1")
            .json(&keyed)
    };
    let one = app.raw(send()).await;
    one.expect(201);
    let two = app.raw(send()).await;
    two.expect(201);
    assert_eq!(one.json(), two.json());

    // Outside the window: notified again.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let later = post_log(&app, body.clone()).await;
    assert_eq!(
        queued_triggers(&app, later["id"].as_str().unwrap())
            .await
            .len(),
        1
    );
    assert!(item_of(&app, later["id"].as_str().unwrap()).await["notification_uuid"].is_string());
    let ok = app
        .raw(app.req(Method::POST, &format!("{BASE}/cluster_logs")).bearer_auth(&sre).header("Prefer", "duplicate=reject").json(&json!({"cluster_uuid": UUID, "severity": "Info", "service_name": "s", "summary": "new"})))
        .await;
    ok.expect(201);
}

/// A batch without keys is matched before its INSERT (`store::logs::direct`): the matching must see the log as it
/// is stored. A time is stored to the microsecond, so a
/// search at a whole second matches a log sent 500 nanoseconds after it (stored at the second) and not one a
/// microsecond after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_on_a_time_sees_the_time_as_stored() {
    let app = spawn_with(|s| s.notifications.retry.idle_poll = Duration::from_secs(3600)).await;
    let url = "http://127.0.0.1:9/hook";
    let hook = hook_trigger(
        &app,
        &internal_token(),
        None,
        url,
        "timestamp <= '2026-01-01T00:00:00Z'",
    )
    .await;
    let hook = hook["id"].as_str().unwrap().to_owned();
    for (sent, queued) in [
        ("2026-01-01T00:00:00.000000500Z", vec![hook.clone()]),
        ("2026-01-01T00:00:00.000001Z", vec![]),
        ("2025-12-31T23:59:59.999999999Z", vec![hook.clone()]),
    ] {
        let log = post_log(
            &app,
            json!({"cluster_id": "c-1", "severity": "Info", "service_name": "s",
                                        "summary": sent, "timestamp": sent}),
        )
        .await;
        assert_eq!(
            queued_triggers(&app, log["id"].as_str().unwrap()).await,
            queued,
            "{sent}, stored as {}",
            log["timestamp"]
        );
    }
}
