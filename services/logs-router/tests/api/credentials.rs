//! `access_credential`: write-only, sealed with AES-256-GCM under CREDENTIALS_KEY, opened under
//! CREDENTIALS_KEY_PREVIOUS after a rotation and re-sealed on the next write; and the start-up checks of the keys.

use crate::common::*;
use platform::settings::Secret;
use reqwest::{Method, StatusCode};
use sealing::Sealer;
use serde_json::json;

fn sealer(current: &str, previous: Option<&str>) -> Sealer {
    Sealer::from_base64(Some(current), previous).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_credential_never_comes_back() {
    let app = spawn().await;
    let mut texts = vec![];
    let r = app
        .post(
            &tenants_path(),
            &app.admin,
            &json!({"name": "t1", "targets": [logdna_target("dna"), logs_target("cl")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let t = r.json();
    texts.push(r.text.clone());
    let id = s(&t["id"]);
    let dna = s(&t["targets"][0]["id"]);
    assert_eq!(
        t["targets"][0]["parameters"],
        json!({"host": "www.example.com", "port": 8080})
    );
    for path in [
        tenants_path(),
        tenant_path(&id),
        targets_path(&id),
        target_path(&id, &dna),
    ] {
        let r = app.get(&path, &app.admin).await;
        assert_eq!(r.status, StatusCode::OK);
        texts.push(r.text);
    }
    let r = app
        .patch(
            &target_path(&id, &dna),
            &app.admin,
            Some("*"),
            &json!({"parameters": {"access_credential": CREDENTIAL}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json()["parameters"],
        json!({"host": "www.example.com", "port": 8080})
    );
    texts.push(r.text);
    // errors that concern a credential never echo it
    let errors = [
        app.post(&targets_path(&id), &app.admin, &logdna_target("dna2")).await,
        app.patch(&target_path(&id, &s(&t["targets"][1]["id"])), &app.admin, Some("*"),
            &json!({"parameters": {"access_credential": CREDENTIAL}})).await,
        app.post(&tenants_path(), &app.admin, &json!({"name": "t2", "targets": [
            {"log_sink_crn": LOGS_CRN, "name": "x", "parameters": {"host": "h", "port": 1, "access_credential": CREDENTIAL}}]})).await,
        app.post(&tenants_path(), &app.admin, &json!({"name": "t2", "targets": [
            {"log_sink_crn": LOGDNA_CRN, "name": "x", "parameters": {"host": "h", "port": 1, "access_credential": 5}}]})).await,
        app.patch(&target_path(&id, &dna), &app.admin, Some("*"),
            &json!({"parameters": {"access_credential": CREDENTIAL, "port": "x"}})).await,
        app.patch(&target_path(&id, &dna), &app.admin, None,
            &json!({"parameters": {"access_credential": CREDENTIAL}})).await,
    ];
    for e in &errors {
        assert!(e.status.is_client_error(), "{}", e.text);
        texts.push(e.text.clone());
    }
    for text in &texts {
        assert!(!leaks(text), "credential in {text}");
        assert!(
            !text.contains("access_credential\":"),
            "a credential field in {text}"
        );
    }
    for e in app.events().await {
        assert!(!leaks(&e.to_string()), "credential in event {e}");
        assert!(!e.to_string().contains("credential\":\""), "{e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_credential_is_stored_sealed_under_credentials_key() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let row = app.target_row(&s(&t["targets"][0]["id"])).await;
    let sealed = row
        .credential_sealed
        .expect("a logdna target stores its credential");
    assert!(
        !sealed
            .windows(CREDENTIAL.len())
            .any(|w| w == CREDENTIAL.as_bytes()),
        "stored in clear"
    );
    let a = sealer(KEY_A, None);
    assert!(a.is_current(&sealed));
    assert_eq!(a.open(&sealed).unwrap(), CREDENTIAL);
    assert!(
        sealer(KEY_B, None).open(&sealed).is_err(),
        "another key cannot open it"
    );
    assert_eq!(
        app.target_row(&s(&t["targets"][1]["id"]))
            .await
            .credential_sealed,
        None,
        "a logs target stores none"
    );
    // two targets with one credential are sealed with different nonces
    let app2 = spawn().await;
    let t2 = app2.tenant("t1", false).await;
    let other = app2
        .target_row(&s(&t2["targets"][0]["id"]))
        .await
        .credential_sealed
        .unwrap();
    assert_ne!(other, sealed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_opens_old_values_and_a_write_reseals_them_under_the_new_key() {
    let a = spawn_with(|s| s.credentials_key = Some(Secret::new(KEY_A))).await;
    let t = a.tenant("t1", true).await;
    let id = s(&t["id"]);
    let dna = t["targets"][0].clone();
    let old = a
        .target_row(&s(&dna["id"]))
        .await
        .credential_sealed
        .unwrap();
    assert!(sealer(KEY_A, None).is_current(&old));

    // restart with CREDENTIALS_KEY=B, CREDENTIALS_KEY_PREVIOUS=A
    let b = spawn_on(a.db.clone(), |s| {
        s.credentials_key = Some(Secret::new(KEY_B));
        s.credentials_key_previous = Some(Secret::new(KEY_A));
    })
    .await;
    drop(a);
    let r = b.get(&target_path(&id, &s(&dna["id"])), &b.admin).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), dna, "reads need no key");
    let r = b
        .patch(
            &target_path(&id, &s(&dna["id"])),
            &b.admin,
            Some(&s(&dna["etag"])),
            &json!({"name": "renamed"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    expect_target(
        &r.json(),
        "renamed",
        LOGDNA_CRN,
        "logdna",
        "www.example.com",
        8080,
    );
    let resealed = b
        .target_row(&s(&dna["id"]))
        .await
        .credential_sealed
        .unwrap();
    assert_ne!(resealed, old);
    assert!(
        sealer(KEY_B, None).is_current(&resealed),
        "re-sealed under B"
    );
    assert_eq!(
        sealer(KEY_B, None).open(&resealed).unwrap(),
        CREDENTIAL,
        "B alone opens it"
    );
    assert!(
        sealer(KEY_A, None).open(&resealed).is_err(),
        "A no longer opens it"
    );
    // a change to another target leaves this value as it is
    let r = b
        .patch(
            &target_path(&id, &s(&t["targets"][1]["id"])),
            &b.admin,
            Some("*"),
            &json!({"name": "cl2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        b.target_row(&s(&dna["id"]))
            .await
            .credential_sealed
            .unwrap(),
        resealed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_only_the_new_key_an_old_value_needs_a_new_credential_400_not_500() {
    let a = spawn_with(|s| s.credentials_key = Some(Secret::new(KEY_A))).await;
    let t = a.tenant("t1", false).await;
    let id = s(&t["id"]);
    let dna = t["targets"][0].clone();
    let path = target_path(&id, &s(&dna["id"]));
    let b = spawn_on(a.db.clone(), |s| {
        s.credentials_key = Some(Secret::new(KEY_B));
        s.credentials_key_previous = None;
    })
    .await;
    drop(a);
    let before = b.snapshot().await;
    let n = b.outbox().await.len();
    let r = b
        .patch(
            &path,
            &b.admin,
            Some(&s(&dna["etag"])),
            &json!({"name": "renamed"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let want = ibm_error(
        400,
        "update_failed",
        "The stored access credential cannot be read (sealed under a key that is neither CREDENTIALS_KEY nor CREDENTIALS_KEY_PREVIOUS); send a new one",
        None,
    );
    assert_eq!(r.error(), want);
    assert_eq!(b.snapshot().await, before, "nothing changed");
    let events = b.events().await;
    assert_eq!(events.len(), n + 1);
    assert_eq!(events[n]["outcome"], json!("failure"));
    assert_eq!(events[n]["reason"]["reasonCode"], json!(400));
    // reads still work, and a PATCH with a new credential succeeds and seals under B
    assert_eq!(b.get(&path, &b.admin).await.status, StatusCode::OK);
    let r = b
        .patch(
            &path,
            &b.admin,
            Some(&s(&dna["etag"])),
            &json!({"name": "renamed", "parameters": {"access_credential": "fresh"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let sealed = b
        .target_row(&s(&dna["id"]))
        .await
        .credential_sealed
        .unwrap();
    assert_eq!(sealer(KEY_B, None).open(&sealed).unwrap(), "fresh");
    // and a change of type to logs drops the stored value
    let r = b
        .request(
            Method::PATCH,
            &path,
            Some(&b.admin),
            &[
                ("Content-Type", "application/merge-patch+json"),
                ("If-Match", "*"),
            ],
            Some(json!({"log_sink_crn": LOGS_CRN}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(b.target_row(&s(&dna["id"])).await.credential_sealed, None);
}

async fn start_error(adjust: impl FnOnce(&mut logs_router::Settings)) -> String {
    let mut settings = settings(&testkit::db::admin_url());
    adjust(&mut settings);
    match logs_router::build(&settings).await {
        Ok(_) => panic!("the router started"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_malformed_credentials_key_refuses_to_start() {
    let cases: Vec<(Option<&str>, Option<&str>, &str)> = vec![
        (None, None, "CREDENTIALS_KEY is not set"),
        (Some(""), None, "CREDENTIALS_KEY is not set"),
        (Some("   "), None, "CREDENTIALS_KEY is not set"),
        (
            Some("not base64!"),
            None,
            "CREDENTIALS_KEY must be base64 of exactly 32 bytes",
        ),
        (
            Some("MDEyMzQ1Njc4OWFiY2RlZg=="),
            None,
            "CREDENTIALS_KEY must be base64 of exactly 32 bytes",
        ), // 16 bytes
        (
            Some("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB"),
            None,
            "CREDENTIALS_KEY must be base64 of exactly 32 bytes",
        ), // 33 bytes
        (
            Some(KEY_A),
            Some("short"),
            "CREDENTIALS_KEY_PREVIOUS must be base64 of exactly 32 bytes",
        ),
        (None, Some(KEY_A), "CREDENTIALS_KEY is not set"),
    ];
    for (current, previous, want) in cases {
        let msg = start_error(|s| {
            s.credentials_key = current.map(Secret::new);
            s.credentials_key_previous = previous.map(Secret::new);
        })
        .await;
        assert_eq!(msg, want, "{current:?} / {previous:?}");
        for secret in [current, previous]
            .into_iter()
            .flatten()
            .filter(|v| v.trim().len() > 3)
        {
            assert!(!msg.contains(secret), "the key is in the message: {msg}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_service_logs_url_refuses_to_start() {
    for url in [None, Some(""), Some("  ")] {
        let msg = start_error(|s| s.service_logs_url = url.map(str::to_owned)).await;
        assert_eq!(
            msg,
            "SERVICE_LOGS_URL is not set: the router records its audit events in service-logs"
        );
    }
}
