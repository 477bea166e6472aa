//! Every statement of the router's writes and of the delivery worker is a prepared statement kept on its
//! connection: diesel marks UPDATEs, `sql_query` and multi-row INSERTs uncacheable, and without
//! `platform::db::Cached` each would be prepared again (a Parse round trip) and closed on every call. Kept
//! statements stay in `pg_prepared_statements`; a closed one is gone from it.

use crate::common::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain_routing::etag::Condition;
use domain_routing::{TargetSpec, TargetType};
use logs_router::store::rows::{NewOutboxEvent, TargetRow, TenantRow};
use logs_router::store::{StoreError, outbox, tenants};
use uuid::Uuid;

#[derive(diesel::QueryableByName)]
struct Prepared {
    #[diesel(sql_type = Text)]
    statement: String,
}

async fn prepared(conn: &mut AsyncPgConnection) -> Vec<String> {
    let rows: Vec<Prepared> = diesel::sql_query("SELECT statement FROM pg_prepared_statements")
        .load(conn)
        .await
        .unwrap();
    rows.into_iter().map(|r| r.statement).collect()
}

fn record(tenant: &TenantRow) -> NewOutboxEvent {
    let event = serde_json::from_value(serde_json::json!({
        "id": "e1", "eventTime": "2026-01-02T03:04:05Z", "action": "logs-router.tenant.update",
        "outcome": "success", "message": "Logs Routing: update tenant", "severity": "normal",
        "correlationId": "trace-1", "dataEvent": false, "observer": {"name": "ActivityTracker"},
        "initiator": {"id": "iam-1", "name": "alice", "typeURI": "service/security/account/user",
                      "credential": {"type": "token"}, "host": {"address": "127.0.0.1"}},
        "target": {"id": tenant.crn, "name": tenant.name, "typeURI": "logs-router/tenant"},
        "reason": {"reasonCode": 200, "reasonType": "OK"},
        "requestData": {"region": "us-south"}, "responseData": {}
    }))
    .unwrap();
    NewOutboxEvent {
        event_id: Uuid::new_v4(),
        account_id: tenant.account_id.clone(),
        event,
        traceparent: String::new(),
    }
}

fn spec(kind: TargetType, port: u16) -> TargetSpec {
    let crn = match kind {
        TargetType::Logs => LOGS_CRN,
        TargetType::Logdna => LOGDNA_CRN,
    };
    TargetSpec {
        name: format!("{kind:?}").to_lowercase(),
        log_sink_crn: crn.to_owned(),
        target_type: kind,
        host: "logs.example.com".into(),
        port,
        access_credential: None,
    }
}

/// Every kind of write, and the delivery worker's statements, once.
async fn writes(conn: &mut AsyncPgConnection, n: usize) {
    let tenant = TenantRow::new(
        Uuid::new_v4(),
        ACCOUNT,
        format!("crn:v1:bluemix:public:logs-router:us-south:a/{ACCOUNT}:{n}::"),
        format!("t-{n}"),
        "trace".into(),
    );
    let logs = TargetRow::new(tenant.id, &spec(TargetType::Logs, 443), "trace".into());
    let (tenant, targets) = tenants::create(conn, 100, tenant, vec![logs], record)
        .await
        .unwrap();
    let target = targets[0].id;
    tenants::update_target::<StoreError>(
        conn,
        ACCOUNT,
        (tenant.id, target),
        Some(&Condition::new("*")),
        |t| Ok(t.changed(&spec(TargetType::Logs, 8443), None, "trace-2".into())),
        |t, _| record(t),
    )
    .await
    .unwrap_or_else(|e| panic!("update_target: {e}"));
    let any = Condition::new("*");
    tenants::rename(
        conn,
        ACCOUNT,
        tenant.id,
        Some(&any),
        &format!("r-{n}"),
        "trace-3",
        record,
    )
    .await
    .unwrap_or_else(|e| panic!("rename: {e}"));
    let dna = TargetRow::new(tenant.id, &spec(TargetType::Logdna, 443), "trace-4".into());
    let dna_id = dna.id;
    tenants::add_target(conn, ACCOUNT, tenant.id, dna, record)
        .await
        .unwrap();
    tenants::delete_target(
        conn,
        ACCOUNT,
        (tenant.id, dna_id),
        None,
        "trace-5",
        |t, _| record(t),
    )
    .await
    .unwrap();
    tenants::delete(conn, ACCOUNT, tenant.id, None, record)
        .await
        .unwrap();

    let lanes = outbox::due_lanes(conn).await.unwrap();
    let rows = outbox::claim_lane(conn, lanes[0], 250).await.unwrap();
    assert!(outbox::lock_lane(conn, lanes[0]).await.unwrap());
    outbox::mark_delivered(conn, &[rows[0].seq]).await.unwrap();
    outbox::mark_failed(conn, &[rows[1].seq], "503", false, 0)
        .await
        .unwrap();
    outbox::stats(conn).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_is_a_kept_prepared_statement() {
    let db = test_db().await;
    let mut conn = db.connect().await;
    writes(&mut conn, 1).await;
    let kept = prepared(&mut conn).await;
    for statement in [
        "SELECT pg_advisory_xact_lock(",
        "INSERT INTO \"targets\"",
        "UPDATE \"targets\" SET",
        "UPDATE \"tenants\" SET \"etag\"",
        "UPDATE \"tenants\" SET \"name\"",
        "INSERT INTO \"audit_outbox\"",
        "UPDATE \"audit_outbox\" SET \"delivered_at\"",
        "UPDATE \"audit_outbox\" SET \"attempts\"",
        "SELECT pg_try_advisory_xact_lock(",
        "SELECT * FROM ( ",
        "SELECT 0::int2 AS lane",
        "WITH oldest AS",
    ] {
        assert!(
            kept.iter().any(|s| s.starts_with(statement)),
            "no kept prepared statement starting {statement:?} among:\n{}",
            kept.join("\n")
        );
    }
    // The same writes again prepare nothing new: each statement's text takes one form (the claim one per lane).
    writes(&mut conn, 2).await;
    let again = prepared(&mut conn).await;
    let new: Vec<&String> = again.iter().filter(|s| !kept.contains(s)).collect();
    let lane_claims = new.iter().all(|s| s.starts_with("SELECT * FROM ( "));
    assert!(
        new.is_empty() || lane_claims,
        "the second run prepared new statements:\n{new:#?}"
    );
}
