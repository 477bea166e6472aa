#!/usr/bin/env bash
# `make bench`: measures service-logs and logs-router against raw PostgreSQL doing the same SQL, what notification
# triggers cost service-logs' creates and how soon their webhooks arrive, and the audit delivery from logs-router to
# service-logs, in one run. It builds the release binaries (cargo build --release --bins; skip with
# BENCH_SKIP_BUILD=1), finds PostgreSQL (scripts/ensure-postgres.sh), then runs four parts, one after the other
# (BENCH_PARTS), each on databases of its own, recreated for the run:
#
#   logs    service-logs against pgbench (this file):
#             1. drops and recreates the database service_logs_bench,
#                starts `target/release/service-logs serve` on it (it migrates), seeds cluster_logs with one
#                INSERT ... SELECT FROM generate_series and the owner of every cluster in cluster_owners
#                (scripts/bench/seed.sql), then VACUUM ANALYZE;
#             2. for each scenario, one after the other (never at the same time), a warm-up then a measurement:
#                  cluster-page        service: wrk + page.lua      raw: pgbench -M prepared + page.sql
#                                      (a read-internal token)
#                  owner-cluster-page  service: wrk + page.lua      raw: pgbench -M prepared + owner-page.sql
#                  account-page        service: wrk + account-page.lua  raw: pgbench -M prepared + account-page.sql
#                                      (the first page of the large account, BENCH_ACCOUNT_LOGS logs, exact total)
#                                      (the cluster owner's service-logs.log.read token, BENCH_OWNER_TOKENS_FILE)
#                  create-log          service: wrk + create.lua    raw: pgbench -M prepared + create.sql
#                  create-bulk         service: wrk + bulk.lua      raw: pgbench -M prepared + bulk.sql
#                                      (BENCH_BULK_ITEMS logs per request / per multi-row INSERT)
#                at the same concurrency (wrk connections = pgbench clients) and duration;
#             3. stops the service and drops its database (~1.2 GB) before the next part.
#   notify  service-logs' notification triggers (notify.sh), on the same seed, with a local webhook receiver
#           (receiver.py) and NOTIFICATIONS_ALLOW_PRIVATE_NETWORKS=true: create-log (create.lua, the body carrying the
#           cluster's account_id) with no trigger, then with BENCH_NOTIFY_TRIGGERS per account (notify-seed.sql), back
#           to back, and their ratio (goal >= 0.9); then a steady paced load (notify.lua at BENCH_NOTIFY_LOAD of that
#           rate, BENCH_NOTIFY_SHARE of it matching a webhook trigger): notification latency p50/p99, log created_at
#           to arrival at the receiver (goal p99 < 1 s).
#   router  logs-router against pgbench running the store's transactions, outbox insert included (router.sh):
#             tenant-create (POST /v1/tenants) and target-patch (PATCH /v1/tenants/{id}/targets/{tid}).
#   audit   end-to-end audit delivery, router call to stored log in service-logs (audit.sh): events/s and delivery
#           lag p50/p99 under the router's saturated write and read loads and at 80% of its write rate, and how fast a
#           backlog drains
#           after a service-logs outage.
#
# Each part writes its tables (req/s, p50, p99 for both sides and the ratio service/raw; under them, where the CPU went,
# in microseconds per request of the load generator, the service, PostgreSQL and the rest) to target/bench/results.txt
# as soon as it has them (wrk's and pgbench's own outputs and per-transaction logs are beside it); the whole file is
# printed at the end. On exit every service started is stopped and every database created is dropped.
#
# The services, wrk and pgbench each run in their own session (setsid). Linux schedules each session as one
# "autogroup" with an equal CPU share (kernel.sched_autogroup_enabled=1), and every PostgreSQL backend is a session
# of its own; left in one shared session, the service and wrk would fight over ONE share against 16 backends,
# which shows up as p99 latencies of hundreds of milliseconds that have nothing to do with the service's code.
# Separate sessions are also what a real deployment looks like (service, clients and database apart).
#
# Environment (all optional):
#   BENCH_PARTS        which parts, in this order                   (default "logs notify router audit")
#   BENCH_ROWS         logs to seed (logs)                          (default 1000000)
#   BENCH_CLUSTERS     clusters they are spread over (logs)         (default 10000)
#   BENCH_ACCOUNT_LOGS logs of the one large account, acc-big (logs) (default 500000)
#   BENCH_BULK_ITEMS   logs per bulk create (logs)                  (default 100, at most 1000)
#   BENCH_CONCURRENCY  wrk connections = pgbench clients            (default 16)
#   BENCH_DURATION     seconds of each measurement                  (default 20)
#   BENCH_WARMUP       seconds of the warm-up before each one       (default 3)
#   BENCH_THREADS      wrk threads = pgbench -j                     (default 2)
#   BENCH_BIND_ADDR    where service-logs listens                   (default 127.0.0.1:18000)
#   BENCH_ROUTER_BIND_ADDR  where logs-router listens               (default 127.0.0.1:18080)
#   BENCH_RECEIVER_ADDR     where the notify part's webhook receiver listens (default 127.0.0.1:18099)
#   BENCH_NOTIFY_TRIGGERS   triggers per account, for 100 accounts (notify)  (default 100)
#   BENCH_NOTIFY_LOAD       the steady phase's rate, a share of the create rate with triggers (default 0.5)
#   BENCH_NOTIFY_SHARE      the share of its creates that match a webhook trigger (notify) (default 0.1)
#   BENCH_NOTIFY_TIMEOUT    seconds to wait for the notifications to be delivered (notify) (default 60)
#   BENCH_ACCOUNTS     accounts (tokens) the router load rotates    (default 1024)
#   BENCH_AUDIT_CONNECTIONS  wrk connections of the audit load      (default BENCH_CONCURRENCY)
#   BENCH_AUDIT_LOAD   the paced audit phase's share of the router's unpaced write rate (default 0.8)
#   BENCH_AUDIT_CALLS  calls made while service-logs is down        (default 5000)
#   BENCH_AUDIT_TIMEOUT  seconds to wait for the outbox to drain    (default 180)
#   BENCH_SKIP_BUILD   =1: use the existing target/release binaries
#   BENCH_KEEP_DB      =1: keep the databases afterwards (service_logs_bench is ~1.2 GB)
#   DATABASE_POOL_SIZE, HTTP_WORKERS   passed on to the services when set (see their settings)
#   PG_ADMIN_URL, PG_FORCE_LOCAL, ...  as for scripts/ensure-postgres.sh
#   CARGO, CARGO_TARGET_DIR            as for cargo
#
# Exit status: 0 when every request succeeded, every audit event was stored and every matched log was notified
# (whatever the ratios and latencies), 1 when a run had errors or failed.
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

