//! The rules (docs/api-logs-router.md#rules): what is accepted at the edges, and the rules the stored state decides (one target of
//! each type, the last target, type changes, tenants per account, unique names). Plain refusals of bad bodies are
//! in `bad_input`.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;

const NAME_MSG: &str = "name must be 1 to 35 characters of letters, digits and '-'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_at_the_edges_are_accepted() {
    let app = spawn_with(|s| s.tenants_per_account = 10).await;
    let long = "a-Z0".repeat(8) + "xyz"; // 35
    assert_eq!(long.len(), 35);
    for name in [long.as_str(), "a", "A", "9", "-", "My-Tenant-01"] {
        let mut target = logs_target(name);
        target["name"] = json!(name);
        let r = app
            .post(
                &tenants_path(),
                &app.admin,
                &json!({"name": name, "targets": [target]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{name}: {}", r.text);
        assert_eq!(r.json()["name"], json!(name));
        assert_eq!(r.json()["targets"][0]["name"], json!(name));
    }
    let too_long = format!("{long}a");
    let r = app
        .post(
            &tenants_path(),
            &app.admin,
            &json!({"name": too_long, "targets": [logs_target("x")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error(), field_error("name", NAME_MSG));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crn_hosts_and_ports_at_the_edges() {
    let app = spawn_with(|s| s.tenants_per_account = 10).await;
    let base = "crn:v1:bluemix:public:logs:us-south:a/abc:";
    let crn256 = format!("{base}{}::", "x".repeat(256 - base.len() - 2));
    assert_eq!(crn256.len(), 256);
    let label = "h".repeat(63);
    let host256 = format!("{label}.{label}.{label}.{}.h", "h".repeat(62));
    assert_eq!(host256.len(), 256);
    for (i, (crn, host, port)) in [
        (crn256.as_str(), "www.example.com", 1),
        (LOGS_CRN, host256.as_str(), 65535),
        (LOGS_CRN, "10.1.2.3", 514),
        (LOGS_CRN, "localhost", 80),
        (LOGS_CRN, "a-b.c-d.example", 80),
    ]
    .into_iter()
    .enumerate()
    {
        let target =
            json!({"log_sink_crn": crn, "name": "t", "parameters": {"host": host, "port": port}});
        let r = app
            .post(
                &tenants_path(),
                &app.admin,
                &json!({"name": format!("t{i}"), "targets": [target]}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "{crn} {host} {port}: {}",
            r.text
        );
        expect_target(&r.json()["targets"][0], "t", crn, "logs", host, port);
    }
    let crn257 = format!("{base}{}::", "x".repeat(256 - base.len() - 1));
    let r = app
        .post(
            &tenants_path(),
            &app.admin,
            &json!({"name": "over", "targets": [{"log_sink_crn": crn257, "name": "t", "parameters": {"host": "h", "port": 1}}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.error(),
        field_error(
            "targets[0].log_sink_crn",
            "log_sink_crn must be at most 256 characters"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_two_targets_of_one_type() {
    let app = spawn().await;
    // in a create body: a 409
    let before = app.snapshot().await;
    let r = app
        .post(
            &tenants_path(),
            &app.admin,
            &json!({"name": "t", "targets": [logdna_target("a"), logdna_target("b")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(
        r.error(),
        ibm_error(
            409,
            "conflict",
            "A tenant can have only one target of type 'logdna'.",
            Some(("field", "targets"))
        )
    );
    assert_eq!(app.snapshot().await, before);
    // a second target of a type the tenant has: 409
    let t = app.tenant("t1", false).await;
    let id = s(&t["id"]);
    let before = app.snapshot().await;
    let r = app
        .post(&targets_path(&id), &app.admin, &logdna_target("other"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.error(),
        conflict(
            "The tenant already has a target of type 'logdna'. Only one target of each type is allowed."
        )
    );
    assert_eq!(app.snapshot().await, before);
    // with both types, either one more is a 409
    app.post(&targets_path(&id), &app.admin, &logs_target("cl"))
        .await;
    let before = app.snapshot().await;
    let r = app
        .post(&targets_path(&id), &app.admin, &logs_target("cl2"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.error(),
        conflict(
            "The tenant already has a target of type 'logs'. Only one target of each type is allowed."
        )
    );
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_target_cannot_be_deleted() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let r = app
        .delete(
            &target_path(&id, &s(&t["targets"][1]["id"])),
            &app.admin,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let before = app.snapshot().await;
    let last = s(&t["targets"][0]["id"]);
    for if_match in [None, Some("*")] {
        let r = app
            .delete(&target_path(&id, &last), &app.admin, if_match)
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        assert_eq!(
            r.error(),
            conflict("The last target of a tenant cannot be deleted; delete the tenant instead.")
        );
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_type_change_needs_a_single_target() {
    let app = spawn().await;
    let t = app.tenant("t1", true).await;
    let id = s(&t["id"]);
    let cl = &t["targets"][1];
    let before = app.snapshot().await;
    let r = app
        .patch(
            &target_path(&id, &s(&cl["id"])),
            &app.admin,
            Some(&s(&cl["etag"])),
            &json!({"log_sink_crn": LOGDNA_CRN, "parameters": {"access_credential": CREDENTIAL}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(
        r.error(),
        ibm_error(
            400,
            "update_failed",
            "Target type cannot be changed. Only one target of each type is allowed",
            None
        )
    );
    assert_eq!(app.snapshot().await, before);
    // the logdna one, to logs, while the tenant has a logs target: the same refusal
    let dna = &t["targets"][0];
    let r = app
        .patch(
            &target_path(&id, &s(&dna["id"])),
            &app.admin,
            Some(&s(&dna["etag"])),
            &json!({"log_sink_crn": LOGS_CRN}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.error()["errors"][0]["code"], json!("update_failed"));
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_target_may_change_type_and_the_credential_follows() {
    let app = spawn().await;
    let t = app.tenant("t1", false).await;
    let id = s(&t["id"]);
    let dna = &t["targets"][0];
    let path = target_path(&id, &s(&dna["id"]));
    assert!(
        app.target_row(&s(&dna["id"]))
            .await
            .credential_sealed
            .is_some()
    );
    // logdna -> logs: the credential may not come along and is dropped
    let r = app
        .patch(
            &path,
            &app.admin,
            Some(&s(&dna["etag"])),
            &json!({"log_sink_crn": LOGS_CRN, "parameters": {"access_credential": CREDENTIAL}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.error(),
        field_error(
            "parameters.access_credential",
            "access_credential is not allowed for a logs target"
        )
    );
    let r = app
        .patch(
            &path,
            &app.admin,
            Some(&s(&dna["etag"])),
            &json!({"log_sink_crn": LOGS_CRN}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    expect_target(&r.json(), "dna", LOGS_CRN, "logs", "www.example.com", 8080);
    assert_eq!(app.target_row(&s(&dna["id"])).await.credential_sealed, None);
    // logs -> logdna: needs a credential in the same patch
    let etag = r.etag();
    let r = app
        .patch(
            &path,
            &app.admin,
            Some(&etag),
            &json!({"log_sink_crn": LOGDNA_CRN}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.error(),
        field_error(
            "parameters.access_credential",
            "access_credential is required for a logdna target"
        )
    );
    let r = app
        .patch(
            &path,
            &app.admin,
            Some(&etag),
            &json!({"log_sink_crn": LOGDNA_CRN, "parameters": {"access_credential": "new-key"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    expect_target(
        &r.json(),
        "dna",
        LOGDNA_CRN,
        "logdna",
        "www.example.com",
        8080,
    );
    let sealed = app
        .target_row(&s(&dna["id"]))
        .await
        .credential_sealed
        .unwrap();
    let sealer = sealing::Sealer::from_base64(Some(KEY_A), None).unwrap();
    assert_eq!(sealer.open(&sealed).unwrap(), "new-key");
    // and the tenant is then free to take a logs target again
    let r = app
        .post(&targets_path(&id), &app.admin, &logs_target("cl"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_has_at_most_tenants_per_account_tenants() {
    let app = spawn().await;
    app.tenant("t1", false).await;
    let before = app.snapshot().await;
    let r = app
        .post(
            &tenants_path(),
            &app.admin,
            &json!({"name": "t2", "targets": [logs_target("cl")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(
        r.error(),
        conflict("The account already has the maximum number of tenants in this region (1).")
    );
    assert_eq!(app.snapshot().await, before);
    // another account is not affected
    let other = tokens::token("bob", Some("acc-2"), &ALL);
    let r = app
        .post(
            &tenants_path(),
            &other,
            &json!({"name": "t2", "targets": [logs_target("cl")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);

    let app = spawn_with(|s| s.tenants_per_account = 2).await;
    app.tenant("t1", false).await;
    app.tenant("t2", false).await;
    let r = app
        .post(
            &tenants_path(),
            &app.admin,
            &json!({"name": "t3", "targets": [logs_target("cl")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.error(),
        conflict("The account already has the maximum number of tenants in this region (2).")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_names_are_unique_within_an_account() {
    let app = spawn_with(|s| s.tenants_per_account = 3).await;
    app.tenant("taken", false).await;
    let other = app.tenant("free", false).await;
    let before = app.snapshot().await;
    let r = app
        .post(
            &tenants_path(),
            &app.admin,
            &json!({"name": "taken", "targets": [logs_target("cl")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(
        r.error(),
        conflict("A tenant with this name already exists in the account.")
    );
    let r = app
        .patch(
            &tenant_path(&s(&other["id"])),
            &app.admin,
            Some(&s(&other["etag"])),
            &json!({"name": "taken"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(
        r.error(),
        conflict("A tenant with this name already exists in the account.")
    );
    assert_eq!(app.snapshot().await, before);
    // names are case-sensitive and per account
    let r = app
        .post(
            &tenants_path(),
            &app.admin,
            &json!({"name": "Taken", "targets": [logs_target("cl")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn target_names_are_unique_within_a_tenant() {
    let app = spawn_with(|s| s.tenants_per_account = 2).await;
    // in a create body (a field error, pinned as the service answers it)
    let r = app
        .post(
            &tenants_path(),
            &app.admin,
            &json!({"name": "t", "targets": [logdna_target("same"), logs_target("same")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(
        r.error(),
        field_error(
            "targets[1].name",
            "target names must be unique within a tenant"
        )
    );
    let t = app.tenant("t1", false).await;
    let id = s(&t["id"]);
    let before = app.snapshot().await;
    // adding one with a taken name (unspecified status: pinned as the service answers, 409)
    let r = app
        .post(&targets_path(&id), &app.admin, &logs_target("dna"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(
        r.error(),
        conflict("A target with this name already exists in the tenant.")
    );
    assert_eq!(app.snapshot().await, before);
    // renaming into a taken name
    let g = app
        .post(&targets_path(&id), &app.admin, &logs_target("cl"))
        .await
        .json();
    let before = app.snapshot().await;
    let r = app
        .patch(
            &target_path(&id, &s(&g["id"])),
            &app.admin,
            Some(&s(&g["etag"])),
            &json!({"name": "dna"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(
        r.error(),
        conflict("A target with this name already exists in the tenant.")
    );
    assert_eq!(app.snapshot().await, before);
    // another tenant may use the same target names
    let r = app
        .post(
            &tenants_path(),
            &app.admin,
            &json!({"name": "t2", "targets": [logdna_target("dna"), logs_target("cl")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logdna_target_keeps_its_stored_credential_across_patches() {
    let app = spawn().await;
    let t = app.tenant("t1", false).await;
    let dna = &t["targets"][0];
    let before = app.target_row(&s(&dna["id"])).await.credential_sealed;
    let r = app
        .patch(
            &target_path(&s(&t["id"]), &s(&dna["id"])),
            &app.admin,
            Some(&s(&dna["etag"])),
            &json!({"name": "renamed", "parameters": {"host": "h.example.com"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        app.target_row(&s(&dna["id"])).await.credential_sealed,
        before,
        "not re-sealed when sealed under the current key"
    );
    // a new credential replaces it
    let r = app
        .patch(
            &target_path(&s(&t["id"]), &s(&dna["id"])),
            &app.admin,
            Some(&r.etag()),
            &json!({"parameters": {"access_credential": "rotated-key"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    expect_target(
        &r.json(),
        "renamed",
        LOGDNA_CRN,
        "logdna",
        "h.example.com",
        8080,
    );
    let sealed = app
        .target_row(&s(&dna["id"]))
        .await
        .credential_sealed
        .unwrap();
    let sealer = sealing::Sealer::from_base64(Some(KEY_A), None).unwrap();
    assert_eq!(sealer.open(&sealed).unwrap(), "rotated-key");
}
