#!/usr/bin/env bash
# `make bench`: measures service-logs against raw PostgreSQL doing the same SQL, in one run.
#
#   1. builds the release binary (cargo build --release -p service-logs; skip with BENCH_SKIP_BUILD=1);
#   2. finds PostgreSQL (scripts/ensure-postgres.sh), drops and recreates the database service_logs_bench,
#      starts `target/release/service-logs serve` on it (it migrates), seeds cluster_logs with one
#      INSERT ... SELECT FROM generate_series (scripts/bench/seed.sql), then VACUUM ANALYZE;
#   3. for each scenario, one after the other (never at the same time), a warm-up then a measurement:
#        cluster-page  service: wrk + page.lua      raw: pgbench -M prepared + page.sql
#        create-log    service: wrk + create.lua    raw: pgbench -M prepared + create.sql
#      at the same concurrency (wrk connections = pgbench clients) and duration;
#   4. prints a table (req/s, p50, p99 for both, ratio service/raw) and, under it, where the CPU went (microseconds
#      per request of the load generator, the service, PostgreSQL and the rest), and writes both to
#      target/bench/results.txt (wrk's and pgbench's own outputs and per-transaction logs are beside it);
#      on exit the service is stopped and the database dropped.
#
# The service, wrk and pgbench each run in their own session (setsid). Linux schedules each session as one
# "autogroup" with an equal CPU share (kernel.sched_autogroup_enabled=1), and every PostgreSQL backend is a session
# of its own; left in one shared session, the service and wrk would fight over ONE share against 16 backends,
# which shows up as p99 latencies of hundreds of milliseconds that have nothing to do with the service's code.
# Separate sessions are also what a real deployment looks like (service, clients and database apart).
#
# Environment (all optional):
#   BENCH_ROWS         logs to seed                                 (default 1000000)
#   BENCH_CLUSTERS     clusters they are spread over                (default 10000)
#   BENCH_CONCURRENCY  wrk connections = pgbench clients            (default 16)
#   BENCH_DURATION     seconds of each measurement                  (default 20)
#   BENCH_WARMUP       seconds of the warm-up before each one       (default 3)
#   BENCH_THREADS      wrk threads = pgbench -j                     (default 2)
#   BENCH_BIND_ADDR    where the service listens                    (default 127.0.0.1:18000)
#   BENCH_SKIP_BUILD   =1: use the existing target/release/service-logs
#   BENCH_KEEP_DB      =1: keep the database service_logs_bench afterwards (default: dropped, it is ~1.2 GB)
#   DATABASE_POOL_SIZE, HTTP_WORKERS   passed on to the service when set (see the service's settings)
#   PG_ADMIN_URL, PG_FORCE_LOCAL, ...  as for scripts/ensure-postgres.sh
#   CARGO, CARGO_TARGET_DIR            as for cargo
#
# Exit status: 0 when every request succeeded (whatever the ratios), 1 when a run had errors or failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/scripts/bench
cd "$ROOT"

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'bench: warning: %s\n' "$*" >&2; }
die() {
  printf 'bench: error: %s\n' "$*" >&2
  exit 1
}

ROWS=${BENCH_ROWS:-1000000}
CLUSTERS=${BENCH_CLUSTERS:-10000}
CONC=${BENCH_CONCURRENCY:-16}
DURATION=${BENCH_DURATION:-20}
WARMUP=${BENCH_WARMUP:-3}
THREADS=${BENCH_THREADS:-2}
BIND=${BENCH_BIND_ADDR:-127.0.0.1:18000}
DB_NAME=service_logs_bench
SECRET=bench-secret
CARGO=${CARGO:-cargo}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release/service-logs
OUT=$TARGET_DIR/bench

for v in ROWS CLUSTERS CONC DURATION WARMUP THREADS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "BENCH_${v/CONC/CONCURRENCY} must be a positive integer (got '${!v}')"
done
[ "$CLUSTERS" -le 999999999999 ] || die "BENCH_CLUSTERS must fit in 12 digits"
[ "$THREADS" -le "$CONC" ] || THREADS=$CONC
mkdir -p "$OUT"

# --- tools ----------------------------------------------------------------------------------------
APT_UPDATED=0
apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    die "$1 is missing; install the Debian package $2 (apt-get install $2)"
  fi
  log "installing $2 (apt-get)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2" >&2; then
    [ "$APT_UPDATED" = 0 ] || die "apt-get install $2 failed"
    apt-get update >&2
    APT_UPDATED=1
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2" >&2 || die "apt-get install $2 failed"
  fi
}
need() { command -v "$1" >/dev/null 2>&1 || apt_install "$1" "$2"; }
need wrk wrk
need curl curl
need psql postgresql-client
need pgbench postgresql-contrib
need setsid util-linux
command -v pgbench >/dev/null 2>&1 || die "pgbench still missing after installing postgresql-contrib"

