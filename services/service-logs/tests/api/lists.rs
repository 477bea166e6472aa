//! Lists: envelope, paging, ordering, fields, search, visibility and CSV.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn summaries(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["summary"].as_str().unwrap().to_owned())
        .collect()
}

async fn seed(app: &TestApp) {
    for (i, (sev, internal, account)) in [
        ("Info", false, "acc-1"),
        ("Warning", false, "acc-1"),
        ("Error", true, "acc-1"),
        ("Info", false, "acc-2"),
        ("Critical", false, "acc-1"),
    ]
    .iter()
    .enumerate()
    {
        app.create(json!({
            "cluster_uuid": "u1", "account_id": account, "severity": sev, "internal_only": internal,
            "service_name": "svc", "summary": format!("log-{i}"), "timestamp": format!("2024-05-0{}T10:00:00Z", 5 - i),
        }))
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn envelope_paging_and_default_order() {
    let app = spawn().await;
    let empty = app.get(&format!("{BASE}/cluster_logs"), &app.admin).await;
    assert_eq!(
        empty.json(),
        json!({"kind": "ClusterLogList", "page": 1, "size": 0, "total": 0, "items": []})
    );
    seed(&app).await;
    let all = app
        .get(&format!("{BASE}/cluster_logs"), &app.admin)
        .await
        .json();
    assert_eq!(
        (
            all["page"].clone(),
            all["size"].clone(),
            all["total"].clone()
        ),
        (json!(1), json!(5), json!(5))
    );
    // Newest created first.
    assert_eq!(
        summaries(&all),
        ["log-4", "log-3", "log-2", "log-1", "log-0"]
    );
    let p2 = app
        .get(&format!("{BASE}/cluster_logs?page=2&size=2"), &app.admin)
        .await
        .json();
    assert_eq!(
        (p2["page"].clone(), p2["size"].clone(), p2["total"].clone()),
        (json!(2), json!(2), json!(5))
    );
    assert_eq!(summaries(&p2), ["log-2", "log-1"]);
    let p9 = app
        .get(&format!("{BASE}/cluster_logs?page=9&size=2"), &app.admin)
        .await
        .json();
    assert_eq!(
        p9,
        json!({"kind": "ClusterLogList", "page": 9, "size": 0, "total": 5, "items": []})
    );
    let zero = app
        .get(&format!("{BASE}/cluster_logs?size=0"), &app.admin)
        .await
        .json();
    assert_eq!(
        zero,
        json!({"kind": "ClusterLogList", "page": 1, "size": 0, "total": 5, "items": []})
    );
    let minus = app
        .get(&format!("{BASE}/cluster_logs?size=-1"), &app.admin)
        .await
        .json();
    assert_eq!(minus["size"], json!(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_by_and_order_and_several_keys() {
    let app = spawn().await;
    seed(&app).await;
    let by_ts = app
        .get(
            &format!("{BASE}/cluster_logs?orderBy=timestamp%20asc"),
            &app.admin,
        )
        .await
        .json();
    assert_eq!(
        summaries(&by_ts),
        ["log-4", "log-3", "log-2", "log-1", "log-0"]
    );
    let sdk = app
        .get(
            &format!("{BASE}/cluster_logs?order=timestamp%20desc"),
            &app.admin,
        )
        .await
        .json();
    assert_eq!(
        summaries(&sdk),
        ["log-0", "log-1", "log-2", "log-3", "log-4"]
    );
    let multi = app
        .get(
            &format!("{BASE}/cluster_logs?orderBy=severity%20asc,timestamp%20desc"),
            &app.admin,
        )
        .await
        .json();
    assert_eq!(
        summaries(&multi),
        ["log-4", "log-2", "log-0", "log-3", "log-1"]
    );
    let r = app
        .get(
            &format!("{BASE}/cluster_logs?orderBy=color%20desc"),
            &app.admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error()["id"], json!("21"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_see_their_account_and_never_internal_logs() {
    let app = spawn().await;
    seed(&app).await;
    // u1 would be acc-1's (learned from its first log), making every log of u1 acc-1's to read: give the
    // cluster to an account with no logs, so acc-1 reads exactly the logs that name it.
    let manage = tokens::token("provisioner", None, &["service-logs.cluster.manage"]);
    let r = app
        .call(
            reqwest::Method::PUT,
            &format!("{BASE}/clusters/u1/owner"),
            Some(&manage),
            Some(json!({"account_id": "acc-9"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let reader = tokens::token("r", Some("acc-1"), &[READ]);
    let mine = app
        .get(&format!("{BASE}/cluster_logs"), &reader)
        .await
        .json();
    assert_eq!(summaries(&mine), ["log-4", "log-1", "log-0"]);
    assert_eq!(mine["total"], json!(3));
    let other = tokens::token("r2", Some("acc-3"), &[READ]);
    assert_eq!(
        app.get(&format!("{BASE}/cluster_logs"), &other)
            .await
            .json()["total"],
        json!(0)
    );
    // A search cannot widen what the caller may see.
    let sneaky = app
        .get(
            &format!(
                "{BASE}/cluster_logs?search={}",
                enc("account_id = 'acc-2' or internal_only = 'true'")
            ),
            &reader,
        )
        .await
        .json();
    assert_eq!(sneaky["total"], json!(0));
}

pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fields_selects_and_always_keeps_id_kind_href() {
    let app = spawn().await;
    seed(&app).await;
    let v = app
        .get(
            &format!("{BASE}/cluster_logs?size=1&fields=summary,severity"),
            &app.admin,
        )
        .await
        .json();
    let item = &v["items"][0];
    let mut keys: Vec<&str> = item
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["href", "id", "kind", "severity", "summary"]);
    let r = app
        .get(
            &format!("{BASE}/cluster_logs?fields=summary,colour"),
            &app.admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.error()["reason"]
            .as_str()
            .unwrap()
            .starts_with("Invalid 'fields' value: unknown field 'colour'")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_export_has_a_header_and_one_row_per_log() {
    let app = spawn().await;
    seed(&app).await;
    let r = app.get(&format!("{BASE}/clusters/cluster_logs?cluster_uuid=u1&size=-1&format=csv&orderBy=timestamp%20desc&fields=summary,severity,internal_only"), &app.admin).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    let ids: Vec<String> = {
        let v = app
            .get(
                &format!("{BASE}/cluster_logs?orderBy=timestamp%20desc"),
                &app.admin,
            )
            .await
            .json();
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let expected = format!(
        "id,summary,severity,internal_only\n{},log-0,Info,false\n{},log-1,Warning,false\n{},log-2,Error,true\n{},log-3,Info,false\n{},log-4,Critical,false\n",
        ids[0], ids[1], ids[2], ids[3], ids[4]
    );
    assert_eq!(r.text, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_export_streams_many_rows() {
    let app = spawn().await;
    {
        use diesel_async::RunQueryDsl;
        let mut conn = app.db.connect().await;
        diesel::sql_query(
            "INSERT INTO cluster_logs (id, cluster_uuid, severity, service_name, summary, event_stream_id, timestamp)
             SELECT lpad(i::text, 27, '0'), 'big', 'Info', 'svc', 'row ' || i, 'e', now() FROM generate_series(1, 70000) i",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let r = app
        .get(
            &format!("{BASE}/clusters/big/cluster_logs?size=-1&format=csv&fields=summary"),
            &app.admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let lines: Vec<&str> = r.text.lines().collect();
    assert_eq!(lines.len(), 65_501, "header plus the 65500 cap");
    assert_eq!(lines[0], "id,summary");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_filters_with_every_operator() {
    let app = spawn().await;
    seed(&app).await;
    let cases: &[(&str, &[&str])] = &[
        ("severity = 'Info'", &["log-3", "log-0"]),
        (
            "severity != 'Info' and severity <> 'Error'",
            &["log-4", "log-1"],
        ),
        (
            "timestamp >= '2024-05-03' and timestamp < '2024-05-05T10:00:00Z'",
            &["log-2", "log-1"],
        ),
        ("timestamp <= '2024-05-02T10:00:00'", &["log-4", "log-3"]),
        ("timestamp > '2024-05-04T10:00:00+00:00'", &["log-0"]),
        (
            "summary like 'log-%' and summary not like '%3'",
            &["log-4", "log-2", "log-1", "log-0"],
        ),
        (
            "summary ilike 'LOG-1' or summary not ilike 'log-%'",
            &["log-1"],
        ),
        ("severity in ('Warning','Critical')", &["log-4", "log-1"]),
        ("severity not in ('Info')", &["log-4", "log-2", "log-1"]),
        (
            "timestamp between '2024-05-02' and '2024-05-03T23:00:00'",
            &["log-3", "log-2"],
        ),
        (
            "timestamp not between '2024-05-02' and '2024-05-04'",
            &["log-4", "log-1", "log-0"],
        ),
        (
            "log_type is null and not (severity = 'Info')",
            &["log-4", "log-2", "log-1"],
        ),
        ("description is not null", &[]),
        ("internal_only = 'true'", &["log-2"]),
        (
            "INTERNAL_ONLY = 'FALSE' AND account_id = 'acc-2'",
            &["log-3"],
        ),
        ("", &["log-4", "log-3", "log-2", "log-1", "log-0"]),
    ];
    for (search, want) in cases {
        let r = app
            .get(
                &format!("{BASE}/cluster_logs?search={}", enc(search)),
                &app.admin,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{search}: {}", r.text);
        assert_eq!(summaries(&r.json()), *want, "{search}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_export_neutralises_formula_cells() {
    let app = spawn().await;
    let created = app
        .create(json!({
            "cluster_uuid": "u1", "severity": "Info", "service_name": "@svc",
            "summary": "=HYPERLINK(\"http://evil\",\"click\")", "description": "+1\nsecond line",
            "username": "-2", "log_type": "\tcmd", "event_stream_id": "\rcmd", "subscription_id": "plain = text",
        }))
        .await;
    let r = app
        .get(
            &format!(
                "{BASE}/clusters/u1/cluster_logs?format=csv&fields=summary,description,username,log_type,\
                 event_stream_id,service_name,subscription_id"
            ),
            &app.admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        r.text,
        format!(
            "id,summary,description,username,log_type,event_stream_id,service_name,subscription_id\n\
             {id},\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\",\"'+1\nsecond line\",'-2,'\tcmd,\"'\rcmd\",'@svc,\
             plain = text\n"
        )
    );
    // JSON is data, not a spreadsheet: unchanged there.
    assert_eq!(
        created["summary"],
        json!("=HYPERLINK(\"http://evil\",\"click\")")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_csv_readers_cannot_exhaust_the_pool() {
    use diesel_async::RunQueryDsl;
    use tokio::io::AsyncWriteExt;
    let app = spawn().await;
    // ~13 MB of CSV per export, far more than the channel and the socket buffers hold: an export whose client
    // does not read stays blocked on it.
    let mut conn = app.db.connect().await;
    diesel::sql_query(
        "INSERT INTO cluster_logs (id, cluster_uuid, severity, service_name, summary, description, \
         event_stream_id, \"timestamp\") \
         SELECT lpad(g::text, 27, '0'), 'big', 'Info', 's', 'x', repeat('d', 400), 'e', now() \
         FROM generate_series(1, 30000) g",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    drop(conn);
    // As many stalled readers as the pool has connections (8 in tests): each asks and never reads.
    let addr = app.url.trim_start_matches("http://").to_owned();
    let mut stalled = Vec::new();
    for _ in 0..8 {
        let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let request = format!(
            "GET {BASE}/cluster_logs?format=csv&size=-1 HTTP/1.1\r\nHost: localhost\r\n\
             Authorization: Bearer {}\r\n\r\n",
            app.admin
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        stalled.push(tcp);
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    // Everyone else still gets a connection without waiting out the pool (3 s, then 503 before the fix; the
    // bound leaves room for a loaded CI machine), and the service stays ready.
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let r = app
            .get(&format!("{BASE}/cluster_logs?size=1"), &app.admin)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(
            started.elapsed() < std::time::Duration::from_millis(2500),
            "{:?}",
            started.elapsed()
        );
        let ready = app.raw(app.req(reqwest::Method::GET, "/readyz")).await;
        assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    }
    drop(stalled);
}

/// The process's peak resident memory so far, in bytes (Linux).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_lists_stream_with_bounded_memory() {
    let app = spawn().await;
    // 100 logs of ~900 KB, straight into the table: a default page is ~92 MB of JSON.
    use diesel_async::RunQueryDsl;
    let mut conn = app.db.connect().await;
    diesel::sql_query(
        "INSERT INTO cluster_logs (id, cluster_uuid, severity, service_name, summary, description, \
         event_stream_id, \"timestamp\") \
         SELECT lpad(g::text, 27, '0'), 'heavy', 'Info', 's', 'heavy-' || g, repeat('d', 921600), 'e', now() \
         FROM generate_series(1, 100) g",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    drop(conn);
    let before = peak_rss();
    let res = app
        .req(
            reqwest::Method::GET,
            &format!("{BASE}/clusters/heavy/cluster_logs"),
        )
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let streamed = res.content_length().is_none();
    // Read it as a client would, keeping only what is needed to check it.
    let (mut res, mut bytes, mut tail) = (res, 0usize, Vec::new());
    let mut head = Vec::new();
    while let Some(chunk) = res.chunk().await.unwrap() {
        bytes += chunk.len();
        if head.len() < 64 {
            head.extend_from_slice(&chunk[..chunk.len().min(64)]);
        }
        tail.extend_from_slice(&chunk);
        let keep = tail.len().saturating_sub(64);
        tail.drain(..keep);
    }
    let grown = peak_rss().saturating_sub(before);
    assert!(bytes > 92_000_000, "{bytes}");
    assert!(
        grown < 64 * 1024 * 1024,
        "serving a 92 MB page raised the peak RSS by {} MiB",
        grown / (1024 * 1024)
    );
    assert!(streamed, "streamed, so no Content-Length");
    assert!(
        head.starts_with(b"{\"kind\":\"ClusterLogList\",\"page\":1,\"total\":100,\"items\":[{"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    assert!(
        tail.ends_with(b"}],\"size\":100}"),
        "{}",
        String::from_utf8_lossy(&tail)
    );
}