PARTS=${BENCH_PARTS:-logs notify router audit}
ROWS=${BENCH_ROWS:-1000000}
CLUSTERS=${BENCH_CLUSTERS:-10000}
BIG=${BENCH_ACCOUNT_LOGS:-500000}
BULK_ITEMS=${BENCH_BULK_ITEMS:-100}
CONC=${BENCH_CONCURRENCY:-16}
DURATION=${BENCH_DURATION:-20}
WARMUP=${BENCH_WARMUP:-3}
THREADS=${BENCH_THREADS:-2}
BIND=${BENCH_BIND_ADDR:-127.0.0.1:18000}
ROUTER_BIND=${BENCH_ROUTER_BIND_ADDR:-127.0.0.1:18080}
ACCOUNTS=${BENCH_ACCOUNTS:-1024}
AUDIT_CONC=${BENCH_AUDIT_CONNECTIONS:-$CONC}
AUDIT_LOAD=${BENCH_AUDIT_LOAD:-0.8}
AUDIT_CALLS=${BENCH_AUDIT_CALLS:-5000}
AUDIT_TIMEOUT=${BENCH_AUDIT_TIMEOUT:-180}
NOTIFY_RECEIVER=${BENCH_RECEIVER_ADDR:-127.0.0.1:18099}
NOTIFY_TRIGGERS=${BENCH_NOTIFY_TRIGGERS:-100}
NOTIFY_LOAD=${BENCH_NOTIFY_LOAD:-0.5}
NOTIFY_SHARE=${BENCH_NOTIFY_SHARE:-0.1}
NOTIFY_TIMEOUT=${BENCH_NOTIFY_TIMEOUT:-60}
SECRET=bench-secret
CARGO=${CARGO:-cargo}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release/service-logs
ROUTER_BIN=$TARGET_DIR/release/logs-router
OUT=$TARGET_DIR/bench
RESULTS=$OUT/results.txt