# --- build ----------------------------------------------------------------------------------------
if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  log "$CARGO build --release -p service-logs"
  "$CARGO" build --release -p service-logs
fi
[ -x "$BIN" ] || die "$BIN not found (build it: cargo build --release -p service-logs)"

# --- database -------------------------------------------------------------------------------------
log "finding PostgreSQL"
ADMIN_URL=$(scripts/ensure-postgres.sh)
psql_admin() { PGOPTIONS="-c client_min_messages=warning" psql -w -X -q -At -v ON_ERROR_STOP=1 -d "$ADMIN_URL" "$@"; }
log "recreating database $DB_NAME"
psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null
DB_URL=$(scripts/ensure-database.sh "$ADMIN_URL" "$DB_NAME")
psql_db() { psql -w -X -q -At -v ON_ERROR_STOP=1 -d "$DB_URL" "$@"; }

# --- service --------------------------------------------------------------------------------------
HOST=${BIND%:*}
PORT=${BIND##*:}
BASE=http://$BIND
if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
  die "something already listens on $BIND (set BENCH_BIND_ADDR)"
fi

SERVICE_PID=""
CHILD_PID=""
# in_session <command...>: runs the command in a session of its own (see the top) and waits for it; `wait` is
# interrupted by Ctrl-C, and cleanup stops the command.
in_session() {
  local rc=0
  setsid -w "$@" &
  CHILD_PID=$!
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=""
  return "$rc"
}

cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  if [ -n "$CHILD_PID" ]; then
    kill -TERM "$CHILD_PID" 2>/dev/null || true
    wait "$CHILD_PID" 2>/dev/null || true
  fi
  if [ -n "$SERVICE_PID" ] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    log "stopping service-logs (pid $SERVICE_PID)"
    kill -TERM "$SERVICE_PID" 2>/dev/null || true
    for i in $(seq 1 40); do
      kill -0 "$SERVICE_PID" 2>/dev/null || break
      [ "$i" = 40 ] && kill -KILL "$SERVICE_PID" 2>/dev/null
      sleep 0.25
    done
    wait "$SERVICE_PID" 2>/dev/null || true
  fi
  if [ -n "${ADMIN_URL:-}" ] && [ "${BENCH_KEEP_DB:-}" != 1 ]; then
    log "dropping database $DB_NAME (BENCH_KEEP_DB=1 keeps it)"
    psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || warn "could not drop $DB_NAME"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

SERVICE_ENV=(DATABASE_URL="$DB_URL" BIND_ADDR="$BIND" AUTH_HS256_SECRET="$SECRET" LOG_FORMAT=json RUST_LOG=warn)
log "starting $BIN serve on $BIND (log: $OUT/service.log)"
# setsid execs (a background job of a script is not a group leader), so $! is the service itself.
setsid env "${SERVICE_ENV[@]}" "$BIN" serve >"$OUT/service.log" 2>&1 &
SERVICE_PID=$!
sleep 0.2
if [ "$(cat "/proc/$SERVICE_PID/comm" 2>/dev/null || true)" = setsid ]; then
  warn "setsid forked: pid $SERVICE_PID is setsid, not the service; it may outlive this script"
fi

deadline=$((SECONDS + 60))
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/readyz" || true)" = 200 ]; do
  kill -0 "$SERVICE_PID" 2>/dev/null || die "service-logs exited before it was ready; see $OUT/service.log"
  [ "$SECONDS" -lt "$deadline" ] || die "service-logs not ready on $BASE/readyz within 60 s; see $OUT/service.log"
  sleep 0.3
done

# --- seed -----------------------------------------------------------------------------------------
log "seeding $ROWS logs over $CLUSTERS clusters (one INSERT ... SELECT)"
t0=$SECONDS
psql_db -v rows="$ROWS" -v clusters="$CLUSTERS" -f "$HERE/seed.sql" >/dev/null
t1=$SECONDS
log "seeded in $((t1 - t0)) s; VACUUM ANALYZE (sets the visibility map and statistics, as autovacuum would)"
psql_db -c 'VACUUM ANALYZE cluster_logs' >/dev/null
log "vacuumed in $((SECONDS - t1)) s; table with indexes: $(psql_db -c "SELECT pg_size_pretty(pg_total_relation_size('cluster_logs'))")"

# --- token and sanity checks ------------------------------------------------------------------------
TOKEN=$(AUTH_HS256_SECRET=$SECRET "$BIN" token --sub bench --account acc-1 \
  --permission service-logs.log.create --permission service-logs.log.read-internal | tr -d '\r\n')
[ -n "$TOKEN" ] || die "'$BIN token' printed nothing"

