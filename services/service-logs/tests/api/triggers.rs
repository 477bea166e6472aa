//! Notification triggers: CRUD with merge patch, who manages which, the secret shown once, checked searches and
//! refused (SSRF) webhook destinations.

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

pub const MANAGE: &str = "service-logs.trigger.manage";
pub const TRIGGERS: &str = "/api/service_logs/v1/notification_triggers";

pub fn owner_token(account: &str) -> String {
    tokens::token(&format!("ops-of-{account}"), Some(account), &[MANAGE, READ])
}

pub fn internal_token() -> String {
    tokens::token("sre-tooling", None, &[MANAGE, READ_INTERNAL])
}

pub async fn post_trigger(app: &TestApp, token: &str, body: Value) -> Reply {
    app.call(Method::POST, TRIGGERS, Some(token), Some(body))
        .await
}

/// The body with `id`, `href` and times checked for shape and blanked, and each webhook secret checked (32
/// random bytes after `whsec_`) and blanked.
pub fn blanked(v: &Value) -> Value {
    let mut v = v.clone();
    let id = v["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 27, "{v}");
    assert_eq!(v["href"], json!(format!("{TRIGGERS}/{id}")));
    for k in ["created_at", "updated_at"] {
        assert!(v[k].as_str().unwrap().ends_with('Z'), "{v}");
        v[k] = json!("T");
    }
    v["id"] = json!("ID");
    v["href"] = json!("HREF");
    for a in v["actions"].as_array_mut().unwrap() {
        if let Some(s) = a.get("secret").and_then(Value::as_str) {
            let key = base64::engine::general_purpose::STANDARD
                .decode(s.strip_prefix("whsec_").unwrap())
                .unwrap();
            assert_eq!(key.len(), 32);
            a["secret"] = json!("SECRET");
        }
    }
    v
}

fn hook_and_mail() -> Value {
    json!({
        "name": "errors to ops", "search": "severity = 'Error'",
        "actions": [{"type": "webhook", "url": "https://hooks.example.com/in"}, {"type": "email", "to": ["ops@example.com"]}]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crud_with_the_secret_shown_once() {
    let app = spawn().await;
    let token = owner_token("acc-1");
    let r = post_trigger(&app, &token, hook_and_mail()).await;
    r.expect(201);
    let created = r.json();
    let expected = json!({
        "kind": "NotificationTrigger", "id": "ID", "href": "HREF", "name": "errors to ops",
        "account_id": "acc-1", "search": "severity = 'Error'",
        "actions": [
            {"type": "webhook", "url": "https://hooks.example.com/in", "secret": "SECRET"},
            {"type": "email", "to": ["ops@example.com"]}
        ],
        "created_at": "T", "updated_at": "T"
    });
    assert_eq!(blanked(&created), expected);
    let href = created["href"].as_str().unwrap().to_owned();
    assert_eq!(r.header("location"), Some(href.as_str()));
    let secret = created["actions"][0]["secret"].as_str().unwrap().to_owned();

    // Never again: not on GET, not in the list.
    let mut shown = expected.clone();
    shown["actions"][0]
        .as_object_mut()
        .unwrap()
        .remove("secret");
    let got = app.get(&href, &token).await;
    got.expect(200);
    assert_eq!(blanked(&got.json()), shown);
    assert!(!got.text.contains(&secret));
    let list = app.get(TRIGGERS, &token).await;
    list.expect(200);
    let mut l = list.json();
    assert_eq!(
        (
            l["kind"].clone(),
            l["page"].clone(),
            l["size"].clone(),
            l["total"].clone()
        ),
        (
            json!("NotificationTriggerList"),
            json!(1),
            json!(1),
            json!(1)
        )
    );
    assert_eq!(blanked(&l["items"][0]), shown);
    l["items"] = json!([]);
    assert!(!list.text.contains(&secret));

    // A merge patch of the name keeps the webhook and its secret (not shown); a new URL gets a new secret, shown
    // in that answer only.
    let p = app
        .call(
            Method::PATCH,
            &href,
            Some(&token),
            Some(json!({"name": "renamed", "search": null})),
        )
        .await;
    p.expect(200);
    let mut renamed = shown.clone();
    renamed["name"] = json!("renamed");
    renamed["search"] = json!("");
    assert_eq!(blanked(&p.json()), renamed);
    let p = app
        .call(
            Method::PATCH,
            &href,
            Some(&token),
            Some(json!({"actions": [{"type": "webhook", "url": "https://hooks.example.com/new"}]})),
        )
        .await;
    p.expect(200);
    let new_secret = p.json()["actions"][0]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_secret, secret);
    assert_eq!(
        blanked(&p.json())["actions"],
        json!([{"type": "webhook", "url": "https://hooks.example.com/new", "secret": "SECRET"}])
    );

    // Bad patches change nothing.
    for (patch, status, reason, code) in [
        (json!({"name": null}), 400, "Field 'name' is required", 8),
        (
            json!({"account_id": "acc-2"}),
            400,
            "Field 'account_id' cannot be changed",
            8,
        ),
        (
            json!({"search": "nope = 'x'"}),
            400,
            "Invalid search: unknown field 'nope' at position 1; searchable fields are id, cluster_uuid, cluster_id, subscription_id, account_id, severity, service_name, summary, description, internal_only, log_type, event_stream_id, timestamp, username, created_at, created_by, email, first_name, last_name",
            23,
        ),
        (
            json!({"actions": []}),
            400,
            "Field 'actions' must hold at least one action",
            8,
        ),
        (
            json!({"colour": "red"}),
            400,
            "Request body is not a valid notification trigger: unknown field `colour`, expected one of `name`, `account_id`, `search`, `actions`",
            21,
        ),
    ] {
        let r = app
            .call(Method::PATCH, &href, Some(&token), Some(patch.clone()))
            .await;
        assert_eq!(r.status.as_u16(), status, "{patch}: {}", r.text);
        assert_eq!(r.error(), ocm_error(code, reason), "{patch}");
    }
    let after = app.get(&href, &token).await;
    assert_eq!(blanked(&after.json())["name"], json!("renamed"));

    let d = app.call(Method::DELETE, &href, Some(&token), None).await;
    d.expect(204);
    assert_eq!(d.text, "");
    let gone = app.get(&href, &token).await;
    gone.expect(404);
    let id = href.rsplit('/').next().unwrap();
    assert_eq!(
        gone.error(),
        ocm_error(7, &format!("Notification trigger with id '{id}' not found"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patch_applies_to_what_a_concurrent_writer_committed() {
    let app = spawn().await;
    let token = owner_token("acc-1");
    let t = post_trigger(&app, &token, hook_and_mail()).await;
    t.expect(201);
    let href = t.json()["href"].as_str().unwrap().to_owned();
    let id = href.rsplit('/').next().unwrap().to_owned();
    // Another patch, of the name, is mid-transaction when this patch of the search arrives.
    let rival = RivalWriter::begin(&app, &id, "name = 'renamed by another writer'").await;
    let (p, ()) = tokio::join!(
        app.call(
            Method::PATCH,
            &href,
            Some(&token),
            Some(json!({"search": "severity = 'Warning'"})),
        ),
        rival.commit_once_waited_on(),
    );
    p.expect(200);
    let got = p.json();
    assert_eq!(
        (got["name"].clone(), got["search"].clone()),
        (
            json!("renamed by another writer"),
            json!("severity = 'Warning'")
        )
    );
    assert_eq!(app.get(&href, &token).await.json(), got);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_a_concurrent_writer_brought_in_is_checked_under_the_lock() {
    let app = spawn_with(|s| s.notifications.allow_private_networks = false).await;
    let token = owner_token("acc-1");
    let t = post_trigger(&app, &token, hook_and_mail()).await;
    t.expect(201);
    let href = t.json()["href"].as_str().unwrap().to_owned();
    let id = href.rsplit('/').next().unwrap().to_owned();
    // The patch's destinations are resolved before it takes the lock; meanwhile another writer points the webhook
    // at a name that resolves to loopback. Applied to that, the patch's result is refused, and nothing of it is
    // written.
    let rival = RivalWriter::begin(
        &app,
        &id,
        r#"actions = jsonb_set(actions, '{0,url}', '"https://localhost:8443/x"')"#,
    )
    .await;
    let (p, ()) = tokio::join!(
        app.call(
            Method::PATCH,
            &href,
            Some(&token),
            Some(json!({"name": "renamed"})),
        ),
        rival.commit_once_waited_on(),
    );
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", p.text);
    assert_eq!(
        p.error(),
        ocm_error(
            8,
            "Field 'actions[0].url' names host 'localhost', which resolves to 127.0.0.1, a loopback, private, link-local or metadata address"
        )
    );
    let now = app.get(&href, &token).await.json();
    assert_eq!(
        (now["name"].clone(), now["actions"][0]["url"].clone()),
        (json!("errors to ops"), json!("https://localhost:8443/x"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_manages_which_triggers() {
    let app = spawn().await;
    let body = hook_and_mail();

    let no_perm = tokens::token("reader", Some("acc-1"), &[READ]);
    let r = post_trigger(&app, &no_perm, body.clone()).await;
    r.expect(403);
    assert_eq!(
        r.error(),
        ocm_error(
            11,
            "The caller lacks the 'service-logs.trigger.manage' permission"
        )
    );

    let mut other = body.clone();
    other["account_id"] = json!("acc-2");
    let r = post_trigger(&app, &owner_token("acc-1"), other.clone()).await;
    r.expect(403);
    assert_eq!(
        r.error(),
        ocm_error(
            11,
            "This token manages the triggers of account 'acc-1' only, not of account 'acc-2'"
        )
    );
    let mut accountless = body.clone();
    accountless["account_id"] = json!("");
    let r = post_trigger(&app, &owner_token("acc-1"), accountless.clone()).await;
    r.expect(403);
    assert_eq!(
        r.error(),
        ocm_error(
            11,
            "Only internal callers may manage account-less triggers; this token manages account 'acc-1'"
        )
    );
    let r = post_trigger(&app, &tokens::token("x", None, &[MANAGE]), body.clone()).await;
    r.expect(403);
    assert_eq!(
        r.error(),
        ocm_error(
            11,
            "The token carries no account, so there are no triggers it may manage"
        )
    );

    // Internal callers: any account, and account-less (the default for a token without an account).
    let r = post_trigger(&app, &internal_token(), other).await;
    r.expect(201);
    let of_acc2 = r.json();
    assert_eq!(of_acc2["account_id"], json!("acc-2"));
    let r = post_trigger(&app, &internal_token(), body.clone()).await;
    r.expect(201);
    assert_eq!(r.json()["account_id"], json!(""));
    let mine = post_trigger(&app, &owner_token("acc-1"), body).await;
    mine.expect(201);

    // Another account's trigger does not exist for acc-1; the lists show each caller its own.
    let href = of_acc2["href"].as_str().unwrap();
    for method in [Method::GET, Method::DELETE] {
        let r = app
            .call(method.clone(), href, Some(&owner_token("acc-1")), None)
            .await;
        r.expect(404);
        assert_eq!(
            r.error(),
            ocm_error(
                7,
                &format!(
                    "Notification trigger with id '{}' not found",
                    of_acc2["id"].as_str().unwrap()
                )
            )
        );
    }
    let r = app
        .call(
            Method::PATCH,
            href,
            Some(&owner_token("acc-1")),
            Some(json!({"name": "x"})),
        )
        .await;
    r.expect(404);
    let totals = |r: &Reply| r.json()["total"].clone();
    assert_eq!(
        totals(&app.get(TRIGGERS, &owner_token("acc-1")).await),
        json!(1)
    );
    assert_eq!(
        totals(&app.get(TRIGGERS, &owner_token("acc-2")).await),
        json!(1)
    );
    assert_eq!(
        totals(&app.get(TRIGGERS, &internal_token()).await),
        json!(3)
    );
    let page = app
        .get(&format!("{TRIGGERS}?page=0"), &internal_token())
        .await;
    page.expect(400);
    assert_eq!(
        page.error(),
        ocm_error(
            21,
            "Invalid 'page' value '0': it must be an integer of at least 1"
        )
    );
    let r = app
        .get(&format!("{TRIGGERS}/not-a-ksuid"), &internal_token())
        .await;
    r.expect(404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_get_their_reason() {
    let app = spawn().await;
    let token = owner_token("acc-1");
    let hook = |url: &str| json!({"name": "n", "actions": [{"type": "webhook", "url": url}]});
    for (body, reason, code) in [
        (json!([]), "Request body must be a JSON object", 21),
        (
            json!({"actions": [{"type": "email", "to": ["a@b.c"]}]}),
            "Field 'name' is required",
            8,
        ),
        (
            json!({"name": "n", "search": "severity = ", "actions": [{"type": "email", "to": ["a@b.c"]}]}),
            "Invalid search: expected a value after '=', found end of input at position 12",
            23,
        ),
        (
            json!({"name": "n", "actions": [{"type": "sms", "to": "1"}]}),
            "Request body is not a valid notification trigger: unknown variant `sms`, expected `webhook` or `email`",
            21,
        ),
        (
            json!({"name": "n", "actions": [{"type": "email", "to": ["Bob <b@example.com>"]}]}),
            "Field 'actions[0].to[0]' is not an e-mail address",
            8,
        ),
        (
            hook("not a url"),
            "Field 'actions[0].url' is not an absolute URL: relative URL without a base",
            8,
        ),
    ] {
        let r = post_trigger(&app, &token, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
        assert_eq!(r.error(), ocm_error(code, reason), "{body}");
    }
    let r = app
        .raw(
            app.req(Method::POST, TRIGGERS)
                .bearer_auth(&token)
                .header("content-type", "text/plain")
                .body("{}"),
        )
        .await;
    r.expect(415);
    assert_eq!(app.get(TRIGGERS, &token).await.json()["total"], json!(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_to_private_networks_are_refused() {
    let app = spawn_with(|s| s.notifications.allow_private_networks = false).await;
    let token = owner_token("acc-1");
    let hook = |url: &str| json!({"name": "n", "actions": [{"type": "email", "to": ["a@example.com"]}, {"type": "webhook", "url": url}]});
    let private = "a loopback, private, link-local or metadata address";
    for (url, reason) in [
        (
            "http://hooks.example.com/",
            "must be an https URL".to_owned(),
        ),
        (
            "https://127.0.0.1/x",
            format!("points at 127.0.0.1, {private}"),
        ),
        (
            "https://10.20.30.40/x",
            format!("points at 10.20.30.40, {private}"),
        ),
        (
            "https://169.254.169.254/latest/meta-data",
            format!("points at 169.254.169.254, {private}"),
        ),
        (
            "https://[fd12:3456::1]/x",
            format!("points at fd12:3456::1, {private}"),
        ),
        (
            "https://[::ffff:192.168.0.1]/x",
            format!("points at ::ffff:192.168.0.1, {private}"),
        ),
        (
            "https://localhost:8443/x",
            format!("names host 'localhost', which resolves to 127.0.0.1, {private}"),
        ),
    ] {
        let r = post_trigger(&app, &token, hook(url)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{url}: {}", r.text);
        assert_eq!(
            r.error(),
            ocm_error(8, &format!("Field 'actions[1].url' {reason}")),
            "{url}"
        );
    }
    assert_eq!(app.get(TRIGGERS, &token).await.json()["total"], json!(0));
}