for v in ROWS CLUSTERS BIG BULK_ITEMS CONC DURATION WARMUP THREADS ACCOUNTS AUDIT_CONC AUDIT_CALLS \
  AUDIT_TIMEOUT NOTIFY_TRIGGERS NOTIFY_TIMEOUT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "a BENCH_ variable for $v must be a positive integer (got '${!v}')"
done
[ "$CLUSTERS" -le 999999999999 ] || die "BENCH_CLUSTERS must fit in 12 digits"
[[ $AUDIT_LOAD =~ ^(0?\.[0-9]+|1(\.0*)?)$ ]] || die "BENCH_AUDIT_LOAD must be a fraction in (0, 1] (got '$AUDIT_LOAD')"
[[ $NOTIFY_LOAD =~ ^(0?\.[0-9]+|1(\.0*)?)$ ]] || die "BENCH_NOTIFY_LOAD must be a fraction in (0, 1] (got '$NOTIFY_LOAD')"
[[ $NOTIFY_SHARE =~ ^(0?\.[0-9]+|1(\.0*)?)$ ]] || die "BENCH_NOTIFY_SHARE must be a fraction in (0, 1] (got '$NOTIFY_SHARE')"
[ "$NOTIFY_TRIGGERS" -le 100000 ] || die "BENCH_NOTIFY_TRIGGERS must be at most 100000"
[ "$BULK_ITEMS" -le 1000 ] || die "BENCH_BULK_ITEMS must be at most 1000 (the bulk create's limit)"
[ "$THREADS" -le "$CONC" ] || THREADS=$CONC
want() { [[ " $PARTS " == *" $1 "* ]]; }
for p in $PARTS; do
  case $p in logs | notify | router | audit) ;; *) die "unknown part '$p' in BENCH_PARTS (logs, notify, router, audit)" ;; esac
done
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
if want notify; then need python3 python3; fi
command -v pgbench >/dev/null 2>&1 || die "pgbench still missing after installing postgresql-contrib"

# --- build ----------------------------------------------------------------------------------------
# The workspace's binaries (service-logs and logs-router), as `cargo build --release --bins` makes them: building only
# some packages would unify features differently and make the next workspace build recompile several crates.
if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  log "$CARGO build --release --bins"
  "$CARGO" build --release --bins
fi
if want logs || want notify || want audit; then
  [ -x "$BIN" ] || die "$BIN not found (build it: cargo build --release --bins)"
fi
if want router || want audit; then
  [ -x "$ROUTER_BIN" ] || die "$ROUTER_BIN not found (build it: cargo build --release --bins)"
fi

# --- databases ------------------------------------------------------------------------------------
log "finding PostgreSQL"
ADMIN_URL=$(scripts/ensure-postgres.sh)
psql_admin() { PGOPTIONS="-c client_min_messages=warning" psql -w -X -q -At -v ON_ERROR_STOP=1 -d "$ADMIN_URL" "$@"; }
DATABASES=()
# fresh_database <name>: drops and recreates it (it is dropped again on exit); sets FRESH_URL to its URL.
fresh_database() {
  log "recreating database $1"
  psql_admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null
  DATABASES+=("$1")
  FRESH_URL=$(scripts/ensure-database.sh "$ADMIN_URL" "$1")
}
# drop_database <name>: drops it now (unless BENCH_KEEP_DB=1) rather than on exit.
drop_database() {
  local d kept=()
  for d in "${DATABASES[@]}"; do [ "$d" = "$1" ] || kept+=("$d"); done
  DATABASES=("${kept[@]}")
  [ "${BENCH_KEEP_DB:-}" != 1 ] || return 0
  log "dropping database $1 (BENCH_KEEP_DB=1 keeps it)"
  psql_admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1 || warn "could not drop $1"
}

