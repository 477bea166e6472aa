#!/usr/bin/env bash
# `make fuzz`: runs every cargo-fuzz target in fuzz/ for FUZZ_SECONDS each (default 600), one after the other, and
# fails on the first crash. Findings are kept under fuzz/artifacts/<target>/; minimise one with
# `cargo fuzz tmin <target> <file>` and add it to fuzz/regressions/<target>/: crates/fuzz-checks/tests/replay.rs replays every seed
# and regression in `make test`. The properties themselves live in crates/fuzz-checks (one function per target).
#
# Environment (all optional): FUZZ_SECONDS, FUZZ_TARGETS (default: every target `cargo fuzz list` prints),
# FUZZ_JOBS (default 1).
#
# The machine's toolchain is stable; cargo-fuzz needs nightly flags (-Z sanitizer), which RUSTC_BOOTSTRAP=1 allows
# for this build alone. AddressSanitizer is off (`-s none`): the code is safe Rust (unsafe is forbidden), so a
# finding is a panic, an overflow (debug assertions are on) or a timeout, and libFuzzer reports each.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT/fuzz"

SECONDS_EACH=${FUZZ_SECONDS:-600}
JOBS=${FUZZ_JOBS:-1}
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz (cargo install --locked cargo-fuzz)" >&2
  cargo install --locked cargo-fuzz
fi

TARGETS=${FUZZ_TARGETS:-$(cargo fuzz list)}
for t in $TARGETS; do
  mkdir -p "corpus/$t"
  seeds=()
  [ -d "seeds/$t" ] && seeds=("seeds/$t")
  echo "==> cargo fuzz run $t for ${SECONDS_EACH}s" >&2
  # -jobs makes libFuzzer write fuzz-<n>.log in fuzz/ (shared by targets run at once): only when asked for.
  jobs=()
  [ "$JOBS" -le 1 ] || jobs=(-jobs="$JOBS" -workers="$JOBS")
  cargo fuzz run -s none --debug-assertions "$t" "corpus/$t" "${seeds[@]}" -- \
    -max_total_time="$SECONDS_EACH" "${jobs[@]}" -max_len=8192 -timeout=10
done
echo "==> fuzz: no crashes in: $TARGETS" >&2
