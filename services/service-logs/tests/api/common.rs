//! Starting the app for a test and talking to it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use service_logs::Settings;
use std::path::Path;
use testkit::TestDb;
pub use testkit::{Reply, tokens};

pub const BASE: &str = "/api/service_logs/v1";
pub const CREATE: &str = "service-logs.log.create";
pub const READ: &str = "service-logs.log.read";
pub const READ_INTERNAL: &str = "service-logs.log.read-internal";
pub const DELETE: &str = "service-logs.log.delete";

pub struct TestApp {
    pub url: String,
    pub db: TestDb,
    pub http: reqwest::Client,
    /// A token with every permission, for set-up.
    pub admin: String,
    handle: actix_web::dev::ServerHandle,
    _notifications: service_logs::notifications::worker::WorkerHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// The OCM error body of a reply.
pub trait OcmReply {
    /// The error body with `operation_id` checked against the `X-Operation-ID` header and then blanked.
    fn error(&self) -> Value;
}

impl OcmReply for Reply {
    fn error(&self) -> Value {
        self.error_with_id("x-operation-id", "operation_id")
    }
}

/// The OCM error body expected for `id` and `reason` (operation id blanked as `Reply::error` does).
pub fn ocm_error(id: u16, reason: &str) -> Value {
    json!({
        "kind": "Error", "id": id.to_string(), "href": format!("{BASE}/errors/{id}"),
        "code": format!("OCM-CA-{id}"), "reason": reason, "operation_id": ""
    })
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    platform::telemetry::init_for_tests();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/service-logs");
    let db = TestDb::create("service_logs", service_logs::MIGRATIONS, &dir).await;
    let mut settings = Settings::for_tests(&db.url, tokens::SECRET, 2);
    settings.common.run_migrations = false; // the template is migrated
    adjust(&mut settings);
    let running = service_logs::build(&settings).await.unwrap();
    let handle = running.server.handle();
    tokio::spawn(running.server);
    TestApp {
        url: format!("http://{}", running.addr),
        db,
        http: reqwest::Client::new(),
        admin: tokens::token("admin", Some("acc-admin"), &[CREATE, READ_INTERNAL, DELETE]),
        handle,
        _notifications: running.notifications,
    }
}

impl TestApp {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = testkit::http::request(&self.http, &self.url, method, path, token, &[]);
        if let Some(b) = body {
            req = req.json(&b);
        }
        Reply::send(req).await
    }

    pub async fn raw(&self, req: reqwest::RequestBuilder) -> Reply {
        Reply::send(req).await
    }

    pub fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.url))
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// Creates a log with the admin token and returns its body.
    pub async fn create(&self, body: Value) -> Value {
        let r = self
            .call(
                Method::POST,
                &format!("{BASE}/cluster_logs"),
                Some(&self.admin),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()
    }

    /// Creates `items` in one bulk create with the admin token; the answer must be 200.
    pub async fn bulk_create(&self, items: Vec<Value>) -> Value {
        let r = self
            .call(
                Method::POST,
                &format!("{BASE}/cluster_logs/bulk"),
                Some(&self.admin),
                Some(json!({"items": items})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json()
    }

    /// How many logs the table holds, read straight from the database.
    pub async fn count_rows(&self) -> i64 {
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let mut conn = self.db.connect().await;
        service_logs::schema::cluster_logs::table
            .count()
            .get_result(&mut conn)
            .await
            .unwrap()
    }
}

/// A minimal valid body for `cluster_uuid`.
pub fn log(cluster_uuid: &str, summary: &str) -> Value {
    json!({"cluster_uuid": cluster_uuid, "severity": "Info", "service_name": "SREManualAction", "summary": summary})
}

/// Polls `check` every 50 ms until it holds; panics naming `what` after 20 s.
pub async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..400 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Another writer of a trigger, caught mid-transaction: it has changed the trigger's row (`set`, an SQL `SET`
/// list) and holds the row's lock until [`RivalWriter::commit_once_waited_on`]. A test lets the service start its own write of
/// that trigger, waits until the service waits for the lock, then commits: the service's write must then apply to
/// the rival's committed row, not to a copy read before it.
pub struct RivalWriter {
    conn: diesel_async::AsyncPgConnection,
    watcher: diesel_async::AsyncPgConnection,
}

impl RivalWriter {
    pub async fn begin(app: &TestApp, trigger_id: &str, set: &str) -> Self {
        use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
        let mut conn = app.db.connect().await;
        conn.batch_execute("BEGIN").await.unwrap();
        let changed = diesel::sql_query(format!(
            "UPDATE notification_triggers SET {set} WHERE id = $1"
        ))
        .bind::<diesel::sql_types::Text, _>(trigger_id)
        .execute(&mut conn)
        .await
        .unwrap();
        assert_eq!(changed, 1);
        Self {
            conn,
            watcher: app.db.connect().await,
        }
    }

    /// Waits until another session of this database waits for a lock (the rival's row lock: nothing else in the
    /// test holds one), then commits.
    pub async fn commit_once_waited_on(mut self) {
        use diesel::sql_types::BigInt;
        use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
        #[derive(diesel::QueryableByName)]
        struct Waiting {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let watcher = &mut self.watcher;
        eventually(
            "a session waiting for the rival writer's lock",
            async || {
                let w: Waiting = diesel::sql_query(
                    "SELECT count(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
                )
                .get_result(watcher)
                .await
                .unwrap();
                w.n > 0
            },
        )
        .await;
        self.conn.batch_execute("COMMIT").await.unwrap();
    }
}