# --- services -------------------------------------------------------------------------------------
declare -A SERVICE_PIDS=()
CHILD_PID=""
STARTED_PID=""
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

# Settings a developer's shell may hold that would change what the services do; the bench sets its own.
SERVICE_UNSET=(-u SERVICE_LOGS_TOKEN_FILE -u CREDENTIALS_KEY_PREVIOUS -u WEBHOOK_SECRETS_KEY_PREVIOUS -u AUTH_JWKS_URL
  -u AUTH_JWKS_FILE -u AUTH_ISSUER -u AUTH_AUDIENCE -u OTEL_EXPORTER_OTLP_ENDPOINT)
SERVICE_ENV=(AUTH_HS256_SECRET="$SECRET" LOG_FORMAT=json RUST_LOG=warn
  WEBHOOK_SECRETS_KEY="$(printf 'make-bench-webhook-secrets-key!!' | base64)")

port_free() { ! (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }

# start_service <label> <bind addr> <binary> [VAR=value...]: starts `<binary> serve` in a session of its own with the
# common settings, the given ones and BIND_ADDR, waits until /readyz answers 200; sets STARTED_PID. Log: $OUT/<label>.log.
declare -A START_MS=() PEAK_RSS_KB=()
PROCESS_ORDER=()
now_ms() { echo $(($(date +%s%N) / 1000000)); }
start_service() {
  local label=$1 bind=$2 bin=$3 pid deadline t0
  shift 3
  port_free "$bind" || die "something already listens on $bind (see the BENCH_*BIND_ADDR settings)"
  log "starting ${bin#"$ROOT"/} serve on $bind (log: ${OUT#"$ROOT"/}/$label.log)"
  t0=$(now_ms)
  # setsid execs (a background job of a script is not a group leader), so $! is the service itself.
  setsid env "${SERVICE_UNSET[@]}" "${SERVICE_ENV[@]}" BIND_ADDR="$bind" "$@" "$bin" serve >>"$OUT/$label.log" 2>&1 &
  pid=$!
  SERVICE_PIDS[$label]=$pid
  deadline=$((SECONDS + 60))
  # Polled every 20 ms: the time to the first 200 is the cold start in the processes table.
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$bind/readyz" || true)" = 200 ]; do
    kill -0 "$pid" 2>/dev/null || die "$label exited before it was ready; see $OUT/$label.log"
    [ "$SECONDS" -lt "$deadline" ] || die "$label not ready on http://$bind/readyz within 60 s; see $OUT/$label.log"
    sleep 0.02
  done
  # A label started again (the audit part's outage) keeps its first start's figure.
  if [ -z "${START_MS[$label]:-}" ]; then
    START_MS[$label]=$(($(now_ms) - t0))
    PROCESS_ORDER+=("$label")
  fi
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = setsid ]; then
    warn "setsid forked: pid $pid is setsid, not $label; it may outlive this script"
  fi
  STARTED_PID=$pid
}

