//! A correctly signed token carrying any JSON claims is verified or refused, never a panic; a caller it yields has
//! a non-empty subject.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const SECRET: &str = "fuzz-secret";

fn verifier() -> &'static auth::Verifier {
    static VERIFIER: OnceLock<auth::Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let config = auth::AuthConfig {
            hs256_secret: Some(SECRET.into()),
            ..Default::default()
        };
        auth::Verifier::new(&config).expect("an HS256 verifier")
    })
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(claims) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let Ok(token) = jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key) else {
        return;
    };
    if let Ok(principal) = runtime().block_on(verifier().verify(&token)) {
        assert!(!principal.subject.is_empty(), "a caller without a subject from {claims}");
    }
});
