//! Webhook signing secrets at rest: sealed under `WEBHOOK_SECRETS_KEY`, sealed again at start-up when kept unsealed
//! (by a version before sealing) or under the previous key, and a service without a usable key refuses to start.

use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use platform::settings::Secret;
use sealing::{Sealer, WEBHOOK_SECRETS};
use serde_json::json;
use service_logs::Settings;
use service_logs::settings::TEST_WEBHOOK_SECRETS_KEY;
use service_logs::store::triggers::{StoredAction, open_secret, seal_secret};

use crate::common::*;
use crate::triggers::{owner_token, post_trigger};

/// Base64 of 32 bytes of 0x43: the key after a rotation.
const ROTATED_KEY: &str = "Q0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0M=";

#[derive(diesel::QueryableByName)]
struct Kept {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    actions: String,
}

/// Each trigger's id and its `actions` column as PostgreSQL keeps it, by id.
async fn kept(app: &TestApp) -> Vec<(String, String)> {
    let mut conn = app.db.connect().await;
    diesel::sql_query("SELECT id, actions::text AS actions FROM notification_triggers ORDER BY id")
        .load::<Kept>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|k| (k.id, k.actions))
        .collect()
}

/// The webhook secret a column keeps.
fn secret_of(actions: &str) -> String {
    let actions: Vec<StoredAction> = serde_json::from_str(actions).unwrap();
    match &actions[0] {
        StoredAction::Webhook { secret, .. } => secret.clone(),
        other => panic!("not a webhook: {other:?}"),
    }
}

fn sealer(current: &str, previous: Option<&str>) -> Sealer {
    Sealer::from_vars(WEBHOOK_SECRETS, Some(current), previous).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_secrets_are_sealed_at_rest_and_sealed_again_after_a_rotation() {
    let app = spawn().await;
    let token = owner_token("acc-1");
    let r = post_trigger(
        &app,
        &token,
        json!({"name": "hook", "actions": [{"type": "webhook", "url": "https://hooks.example.com/a"}]}),
    )
    .await;
    r.expect(201);
    let shown = r.json()["actions"][0]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let key_part = shown.strip_prefix("whsec_").unwrap();

    // At rest the column holds the sealing only: neither the secret nor its key.
    let rows = kept(&app).await;
    let (sealed_id, sealed_column) = rows[0].clone();
    assert!(!sealed_column.contains(key_part), "{sealed_column}");
    let sealed = secret_of(&sealed_column);
    assert!(sealed.starts_with("sealed:"), "{sealed}");
    let test_key = sealer(TEST_WEBHOOK_SECRETS_KEY, None);
    assert_eq!(open_secret(&test_key, &sealed).unwrap(), shown);

    // A trigger an earlier version stored, its secret unsealed.
    let legacy = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let legacy_id = domain::ids::new_ksuid();
    let mut conn = app.db.connect().await;
    diesel::sql_query(
        "INSERT INTO notification_triggers (id, name, account_id, search, actions, created_at, updated_at) \
         VALUES ($1, 'old', 'acc-1', '', $2::jsonb, now(), now())",
    )
    .bind::<Text, _>(&legacy_id)
    .bind::<Text, _>(
        json!([{"type": "webhook", "url": "https://hooks.example.com/b", "secret": legacy}]).to_string(),
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let before: Vec<(String, String)> = kept(&app).await;

    // A second instance starts after a rotation: the new key current, the old one previous. It seals both again
    // under the new key, each with the secret it had.
    let mut settings = Settings::for_tests(&app.db.url, tokens::SECRET, 2);
    settings.common.run_migrations = false;
    settings.notifications.webhook_secrets_key = Some(Secret::new(ROTATED_KEY));
    settings.notifications.webhook_secrets_key_previous =
        Some(Secret::new(TEST_WEBHOOK_SECRETS_KEY));
    let _rotated = service_logs::build(&settings).await.unwrap();
    let new_key_only = sealer(ROTATED_KEY, None);
    let mut after = Vec::new();
    // (An unsealed secret "opens" as it is: the wait is for every secret sealed, under the new key.)
    eventually("the secrets sealed again under the new key", async || {
        after = kept(&app).await;
        after.iter().all(|(_, a)| {
            let secret = secret_of(a);
            secret.starts_with("sealed:") && open_secret(&new_key_only, &secret).is_ok()
        })
    })
    .await;
    let opened: Vec<(String, String)> = after
        .iter()
        .map(|(id, a)| {
            (
                id.clone(),
                open_secret(&new_key_only, &secret_of(a)).unwrap(),
            )
        })
        .collect();
    let mut expected = vec![(sealed_id, shown), (legacy_id, legacy.to_owned())];
    expected.sort();
    assert_eq!(opened, expected);
    assert!(after.iter().all(|(_, a)| !a.contains("whsec_")));
    // Nothing else of the triggers changed.
    for ((id, was), (_, is)) in before.iter().zip(&after) {
        let strip = |s: &str| -> serde_json::Value {
            let mut v: serde_json::Value = serde_json::from_str(s).unwrap();
            v[0]["secret"] = json!("");
            v
        };
        assert_eq!(strip(was), strip(is), "{id}");
    }
    // The old key alone no longer opens them.
    assert!(open_secret(&test_key, &secret_of(&after[0].1)).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_malformed_key_refuses_to_start() {
    let db_url = "postgres://127.0.0.1:1/never-reached";
    for (current, previous, message) in [
        (None, None, "WEBHOOK_SECRETS_KEY is not set"),
        (Some(""), None, "WEBHOOK_SECRETS_KEY is not set"),
        (
            Some("c2hvcnQ="),
            None,
            "WEBHOOK_SECRETS_KEY must be base64 of exactly 32 bytes",
        ),
        (
            Some(ROTATED_KEY),
            Some("not base64!"),
            "WEBHOOK_SECRETS_KEY_PREVIOUS must be base64 of exactly 32 bytes",
        ),
    ] {
        let mut settings = Settings::for_tests(db_url, tokens::SECRET, 2);
        settings.notifications.webhook_secrets_key = current.map(Secret::new);
        settings.notifications.webhook_secrets_key_previous = previous.map(Secret::new);
        let refused = service_logs::build(&settings)
            .await
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            refused.as_deref(),
            Some(message),
            "{current:?} {previous:?}"
        );
    }
    // The sealing the store writes opens with the key, and only with it.
    let s = sealer(ROTATED_KEY, None);
    let sealed = seal_secret(&s, "whsec_x").unwrap();
    assert_eq!(open_secret(&s, &sealed).unwrap(), "whsec_x");
    assert_eq!(
        open_secret(&sealer(TEST_WEBHOOK_SECRETS_KEY, None), &sealed),
        Err("the webhook's secret cannot be opened: sealed under a key that is neither WEBHOOK_SECRETS_KEY nor WEBHOOK_SECRETS_KEY_PREVIOUS".to_owned())
    );
}
