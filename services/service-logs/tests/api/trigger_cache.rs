//! The in-process cache of parsed triggers (`store::trigger_cache`) is exactly as fresh as reading the triggers
//! in the create's transaction: a trigger created, patched or deleted, through this instance, another instance
//! on the same database, or plain SQL, is seen by the very next create, single or bulk.

use std::time::Duration;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use reqwest::Method;
use serde_json::{Value, json};
use service_logs::store::notifications::{Queueing, queue_matched, rows_for_log};
use service_logs::store::rows::LogRow;

use crate::common::*;
use crate::triggers::{TRIGGERS, owner_token};

const UUID: &str = "9d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";

/// A second instance of the service on `app`'s database (a replica): its own pool, committer and trigger cache.
struct Replica {
    url: String,
    http: reqwest::Client,
    handle: actix_web::dev::ServerHandle,
    _notifications: service_logs::notifications::worker::WorkerHandle,
}

impl Drop for Replica {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// Settings whose worker never sends (nothing is sent in these tests, only queued).
fn idle(s: &mut service_logs::Settings) {
    s.notifications.retry.idle_poll = Duration::from_secs(3600);
}

async fn replica_of(app: &TestApp) -> Replica {
    let mut settings = service_logs::Settings::for_tests(&app.db.url, tokens::SECRET, 2);
    settings.common.run_migrations = false;
    idle(&mut settings);
    let running = service_logs::build(&settings).await.unwrap();
    let handle = running.server.handle();
    tokio::spawn(running.server);
    Replica {
        url: format!("http://{}", running.addr),
        http: reqwest::Client::new(),
        handle,
        _notifications: running.notifications,
    }
}

/// Where a call goes: the first instance or the replica.
#[derive(Clone, Copy)]
enum On<'a> {
    App(&'a TestApp),
    Replica(&'a Replica),
}

impl On<'_> {
    async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Reply {
        let (http, url) = match self {
            On::App(a) => (&a.http, a.url.as_str()),
            On::Replica(r) => (&r.http, r.url.as_str()),
        };
        let mut req = testkit::http::request(http, url, method, path, Some(token), &[]);
        if let Some(b) = body {
            req = req.json(&b);
        }
        Reply::send(req).await
    }

    /// A trigger of acc-1 with a webhook; its id.
    async fn trigger(&self, search: &str) -> String {
        let r = self
            .call(
                Method::POST,
                TRIGGERS,
                &owner_token("acc-1"),
                Some(json!({"name": "t", "search": search,
                            "actions": [{"type": "webhook", "url": "http://127.0.0.1:9/hook"}]})),
            )
            .await;
        r.expect(201);
        r.json()["id"].as_str().unwrap().to_owned()
    }

    async fn patch(&self, id: &str, patch: Value) {
        self.call(
            Method::PATCH,
            &format!("{TRIGGERS}/{id}"),
            &owner_token("acc-1"),
            Some(patch),
        )
        .await
        .expect(200);
    }

    async fn delete(&self, id: &str) {
        self.call(
            Method::DELETE,
            &format!("{TRIGGERS}/{id}"),
            &owner_token("acc-1"),
            None,
        )
        .await
        .expect(204);
    }

    /// A log of acc-1's cluster with `severity` (single create, through group commit); its id.
    async fn log(&self, severity: &str, summary: &str) -> String {
        let sre = tokens::token("sre-bot", None, &[CREATE]);
        let r = self
            .call(
                Method::POST,
                &format!("{BASE}/cluster_logs"),
                &sre,
                Some(json!({"cluster_uuid": UUID, "severity": severity, "service_name": "s", "summary": summary})),
            )
            .await;
        r.expect(201);
        r.json()["id"].as_str().unwrap().to_owned()
    }

    /// The same as a bulk create of one log.
    async fn bulk_log(&self, severity: &str, summary: &str) -> String {
        let sre = tokens::token("sre-bot", None, &[CREATE]);
        let r = self
            .call(
                Method::POST,
                &format!("{BASE}/cluster_logs/bulk"),
                &sre,
                Some(json!({"items": [{"cluster_uuid": UUID, "severity": severity, "service_name": "s", "summary": summary}]})),
            )
            .await;
        r.expect(200);
        let item = &r.json()["items"][0];
        assert_eq!(item["status"], 201, "{item}");
        item["log"]["id"].as_str().unwrap().to_owned()
    }
}

async fn queued(app: &TestApp, log_id: &str) -> Vec<String> {
    let mut conn = app.db.connect().await;
    let mut t: Vec<String> = rows_for_log(&mut conn, log_id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.trigger_id)
        .collect();
    t.sort();
    t
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_create_sees_every_trigger_change_of_any_instance() {
    let app = spawn_with(idle).await;
    let replica = replica_of(&app).await;
    let (a, b) = (On::App(&app), On::Replica(&replica));
    // acc-1 owns the cluster (learned from this first log); both instances have now read acc-1's triggers (none).
    let sre = tokens::token("sre-bot", None, &[CREATE]);
    a.call(
        Method::POST,
        &format!("{BASE}/cluster_logs"),
        &sre,
        Some(json!({"cluster_uuid": UUID, "account_id": "acc-1", "severity": "Info", "service_name": "s", "summary": "owner"})),
    )
    .await
    .expect(201);
    assert!(
        queued(&app, &b.log("Info", "warm b").await)
            .await
            .is_empty()
    );
    assert!(
        queued(&app, &a.log("Info", "warm a").await)
            .await
            .is_empty()
    );

    // Created through A: seen by A's and B's next creates.
    let first = a.trigger("").await;
    assert_eq!(
        queued(&app, &a.log("Info", "1").await).await,
        vec![first.clone()]
    );
    assert_eq!(
        queued(&app, &b.log("Info", "2").await).await,
        vec![first.clone()]
    );

    // Patched through B: A's next create (single, then bulk) already uses the new search.
    b.patch(&first, json!({"search": "severity = 'Error'"}))
        .await;
    assert!(queued(&app, &a.log("Info", "3").await).await.is_empty());
    assert!(
        queued(&app, &a.bulk_log("Info", "4").await)
            .await
            .is_empty()
    );
    assert_eq!(
        queued(&app, &a.log("Error", "5").await).await,
        vec![first.clone()]
    );
    assert_eq!(
        queued(&app, &a.bulk_log("Error", "6").await).await,
        vec![first.clone()]
    );

    // Created through B: seen by A at once.
    let second = b.trigger("severity = 'Error'").await;
    assert_eq!(
        queued(&app, &a.log("Error", "7").await).await,
        sorted(vec![first.clone(), second.clone()])
    );

    // Deleted through B: A no longer sees it; deleted through A: B no longer sees it.
    b.delete(&first).await;
    assert_eq!(
        queued(&app, &a.log("Error", "8").await).await,
        vec![second.clone()]
    );
    assert_eq!(
        queued(&app, &a.bulk_log("Error", "9").await).await,
        vec![second.clone()]
    );
    a.delete(&second).await;
    assert!(queued(&app, &b.log("Error", "10").await).await.is_empty());
    assert!(queued(&app, &a.log("Error", "11").await).await.is_empty());

    // A writer outside the service (plain SQL) is seen too: the generation is bumped by the table's trigger.
    let third = a.trigger("severity = 'Major'").await;
    assert!(queued(&app, &b.log("Error", "12").await).await.is_empty());
    {
        let mut conn = app.db.connect().await;
        diesel::sql_query(format!(
            "UPDATE notification_triggers SET search = 'severity = ''Error''' WHERE id = '{third}'"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    assert_eq!(
        queued(&app, &b.log("Error", "13").await).await,
        vec![third.clone()]
    );
    {
        let mut conn = app.db.connect().await;
        diesel::sql_query("TRUNCATE notification_triggers")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    assert!(queued(&app, &b.log("Error", "14").await).await.is_empty());
    assert!(queued(&app, &a.log("Error", "15").await).await.is_empty());
}

/// `queue_matched` with a cache of the test's own, inside a transaction that is rolled back: how many rows it
/// queued for the stored log `log_id`.
async fn match_once(app: &TestApp, queueing: &Queueing, log_id: &str) -> usize {
    use service_logs::schema::cluster_logs;
    let mut conn = app.db.connect().await;
    let row: LogRow = cluster_logs::table
        .find(log_id.to_owned())
        .select(LogRow::as_select())
        .first(&mut conn)
        .await
        .unwrap();
    let mut queued = 0;
    let rolled_back = conn
        .transaction::<(), diesel::result::Error, _>(async |conn| {
            queued = queue_matched(conn, std::slice::from_ref(&row), queueing).await?;
            Err(diesel::result::Error::RollbackTransaction)
        })
        .await;
    assert!(matches!(
        rolled_back,
        Err(diesel::result::Error::RollbackTransaction)
    ));
    queued
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_is_kept_while_the_generation_holds_and_replaced_when_it_moves() {
    let app = spawn_with(idle).await;
    let a = On::App(&app);
    let hook = a.trigger("").await;
    let log = a.log("Info", "one").await;
    // The log names no account: acc-1's trigger sees it once acc-1 owns the cluster.
    let manage = tokens::token("provisioner", None, &["service-logs.cluster.manage"]);
    a.call(
        Method::PUT,
        &format!("{BASE}/clusters/{UUID}/owner"),
        &manage,
        Some(json!({"account_id": "acc-1"})),
    )
    .await
    .expect(200);
    let queueing = Queueing {
        duplicate_window: time::Duration::ZERO,
        triggers: Default::default(),
    };
    assert_eq!(queueing.triggers.stats(), (0, None));
    assert_eq!(match_once(&app, &queueing, &log).await, 1);
    let (entries, generation) = queueing.triggers.stats();
    // acc-1's one trigger and the account-less set (empty): two entries, under the database's generation.
    assert_eq!(entries, 2);
    assert!(generation.is_some());
    assert_eq!(match_once(&app, &queueing, &log).await, 1);
    assert_eq!(queueing.triggers.stats(), (2, generation));

    // A second action on the trigger: the next match reads it again and queues both.
    a.patch(
        &hook,
        json!({"actions": [{"type": "webhook", "url": "http://127.0.0.1:9/hook"},
                           {"type": "email", "to": ["ops@example.com"]}]}),
    )
    .await;
    assert_eq!(match_once(&app, &queueing, &log).await, 2);
    let (entries, moved) = queueing.triggers.stats();
    assert_eq!(entries, 2);
    assert!(moved.is_some() && moved != generation);
    a.delete(&hook).await;
    assert_eq!(match_once(&app, &queueing, &log).await, 0);
}
