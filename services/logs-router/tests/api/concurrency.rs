//! Races: two requests at once that cannot both succeed. Each race runs a few rounds so an interleaving that
//! lets both through has its chance to show.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;

const ROUNDS: usize = 5;

fn sorted(a: StatusCode, b: StatusCode) -> (u16, u16) {
    let (x, y) = (a.as_u16(), b.as_u16());
    (x.min(y), x.max(y))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_creates_in_one_account_at_once_one_201_one_409() {
    let app = spawn().await;
    for round in 0..ROUNDS {
        let account = format!("acc-race-{round}");
        let token = tokens::token("u", Some(&account), &ALL);
        let a = json!({"name": "first", "targets": [logs_target("x")]});
        let b = json!({"name": "second", "targets": [logdna_target("y")]});
        let n = app.outbox().await.len();
        let path = tenants_path();
        let (ra, rb) = tokio::join!(app.post(&path, &token, &a), app.post(&path, &token, &b));
        assert_eq!(
            sorted(ra.status, rb.status),
            (201, 409),
            "round {round}: {} / {}",
            ra.text,
            rb.text
        );
        let loser = if ra.status == StatusCode::CONFLICT {
            &ra
        } else {
            &rb
        };
        assert_eq!(
            loser.error(),
            conflict("The account already has the maximum number of tenants in this region (1).")
        );
        let listed = app.get(&tenants_path(), &token).await.json();
        assert_eq!(
            listed["tenants"].as_array().unwrap().len(),
            1,
            "round {round}"
        );
        // one success and one failure event
        let events = app.events().await;
        let outcomes: Vec<_> = events[n..]
            .iter()
            .filter(|e| e["action"] == json!(CREATE))
            .map(|e| e["outcome"].as_str().unwrap().to_owned())
            .collect();
        let mut outcomes = outcomes;
        outcomes.sort();
        assert_eq!(outcomes, ["failure", "success"], "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_creates_of_one_name_at_once_one_201_one_409() {
    let app = spawn_with(|s| s.tenants_per_account = 2 * ROUNDS as u32).await;
    for round in 0..ROUNDS {
        let body = json!({"name": format!("same-{round}"), "targets": [logs_target("x")]});
        let path = tenants_path();
        let (ra, rb) = tokio::join!(
            app.post(&path, &app.admin, &body),
            app.post(&path, &app.admin, &body)
        );
        assert_eq!(
            sorted(ra.status, rb.status),
            (201, 409),
            "round {round}: {} / {}",
            ra.text,
            rb.text
        );
        let loser = if ra.status == StatusCode::CONFLICT {
            &ra
        } else {
            &rb
        };
        assert_eq!(
            loser.error(),
            conflict("A tenant with this name already exists in the account.")
        );
    }
    assert_eq!(app.snapshot().await.0.len(), ROUNDS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_patches_with_one_etag_at_once_one_200_one_412() {
    let app = spawn().await;
    let t = app.tenant("t0", true).await;
    let id = s(&t["id"]);
    let mut etag = s(&t["etag"]);
    for round in 0..ROUNDS {
        let path = tenant_path(&id);
        let (a, b) = (
            json!({"name": format!("a{round}")}),
            json!({"name": format!("b{round}")}),
        );
        let (ra, rb) = tokio::join!(
            app.patch(&path, &app.admin, Some(&etag), &a),
            app.patch(&path, &app.admin, Some(&etag), &b)
        );
        assert_eq!(
            sorted(ra.status, rb.status),
            (200, 412),
            "round {round}: {} / {}",
            ra.text,
            rb.text
        );
        let (winner, loser) = if ra.status == StatusCode::OK {
            (&ra, &rb)
        } else {
            (&rb, &ra)
        };
        assert_eq!(loser.error(), precondition_failed());
        let now = app.get(&tenant_path(&id), &app.admin).await.json();
        assert_eq!(now, winner.json(), "the winner's write is what is stored");
        etag = winner.etag();
    }
    // the same on a target
    let g = &t["targets"][1];
    let path = target_path(&id, &s(&g["id"]));
    let mut etag = s(&g["etag"]);
    for round in 0..ROUNDS {
        let (a, b) = (
            json!({"parameters": {"port": 1000 + round}}),
            json!({"parameters": {"port": 2000 + round}}),
        );
        let (ra, rb) = tokio::join!(
            app.patch(&path, &app.admin, Some(&etag), &a),
            app.patch(&path, &app.admin, Some(&etag), &b)
        );
        assert_eq!(
            sorted(ra.status, rb.status),
            (200, 412),
            "round {round}: {} / {}",
            ra.text,
            rb.text
        );
        let winner = if ra.status == StatusCode::OK {
            &ra
        } else {
            &rb
        };
        assert_eq!(app.get(&path, &app.admin).await.json(), winner.json());
        etag = winner.etag();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_target_creates_of_one_type_at_once_one_201_one_409() {
    let app = spawn_with(|s| s.tenants_per_account = ROUNDS as u32).await;
    for round in 0..ROUNDS {
        let t = app.tenant(&format!("t{round}"), false).await;
        let id = s(&t["id"]);
        let path = targets_path(&id);
        let (a, b) = (logs_target("one"), logs_target("two"));
        let (ra, rb) = tokio::join!(
            app.post(&path, &app.admin, &a),
            app.post(&path, &app.admin, &b)
        );
        assert_eq!(
            sorted(ra.status, rb.status),
            (201, 409),
            "round {round}: {} / {}",
            ra.text,
            rb.text
        );
        let loser = if ra.status == StatusCode::CONFLICT {
            &ra
        } else {
            &rb
        };
        assert_eq!(
            loser.error(),
            conflict(
                "The tenant already has a target of type 'logs'. Only one target of each type is allowed."
            )
        );
        let now = app.get(&tenant_path(&id), &app.admin).await.json();
        assert_eq!(now["targets"].as_array().unwrap().len(), 2, "round {round}");
        assert_eq!(now["targets"][1]["type"], json!("logs"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_target_delete_racing_a_target_delete_leaves_one_target() {
    let app = spawn_with(|s| s.tenants_per_account = ROUNDS as u32).await;
    for round in 0..ROUNDS {
        let t = app.tenant(&format!("t{round}"), true).await;
        let id = s(&t["id"]);
        let (pa, pb) = (
            target_path(&id, &s(&t["targets"][0]["id"])),
            target_path(&id, &s(&t["targets"][1]["id"])),
        );
        let (ra, rb) = tokio::join!(
            app.delete(&pa, &app.admin, None),
            app.delete(&pb, &app.admin, None)
        );
        assert_eq!(
            sorted(ra.status, rb.status),
            (204, 409),
            "round {round}: {} / {}",
            ra.text,
            rb.text
        );
        let now = app.get(&tenant_path(&id), &app.admin).await.json();
        assert_eq!(now["targets"].as_array().unwrap().len(), 1, "round {round}");
    }
}
