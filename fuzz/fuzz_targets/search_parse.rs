//! The search parser never panics, and whatever it accepts renders back to text that parses to the same tree
//! (positions aside: rendering is canonical, so rendering the re-parsed tree gives the same text).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(Some(expr)) = search::parse(text) {
        let rendered = search::render(&expr);
        match search::parse(&rendered) {
            Ok(Some(again)) => assert_eq!(
                search::render(&again),
                rendered,
                "render/parse round trip changed {text:?}"
            ),
            other => panic!("rendered {rendered:?} of {text:?} does not parse back: {other:?}"),
        }
    }
});
