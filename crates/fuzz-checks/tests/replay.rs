//! Replays every seed and every minimised finding of the fuzz targets (fuzz/seeds/<target>/,
//! fuzz/regressions/<target>/) through the property it was found by: a fixed finding stays fixed without the
//! fuzzing toolchain.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use std::path::PathBuf;

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_seed_and_regression_holds_its_property() {
    let mut replayed = 0;
    for (target, check) in fuzz_checks::TARGETS {
        let files: Vec<PathBuf> = ["seeds", "regressions"]
            .iter()
            .flat_map(|kind| inputs(kind, target))
            .collect();
        assert!(!files.is_empty(), "fuzz/seeds/{target} has no inputs");
        for file in files {
            let data = std::fs::read(&file).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} fails {target}", file.display());
            replayed += 1;
        }
    }
    assert!(replayed >= fuzz_checks::TARGETS.len());
}

#[test]
fn every_fuzz_binary_has_a_check() {
    let manifest = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/Cargo.toml"),
    )
    .unwrap();
    let bins = manifest.matches("[[bin]]").count();
    assert_eq!(
        bins,
        fuzz_checks::TARGETS.len(),
        "fuzz/Cargo.toml and TARGETS disagree"
    );
    for (target, _) in fuzz_checks::TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "fuzz/Cargo.toml has no target {target}"
        );
    }
}
