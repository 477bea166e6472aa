//! `logs-router outbox`, run as the binary an operator runs, against a real database.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use std::path::Path;
use std::process::Output;

use diesel::ExpressionMethods;
use diesel_async::RunQueryDsl;
use logs_router::schema::audit_outbox;
use logs_router::store::outbox;
use serde_json::{Value, json};
use testkit::db::TestDb;
use uuid::Uuid;

const TENANT: &str = "8717DB99-5C4A-4F1B-9E3D-2A6B7C8D9E0F";

async fn test_db() -> TestDb {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/logs-router");
    TestDb::create("logs_router", logs_router::MIGRATIONS, &dir).await
}

/// An outbox row as the router writes it (inserted directly: the event's content is the test's, not a handler's).
struct Seed {
    event_id: Uuid,
    account_id: &'static str,
    event: Value,
}

fn event(account: &'static str, action: &str) -> Seed {
    let event_id = Uuid::new_v4();
    Seed {
        event_id,
        account_id: account,
        event: json!({
            "id": event_id.to_string(), "eventTime": "2026-01-02T03:04:05Z", "action": action,
            "outcome": "success", "message": "Logs Routing: create tenant t1", "severity": "normal",
            "correlationId": "trace-1", "dataEvent": false, "observer": {"name": "ActivityTracker"},
            "initiator": {"id": "iam-1", "name": "alice", "typeURI": "service/security/account/user",
                          "credential": {"type": "token"}, "host": {"address": "127.0.0.1"}},
            "target": {"id": "crn:v1:tenant", "name": "t1", "typeURI": "logs-router/tenant"},
            "reason": {"reasonCode": 200, "reasonType": "OK"},
            "requestData": {"tenantID": TENANT, "region": "us-south"},
            "responseData": {"tenantCRN": "crn:v1:tenant"},
        }),
    }
}

