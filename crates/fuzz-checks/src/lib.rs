//! The properties the fuzz targets in `fuzz/` check, one function per target. Each takes the raw input and panics
//! when a property fails (a panic is what libFuzzer reports as a finding). Keeping them here, inside the workspace,
//! lets `cargo test` replay every seed and every minimised finding (`fuzz/seeds/<target>/`,
//! `fuzz/regressions/<target>/`) without the fuzzing toolchain, so a fixed finding stays fixed.

use diesel::pg::Pg;
use diesel::prelude::*;
use std::sync::OnceLock;

/// A property: panics when the input breaks it.
pub type Check = fn(&[u8]);

/// The targets, by the name of their binary in `fuzz/` and of their directories under `fuzz/seeds` and
/// `fuzz/regressions`.
pub const TARGETS: &[(&str, Check)] = &[
    ("datetime", datetime),
    ("headers", headers),
    ("jwt_claims", jwt_claims),
    ("log_create_body", log_create_body),
    ("router_bodies", router_bodies),
    ("search_parse", search_parse),
    ("search_sql", search_sql),
    ("trigger_body", trigger_body),
];

/// Date-time parsing never panics, and every instant it accepts is written back as RFC 3339 that reads as the same
/// instant (years 0001 to 9999 in UTC).
pub fn datetime(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for parsed in [
        domain::timefmt::parse_rfc3339(text),
        domain::timefmt::parse_search_datetime(text),
    ]
    .into_iter()
    .flatten()
    {
        let written = domain::timefmt::format_utc(parsed);
        let back = domain::timefmt::parse_rfc3339(&written);
        assert_eq!(back, Some(parsed), "{text:?} was written as {written:?}");
    }
}

/// The router's header rules: `IBM-API-Version` dates and `If-Match` / `If-None-Match` lists of entity tags, any
/// text, never a panic; `*` always matches an existing resource.
pub fn headers(data: &[u8]) {
    use domain_routing::etag::{Condition, precondition_holds};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let today = time::macros::date!(2026 - 12 - 01);
    let _ = domain_routing::check_api_version(text, today);
    let condition = Condition::new(text);
    let current = "\"3f2a6c1e8b7d\"";
    let _ = condition.matches_weakly(current);
    for required in [false, true] {
        let _ = precondition_holds(Some(&condition), current, required);
    }
    if text.trim() == "*" {
        assert!(precondition_holds(Some(&condition), current, true));
    }
}

const JWT_SECRET: &str = "fuzz-secret";

// A failure to build either is a broken harness, not a finding; panicking says so on the first input.
fn verifier() -> &'static auth::Verifier {
    static VERIFIER: OnceLock<auth::Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let config = auth::AuthConfig {
            hs256_secret: Some(JWT_SECRET.into()),
            ..Default::default()
        };
        auth::Verifier::new(&config).unwrap_or_else(|e| panic!("an HS256 verifier: {e}"))
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("a runtime: {e}"))
    })
}

/// A correctly signed token carrying any JSON claims is verified or refused, never a panic; a caller it yields has
/// a non-empty subject.
pub fn jwt_claims(data: &[u8]) {
    let Ok(claims) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let key = jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes());
    let Ok(token) = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key) else {
        return;
    };
    if let Ok(principal) = runtime().block_on(verifier().verify(&token)) {
        assert!(
            !principal.subject.is_empty(),
            "a caller without a subject from {claims}"
        );
    }
}

/// Any JSON body of a log create is refused with a reason or accepted, never a panic; an accepted timestamp is one
/// that is written back as RFC 3339 and reads as the same instant.
pub fn log_create_body(data: &[u8]) {
    use domain_logs::service_log::LogInput;
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(input) = serde_json::from_value::<LogInput>(body) else {
        return;
    };
    let stamp = input.timestamp.clone();
    if let Ok(valid) = input.validate() {
        let _ = domain_logs::owner::learned_from(&valid);
        if let Some(t) = stamp.as_deref().and_then(domain::timefmt::parse_rfc3339) {
            let written = domain::timefmt::format_utc(t);
            assert_eq!(
                domain::timefmt::parse_rfc3339(&written),
                Some(t),
                "{written}"
            );
        }
    }
}

