//! The request sequences of the real clients: osdctl, the console, `ocm describe`, automation, the OCM SDK
//! (docs/api-service-logs.md#what-the-ocm-sdk-sends), qontract-reconcile.

use crate::common::*;
use crate::lists::enc;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osdctl_post_passes_its_echo_check_and_list_finds_it() {
    let app = spawn().await;
    let token = tokens::token("osdctl-user", Some("acc-1"), &[CREATE, READ_INTERNAL]);
    let body = json!({
        "severity": "Warning", "service_name": "SREManualAction", "cluster_uuid": "3f2a6a31-1f8d-4c1e-9d0f-6f1c2b7a9e10",
        "cluster_id": "2bd4e1m0lsq7r2mjk6qv1fbl4r8ct0ab", "summary": "Action required: review", "description": "Please review.",
        "internal_only": false, "event_stream_id": "", "subscription_id": "sub-1", "doc_references": null
    });
    let r = app
        .call(
            Method::POST,
            &format!("{BASE}/cluster_logs"),
            Some(&token),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let created = r.json();
    for k in [
        "severity",
        "service_name",
        "cluster_uuid",
        "summary",
        "description",
    ] {
        assert_eq!(created[k], body[k], "osdctl echo check on {k}");
    }
    assert!(created.get("doc_references").is_none());
    assert_eq!(created["event_stream_id"].as_str().unwrap().len(), 27);

    // `osdctl servicelog list`: both ids, orderBy, an empty search, no page or size.
    let path = format!(
        "{BASE}/clusters/cluster_logs?cluster_id=2bd4e1m0lsq7r2mjk6qv1fbl4r8ct0ab&cluster_uuid=3f2a6a31-1f8d-4c1e-9d0f-6f1c2b7a9e10&orderBy={}&search=",
        enc("timestamp desc")
    );
    let list = app.get(&path, &token).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        list.json(),
        json!({"kind": "ClusterLogList", "page": 1, "size": 1, "total": 1, "items": [created]})
    );
    let internal = app
        .get(
            &format!(
                "{path}{}",
                enc("service_name='SREManualAction' and internal_only='true'")
            ),
            &token,
        )
        .await;
    assert_eq!(internal.json()["total"], json!(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_pages_searches_and_downloads() {
    let app = spawn().await;
    for i in 0..25 {
        app.create(json!({
            "cluster_uuid": "cu", "cluster_id": "ci", "account_id": "acc", "severity": if i % 2 == 0 { "Info" } else { "Warning" },
            "service_name": "ClusterService", "summary": format!("event {i:02}"), "description": if i == 7 { "needle here" } else { "" },
            "username": if i == 3 { "alice" } else { "" }, "log_type": "Cluster Updates",
            "timestamp": format!("2024-06-01T00:{i:02}:00Z"),
        }))
        .await;
    }
    let user = tokens::token("console", Some("acc"), &[READ]);
    let page = app
        .get(
            &format!(
                "{BASE}/clusters/cluster_logs?cluster_id=ci&page=1&size=20&orderBy={}",
                enc("timestamp desc")
            ),
            &user,
        )
        .await
        .json();
    assert_eq!(
        (page["size"].clone(), page["total"].clone()),
        (json!(20), json!(25))
    );
    assert_eq!(page["items"][0]["summary"], json!("event 24"));
    assert_eq!(page["items"][19]["summary"], json!("event 05"));

    let searches = [
        (
            "(description ILIKE '%needle%' OR summary ILIKE '%needle%') AND (severity IN ('Info','Warning')) AND timestamp >= '2024-05-01'",
            1,
        ),
        (
            "(username ILIKE '%alice%' OR (username = '' AND created_by ILIKE '%alice%'))",
            1,
        ),
        (
            "(username ILIKE '%admin%' OR (username = '' AND created_by ILIKE '%admin%'))",
            24,
        ),
        ("log_type IN ('Cluster Updates')", 25),
    ];
    for (s, total) in searches {
        let r = app
            .get(&format!("{BASE}/clusters/cluster_logs?cluster_id=ci&page=1&size=20&orderBy={}&search={}", enc("timestamp desc"), enc(s)), &user)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{s}: {}", r.text);
        assert_eq!(r.json()["total"], json!(total), "{s}");
    }
    let csv = app
        .get(
            &format!("{BASE}/clusters/cluster_logs?cluster_id=ci&size=-1&format=csv"),
            &user,
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.text.lines().count(), 26);
    assert!(csv.text.starts_with(
        "id,cluster_uuid,cluster_id,subscription_id,account_id,severity,service_name,summary,"
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocm_describe_pages_until_an_empty_page() {
    let app = spawn().await;
    for i in 0..250 {
        app.create(json!({"cluster_id": "c-1", "severity": "Info", "service_name": "s", "summary": format!("{i}")})).await;
    }
    let mut seen = std::collections::HashSet::new();
    let mut page = 1;
    loop {
        let v = app
            .get(
                &format!("{BASE}/clusters/cluster_logs?cluster_id=c-1&page={page}"),
                &app.admin,
            )
            .await
            .json();
        let items = v["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        assert_eq!(v["total"], json!(250));
        for i in items {
            assert!(
                seen.insert(i["id"].as_str().unwrap().to_owned()),
                "a log came twice"
            );
        }
        page += 1;
    }
    assert_eq!((seen.len(), page), (250, 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automation_deduplicates_with_a_zoneless_created_at() {
    let app = spawn().await;
    let bot = tokens::token("bot", None, &[CREATE, READ_INTERNAL]);
    let body = json!({"cluster_uuid": "u", "severity": "Major", "service_name": "Alerts", "summary": "Disk almost full"});
    let since = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
    let since = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.123456",
        since.year(),
        u8::from(since.month()),
        since.day(),
        since.hour(),
        since.minute(),
        since.second()
    );
    let search = format!(
        "service_name = 'Alerts' and severity = 'Major' and summary = 'Disk almost full' and created_at >= '{since}'"
    );
    let path = format!("{BASE}/cluster_logs?search={}", enc(&search));
    assert_eq!(app.get(&path, &bot).await.json()["total"], json!(0));
    let r = app
        .call(
            Method::POST,
            &format!("{BASE}/cluster_logs"),
            Some(&bot),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        app.get(&path, &bot).await.json()["total"],
        json!(1),
        "the next run sees the duplicate and does not post"
    );
    // On 401 it refreshes its token and retries.
    let expired = tokens::hs256(
        &json!({"sub": "bot", "exp": tokens::now() - 60, "permissions": [READ_INTERNAL]}),
    );
    assert_eq!(
        app.get(&path, &expired).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get(&path, &bot).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocm_sdk_reads_the_version_metadata_with_or_without_a_token() {
    let app = spawn().await;
    let want = json!({"kind": "Metadata", "server_version": env!("CARGO_PKG_VERSION")});
    let bare = app.raw(app.req(Method::GET, BASE)).await;
    let with_token = app
        .get(BASE, &tokens::token("sdk", Some("acc"), &[READ]))
        .await;
    for r in [bare, with_token] {
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.json(), want);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qontract_reconcile_pages_by_size_and_reads_required_strings() {
    let app = spawn().await;
    let bot = tokens::token("qontract-reconcile", None, &[CREATE, READ_INTERNAL]);
    // The create echo already carries every field the client requires, as strings (none sent here but two).
    let r = app
        .call(
            Method::POST,
            &format!("{BASE}/cluster_logs"),
            Some(&bot),
            Some(json!({"cluster_uuid": "qr", "severity": "Info", "service_name": "qr", "summary": "s-0"})),
        )
        .await;
    let required = [
        "id",
        "href",
        "event_stream_id",
        "username",
        "cluster_id",
        "timestamp",
        "description",
    ];
    let strings = |log: &serde_json::Value, ctx: &str| {
        for k in required {
            assert!(log[k].is_string(), "{ctx}: '{k}' is {}", log[k]);
        }
    };
    strings(&r.json(), "create echo");
    for i in 1..150 {
        app.create(json!({"cluster_uuid": "qr", "severity": "Info", "service_name": "qr", "summary": format!("s-{i}")}))
            .await;
    }
    // size=100 and no page: `size` is the number of items returned, which tells it whether to go on.
    let path = format!("{BASE}/clusters/qr/cluster_logs");
    for (size, returned) in [
        ("100", 100),
        ("149", 149),
        ("150", 150),
        ("65500", 150),
        ("200", 150),
    ] {
        let v = app.get(&format!("{path}?size={size}"), &bot).await.json();
        assert_eq!(
            (v["page"].clone(), v["size"].clone(), v["total"].clone()),
            (json!(1), json!(returned), json!(150)),
            "size={size}"
        );
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), returned, "size={size}");
        for item in items {
            strings(item, "list item");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocm_sdk_posts_a_chunked_pretty_printed_log_entry() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn().await;
    let token = tokens::token("ocm-sdk", None, &[CREATE]);
    // The SDK's LogEntry marshalling: indented, `kind` first, sent with Transfer-Encoding: chunked.
    let body = "{\n  \"kind\": \"LogEntry\",\n  \"cluster_uuid\": \"sdk-cluster\",\n  \"description\": \"From the SDK\",\n  \
                \"internal_only\": false,\n  \"service_name\": \"SDK\",\n  \"severity\": \"Info\",\n  \
                \"summary\": \"Chunked\"\n}\n";
    let (head, tail) = body.split_at(body.len() / 2);
    let chunk = |s: &str| format!("{:x}\r\n{s}\r\n", s.len());
    let request = format!(
        "POST {BASE}/cluster_logs HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nAccept: application/json\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n{}{}0\r\n\r\n",
        chunk(head),
        chunk(tail)
    );
    let addr = app.url.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 201 Created\r\n"), "{answer}");
    let lower = answer.to_ascii_lowercase();
    assert!(
        lower.contains("\r\ncontent-type: application/json\r\n"),
        "{answer}"
    );
    let (_, json_text) = answer.split_once("\r\n\r\n").unwrap();
    let created: serde_json::Value = serde_json::from_str(json_text.trim()).unwrap();
    assert_eq!(created["kind"], json!("ClusterLog"));
    assert_eq!(created["summary"], json!("Chunked"));
    assert_eq!(created["description"], json!("From the SDK"));
    let id = created["id"].as_str().unwrap();
    let stored = app
        .get(&format!("{BASE}/cluster_logs/{id}"), &app.admin)
        .await;
    assert_eq!(stored.json(), created);
}