/// One pending event and two parked ones (service-logs answered 400 for good).
async fn seed(db: &TestDb) -> (Uuid, Uuid, Uuid) {
    let mut conn = db.connect().await;
    let rows = [
        event("acc-1", "logs-router.tenant.create"),
        event("acc-1", "logs-router.tenant.update"),
        event("acc-2", "logs-router.tenant.delete"),
    ];
    for row in &rows {
        diesel::insert_into(audit_outbox::table)
            .values((
                audit_outbox::event_id.eq(row.event_id),
                audit_outbox::account_id.eq(row.account_id),
                audit_outbox::event.eq(&row.event),
                audit_outbox::traceparent.eq(""),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let all = outbox::all(&mut conn).await.unwrap();
    for row in &all[1..] {
        outbox::mark_failed(
            &mut conn,
            &[row.seq],
            "service-logs answered 400: bad summary",
            true,
            0,
        )
        .await
        .unwrap();
    }
    (rows[0].event_id, rows[1].event_id, rows[2].event_id)
}

fn outbox_cmd(db: &TestDb, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_logs-router"))
        .arg("outbox")
        .args(args)
        .env_clear()
        .env("DATABASE_URL", &db.url)
        .env("REGION", "us-south")
        .output()
        .unwrap()
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids(values: &[Value]) -> Vec<String> {
    values
        .iter()
        .map(|v| v["event_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn list_shows_undelivered_and_parked_events() {
    let db = test_db().await;
    let (pending, parked_a, parked_b) = seed(&db).await;

    let out = outbox_cmd(&db, &["list"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        ids(&lines(&out)),
        vec![
            pending.to_string(),
            parked_a.to_string(),
            parked_b.to_string()
        ]
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "3 undelivered event(s)\n"
    );

    let out = outbox_cmd(&db, &["list", "--parked"]);
    assert!(out.status.success(), "{out:?}");
    let parked = lines(&out);
    assert_eq!(
        ids(&parked),
        vec![parked_a.to_string(), parked_b.to_string()]
    );
    assert_eq!(parked[0]["account_id"], "acc-1");
    assert_eq!(parked[0]["action"], "logs-router.tenant.update");
    assert_eq!(parked[0]["attempts"], 1);
    assert_eq!(
        parked[0]["last_error"],
        "service-logs answered 400: bad summary"
    );
    assert!(parked[0]["parked_at"].is_string());
}

#[tokio::test]
async fn requeue_one_is_audited_in_its_account_and_leaves_the_others() {
    let db = test_db().await;
    let (pending, parked_a, parked_b) = seed(&db).await;

    let id = parked_a.to_string();
    let out = outbox_cmd(
        &db,
        &["requeue", &id, "--initiator", "alice", "--reason", "OPS-42"],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(ids(&lines(&out)), vec![id.clone()]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "1 event(s) requeued\n"
    );

    let mut conn = db.connect().await;
    let rows = outbox::all(&mut conn).await.unwrap();
    let by_id = |id: Uuid| rows.iter().find(|r| r.event_id == id).unwrap();
    assert_eq!(by_id(parked_a).parked_at, None, "requeued");
    assert!(
        by_id(parked_b).parked_at.is_some(),
        "another parked event stays parked"
    );
    assert_eq!(by_id(pending).attempts, 0);

    // The admin event: one more row, in the requeued event's account, under its tenant.
    assert_eq!(rows.len(), 4);
    let admin = rows.last().unwrap();
    assert_eq!(admin.account_id, "acc-1");
    assert_eq!(admin.parked_at, None);
    assert_eq!(admin.event["action"], "logs-router.outbox.requeue");
    assert_eq!(admin.event["initiator"]["name"], "alice");
    assert_eq!(admin.event["requestData"]["eventID"], id);
    assert_eq!(admin.event["requestData"]["reason"], "OPS-42");
    assert_eq!(admin.event["requestData"]["tenantID"], TENANT);
    assert_eq!(
        admin.event["requestData"]["lastError"],
        "service-logs answered 400: bad summary"
    );
    assert_eq!(
        admin.event["message"],
        format!("Logs Routing: requeue audit event {id} (logs-router.tenant.update)")
    );

    // Requeued once: it is no longer parked, so a second requeue finds nothing and fails.
    let again = outbox_cmd(&db, &["requeue", &id]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&again.stderr),
        format!(
            "logs-router: no parked event {id}: `logs-router outbox list --parked` shows the parked ones\n"
        )
    );
    assert_eq!(
        outbox::all(&mut conn).await.unwrap().len(),
        4,
        "a failed requeue writes nothing"
    );
}

#[tokio::test]
async fn requeue_all_parked_requeues_each_with_its_own_admin_event() {
    let db = test_db().await;
    let (_, parked_a, parked_b) = seed(&db).await;

    let out = outbox_cmd(&db, &["requeue", "--all-parked"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        ids(&lines(&out)),
        vec![parked_a.to_string(), parked_b.to_string()]
    );

    let mut conn = db.connect().await;
    let rows = outbox::all(&mut conn).await.unwrap();
    assert!(rows.iter().all(|r| r.parked_at.is_none()));
    let admin: Vec<_> = rows
        .iter()
        .filter(|r| r.event["action"] == "logs-router.outbox.requeue")
        .map(|r| (r.account_id.as_str(), r.event["initiator"]["name"].as_str()))
        .collect();
    // No USER in the environment: the initiator is "operator".
    assert_eq!(
        admin,
        vec![("acc-1", Some("operator")), ("acc-2", Some("operator"))]
    );

    let out = outbox_cmd(&db, &["list", "--parked"]);
    assert!(lines(&out).is_empty());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "0 parked event(s)\n");
}

#[tokio::test]
async fn requeue_needs_an_event_id_or_all_parked() {
    let db = test_db().await;
    let out = outbox_cmd(&db, &["requeue"]);
    assert_eq!(out.status.code(), Some(2), "a usage error");
    let out = outbox_cmd(&db, &["requeue", "not-a-uuid"]);
    assert_eq!(out.status.code(), Some(2));
}