/// A notification trigger's create body, and the same JSON as a merge patch of a valid trigger (as `PATCH` applies
/// it): refused with a reason or accepted, never a panic. An accepted trigger (private networks not allowed) sends
/// only to https URLs, and its search parses; a patch that keeps the account keeps it.
pub fn trigger_body(data: &[u8]) {
    use domain_logs::trigger::{TriggerInput, ValidAction, ValidTrigger, merge_patch};
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let accepted = |valid: &ValidTrigger| {
        for action in &valid.actions {
            if let ValidAction::Webhook { url } = action {
                assert_eq!(url.scheme(), "https", "{url}");
            }
        }
        let _ = service_logs::filter::Criteria::parse(&valid.search);
    };
    if let Ok(input) = serde_json::from_value::<TriggerInput>(body.clone())
        && let Ok(valid) = input.validate("acc-1".to_owned(), false)
    {
        accepted(&valid);
    }
    let mut doc = serde_json::json!({
        "name": "errors to ops", "account_id": "acc-1", "search": "severity = 'Error'",
        "actions": [{"type": "webhook", "url": "https://hooks.example.com/in"}, {"type": "email", "to": ["ops@example.com"]}],
    });
    merge_patch(&mut doc, &body);
    if let Ok(input) = serde_json::from_value::<TriggerInput>(doc)
        && input.keeps_account("acc-1").is_ok()
        && let Ok(valid) = input.validate("acc-1".to_owned(), false)
    {
        assert_eq!(valid.account_id, "acc-1");
        accepted(&valid);
    }
}

/// The router's create and patch bodies, and the target merge patch applied to any accepted target: refused with a
/// field error or accepted, never a panic.
pub fn router_bodies(data: &[u8]) {
    use domain_routing::{
        apply_target_patch, parse_new_target, parse_new_tenant, parse_tenant_patch,
    };
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = parse_tenant_patch(&body);
    if let Ok(tenant) = parse_new_tenant(&body) {
        for target in &tenant.targets {
            let _ = apply_target_patch(target, false, &body);
        }
    }
    if let Ok(target) = parse_new_target(&body) {
        for stored in [false, true] {
            let _ = apply_target_patch(&target, stored, &body);
        }
    }
}

/// The search parser never panics, and whatever it accepts renders back to text that parses to the same tree
/// (positions aside: rendering is canonical, so rendering the re-parsed tree gives the same text).
pub fn search_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(Some(expr)) = search::parse(text) {
        let rendered = search::render(&expr);
        // The length limit is on what a client sends; the canonical rendering (spaces around operators, quotes
        // doubled) may be longer than the text it came from, and the services never parse a rendering. (The
        // first finding of this target: a 4,096-character search rendered to 4,097.)
        if rendered.chars().nth(search::MAX_INPUT_CHARS).is_some() {
            return;
        }
        match search::parse(&rendered) {
            Ok(Some(again)) => assert_eq!(
                search::render(&again),
                rendered,
                "render/parse round trip changed {text:?}"
            ),
            other => panic!("rendered {rendered:?} of {text:?} does not parse back: {other:?}"),
        }
    }
}

/// A search that service-logs accepts compiles to SQL whose text holds no literal of the client's: every value is a
/// bind parameter (no quote character reaches the statement), and checking and compiling never panic.
pub fn search_sql(data: &[u8]) {
    use service_logs::filter::Criteria;
    use service_logs::schema::cluster_logs;
    use service_logs::store::search::compile;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(Some(criteria)) = Criteria::parse(text) else {
        return;
    };
    let query = cluster_logs::table
        .filter(compile(&criteria))
        .select(cluster_logs::id);
    let rendered = diesel::debug_query::<Pg, _>(&query).to_string();
    let sql = rendered.split(" -- binds:").next().unwrap_or_default();
    assert!(
        !sql.contains('\''),
        "a literal reached the SQL text of {text:?}: {sql}"
    );
}
