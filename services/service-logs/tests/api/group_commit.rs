//! Group commit of single creates: concurrent creates share one transaction, each answered for its own row.

use crate::common::*;
use diesel::sql_types::BigInt;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// An app whose batches close at `max` creates or after 5 s, one batch at a time: `max` concurrent creates are
/// one batch however the machine schedules them (a create alone waits the 5 s out).
async fn batching(max: usize) -> TestApp {
    spawn_with(|s| {
        s.group.max = max;
        s.group.wait_us = 5_000_000;
        s.group.writers = 1;
    })
    .await
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many transactions wrote the logs (rows written by one transaction share its `xmin`).
async fn transactions(app: &TestApp) -> i64 {
    let mut conn = app.db.connect().await;
    diesel::sql_query("SELECT count(DISTINCT xmin::text) AS n FROM cluster_logs")
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .n
}

async fn create(app: &TestApp, body: &Value, key: Option<&str>) -> Reply {
    let mut req = app
        .req(Method::POST, &format!("{BASE}/cluster_logs"))
        .bearer_auth(&app.admin)
        .json(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    app.raw(req).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_share_one_transaction_and_each_gets_its_own_log() {
    let app = batching(16).await;
    let bodies: Vec<Value> = (0..16)
        .map(|i| log(&format!("u-{i}"), &format!("n{i}")))
        .collect();
    let replies =
        futures_util::future::join_all(bodies.iter().map(|b| create(&app, b, None))).await;
    for (i, r) in replies.iter().enumerate() {
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let body = r.json();
        assert_eq!(body["summary"], json!(format!("n{i}")));
        assert_eq!(r.header("location"), body["href"].as_str());
        let stored = app.get(body["href"].as_str().unwrap(), &app.admin).await;
        assert_eq!(stored.json(), body, "answered as stored");
    }
    assert_eq!(app.count_rows().await, 16);
    assert_eq!(transactions(&app).await, 1, "16 creates, one transaction");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyed_creates_take_part_and_replay_inside_a_batch() {
    let app = batching(6).await;
    let same = log("u", "same");
    let calls = [
        (same.clone(), Some("k")),
        (same.clone(), Some("k")),
        (log("u", "other"), Some("k")),
        (log("u", "free"), None),
        (log("u", "k2"), Some("k2")),
        (log("u", "plain"), None),
    ];
    let replies =
        futures_util::future::join_all(calls.iter().map(|(b, k)| create(&app, b, *k))).await;
    // Of the three with key k, the first to reach the batch creates; the same body replays it (201, as any
    // replay of a single create); the other body is 422. Which one arrives first is the scheduler's choice.
    let mismatch = ocm_error(
        8,
        "This Idempotency-Key was already used with a different request body",
    );
    let statuses: Vec<u16> = replies[..3].iter().map(|r| r.status.as_u16()).collect();
    let same_won = statuses == [201, 201, 422];
    assert!(same_won || statuses == [422, 422, 201], "{statuses:?}");
    if same_won {
        assert_eq!(replies[0].json(), replies[1].json(), "the same log");
        assert_eq!(replies[2].error(), mismatch);
    } else {
        assert_eq!(replies[0].error(), mismatch);
        assert_eq!(replies[1].error(), mismatch);
    }
    for r in &replies[3..] {
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    assert_eq!(app.count_rows().await, 4);
    assert_eq!(transactions(&app).await, 1);
    // Across batches, as ever: the body that won replays its log, the other is refused.
    let winner = if same_won { &replies[0] } else { &replies[2] };
    let (won, lost) = if same_won {
        (same.clone(), log("u", "other"))
    } else {
        (log("u", "other"), same.clone())
    };
    let again = create(&app, &won, Some("k")).await;
    assert_eq!(
        (again.status, again.json()),
        (StatusCode::CREATED, winner.json())
    );
    let refused = create(&app, &lost, Some("k")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.error(), mismatch);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_the_database_refuses_fails_only_its_own_create() {
    let app = batching(8).await;
    // A rule only the database knows (the domain rules keep every real one out): this summary cannot be stored.
    let mut conn = app.db.connect().await;
    conn.batch_execute(
        "ALTER TABLE cluster_logs ADD CONSTRAINT test_poison CHECK (summary <> 'poison')",
    )
    .await
    .unwrap();
    let bodies: Vec<Value> = (0..8)
        .map(|i| log("u", if i == 3 { "poison" } else { "good" }))
        .collect();
    let replies =
        futures_util::future::join_all(bodies.iter().map(|b| create(&app, b, None))).await;
    for (i, r) in replies.iter().enumerate() {
        if i == 3 {
            assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text);
            assert_eq!(
                r.error(),
                ocm_error(
                    9,
                    "An unexpected error occurred; quote the operation id when reporting it"
                )
            );
        } else {
            assert_eq!(r.status, StatusCode::CREATED, "item {i}: {}", r.text);
        }
    }
    // The seven others stored, each once (the batch rolled back, then each went alone).
    assert_eq!(app.count_rows().await, 7);
    assert_eq!(transactions(&app).await, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_every_waiter_503_and_stores_nothing() {
    let app = batching(4).await;
    assert_eq!(
        create(&app, &log("u", "before"), None).await.status,
        StatusCode::CREATED
    );
    // The database goes away: no new connections, the pool's ones cut.
    app.db.cut_off().await;
    let bodies: Vec<Value> = (0..4).map(|i| log("u", &format!("down{i}"))).collect();
    let replies =
        futures_util::future::join_all(bodies.iter().map(|b| create(&app, b, Some("dk")))).await;
    for r in &replies {
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
        assert_eq!(r.header("retry-after"), Some("1"));
        assert_eq!(
            r.error(),
            ocm_error(9, "The service is temporarily unavailable; retry later")
        );
    }
    app.db.reopen().await;
    assert_eq!(
        app.count_rows().await,
        1,
        "nothing of the failed batch stored"
    );
    // Retried, each is stored once; the key was never recorded, so it creates.
    let r = create(&app, &bodies[0], Some("dk")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(app.count_rows().await, 2);
}