probe_uuid=$(printf '00000000-0000-4000-8000-%012d' 1)
code=$(curl -s -o "$OUT/probe-page.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
  "$BASE/api/service_logs/v1/clusters/cluster_logs?cluster_uuid=$probe_uuid&page=1&size=20&orderBy=timestamp%20desc")
[ "$code" = 200 ] || die "cluster page answered $code, not 200: $(head -c 500 "$OUT/probe-page.json")"
grep -q '"total":[1-9]' "$OUT/probe-page.json" || warn "cluster 1 has no logs: $(head -c 200 "$OUT/probe-page.json")"
code=$(curl -s -o "$OUT/probe-create.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' "$BASE/api/service_logs/v1/cluster_logs" \
  -d "{\"severity\":\"Info\",\"service_name\":\"SREManualAction\",\"cluster_uuid\":\"$probe_uuid\",\"summary\":\"probe\"}")
[ "$code" = 201 ] || die "create answered $code, not 201: $(head -c 500 "$OUT/probe-create.json")"

# --- measurements ---------------------------------------------------------------------------------
FAILED=0

# nearest-rank percentiles of the numbers on stdin (one a line): prints "p50 p99"
percentiles() {
  sort -n | awk '{ v[NR] = $1 }
    function rank(p,  r) { r = int(p / 100 * NR); if (r < p / 100 * NR) r++; if (r < 1) r = 1; return v[r] }
    END { if (NR == 0) print "nan nan"; else printf "%s %s\n", rank(50), rank(99) }'
}

# --- CPU accounting: where the machine's time goes during each measurement ---------------------------
HZ=$(getconf CLK_TCK)
# cpu_snapshot: sets SNAP to "total busy postgres service client" in clock ticks: all CPU time, its non-idle
# part, every `postgres` process (plus the postmaster's reaped children: pgbench's finished backends), the
# service, and this script's finished children (wrk, pgbench). Not in a subshell: `times` must see our children.
cpu_snapshot() {
  local stat pm pg svc child
  stat=$(awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8, $2 + $3 + $4 + $7 + $8 }' /proc/stat)
  pm=$(pgrep -o -x postgres || true)
  pg=$({
    for p in $(pgrep -x postgres || true); do awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || true; done
    if [ -n "$pm" ]; then awk '{ print $16 + $17 }' "/proc/$pm/stat" 2>/dev/null || true; fi
  } | awk '{ s += $1 } END { print s + 0 }')
  svc=$(awk '{ print $14 + $15 }' "/proc/$SERVICE_PID/stat" 2>/dev/null || echo 0)
  times >"$OUT/.times"
  child=$(tail -n1 "$OUT/.times" | awk -v hz="$HZ" '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
    printf "%d", t * hz }')
  SNAP="$stat $pg $svc $child"
}

# cpu_row <label> <requests> <snapshot before> <snapshot after>: one line of CPU microseconds per request
cpu_row() {
  awk -v l="$1" -v n="$2" -v hz="$HZ" -v a="$3" -v b="$4" 'BEGIN {
    split(a, x, " "); split(b, y, " "); for (i = 1; i <= 5; i++) d[i] = y[i] - x[i]
    us = 1e6 / hz / (n > 0 ? n : 1)
    other = (d[2] - d[3] - d[4] - d[5]) * us
    if (other < 0.5) other = 0 # clock-tick rounding
    printf "%-22s %7.0f %8.0f %9.0f %6.0f | %4.0f%%", l, d[5] * us, d[4] * us, d[3] * us, other,
      (d[1] > 0 ? 100 * d[2] / d[1] : 0) }'
}

# run_wrk <scenario> <lua>: sets W_RPS W_P50 W_P99 (ms) and W_CPU
run_wrk() {
  local name=$1 lua=$HERE/$2 res=$OUT/wrk-$1.result requests dur non2xx sockerr rest before
  export BENCH_TOKEN=$TOKEN BENCH_CLUSTERS=$CLUSTERS
  log "$name via service: warm-up ${WARMUP}s"
  BENCH_WRK_OUT=$OUT/wrk-$name.warmup in_session wrk -t "$THREADS" -c "$CONC" -d "${WARMUP}s" -s "$lua" "$BASE" >/dev/null
  log "$name via service: wrk -t $THREADS -c $CONC -d ${DURATION}s"
  rm -f "$res"
  cpu_snapshot
  before=$SNAP
  BENCH_WRK_OUT=$res in_session wrk -t "$THREADS" -c "$CONC" -d "${DURATION}s" -s "$lua" "$BASE" >"$OUT/wrk-$name.txt"
  cpu_snapshot
  [ -s "$res" ] || die "wrk wrote no result for $name; see $OUT/wrk-$name.txt"
  read -r requests dur non2xx sockerr W_P50 W_P99 rest <"$res"
  W_CPU=$(cpu_row "$name service" "$requests" "$before" "$SNAP")
  W_RPS=$(awk -v n="$requests" -v d="$dur" 'BEGIN { printf "%.1f", n / d }')
  if [ "$non2xx" != 0 ] || [ "$sockerr" != 0 ]; then
    warn "$name via service: $non2xx non-2xx answers and $sockerr socket errors out of $requests (see $OUT/service.log)"
    FAILED=1
  fi
}