# stop_service <label>: records the peak RSS (VmHWM) for the processes table, then SIGTERM, SIGKILL after 10 s.
stop_service() {
  local pid=${SERVICE_PIDS[$1]:-} i
  unset "SERVICE_PIDS[$1]"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  i=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
  [ -z "$i" ] || [ "$i" -le "${PEAK_RSS_KB[$1]:-0}" ] || PEAK_RSS_KB[$1]=$i
  log "stopping $1 (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    [ "$i" = 40 ] && kill -KILL "$pid" 2>/dev/null
    sleep 0.25
  done
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? label db
  trap - EXIT INT TERM
  if [ -n "$CHILD_PID" ]; then
    kill -TERM "$CHILD_PID" 2>/dev/null || true
    wait "$CHILD_PID" 2>/dev/null || true
  fi
  for label in "${!SERVICE_PIDS[@]}"; do stop_service "$label"; done
  if [ -n "${ADMIN_URL:-}" ]; then
    for db in "${DATABASES[@]}"; do drop_database "$db"; done
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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
SVC_PIDS="" # the service under test (its CPU is the "service" column)
AUX_PIDS="" # a second service (audit: service-logs behind the router)
# cpu_snapshot: sets SNAP to "total busy postgres service client aux" in clock ticks: all CPU time, its non-idle
# part, every `postgres` process (plus the postmaster's reaped children: pgbench's finished backends), the
# service(s), this script's finished children (wrk, pgbench, psql) and the second service. Not in a subshell: `times`
# must see our children.
cpu_snapshot() {
  local stat pm pg svc child aux
  stat=$(awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8, $2 + $3 + $4 + $7 + $8 }' /proc/stat)
  pm=$(pgrep -o -x postgres || true)
  pg=$({
    for p in $(pgrep -x postgres || true); do awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || true; done
    if [ -n "$pm" ]; then awk '{ print $16 + $17 }' "/proc/$pm/stat" 2>/dev/null || true; fi
  } | awk '{ s += $1 } END { print s + 0 }')
  svc=$(pid_ticks "$SVC_PIDS")
  aux=$(pid_ticks "$AUX_PIDS")
  times >"$OUT/.times"
  child=$(tail -n1 "$OUT/.times" | awk -v hz="$HZ" '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
    printf "%d", t * hz }')
  SNAP="$stat $pg $svc $child $aux"
}
# pid_ticks "<pid...>": their user + system clock ticks
pid_ticks() {
  local p
  for p in $1; do awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || true; done | awk '{ s += $1 } END { print s + 0 }'
}

# cpu_row <label> <requests> <snapshot before> <snapshot after>: one line of CPU microseconds per request
cpu_row() {
  awk -v l="$1" -v n="$2" -v hz="$HZ" -v a="$3" -v b="$4" 'BEGIN {
    split(a, x, " "); split(b, y, " "); for (i = 1; i <= 6; i++) d[i] = y[i] - x[i]
    us = 1e6 / hz / (n > 0 ? n : 1)
    other = (d[2] - d[3] - d[4] - d[5] - d[6]) * us
    if (other < 0.5) other = 0 # clock-tick rounding
    printf "%-26s %7.0f %8.0f %9.0f %6.0f | %4.0f%%", l, d[5] * us, (d[4] + d[6]) * us, d[3] * us, other,
      (d[1] > 0 ? 100 * d[2] / d[1] : 0) }'
}

# run_wrk <scenario> <lua> <base url>: sets W_RPS W_P50 W_P99 (ms) and W_CPU. The Lua script's settings are in
# the environment (exported by the part); BENCH_NAME_PREFIX tells the warm-up's requests from the measurement's.
run_wrk() {
  local name=$1 lua=$HERE/$2 base=$3 res=$OUT/wrk-$1.result requests dur non2xx sockerr rest before
  export BENCH_WRK_THREADS=$THREADS
  log "$name via service: warm-up ${WARMUP}s"
  BENCH_NAME_PREFIX=w BENCH_WRK_OUT=$OUT/wrk-$name.warmup \
    in_session wrk -t "$THREADS" -c "$CONC" -d "${WARMUP}s" -s "$lua" "$base" >/dev/null
  log "$name via service: wrk -t $THREADS -c $CONC -d ${DURATION}s"
  rm -f "$res"
  cpu_snapshot
  before=$SNAP
  BENCH_NAME_PREFIX=m BENCH_WRK_OUT=$res \
    in_session wrk -t "$THREADS" -c "$CONC" -d "${DURATION}s" -s "$lua" "$base" >"$OUT/wrk-$name.txt"
  cpu_snapshot
  [ -s "$res" ] || die "wrk wrote no result for $name; see $OUT/wrk-$name.txt"
  read -r requests dur non2xx sockerr W_P50 W_P99 rest <"$res"
  W_CPU=$(cpu_row "$name service" "$requests" "$before" "$SNAP")
  W_RPS=$(awk -v n="$requests" -v d="$dur" 'BEGIN { printf "%.1f", n / d }')
  if [ "$non2xx" != 0 ] || [ "$sockerr" != 0 ]; then
    warn "$name via service: $non2xx non-2xx answers and $sockerr socket errors out of $requests (see $OUT/*.log)"
    FAILED=1
  fi
}

