#!/usr/bin/env bash
# `make schemathesis`: property-based API tests (schemathesis, pinned below) against both services running as real
# processes on fresh databases, wired together as in production (the router audits into service-logs):
#
#   1. service-logs against the real Service Log OpenAPI document (docs/openapi/ocm-service-logs-live.json),
#   2. service-logs against its own /openapi.json,
#   3. logs-router against its own /openapi.json,
#
# each with every check (`--checks all`) and every phase (examples, coverage, fuzzing, stateful), bounded by
# SCHEMATHESIS_MAX_TIME seconds a run (default 60). Fails when any run reports a failure. A run's per-operation
# exceptions (each with its reason) are in scripts/schemathesis/<run>.toml.
#
# Environment (all optional): SCHEMATHESIS_MAX_TIME, SCHEMATHESIS_WORKERS (default 1), SCHEMATHESIS_RUNS (a subset of
# "logs-live logs-own router", default all three), CARGO, CARGO_TARGET_DIR, SCHEMATHESIS_SKIP_BUILD=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

SCHEMATHESIS_VERSION=4.32.5
CARGO=${CARGO:-cargo}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
MAX_TIME=${SCHEMATHESIS_MAX_TIME:-60}
# One worker: with two, schemathesis 4.32.5 races importing its coverage module (KeyError, "AST constructor
# recursion depth mismatch" runtime errors).
WORKERS=${SCHEMATHESIS_WORKERS:-1}
RUNS=${SCHEMATHESIS_RUNS:-logs-live logs-own router}
SECRET=schemathesis-secret-$$
OUT=$TARGET_DIR/schemathesis
ACCOUNT=1a2b3c

log() { printf '==> %s\n' "$*" >&2; }
die() {
  printf 'schemathesis: error: %s\n' "$*" >&2
  exit 1
}

# --- tools ----------------------------------------------------------------------------------------
if ! command -v schemathesis >/dev/null 2>&1 || [ "$(schemathesis --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
  command -v pip3 >/dev/null 2>&1 || command -v pip >/dev/null 2>&1 || die "pip is needed to install schemathesis"
  log "installing schemathesis==$SCHEMATHESIS_VERSION (pip)"
  "$(command -v pip3 || command -v pip)" install -q "schemathesis==$SCHEMATHESIS_VERSION" >&2
fi
command -v curl >/dev/null 2>&1 || die "curl is needed"

if [ "${SCHEMATHESIS_SKIP_BUILD:-}" != 1 ]; then
  log "$CARGO build --bins"
  "$CARGO" build --bins
fi
SL_BIN=$TARGET_DIR/debug/service-logs
LR_BIN=$TARGET_DIR/debug/logs-router
{ [ -x "$SL_BIN" ] && [ -x "$LR_BIN" ]; } || die "binaries not found under $TARGET_DIR/debug"

# --- services ---------------------------------------------------------------------------------------
# shellcheck source=scripts/lib/stack.sh
source scripts/lib/stack.sh
stack_start schemathesis "$SL_BIN" "$LR_BIN"

token() { AUTH_HS256_SECRET="$SECRET" "$SL_BIN" token --sub schemathesis --account "$ACCOUNT" "$@"; }
SL_TOKEN=$(token --permission service-logs.log.create --permission service-logs.log.read \
  --permission service-logs.log.read-internal --permission service-logs.log.delete --permission service-logs.cluster.manage \
  --permission service-logs.trigger.manage)
LR_TOKEN=$(token --permission logs-router.tenant.read --permission logs-router.tenant.create \
  --permission logs-router.tenant.update --permission logs-router.tenant.delete)

# --- runs -----------------------------------------------------------------------------------------
FAILED=()
run() {
  local name=$1 token=$2 location=$3
  shift 3
  # A run's config file enables every check itself: `--checks all` would override its per-operation exceptions.
  local config=(--config-file "scripts/schemathesis/$name.toml") checks=()
  [ -f "scripts/schemathesis/$name.toml" ] || { config=(); checks=(--checks all); }
  log "schemathesis: $name ($location, at most ${MAX_TIME}s)"
  if ! schemathesis "${config[@]}" run "$location" "${checks[@]}" --phases examples,coverage,fuzzing,stateful \
    --max-time "$MAX_TIME" --workers "$WORKERS" --request-timeout 10 --seed 1 \
    -H "Authorization: Bearer $token" --report junit --report-dir "$OUT/$name" "$@"; then
    FAILED+=("$name")
  fi
}
for r in $RUNS; do
  case $r in
    logs-live) run logs-live "$SL_TOKEN" docs/openapi/ocm-service-logs-live.json --url "http://$SL_ADDR" ;;
    logs-own) run logs-own "$SL_TOKEN" "http://$SL_ADDR/openapi.json" --url "http://$SL_ADDR" ;;
    router) run router "$LR_TOKEN" "http://$LR_ADDR/openapi.json" --url "http://$LR_ADDR" ;;
    *) die "unknown run '$r' (logs-live, logs-own, router)" ;;
  esac
done
[ ${#FAILED[@]} = 0 ] || die "failures in: ${FAILED[*]} (reports under $OUT)"
log "schemathesis: no failures"
