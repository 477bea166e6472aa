//! Tokens, permissions and accounts (contract: "Tokens"; spec: "Required permission of each call").

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn unauthorized(detail: &str) -> Value {
    ibm_error(
        401,
        "failure_getting_authorization_claims",
        &format!("Failed to get authorization claims. Error: {detail}"),
        None,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_bad_token_is_401_and_records_nothing() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let before = app.snapshot().await;
    let events_before = app.outbox().await.len();
    let mut expired = tokens::claims("u", Some(ACCOUNT), &ALL);
    expired["exp"] = json!(tokens::now() - 3600);
    let mut no_sub = tokens::claims("u", Some(ACCOUNT), &ALL);
    no_sub.as_object_mut().unwrap().remove("sub");
    let cases: Vec<(Option<String>, Value)> = vec![
        (
            None,
            unauthorized("Request doesn't contain the 'Authorization' header"),
        ),
        (
            Some("Basic dXNlcjpwYXNz".into()),
            unauthorized("Authorization header is not of the form 'Bearer <token>'"),
        ),
        (
            Some("Bearer abc".into()),
            unauthorized("Bearer token is malformed"),
        ),
        (
            Some(format!("Bearer {}", tokens::hs256(&expired))),
            unauthorized("Bearer token is expired"),
        ),
        (
            Some(format!(
                "Bearer {}",
                tokens::hs256_with("another-secret", &tokens::claims("u", Some(ACCOUNT), &ALL))
            )),
            unauthorized("Bearer token signature is invalid"),
        ),
        (
            Some(format!(
                "Bearer {}",
                tokens::alg_none(&tokens::claims("u", Some(ACCOUNT), &ALL))
            )),
            unauthorized("Bearer token algorithm 'unknown' is not accepted"),
        ),
        (
            Some(format!("Bearer {}", tokens::hs256(&no_sub))),
            unauthorized("Bearer token lacks the required claim 'sub'"),
        ),
    ];
    let gid = s(&t["targets"][0]["id"]);
    for (auth, want) in &cases {
        for (method, path) in [
            (Method::GET, tenants_path()),
            (Method::POST, tenants_path()),
            (Method::GET, tenant_path(&id)),
            (Method::PATCH, tenant_path(&id)),
            (Method::DELETE, tenant_path(&id)),
            (Method::GET, targets_path(&id)),
            (Method::POST, targets_path(&id)),
            (Method::GET, target_path(&id, &gid)),
            (Method::PATCH, target_path(&id, &gid)),
            (Method::DELETE, target_path(&id, &gid)),
        ] {
            let mut h = vec![("Content-Type", "application/json"), ("If-Match", "*")];
            if let Some(a) = auth {
                h.push(("Authorization", a.as_str()));
            }
            let r = app
                .request(
                    method.clone(),
                    &path,
                    None,
                    &h,
                    Some(json!({"name": "x"}).to_string()),
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{auth:?} {method} {path}: {}",
                r.text
            );
            let got = r.error();
            // The message for `alg: none` may name the algorithm differently; the rest is exact.
            if want["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("algorithm")
            {
                assert_eq!(got["errors"][0]["code"], want["errors"][0]["code"]);
                assert_eq!(got["status_code"], json!(401));
            } else {
                assert_eq!(&got, want, "{auth:?} {method} {path}");
            }
        }
    }
    assert_eq!(app.snapshot().await, before);
    assert_eq!(
        app.outbox().await.len(),
        events_before,
        "no event without a valid token"
    );
}

/// (method, path, body, permission, what the 403 says, success status)
type Route = (
    Method,
    String,
    Option<Value>,
    &'static str,
    &'static str,
    StatusCode,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_route_needs_its_own_permission() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let (dna, cl) = (s(&t["targets"][0]["id"]), s(&t["targets"][1]["id"]));
    let routes: Vec<Route> = vec![
        (
            Method::GET,
            tenants_path(),
            None,
            READ,
            "list tenants",
            StatusCode::OK,
        ),
        (
            Method::GET,
            tenant_path(&id),
            None,
            READ,
            "read a tenant",
            StatusCode::OK,
        ),
        (
            Method::GET,
            targets_path(&id),
            None,
            READ,
            "read a tenant",
            StatusCode::OK,
        ),
        (
            Method::GET,
            target_path(&id, &dna),
            None,
            READ,
            "read a tenant",
            StatusCode::OK,
        ),
        (
            Method::PATCH,
            tenant_path(&id),
            Some(json!({"name": "renamed"})),
            UPDATE,
            "update a tenant",
            StatusCode::OK,
        ),
        (
            Method::PATCH,
            target_path(&id, &dna),
            Some(json!({"name": "renamed"})),
            UPDATE,
            "update a tenant",
            StatusCode::OK,
        ),
        (
            Method::DELETE,
            target_path(&id, &cl),
            None,
            UPDATE,
            "update a tenant",
            StatusCode::NO_CONTENT,
        ),
        (
            Method::POST,
            targets_path(&id),
            Some(logs_target("cl")),
            UPDATE,
            "update a tenant",
            StatusCode::CREATED,
        ),
        (
            Method::DELETE,
            tenant_path(&id),
            None,
            DELETE,
            "delete a tenant",
            StatusCode::NO_CONTENT,
        ),
        (
            Method::POST,
            tenants_path(),
            Some(json!({"name": "t2", "targets": [logs_target("x")]})),
            CREATE,
            "create a tenant",
            StatusCode::CREATED,
        ),
    ];
    for (method, path, body, permission, what, ok) in routes {
        let ct = if method == Method::POST {
            "application/json"
        } else {
            "application/merge-patch+json"
        };
        let h = [("Content-Type", ct), ("If-Match", "*")];
        let others: Vec<&str> = ALL.iter().copied().filter(|p| *p != permission).collect();
        let before = app.snapshot().await;
        for perms in [
            others.clone(),
            vec![],
            vec!["logs-router.tenant.admin", "service-logs.log.read"],
        ] {
            let token = tokens::token("u", Some(ACCOUNT), &perms);
            let r = app
                .request(
                    method.clone(),
                    &path,
                    Some(&token),
                    &h,
                    body.as_ref().map(ToString::to_string),
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{method} {path} with {perms:?}: {}",
                r.text
            );
            assert_eq!(r.error(), forbidden(what), "{method} {path}");
        }
        assert_eq!(app.snapshot().await, before, "a 403 changes nothing");
        let token = tokens::token("u", Some(ACCOUNT), &[permission]);
        let r = app
            .request(
                method.clone(),
                &path,
                Some(&token),
                &h,
                body.as_ref().map(ToString::to_string),
            )
            .await;
        assert_eq!(
            r.status, ok,
            "{method} {path} with only {permission}: {}",
            r.text
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scope_claim_grants_permissions_too() {
    let app = spawn().await;
    let mut c = tokens::claims("u", Some(ACCOUNT), &[]);
    c["scope"] = json!("openid logs-router.tenant.create logs-router.tenant.read");
    let token = tokens::hs256(&c);
    let r = app
        .post(
            &tenants_path(),
            &token,
            &json!({"name": "t", "targets": [logs_target("x")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app.get(&tenants_path(), &token).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .delete(
            &tenant_path(&s(&r.json()["tenants"][0]["id"])),
            &token,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_accounts_tenant_is_404_exactly_as_a_missing_one() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let (dna, cl) = (s(&t["targets"][0]["id"]), s(&t["targets"][1]["id"]));
    let intruder = tokens::token("mallory", Some("acc-2"), &ALL);
    let missing = "8717DB99-2CFB-4BA6-A033-89C994C2E9F0";
    let before = app.snapshot().await;
    let paths = |t: &str| -> Vec<(Method, String, Option<Value>)> {
        vec![
            (Method::GET, tenant_path(t), None),
            (
                Method::PATCH,
                tenant_path(t),
                Some(json!({"name": "stolen"})),
            ),
            (Method::DELETE, tenant_path(t), None),
            (Method::GET, targets_path(t), None),
            (Method::POST, targets_path(t), Some(logs_target("x"))),
            (Method::GET, target_path(t, &dna), None),
            (
                Method::PATCH,
                target_path(t, &dna),
                Some(json!({"name": "stolen"})),
            ),
            (Method::DELETE, target_path(t, &cl), None),
        ]
    };
    for ((method, theirs_path, body), (_, missing_path, _)) in
        paths(&id).into_iter().zip(paths(missing))
    {
        let ct = if method == Method::POST {
            "application/json"
        } else {
            "application/merge-patch+json"
        };
        let h = [("Content-Type", ct), ("If-Match", "*")];
        let theirs = app
            .request(
                method.clone(),
                &theirs_path,
                Some(&intruder),
                &h,
                body.as_ref().map(ToString::to_string),
            )
            .await;
        let nobody = app
            .request(
                method.clone(),
                &missing_path,
                Some(&intruder),
                &h,
                body.as_ref().map(ToString::to_string),
            )
            .await;
        assert_eq!(
            theirs.status,
            StatusCode::NOT_FOUND,
            "{method}: {}",
            theirs.text
        );
        assert_eq!(theirs.error(), not_found_tenant(&id), "{method}");
        assert_eq!(nobody.status, StatusCode::NOT_FOUND);
        assert_eq!(nobody.error(), not_found_tenant(missing));
        // the same headers (but the trace), and nothing in the body that tells the two apart but the id
        let mut a: Vec<_> = theirs
            .headers
            .keys()
            .map(|k| k.as_str().to_owned())
            .collect();
        let mut b: Vec<_> = nobody
            .headers
            .keys()
            .map(|k| k.as_str().to_owned())
            .collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
    assert_eq!(app.snapshot().await, before);
    assert_eq!(
        app.get(&tenants_path(), &intruder).await.json(),
        json!({"tenants": []})
    );
    let r = app
        .get(&format!("{}?name=t1", tenants_path()), &intruder)
        .await;
    assert_eq!(r.json(), json!({"tenants": []}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_comes_from_the_configured_claim() {
    let app = spawn_with(|s| s.common.auth_account_claim = "org.account_id".into()).await;
    let mut c = tokens::claims("u", Some("acc-ignored"), &ALL);
    c["org"] = json!({"account_id": "acc-77"});
    let token = tokens::hs256(&c);
    let r = app
        .post(
            &tenants_path(),
            &token,
            &json!({"name": "t", "targets": [logs_target("x")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    expect_tenant(
        &r.json(),
        "acc-77",
        "t",
        &[("x", LOGS_CRN, "logs", "logs.example.com", 443)],
    );
    assert_eq!(app.last_event().await.account_id, "acc-77");
    // account.bss is not the claim here: that token has no account
    let r = app.get(&tenants_path(), &app.admin).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_an_account_may_do_nothing() {
    let app = spawn().await;
    let token = tokens::token("u", None, &ALL);
    let want = ibm_error(
        403,
        "not_authorized",
        "The specified token does not carry an account.",
        None,
    );
    let r = app.get(&tenants_path(), &token).await;
    assert_eq!((r.status, r.error()), (StatusCode::FORBIDDEN, want.clone()));
    let r = app
        .post(
            &tenants_path(),
            &token,
            &json!({"name": "t", "targets": [logs_target("x")]}),
        )
        .await;
    assert_eq!((r.status, r.error()), (StatusCode::FORBIDDEN, want));
    assert!(app.snapshot().await.0.is_empty());
}
