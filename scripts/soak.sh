#!/usr/bin/env bash
# `make soak` (not in CI): both services (release builds) wired together on fresh databases, under a mixed load for
# SOAK_DURATION seconds (default 600): log creates and cluster pages on service-logs, tenant creates on logs-router
# (each audited into service-logs). Reports each service's RSS after the first minute and at the end, the load's
# error counts, and the audit outbox's depth at the end and after a drain; fails when RSS grew by more than
# SOAK_RSS_GROWTH_PCT percent (default 25) between the two readings, on any non-2xx answer or socket error, or when
# the outbox does not drain within 60 s after the load.
#
# Environment (all optional): SOAK_DURATION (600), SOAK_CONNECTIONS (8 per load; wrk runs
# unpaced), SOAK_RSS_GROWTH_PCT (25), SOAK_PROFILE (release; debug for a quick look: its RSS is not the
# production figure), CARGO, CARGO_TARGET_DIR, SOAK_SKIP_BUILD=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CARGO=${CARGO:-cargo}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
DURATION=${SOAK_DURATION:-600}
CONNS=${SOAK_CONNECTIONS:-8}
GROWTH_PCT=${SOAK_RSS_GROWTH_PCT:-25}
SECRET=soak-secret-$$
OUT=$TARGET_DIR/soak
BENCH=$ROOT/scripts/bench
LOGS_CRN='crn:v1:bluemix:public:logs:eu-de:a/4516b8fa0a174a71899f5affa4f18d78:42DAB2C2-BEC2-43E3-8E90-F0259087A884::'

log() { printf '==> %s\n' "$*" >&2; }
die() {
  printf 'soak: error: %s\n' "$*" >&2
  exit 1
}

# shellcheck source=scripts/lib/stack.sh
source scripts/lib/stack.sh
need wrk wrk
need curl curl
need psql postgresql-client

PROFILE=${SOAK_PROFILE:-release}
case $PROFILE in
  release) BUILD_FLAGS=(--release) ;;
  debug) BUILD_FLAGS=() ;;
  *) die "SOAK_PROFILE must be release or debug" ;;
esac
if [ "${SOAK_SKIP_BUILD:-}" != 1 ]; then
  log "$CARGO build ${BUILD_FLAGS[*]} --bins"
  "$CARGO" build "${BUILD_FLAGS[@]}" --bins
fi
SL_BIN=$TARGET_DIR/$PROFILE/service-logs
LR_BIN=$TARGET_DIR/$PROFILE/logs-router
{ [ -x "$SL_BIN" ] && [ -x "$LR_BIN" ]; } || die "binaries not found under $TARGET_DIR/$PROFILE"

stack_start soak "$SL_BIN" "$LR_BIN" TENANTS_PER_ACCOUNT=100000000

SL_TOKEN=$(AUTH_HS256_SECRET=$SECRET "$SL_BIN" token --sub soak --account soak-1 --ttl 86400 \
  --permission service-logs.log.create --permission service-logs.log.read --permission service-logs.log.read-internal)
: >"$OUT/router-tokens.txt"
for k in $(seq 1 64); do
  AUTH_HS256_SECRET=$SECRET "$LR_BIN" token --sub soak --account "acc-$k" --ttl 86400 \
    --permission logs-router.tenant.create --permission logs-router.tenant.read >>"$OUT/router-tokens.txt"
done

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# load <name> <script> <url>: wrk for DURATION seconds; its summary line goes to $OUT/<name>.wrk.
load() {
  BENCH_TOKEN=$SL_TOKEN BENCH_TOKENS_FILE=$OUT/router-tokens.txt BENCH_LOGS_CRN=$LOGS_CRN BENCH_CLUSTERS=1000 \
    BENCH_NAME_PREFIX="soak-$1" BENCH_WRK_OUT="$OUT/$1.wrk" \
    wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 10s -s "$BENCH/$2" "$3" >"$OUT/$1.wrk.txt" 2>&1 &
  EXTRA_PIDS+=($!)
}
log "mixed load for ${DURATION}s: log creates, cluster pages, tenant creates ($CONNS connections each)"
load create create.lua "http://$SL_ADDR"
load page page.lua "http://$SL_ADDR"
load tenant tenant-create.lua "http://$LR_ADDR"

sleep 60
SL_RSS_1=$(rss_kib "$SL_PID")
LR_RSS_1=$(rss_kib "$LR_PID")
log "after 60 s: service-logs RSS ${SL_RSS_1} KiB, logs-router RSS ${LR_RSS_1} KiB"
for pid in "${EXTRA_PIDS[@]}"; do wait "$pid" || die "wrk failed; see $OUT/*.wrk.txt"; done
EXTRA_PIDS=()
SL_RSS_2=$(rss_kib "$SL_PID")
LR_RSS_2=$(rss_kib "$LR_PID")
PENDING_END=$(psql -w -X -q -At -d "$LR_URL" -c 'SELECT count(*) FROM audit_outbox WHERE delivered_at IS NULL AND parked_at IS NULL')
deadline=$((SECONDS + 60))
pending=$PENDING_END
while [ "$pending" != 0 ] && [ "$SECONDS" -lt "$deadline" ]; do
  sleep 1
  pending=$(psql -w -X -q -At -d "$LR_URL" -c 'SELECT count(*) FROM audit_outbox WHERE delivered_at IS NULL AND parked_at IS NULL')
done

printf '\n## soak: %s s, %s connections per load\n\n' "$DURATION" "$CONNS"
printf '| load | requests | non-2xx | socket errors | p50 ms | p99 ms |\n|---|---|---|---|---|---|\n'
FAILED=0
for name in create page tenant; do
  read -r requests _dur non2xx sockerr p50 p99 _mean <"$OUT/$name.wrk"
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$requests" "$non2xx" "$sockerr" "$p50" "$p99"
  [ "$non2xx" = 0 ] && [ "$sockerr" = 0 ] || FAILED=1
done
printf '\n| service | RSS at 60 s (KiB) | RSS at end (KiB) |\n|---|---|---|\n'
printf '| service-logs | %s | %s |\n| logs-router | %s | %s |\n' "$SL_RSS_1" "$SL_RSS_2" "$LR_RSS_1" "$LR_RSS_2"
printf '\naudit outbox pending: %s at the end of the load, %s after the drain\n' "$PENDING_END" "$pending"
for pair in "$SL_RSS_1 $SL_RSS_2 service-logs" "$LR_RSS_1 $LR_RSS_2 logs-router"; do
  read -r a b label <<<"$pair"
  if [ $((b * 100)) -gt $((a * (100 + GROWTH_PCT))) ]; then
    log "$label RSS grew from $a KiB to $b KiB (more than ${GROWTH_PCT}%)"
    FAILED=1
  fi
done
PARKED=$(psql -w -X -q -At -d "$LR_URL" -c 'SELECT count(*) FROM audit_outbox WHERE parked_at IS NOT NULL')
printf 'audit outbox parked: %s\n' "$PARKED"
[ "$pending" = 0 ] || { log "the outbox did not drain within 60 s"; FAILED=1; }
[ "$PARKED" = 0 ] || { log "$PARKED audit events were parked"; FAILED=1; }
[ "$FAILED" = 0 ] || die "soak failed (see above and $OUT)"
log "soak: no growth, no errors, outbox drained"
