//! The in-memory evaluation of a search (`Criteria::matches`, used to match new logs against notification
//! triggers) agrees with its SQL compilation (`store::search::compile`, used by every list) on generated logs
//! and searches, against real PostgreSQL.

use std::collections::BTreeSet;
use std::sync::Arc;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use service_logs::filter::Criteria;
use service_logs::schema::cluster_logs;
use service_logs::store::rows::LogRow;
use time::OffsetDateTime;
use tokio::sync::Mutex;

use crate::common::*;

const TEXT_FIELDS: [&str; 5] = [
    "summary",
    "description",
    "service_name",
    "severity",
    "username",
];
const TIMES: [i64; 4] = [1_700_000_000, 1_700_000_001, 1_714_000_000, 1_800_000_000];

/// Short texts over a small alphabet, so that equalities, orderings and patterns often hit.
fn text() -> impl Strategy<Value = String> {
    "[abAB_%]{0,3}"
}

fn log_row() -> impl Strategy<Value = (Vec<String>, bool, usize)> {
    (
        prop::collection::vec(text(), TEXT_FIELDS.len()),
        any::<bool>(),
        0..TIMES.len(),
    )
}

fn row(i: usize, (texts, internal, time): &(Vec<String>, bool, usize)) -> LogRow {
    let ts = OffsetDateTime::from_unix_timestamp(TIMES[*time]).unwrap();
    let t = |n: usize| texts[n].clone();
    LogRow {
        id: format!("{i:027}"),
        cluster_uuid: "c".into(),
        cluster_id: String::new(),
        subscription_id: String::new(),
        account_id: String::new(),
        severity: t(3),
        service_name: t(2),
        summary: t(0),
        description: t(1),
        internal_only: *internal,
        log_type: String::new(),
        doc_references: vec![],
        event_stream_id: "e".into(),
        timestamp: ts,
        username: t(4),
        created_at: ts,
        created_by: String::new(),
        email: String::new(),
        first_name: String::new(),
        last_name: String::new(),
    }
}

fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn time_literal(i: usize) -> String {
    let t = OffsetDateTime::from_unix_timestamp(TIMES[i]).unwrap();
    quoted(&domain::timefmt::format_utc(t))
}

fn predicate() -> impl Strategy<Value = String> {
    let text_pred = (
        prop::sample::select(TEXT_FIELDS.to_vec()),
        0..10usize,
        text(),
        text(),
    )
        .prop_map(|(f, kind, a, b)| {
            let (qa, qb) = (quoted(&a), quoted(&b));
            match kind {
                0 => format!("{f} = {qa}"),
                1 => format!("{f} != {qa}"),
                2 => format!("{f} < {qa}"),
                3 => format!("{f} >= {qa}"),
                4 => format!("{f} like {qa}"),
                5 => format!("{f} not ilike {qa}"),
                6 => format!("{f} in ({qa}, {qb})"),
                7 => format!("{f} not between {qa} and {qb}"),
                8 => format!("{f} is null"),
                _ => format!("{f} ilike {qa}"),
            }
        });
    let bool_pred = (any::<bool>(), any::<bool>())
        .prop_map(|(neq, v)| format!("internal_only {} '{v}'", if neq { "!=" } else { "=" }));
    let time_pred = (0..5usize, 0..TIMES.len(), 0..TIMES.len()).prop_map(|(kind, a, b)| {
        let (la, lb) = (time_literal(a), time_literal(b));
        match kind {
            0 => format!("timestamp = {la}"),
            1 => format!("timestamp > {la}"),
            2 => format!("created_at between {la} and {lb}"),
            3 => format!("timestamp not in ({la}, {lb})"),
            _ => "timestamp is not null".to_owned(),
        }
    });
    prop_oneof![4 => text_pred, 1 => bool_pred, 1 => time_pred]
}

fn search() -> impl Strategy<Value = String> {
    predicate().prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_matching_agrees_with_sql() {
    let app = spawn().await;
    let conn = Arc::new(Mutex::new(app.db.connect().await));
    let handle = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config {
        cases: 200,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        prop::collection::vec(log_row(), 1..8),
        prop::collection::vec(search(), 1..6),
    );
    let result = tokio::task::block_in_place(|| {
        runner.run(&strategy, |(logs, searches)| {
            handle.block_on(async {
                let mut conn = conn.lock().await;
                diesel::delete(cluster_logs::table)
                    .execute(&mut *conn)
                    .await
                    .unwrap();
                let rows: Vec<LogRow> = logs.iter().enumerate().map(|(i, l)| row(i, l)).collect();
                let stored: Vec<LogRow> = diesel::insert_into(cluster_logs::table)
                    .values(&rows)
                    .returning(LogRow::as_returning())
                    .get_results(&mut *conn)
                    .await
                    .unwrap();
                for text in &searches {
                    let criteria = Criteria::parse(text)
                        .unwrap_or_else(|e| panic!("{text}: {e}"))
                        .unwrap();
                    let by_sql: BTreeSet<String> = cluster_logs::table
                        .select(cluster_logs::id)
                        .filter(service_logs::store::search::compile(&criteria))
                        .load::<String>(&mut *conn)
                        .await
                        .unwrap()
                        .into_iter()
                        .collect();
                    let in_memory: BTreeSet<String> = stored
                        .iter()
                        .filter(|r| criteria.matches(r))
                        .map(|r| r.id.clone())
                        .collect();
                    prop_assert_eq!(&in_memory, &by_sql, "search: {} over {:?}", text, stored);
                }
                Ok(())
            })
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
