#!/usr/bin/env bash
# `make exports-check` (not in CI: its thresholds are timings): the two export promises of docs/reliability.md,
# measured on release binaries and a fresh database holding EXPORT_ROWS (65,500: the most one answer carries) logs
# of one cluster of one account, plus 100 logs of a second cluster of that account for the page load:
#
# 1. EXPORT_SLOW_READERS (16) clients ask for `GET /cluster_logs?format=csv&size=-1` with a read-only token and then
#    read 256 bytes every 5 s; meanwhile wrk asks for cluster pages on 4 connections for EXPORT_SECONDS (20) and
#    /readyz is polled every 0.5 s. Fails unless the pages' p99 < 50 ms, every page answered 200 and /readyz
#    stayed 200. The same page load runs first without readers: when that baseline is itself over 50 ms (a busy
#    machine), the p99 with readers must stay under 1.5 x the baseline instead.
# 2. 4 concurrent `GET /cluster_logs?size=-1` (JSON, 65,500 rows) read at full speed. Fails unless service-logs' peak
#    RSS (VmHWM) stays under 64 MiB.
#
# Environment (all optional): EXPORT_ROWS, EXPORT_SLOW_READERS, EXPORT_SECONDS, CARGO, CARGO_TARGET_DIR,
# EXPORT_SKIP_BUILD=1. Results: $CARGO_TARGET_DIR/exports-check/results.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CARGO=${CARGO:-cargo}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
ROWS=${EXPORT_ROWS:-65500}
TOTAL=$((ROWS + 100))
EXPECTED=$((TOTAL < 65500 ? TOTAL : 65500))
READERS=${EXPORT_SLOW_READERS:-16}
DURATION=${EXPORT_SECONDS:-20}
SECRET=exports-secret-$$
OUT=$TARGET_DIR/exports-check
RESULTS=$OUT/results.txt
ACCOUNT=acc-export
CLUSTER=00000000-0000-4000-8000-000000000001
PAGE_CLUSTER=00000000-0000-4000-8000-000000000002

log() { printf '==> %s\n' "$*" >&2; }
die() {
  printf 'exports-check: error: %s\n' "$*" >&2
  exit 1
}
# shellcheck source=scripts/lib/stack.sh
. "$ROOT/scripts/lib/stack.sh"
need wrk wrk
need curl curl
need psql postgresql-client
need python3 python3

if [ "${EXPORT_SKIP_BUILD:-}" != 1 ]; then
  log "building release binaries"
  "$CARGO" build --release --bins >&2
fi
SL_BIN=$TARGET_DIR/release/service-logs
LR_BIN=$TARGET_DIR/release/logs-router

stack_start exports "$SL_BIN" "$LR_BIN"

log "seeding $ROWS logs of $ACCOUNT"
psql -w -X -q -At -v ON_ERROR_STOP=1 -d "$SL_URL" -v rows="$ROWS" -v account="$ACCOUNT" -v cluster="$CLUSTER" \
  -v page_cluster="$PAGE_CLUSTER" <<'SQL'
INSERT INTO cluster_logs (id, cluster_uuid, account_id, severity, service_name, summary, description,
                          event_stream_id, "timestamp", created_at)
SELECT lpad(to_hex(i), 27, '0'), CASE WHEN i <= :rows THEN :'cluster' ELSE :'page_cluster' END, :'account',
       'Info', 'SREManualAction', 'Export log ' || i, repeat('An export row of a realistic length. ', 8),
       'E' || lpad(to_hex(i), 26, '0'), now() - i * interval '1 second', now() - i * interval '1 second'
FROM generate_series(1, :rows + 100) AS i;
VACUUM ANALYZE cluster_logs;
SQL

token=$(AUTH_HS256_SECRET=$SECRET "$SL_BIN" token --sub exports --account "$ACCOUNT" \
  --permission service-logs.log.read | tr -d '\r\n')
base="http://$SL_ADDR/api/service_logs/v1"
rss_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$SL_PID/status"; }
: >"$RESULTS"

cat >"$OUT/page.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA
# pages <label>: wrk on cluster pages for DURATION s; sets P99_MS, RPS, NON2XX, ERRORS.
pages() {
  local p99
  wrk -t 2 -c 4 -d "${DURATION}s" --latency -s "$OUT/page.lua" \
    "$base/clusters/cluster_logs?cluster_uuid=$PAGE_CLUSTER&page=1&size=20" >"$OUT/wrk-$1.txt"
  p99=$(awk '$1 == "99%" { print $2 }' "$OUT/wrk-$1.txt")
  P99_MS=$(awk -v v="$p99" 'BEGIN {
    n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }')
  NON2XX=$(awk '/Non-2xx/ { print $NF }' "$OUT/wrk-$1.txt")
  ERRORS=$(awk '/Socket errors/ { print }' "$OUT/wrk-$1.txt")
  RPS=$(awk '/Requests\/sec/ { print $2 }' "$OUT/wrk-$1.txt")
}

# --- 0. the same page load without readers: what this machine gives, for comparison -------------------------
log "cluster pages without readers (baseline)"
pages baseline
echo "## baseline: cluster pages on 4 connections for ${DURATION}s, no export running" >>"$RESULTS"
echo "pages: $RPS req/s, p99 $P99_MS ms, non-2xx ${NON2XX:-0}" | tee -a "$RESULTS" >&2