# run_pgbench <scenario> <sql> <database url> [pgbench arguments...]: sets P_TPS P_P50 P_P99 (ms) and P_CPU
run_pgbench() {
  local name=$1 sql=$HERE/$2 db=$3 prefix=$OUT/pgbench-$1 failed before txns
  shift 3
  local args=(-n -M prepared -c "$CONC" -j "$THREADS" -f "$sql" "$@")
  log "$name via pgbench: warm-up ${WARMUP}s"
  in_session pgbench "${args[@]}" -T "$WARMUP" "$db" >"$OUT/pgbench-$name.warmup" 2>&1 \
    || die "pgbench warm-up of $name failed; see $OUT/pgbench-$name.warmup"
  log "$name via pgbench: pgbench -M prepared -c $CONC -j $THREADS -T $DURATION"
  rm -f "$prefix".*
  cpu_snapshot
  before=$SNAP
  in_session pgbench "${args[@]}" -T "$DURATION" --log --log-prefix="$prefix" "$db" >"$OUT/pgbench-$name.txt" 2>&1 \
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
BEFORE_SIDE=: # a command run before each side of a scenario (the router part resets its tables)
# scenario <name> <lua> <base url> <sql> <database url> [pgbench arguments...]
scenario() {
  local name=$1 lua=$2 base=$3 sql=$4 db=$5 ratio
  shift 5
  $BEFORE_SIDE
  run_wrk "$name" "$lua" "$base"
  $BEFORE_SIDE
  run_pgbench "$name" "$sql" "$db" "$@"
  ratio=$(awk -v a="$W_RPS" -v b="$P_TPS" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  ROW[$name]=$(printf '%-18s %13s %8s %8s | %11s %8s %8s | %5s' \
    "$name" "$W_RPS" "$W_P50" "$W_P99" "$P_TPS" "$P_P50" "$P_P99" "$ratio")
  CPU[$name]="$W_CPU"$'\n'"$P_CPU"
  log "${ROW[$name]}"
}

# report_ratios <scenario...>: the ratio table and the CPU table of these scenarios, appended to the results
report_ratios() {
  local s
  {
    printf '%-18s %13s %8s %8s | %11s %8s %8s | %5s\n' \
      scenario "service req/s" "p50 ms" "p99 ms" "pgbench tps" "p50 ms" "p99 ms" ratio
    for s in "$@"; do printf '%s\n' "${ROW[$s]}"; done
    echo
    printf '%-26s %7s %8s %9s %6s | %5s\n' "CPU us per request" client service postgres other busy
    for s in "$@"; do printf '%s\n' "${CPU[$s]}"; done
    echo "(other = kernel work outside the processes, e.g. loopback TCP, plus anything else running on the machine)"
    echo
  } >>"$RESULTS"
}

# owner_tokens <file>: writes one `service-logs.log.read` token a line, line k for account acc-k (k = 1..100, the
# accounts of seed.sql), each valid for the whole run.
owner_tokens() {
  local k
  : >"$1"
  for k in $(seq 1 100); do
    AUTH_HS256_SECRET=$SECRET "$BIN" token --sub "owner-$k" --account "acc-$k" --permission service-logs.log.read \
      --ttl 86400 | tr -d '\r\n' >>"$1"
    echo >>"$1"
  done
  [ "$(grep -c . "$1")" = 100 ] || die "'$BIN token' did not print 100 owner tokens"
}

# --- part: service-logs -----------------------------------------------------------------------------
part_logs() {
  local db_url token probe_uuid code t0 t1 owner other big_token big_visible
  fresh_database service_logs_bench
  db_url=$FRESH_URL
  psql_db() { psql -w -X -q -At -v ON_ERROR_STOP=1 -d "$db_url" "$@"; }
  start_service service-logs "$BIND" "$BIN" DATABASE_URL="$db_url"
  SVC_PIDS=$STARTED_PID AUX_PIDS=""

  log "seeding $ROWS logs over $CLUSTERS clusters, and $BIG of the large account (one INSERT ... SELECT each)"
  t0=$SECONDS
  psql_db -v rows="$ROWS" -v clusters="$CLUSTERS" -v big="$BIG" -f "$HERE/seed.sql" >/dev/null
  t1=$SECONDS
  log "seeded in $((t1 - t0)) s; VACUUM ANALYZE (sets the visibility map and statistics, as autovacuum would)"
  psql_db -c 'VACUUM ANALYZE cluster_logs' >/dev/null
  log "vacuumed in $((SECONDS - t1)) s; table with indexes: $(psql_db -c "SELECT pg_size_pretty(pg_total_relation_size('cluster_logs'))")"

  # token and sanity checks
  token=$(AUTH_HS256_SECRET=$SECRET "$BIN" token --sub bench --account acc-1 \
    --permission service-logs.log.create --permission service-logs.log.read-internal | tr -d '\r\n')
  [ -n "$token" ] || die "'$BIN token' printed nothing"
  probe_uuid=$(printf '00000000-0000-4000-8000-%012d' 1)
  code=$(curl -s -o "$OUT/probe-page.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
    "http://$BIND/api/service_logs/v1/clusters/cluster_logs?cluster_uuid=$probe_uuid&page=1&size=20&orderBy=timestamp%20desc")
  [ "$code" = 200 ] || die "cluster page answered $code, not 200: $(head -c 500 "$OUT/probe-page.json")"
  grep -q '"total":[1-9]' "$OUT/probe-page.json" || warn "cluster 1 has no logs: $(head -c 200 "$OUT/probe-page.json")"
  code=$(curl -s -o "$OUT/probe-create.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' "http://$BIND/api/service_logs/v1/cluster_logs" \
    -d "{\"severity\":\"Info\",\"service_name\":\"SREManualAction\",\"cluster_uuid\":\"$probe_uuid\",\"summary\":\"probe\"}")
  [ "$code" = 201 ] || die "create answered $code, not 201: $(head -c 500 "$OUT/probe-create.json")"

  # The owners' tokens: line k a `service-logs.log.read` token of acc-k, the owner of cluster c when k = 1 + c % 100
  # (seed.sql); the owner of cluster 1 must see its logs (not internal_only) and another account none of them.
  owner_tokens "$OUT/owner-tokens.txt"
  owner=$(sed -n 2p "$OUT/owner-tokens.txt") other=$(sed -n 3p "$OUT/owner-tokens.txt")
  code=$(curl -s -o "$OUT/probe-owner-page.json" -w '%{http_code}' -H "Authorization: Bearer $owner" \
    "http://$BIND/api/service_logs/v1/clusters/cluster_logs?cluster_uuid=$probe_uuid&page=1&size=20&orderBy=timestamp%20desc")
  [ "$code" = 200 ] || die "owner's cluster page answered $code, not 200: $(head -c 500 "$OUT/probe-owner-page.json")"
  grep -q '"total":[1-9]' "$OUT/probe-owner-page.json" \
    || warn "the owner of cluster 1 sees none of its logs: $(head -c 200 "$OUT/probe-owner-page.json")"
  curl -s -H "Authorization: Bearer $other" \
    "http://$BIND/api/service_logs/v1/clusters/cluster_logs?cluster_uuid=$probe_uuid&page=1&size=0" \
    | grep -q '"total":0' || die "acc-3, not the owner of cluster 1, sees some of its logs"

  # The large account's reader must see exactly what it may: its own logs and its clusters' (not internal_only).
  big_token=$(AUTH_HS256_SECRET=$SECRET "$BIN" token --sub big-reader --account acc-big \
    --permission service-logs.log.read --ttl 86400 | tr -d '\r\n')
  big_visible=$(psql_db -c "SELECT count(*) FROM cluster_logs WHERE NOT internal_only AND (account_id = 'acc-big'
    OR cluster_uuid IN (SELECT cluster_uuid FROM cluster_owners WHERE account_id = 'acc-big'))")
  curl -s -H "Authorization: Bearer $big_token" "http://$BIND/api/service_logs/v1/cluster_logs?page=1&size=1" \
    | grep -q "\"total\":${big_visible}[,}]" || die "the large account's total is not its $big_visible visible logs"

  export BENCH_TOKEN=$token BENCH_CLUSTERS=$CLUSTERS
  # Reads first, on the freshly vacuumed table; then the inserts (which grow it by a few percent).
  scenario cluster-page page.lua "http://$BIND" page.sql "$db_url" -D clusters="$CLUSTERS"
  BENCH_OWNER_TOKENS_FILE=$OUT/owner-tokens.txt \
    scenario owner-cluster-page page.lua "http://$BIND" owner-page.sql "$db_url" -D clusters="$CLUSTERS"
  BENCH_ACCOUNT_TOKEN=$big_token scenario account-page account-page.lua "http://$BIND" account-page.sql "$db_url"
  scenario create-log create.lua "http://$BIND" create.sql "$db_url" -D clusters="$CLUSTERS"
  export BENCH_BULK_ITEMS=$BULK_ITEMS
  scenario create-bulk bulk.lua "http://$BIND" bulk.sql "$db_url" -D clusters="$CLUSTERS" -D items="$BULK_ITEMS"

  printf '## service-logs (rows=%s clusters=%s; create-bulk: %s logs per request/transaction, logs/s = %s x req/s)\n' \
    "$ROWS" "$CLUSTERS" "$BULK_ITEMS" "$BULK_ITEMS" >>"$RESULTS"
  report_ratios create-log create-bulk cluster-page owner-cluster-page account-page
  echo "(account-page: acc-big, $big_visible visible logs of $BIG; goal p50 < 20 ms with the exact total)" >>"$RESULTS"
  stop_service service-logs
  # The cold start that matters in production: a new pod on a database already migrated and full.
  start_service service-logs-restart "$BIND" "$BIN" DATABASE_URL="$db_url"
  stop_service service-logs-restart
  drop_database service_logs_bench
}

# report_processes: each service process of the run, its time from exec to the first /readyz 200 and its peak RSS
# (VmHWM, read just before it was stopped), against the goals (under 1 s on a migrated database; under 64 MiB).
report_processes() {
  local label rss
  {
    echo "## processes (cold start: exec to the first /readyz 200; peak RSS: VmHWM at the end of its load)"
    printf '%-24s %14s %14s\n' process "cold start ms" "peak RSS MiB"
    for label in "${PROCESS_ORDER[@]}"; do
      rss=${PEAK_RSS_KB[$label]:-}
      printf '%-24s %14s %14s\n' "$label" "${START_MS[$label]}" \
        "$([ -n "$rss" ] && awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }' || echo '?')"
    done
    echo "(a fresh database's first start includes its migrations; *-restart is a start on the migrated, seeded one)"
    echo
  } >>"$RESULTS"
}

# shellcheck source=scripts/bench/notify.sh
. "$HERE/notify.sh"
# shellcheck source=scripts/bench/router.sh
. "$HERE/router.sh"
# shellcheck source=scripts/bench/audit.sh
. "$HERE/audit.sh"

# --- run ------------------------------------------------------------------------------------------
commit=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
if [ -n "$(git status --porcelain -- services crates migrations Cargo.toml Cargo.lock 2>/dev/null || true)" ]; then
  commit="$commit (+ uncommitted changes to the Rust code)"
fi
{
  printf '# make bench, %s, commit %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$commit"
  printf '# parts=%s concurrency=%s duration=%ss warmup=%ss threads=%s; %s cores; load average before: %s\n' \
    "$PARTS" "$CONC" "$DURATION" "$WARMUP" "$THREADS" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf '# %s; %s; release binaries%s%s\n' "$(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)" "$(pgbench --version)" \
    "${DATABASE_POOL_SIZE:+ DATABASE_POOL_SIZE=$DATABASE_POOL_SIZE}" "${HTTP_WORKERS:+ HTTP_WORKERS=$HTTP_WORKERS}"
  echo
} >"$RESULTS"

for p in $PARTS; do
  "part_$p"
done
report_processes

cat "$RESULTS"
echo "(written to ${RESULTS#"$ROOT"/}; raw outputs beside it)"

[ "$FAILED" = 0 ] || die "requests failed, audit events not stored or notifications not delivered: figures not valid"
