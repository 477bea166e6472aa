//! The service binaries next to this test binary, built once per test process when missing or stale.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub struct Bins {
    pub service_logs: PathBuf,
    pub logs_router: PathBuf,
}

pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The profile directory (`<target>/debug`) this test binary was built into: the binaries are its siblings.
fn profile_dir() -> PathBuf {
    if let Ok(exe) = std::env::current_exe()
        && let Some(deps) = exe.parent()
        && deps.file_name().is_some_and(|n| n == "deps")
        && let Some(profile) = deps.parent()
    {
        return profile.to_path_buf();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| {
            if p.is_relative() {
                workspace_root().join(p)
            } else {
                p
            }
        })
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug")
}

/// The binary exists and is newer than every file its dep-info (`<bin>.d`, written by cargo) lists.
fn is_fresh(bin: &Path) -> bool {
    let Ok(built) = std::fs::metadata(bin).and_then(|m| m.modified()) else {
        return false;
    };
    let Ok(depinfo) = std::fs::read_to_string(bin.with_extension("d")) else {
        return false;
    };
    let Some((_, sources)) = depinfo.split_once(": ") else {
        return false;
    };
    sources.split_whitespace().all(|f| {
        std::fs::metadata(f)
            .and_then(|m| m.modified())
            .is_ok_and(|m| m <= built)
    })
}

/// The two service binaries, built first (once per test process) when missing or stale.
pub fn bins() -> &'static Bins {
    static BINS: OnceLock<Bins> = OnceLock::new();
    BINS.get_or_init(|| {
        let dir = profile_dir();
        let bins = Bins {
            service_logs: dir.join("service-logs"),
            logs_router: dir.join("logs-router"),
        };
        if !(is_fresh(&bins.service_logs) && is_fresh(&bins.logs_router)) {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let mut cmd = Command::new(cargo);
            cmd.current_dir(workspace_root()).args([
                "build",
                "--bins",
                "-p",
                "service-logs",
                "-p",
                "logs-router",
            ]);
            match dir.file_name().and_then(|n| n.to_str()) {
                Some("debug") | None => {}
                Some("release") => {
                    cmd.arg("--release");
                }
                Some(other) => {
                    cmd.args(["--profile", other]);
                }
            }
            if let Some(target) = dir.parent() {
                cmd.env("CARGO_TARGET_DIR", target);
            }
            eprintln!("e2e: building the service binaries into {}", dir.display());
            // Parallel test processes each may get here; cargo's own lock serialises them, the later ones find
            // nothing to do.
            let status = cmd
                .status()
                .unwrap_or_else(|e| panic!("cannot run cargo to build the services: {e}"));
            assert!(
                status.success(),
                "building the service binaries failed ({status})"
            );
        }
        for b in [&bins.service_logs, &bins.logs_router] {
            assert!(b.exists(), "{} is missing after the build", b.display());
        }
        bins
    })
}