# --- 1. slow readers --------------------------------------------------------------------------------------------
log "$READERS slow readers of the CSV export (256 B every 5 s)"
python3 - "$SL_ADDR" "$token" "$READERS" "$((DURATION + 10))" >"$OUT/slow-readers.txt" 2>&1 <<'PY' &
import socket, sys, time
addr, token, n, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
host, port = addr.rsplit(":", 1)
socks = []
for _ in range(n):
    s = socket.create_connection((host, int(port)))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(("GET /api/service_logs/v1/cluster_logs?format=csv&size=-1 HTTP/1.1\r\nHost: x\r\n"
               "Authorization: Bearer %s\r\n\r\n" % token).encode())
    socks.append(s)
got = [0] * n
end = time.time() + seconds
while time.time() < end:
    for i, s in enumerate(socks):
        s.settimeout(0.1)
        try:
            got[i] += len(s.recv(256))
        except OSError:
            pass
    time.sleep(5)
print("bytes read per reader:", got)
PY
readers_pid=$!
EXTRA_PIDS+=("$readers_pid")
sleep 3
(
  end=$((SECONDS + DURATION))
  while [ "$SECONDS" -lt "$end" ]; do
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 2 "http://$SL_ADDR/readyz" || echo 000
    sleep 0.5
  done
) >"$OUT/readyz.txt" &
poll_pid=$!
EXTRA_PIDS+=("$poll_pid")
pages readers
wait "$poll_pid" || true
ready_n=$(wc -l <"$OUT/readyz.txt")
ready_bad=$(grep -vc '^200$' "$OUT/readyz.txt" || true)
p99_ms=$P99_MS non2xx=$NON2XX errors=$ERRORS rps=$RPS
kill "$readers_pid" 2>/dev/null || true
wait "$readers_pid" 2>/dev/null || true
{
  echo "## $READERS slow CSV readers; cluster pages on 4 connections for ${DURATION}s"
  echo "pages: $rps req/s, p99 $p99_ms ms, non-2xx ${non2xx:-0}${errors:+, $errors}"
  echo "/readyz: $ready_n polls, $ready_bad not 200"
} | tee -a "$RESULTS" >&2
fail=0
base_p99=$(awk '/^pages:/ { print $(NF - 3); exit }' "$RESULTS")
if awk -v b="$base_p99" 'BEGIN { exit !(b < 50) }'; then
  awk -v p="$p99_ms" 'BEGIN { exit !(p < 50) }' || { log "FAIL: page p99 $p99_ms ms is not under 50 ms"; fail=1; }
else
  # The machine itself cannot give 50 ms (other work on it): judge the readers' effect instead.
  log "the baseline p99 ($base_p99 ms) is over 50 ms: this machine is busy; judging p99 against 1.5 x the baseline"
  awk -v p="$p99_ms" -v b="$base_p99" 'BEGIN { exit !(p < 1.5 * b) }' \
    || { log "FAIL: page p99 $p99_ms ms with readers is not under 1.5 x the baseline $base_p99 ms"; fail=1; }
fi
if [ "${non2xx:-0}" != 0 ] || [ -n "$errors" ]; then
  log "FAIL: pages failed during the slow exports"
  fail=1
fi
[ "$ready_bad" = 0 ] || { log "FAIL: /readyz was not 200 $ready_bad times"; fail=1; }

# --- 2. four full JSON exports at once ----------------------------------------------------------------------------
before=$(rss_kib)
log "4 concurrent JSON exports of every row (size=-1); peak RSS before: $before KiB"
pids=()
for i in 1 2 3 4; do
  curl -s -o "$OUT/export-$i.json" -w '%{http_code}\n' -H "Authorization: Bearer $token" \
    "$base/cluster_logs?size=-1" >"$OUT/export-$i.code" &
  pids+=("$!")
done
for p in "${pids[@]}"; do wait "$p" || true; done
after=$(rss_kib)
for i in 1 2 3 4; do
  [ "$(cat "$OUT/export-$i.code")" = 200 ] || { log "FAIL: export $i answered $(cat "$OUT/export-$i.code")"; fail=1; }
  items=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["items"]), d["total"])' \
    "$OUT/export-$i.json" 2>/dev/null || echo "? ?")
  [ "$items" = "$EXPECTED $TOTAL" ] || { log "FAIL: export $i has items/total $items, not $EXPECTED $TOTAL"; fail=1; }
done
size=$(stat -c %s "$OUT/export-1.json")
{
  echo "## 4 concurrent JSON exports of $EXPECTED rows ($((size / 1048576)) MiB each)"
  echo "service-logs peak RSS: $((before / 1024)) MiB before, $((after / 1024)) MiB after"
} | tee -a "$RESULTS" >&2
[ "$after" -lt $((64 * 1024)) ] || { log "FAIL: peak RSS $((after / 1024)) MiB is not under 64 MiB"; fail=1; }

[ "$fail" = 0 ] || die "see $RESULTS"
log "exports-check passed (results in $RESULTS)"