# run_pgbench <scenario> <sql>: sets P_TPS P_P50 P_P99 (ms) and P_CPU
run_pgbench() {
  local name=$1 sql=$HERE/$2 prefix=$OUT/pgbench-$1 failed before txns
  local args=(-n -M prepared -c "$CONC" -j "$THREADS" -f "$sql" -D clusters="$CLUSTERS")
  log "$name via pgbench: warm-up ${WARMUP}s"
  in_session pgbench "${args[@]}" -T "$WARMUP" "$DB_URL" >/dev/null 2>&1 || die "pgbench warm-up of $name failed"
  log "$name via pgbench: pgbench -M prepared -c $CONC -j $THREADS -T $DURATION"
  rm -f "$prefix".*
  cpu_snapshot
  before=$SNAP
  in_session pgbench "${args[@]}" -T "$DURATION" --log --log-prefix="$prefix" "$DB_URL" >"$OUT/pgbench-$name.txt" 2>&1 \
    || die "pgbench $name failed; see $OUT/pgbench-$name.txt"
  sleep 0.3 # let the postmaster reap pgbench's backends, so that their CPU time is counted
  cpu_snapshot
  txns=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$OUT/pgbench-$name.txt")
  P_CPU=$(cpu_row "$name pgbench" "${txns:-0}" "$before" "$SNAP")
  P_TPS=$(sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\).*/\1/p' "$OUT/pgbench-$name.txt")
  [ -n "$P_TPS" ] || die "no tps in $OUT/pgbench-$name.txt"
  P_TPS=$(awk -v t="$P_TPS" 'BEGIN { printf "%.1f", t }')
  failed=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$OUT/pgbench-$name.txt")
  if [ -n "$failed" ] && [ "$failed" != 0 ]; then
    warn "$name via pgbench: $failed failed transactions"
    FAILED=1
  fi
  # --log lines: client_id transaction_no latency_us script_no epoch_s epoch_us
  read -r P_P50 P_P99 < <(cat "$prefix".* | awk '{ printf "%.3f\n", $3 / 1000 }' | percentiles)
}

declare -A ROW CPU
scenario() {
  local name=$1 lua=$2 sql=$3 ratio
  run_wrk "$name" "$lua"
  run_pgbench "$name" "$sql"
  ratio=$(awk -v a="$W_RPS" -v b="$P_TPS" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  ROW[$name]=$(printf '%-14s %13s %8s %8s | %11s %8s %8s | %5s' \
    "$name" "$W_RPS" "$W_P50" "$W_P99" "$P_TPS" "$P_P50" "$P_P99" "$ratio")
  CPU[$name]="$W_CPU"$'\n'"$P_CPU"
  log "${ROW[$name]}"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# Reads first, on the freshly vacuumed table; then the inserts (which grow it by a few percent).
scenario cluster-page page.lua page.sql
scenario create-log create.lua create.sql

# --- report ---------------------------------------------------------------------------------------
{
  printf '# make bench, %s, commit %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  printf '# rows=%s clusters=%s concurrency=%s duration=%ss warmup=%ss threads=%s; %s cores; load average before: %s\n' \
    "$ROWS" "$CLUSTERS" "$CONC" "$DURATION" "$WARMUP" "$THREADS" "$(nproc)" "$LOAD_BEFORE"
  printf '# %s; %s; service: %s%s%s\n' "$(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)" "$(pgbench --version)" \
    "${BIN#"$ROOT"/}" "${DATABASE_POOL_SIZE:+ DATABASE_POOL_SIZE=$DATABASE_POOL_SIZE}" "${HTTP_WORKERS:+ HTTP_WORKERS=$HTTP_WORKERS}"
  printf '%-14s %13s %8s %8s | %11s %8s %8s | %5s\n' \
    scenario "service req/s" "p50 ms" "p99 ms" "pgbench tps" "p50 ms" "p99 ms" ratio
  printf '%s\n' "${ROW[create-log]}" "${ROW[cluster-page]}"
  echo
  printf '%-22s %7s %8s %9s %6s | %5s\n' "CPU us per request" client service postgres other busy
  printf '%s\n' "${CPU[create-log]}" "${CPU[cluster-page]}"
  echo "(other = kernel work outside the processes, e.g. loopback TCP, plus anything else running on the machine)"
} | tee "$OUT/results.txt"
echo "(written to ${OUT#"$ROOT"/}/results.txt; raw outputs beside it)"

[ "$FAILED" = 0 ] || die "some requests failed; the figures above are not valid"
