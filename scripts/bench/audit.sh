# shellcheck shell=bash disable=SC2034 # variables shared with run.sh, which sources this file
# Part "audit" of `make bench`, sourced by run.sh (whose helpers it uses, and router.sh's): end-to-end audit delivery,
# from a router call to the log stored in service-logs.
#
# service-logs (database service_logs_bench_audit, on BENCH_BIND_ADDR) and logs-router (logs_router_bench_audit, on
# BENCH_ROUTER_BIND_ADDR, SERVICE_LOGS_URL pointing at service-logs) run side by side; the load is target PATCHes
# (target-patch.lua on BENCH_AUDIT_CONNECTIONS x 8 seeded tenants), one audit event each. Four phases:
#
#   write-max  BENCH_DURATION s unpaced PATCHes on BENCH_AUDIT_CONNECTIONS connections: the router's saturated
#              write rate, and whether delivery keeps up with it (stored/s against calls/s, the backlog left when the
#              load stops, in events and in seconds of that traffic);
#   read-max   the same with GET /v1/tenants/{id} (BENCH_READ=1): every read is an audit event too;
#   write-80%  BENCH_DURATION s of PATCHes at BENCH_AUDIT_LOAD (0.8) of write-max's rate, on a wall-clock schedule
#              (target-patch.lua's BENCH_RATE): the delivery lag at a high but sustainable load;
#   outage     service-logs stopped, BENCH_AUDIT_CALLS calls made, service-logs started again: how long until every
#              event is stored, and at what rate the backlog drains.
#   backlog    for each size in BENCH_AUDIT_BACKLOGS (default "1000 300000"), that many copies of delivered events
#              (new event ids) committed to the outbox at once, both services up: the drain rate over the whole
#              drain or its first BENCH_DURATION s, whichever ends first. The claim's cost must not grow with the
#              backlog: the rate at 300,000 pending stays within 20% of the rate at 1,000. The last size is not
#              drained (the router is stopped and the rest dropped with the databases).
#
# After each phase the script waits until the outbox has no pending row (BENCH_AUDIT_TIMEOUT at most), then, for the
# events the phase created (outbox rows with created_at in the phase's window):
#   stored/s        logs stored in service-logs during the window (service_name 'logs-router') / window length
#                   (outage: the events / first-to-last stored time);
#   lag p50/p99     stored - written: cluster_logs.created_at in service-logs (set when it handles the POST) minus
#                   audit_outbox.created_at in the router (its transaction's now()), joined on the Idempotency-Key
#                   (the event id) through service-logs' idempotency_keys;
#   backlog         outbox rows pending the moment the load stopped, and that many events / the phase's calls/s.

audit_psql() { psql -w -X -q -At -v ON_ERROR_STOP=1 -d "$@"; }

# audit_wait: until the router's outbox has no pending row (or BENCH_AUDIT_TIMEOUT); fails the run on parked rows.
audit_wait() {
  local deadline=$((SECONDS + AUDIT_TIMEOUT)) pending parked
  while :; do
    pending=$(audit_psql "$AUDIT_RT_DB" -c \
      "SELECT count(*) FROM audit_outbox WHERE delivered_at IS NULL AND parked_at IS NULL")
    [ "$pending" = 0 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      warn "$pending audit events still pending after ${AUDIT_TIMEOUT} s (see $OUT/audit-logs-router.log)"
      FAILED=1
      break
    fi
    sleep 0.5
  done
  parked=$(audit_psql "$AUDIT_RT_DB" -c "SELECT count(*) FROM audit_outbox WHERE parked_at IS NOT NULL")
  if [ "$parked" != 0 ]; then
    warn "$parked audit events parked (refused by service-logs): $(audit_psql "$AUDIT_RT_DB" -c \
      "SELECT last_error FROM audit_outbox WHERE parked_at IS NOT NULL LIMIT 1")"
    FAILED=1
  fi
}

# audit_stats <t0> <t1>: the events created in [t0, t1) (epoch seconds); sets S_EVENTS S_STORED S_RATE S_LAG50
# S_LAG99 (ms, stored - written) S_FIRST S_LAST (epoch
# seconds of the first and last stored).
audit_stats() {
  local t0=$1 t1=$2 in_window
  audit_psql "$AUDIT_RT_DB" -c "\\copy (SELECT event_id, created_at, delivered_at FROM audit_outbox
    WHERE created_at >= to_timestamp($t0) AND created_at < to_timestamp($t1)) TO STDOUT" \
    | audit_psql "$AUDIT_SL_DB" -c 'TRUNCATE bench_outbox' -c '\copy bench_outbox FROM pstdin'
  read -r S_EVENTS S_STORED S_LAG50 S_LAG99 S_FIRST S_LAST in_window < <(audit_psql "$AUDIT_SL_DB" -F ' ' -c "SELECT
      count(*), count(l.id),
      round((1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM l.created_at - o.created_at)))::numeric, 1),
      round((1000 * percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM l.created_at - o.created_at)))::numeric, 1),
      extract(epoch FROM min(l.created_at)), extract(epoch FROM max(l.created_at)),
      (SELECT count(*) FROM cluster_logs WHERE service_name = 'logs-router'
         AND created_at >= to_timestamp($t0) AND created_at < to_timestamp($t1))
    FROM bench_outbox o
    LEFT JOIN idempotency_keys k ON k.key = o.event_id::text
    LEFT JOIN cluster_logs l ON l.id = k.log_id")
  S_RATE=$(awk -v n="$in_window" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
  if [ "$S_STORED" != "$S_EVENTS" ]; then
    warn "$((S_EVENTS - S_STORED)) of $S_EVENTS audit events written in the window are not in service-logs"
    FAILED=1
  fi
}

# audit_cpu_row <label> <events> <snapshot before> <snapshot after>: CPU microseconds per event
audit_cpu_row() {
  awk -v l="$1" -v n="$2" -v hz="$HZ" -v a="$3" -v b="$4" 'BEGIN {
    split(a, x, " "); split(b, y, " "); for (i = 1; i <= 6; i++) d[i] = y[i] - x[i]
    us = 1e6 / hz / (n > 0 ? n : 1)
    other = (d[2] - d[3] - d[4] - d[5] - d[6]) * us
    if (other < 0.5) other = 0
    printf "%-22s %7.0f %8.0f %9.0f %9.0f %6.0f | %4.0f%%", l, d[5] * us, d[4] * us, d[6] * us, d[3] * us, other,
      (d[1] > 0 ? 100 * d[2] / d[1] : 0) }'
}

AUDIT_THREADS=$THREADS
[ "$AUDIT_THREADS" -le "$AUDIT_CONC" ] || AUDIT_THREADS=$AUDIT_CONC
# audit_wrk <phase> <seconds> [VAR=value...]: the PATCH (or read) load on the router; sets A_REQ A_RPS A_P50 A_P99,
# and A_BACKLOG: outbox rows pending right after the load stopped.
# With AUDIT_UNTIL_EVENTS=N set, wrk is interrupted (SIGINT: it still reports) once the outbox holds N pending events.
AUDIT_UNTIL_EVENTS=""
audit_wrk() {
  local phase=$1 secs=$2 res=$OUT/wrk-audit-$1.result dur non2xx sockerr rest deadline rc=0
  shift 2
  rm -f "$res"
  if [ -z "$AUDIT_UNTIL_EVENTS" ]; then
    BENCH_WRK_OUT=$res in_session env "$@" wrk -t "$AUDIT_THREADS" -c "$AUDIT_CONC" -d "${secs}s" \
      -s "$HERE/target-patch.lua" "http://$ROUTER_BIND" >"$OUT/wrk-audit-$phase.txt"
  else
    # wrk runs for its whole -d even when every thread has stopped: watch the outbox and interrupt it.
    BENCH_WRK_OUT=$res setsid -w env "$@" wrk -t "$AUDIT_THREADS" -c "$AUDIT_CONC" -d "${secs}s" \
      -s "$HERE/target-patch.lua" "http://$ROUTER_BIND" >"$OUT/wrk-audit-$phase.txt" &
    CHILD_PID=$!
    deadline=$((SECONDS + secs))
    until [ "$(audit_psql "$AUDIT_RT_DB" -c "SELECT count(*) FROM audit_outbox WHERE delivered_at IS NULL")" \
      -ge "$AUDIT_UNTIL_EVENTS" ] || [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$CHILD_PID" 2>/dev/null; do
      sleep 0.2
    done
    kill -INT "$CHILD_PID" 2>/dev/null || true
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=""
    [ "$rc" = 0 ] || [ "$rc" = 130 ] || die "wrk failed (exit $rc) in audit $phase; see $OUT/wrk-audit-$phase.txt"
  fi
  A_BACKLOG=$(audit_psql "$AUDIT_RT_DB" -c \
    "SELECT count(*) FROM audit_outbox WHERE delivered_at IS NULL AND parked_at IS NULL")
  [ -s "$res" ] || die "wrk wrote no result for audit $phase; see $OUT/wrk-audit-$phase.txt"
  read -r A_REQ dur non2xx sockerr A_P50 A_P99 rest <"$res"
  A_RPS=$(awk -v n="$A_REQ" -v d="$dur" 'BEGIN { printf "%.1f", n / d }')
  if [ "$non2xx" != 0 ] || [ "$sockerr" != 0 ]; then
    warn "audit $phase: $non2xx non-2xx answers and $sockerr socket errors out of $A_REQ (see $OUT/audit-logs-router.log)"
    FAILED=1
  fi
}

AUDIT_BACKLOGS=${BENCH_AUDIT_BACKLOGS:-1000 300000}
for b in $AUDIT_BACKLOGS; do
  [[ $b =~ ^[1-9][0-9]*$ ]] || die "BENCH_AUDIT_BACKLOGS must be positive integers (got '$b')"
done

# audit_backlog <events>: that many pending events committed at once (copies of delivered ones, new ids, in the
# order of the copied rows); waits until they are delivered or BENCH_DURATION s have passed; sets B_STORED B_SECS
# B_RATE (delivered / (last delivered_at - commit)).
audit_backlog() {
  local n=$1 from to t_commit deadline
  from=$(audit_psql "$AUDIT_RT_DB" -c "SELECT coalesce(max(seq), 0) FROM audit_outbox")
  # psql runs each -c in its own transaction: the second reads the clock after the first committed.
  t_commit=$(audit_psql "$AUDIT_RT_DB" -c "INSERT INTO audit_outbox (event_id, account_id, event, traceparent)
      SELECT gen_random_uuid(), s.account_id, s.event, '' FROM generate_series(1, ceil($n / 1000.0)::int) g
      CROSS JOIN (SELECT seq, account_id, event FROM audit_outbox WHERE delivered_at IS NOT NULL
                  ORDER BY seq LIMIT 1000) s
      ORDER BY g, s.seq LIMIT $n" -c "SELECT extract(epoch FROM clock_timestamp())")
  to=$(audit_psql "$AUDIT_RT_DB" -c "SELECT max(seq) FROM audit_outbox")
  [ "$((to - from))" = "$n" ] || die "audit backlog: $((to - from)) events queued, not $n"
  deadline=$(awk -v t="$t_commit" -v d="$DURATION" 'BEGIN { printf "%d", t + d + 1 }')
  while [ "$(audit_psql "$AUDIT_RT_DB" -c "SELECT count(*) FROM audit_outbox
      WHERE seq > $from AND delivered_at IS NULL AND parked_at IS NULL")" != 0 ] && [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 0.2
  done
  read -r B_STORED B_SECS < <(audit_psql "$AUDIT_RT_DB" -F ' ' -c "SELECT count(delivered_at),
      round((extract(epoch FROM max(delivered_at)) - $t_commit)::numeric, 2)
    FROM audit_outbox WHERE seq > $from AND seq <= $to")
  B_RATE=$(awk -v n="$B_STORED" -v s="$B_SECS" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }')
}

declare -A AUDIT_ROW AUDIT_CPU
# audit_phase <phase> <seconds> [VAR=value...]: a load, the wait for delivery, the figures.
audit_phase() {
  local phase=$1 secs=$2 t0 t1 before
  shift 2
  log "audit $phase: wrk -t $AUDIT_THREADS -c $AUDIT_CONC -d ${secs}s $* (PATCH)"
  cpu_snapshot
  before=$SNAP
  t0=$(date +%s.%N)
  audit_wrk "$phase" "$secs" "$@"
  t1=$(date +%s.%N)
  audit_wait
  cpu_snapshot
  audit_stats "$t0" "$t1"
  AUDIT_ROW[$phase]=$(awk -v p="$phase" -v rps="$A_RPS" -v p50="$A_P50" -v p99="$A_P99" -v n="$S_EVENTS" \
    -v rate="$S_RATE" -v b="$A_BACKLOG" -v l50="$S_LAG50" -v l99="$S_LAG99" 'BEGIN {
      printf "%-10s %12s %7s %7s | %7s %9s %6.2f | %7s %6.2f | %10s %8s", p, rps, p50, p99, n, rate,
        (rps > 0 ? rate / rps : 0), b, (rps > 0 ? b / rps : 0), l50, l99 }')
  AUDIT_CPU[$phase]=$(audit_cpu_row "$phase" "$S_EVENTS" "$before" "$SNAP")
  log "${AUDIT_ROW[$phase]}"
}

part_audit() {
  local tenants t0 t1 t_up before calls pending drain first_s all_s
  fresh_database service_logs_bench_audit
  AUDIT_SL_DB=$FRESH_URL
  fresh_database logs_router_bench_audit
  AUDIT_RT_DB=$FRESH_URL
  start_service audit-service-logs "$BIND" "$BIN" DATABASE_URL="$AUDIT_SL_DB"
  AUX_PIDS=$STARTED_PID
  start_router audit-logs-router "$AUDIT_RT_DB" "http://$BIND"
  SVC_PIDS=$STARTED_PID
  audit_psql "$AUDIT_SL_DB" -c 'CREATE TABLE bench_outbox (event_id uuid, created_at timestamptz, delivered_at timestamptz)'
  router_tokens
  tenants=$((AUDIT_CONC * 8))
  [ "$tenants" -ge 32 ] || tenants=32
  router_seed "$AUDIT_RT_DB" "$tenants"
  audit_psql "$AUDIT_RT_DB" -c 'VACUUM ANALYZE tenants, targets' >/dev/null
  export BENCH_TOKENS_FILE=$TOKENS_FILE BENCH_PATCH_TENANTS=$tenants BENCH_WRK_THREADS=$AUDIT_THREADS

  # sanity check: one call, its event stored in service-logs
  router_call PATCH "$(patch_path 1)" 1 application/merge-patch+json '{"parameters":{"port":8443}}' 200
  audit_wait
  [ "$(audit_psql "$AUDIT_SL_DB" -c "SELECT count(*) FROM cluster_logs WHERE service_name = 'logs-router'")" = 1 ] \
    || die "the probe's audit event did not arrive in service-logs; see $OUT/audit-logs-router.log"

  log "audit warm-up: ${WARMUP}s unpaced"
  audit_wrk warmup "$WARMUP"
  audit_wait
  audit_phase write-max "$DURATION"
  local write_rps=$A_RPS rate
  audit_phase read-max "$DURATION" BENCH_READ=1
  rate=$(awk -v r="$write_rps" -v f="$AUDIT_LOAD" 'BEGIN { printf "%d", r * f }')
  [ "$rate" -ge 1 ] || rate=1
  audit_phase write-80% "$DURATION" BENCH_RATE="$rate"

  # outage: service-logs down, calls made, service-logs back
  stop_service audit-service-logs
  AUX_PIDS=""
  calls=$(((AUDIT_CALLS + AUDIT_THREADS - 1) / AUDIT_THREADS))
  log "audit outage: service-logs stopped; $AUDIT_CALLS calls (wrk -c $AUDIT_CONC, unpaced)"
  t0=$(date +%s.%N)
  AUDIT_UNTIL_EVENTS=$AUDIT_CALLS
  audit_wrk outage 300 BENCH_STOP_AFTER="$calls"
  AUDIT_UNTIL_EVENTS=""
  t1=$(date +%s.%N)
  pending=$(audit_psql "$AUDIT_RT_DB" -c "SELECT count(*) FROM audit_outbox WHERE delivered_at IS NULL")
  log "audit outage: $pending events pending; starting service-logs again"
  t_up=$(date +%s.%N)
  start_service audit-service-logs "$BIND" "$BIN" DATABASE_URL="$AUDIT_SL_DB"
  AUX_PIDS=$STARTED_PID
  cpu_snapshot
  before=$SNAP
  audit_wait
  cpu_snapshot
  audit_stats "$t0" "$t1"
  drain=$(awk -v n="$S_STORED" -v a="$S_FIRST" -v b="$S_LAST" 'BEGIN { printf "%.1f", (b > a ? (n - 1) / (b - a) : 0) }')
  first_s=$(awk -v a="$t_up" -v b="$S_FIRST" 'BEGIN { printf "%.2f", b - a }')
  all_s=$(awk -v a="$t_up" -v b="$S_LAST" 'BEGIN { printf "%.2f", b - a }')
  AUDIT_CPU[outage]=$(audit_cpu_row "outage (drain)" "$S_EVENTS" "$before" "$SNAP")
  log "outage: $S_EVENTS events; first stored after ${first_s}s, all after ${all_s}s; drain $drain events/s"

  # backlog: the drain rate as a function of the backlog's size
  local b backlog_rows="" first_rate="" last=${AUDIT_BACKLOGS##* }
  for b in $AUDIT_BACKLOGS; do
    log "audit backlog: $b events committed at once"
    audit_backlog "$b"
    [ -n "$first_rate" ] || first_rate=$B_RATE
    backlog_rows+=$(awk -v n="$b" -v d="$B_STORED" -v s="$B_SECS" -v r="$B_RATE" -v f="$first_rate" 'BEGIN {
      printf "%-13s %10s %10s %10s | %14s %6.2f", "pending " n, d, s, "", r, (f > 0 ? r / f : 0) }')$'\n'
    log "backlog $b: $B_STORED delivered in ${B_SECS}s: $B_RATE events/s"
    if [ "$b" != "$last" ]; then
      audit_wait
    fi
  done

  {
    printf '## audit delivery, logs-router -> service-logs (PATCH load on %s connections, %s tenants)\n' \
      "$AUDIT_CONC" "$tenants"
    printf '%-10s %12s %7s %7s | %7s %9s %6s | %7s %6s | %10s %8s\n' phase "router req/s" "p50 ms" "p99 ms" \
      events stored/s ratio backlog "s" "lag p50 ms" "p99 ms"
    printf '%s\n' "${AUDIT_ROW[write-max]}" "${AUDIT_ROW[read-max]}" "${AUDIT_ROW[write-80%]}"
    printf '(max: unpaced, %s connections, %s s; write-80%%: %s req/s scheduled, %s of write-max; ratio = stored/s / router\n' \
      "$AUDIT_CONC" "$DURATION" "$rate" "$AUDIT_LOAD"
    echo " req/s; backlog = events pending when the load stopped, s = that in seconds of the phase's traffic;"
    echo " lag = stored in service-logs - written to the outbox. Goals: ratio >= 1 (within the backlog) and backlog < 1 s"
    echo " at write-max and read-max; lag p99 < 500 ms at write-80%)"
    echo
    printf '%-13s %12s %8s | %7s | %16s %14s | %14s\n' backlog "router req/s" "p50 ms" events \
      "first stored s" "all stored s" "drain events/s"
    printf '%-13s %12s %8s | %7s | %16s %14s | %14s\n' outage "$A_RPS" "$A_P50" "$S_EVENTS" "$first_s" "$all_s" "$drain"
    echo "(calls made while service-logs was down; times from starting it again)"
    echo
    printf '%-13s %10s %10s %10s | %14s %6s\n' backlog delivered "s" "" "drain events/s" ratio
    printf '%s' "$backlog_rows"
    printf '(events committed to the outbox at once, both services up; delivered within %s s of the commit; ratio =\n' \
      "$DURATION"
    echo " drain rate / the first size's. Goal: the rate at 300,000 within 20% of the rate at 1,000, ratio >= 0.8)"
    echo
    printf '%-22s %7s %8s %9s %9s %6s | %5s\n' "CPU us per event" client router svc-logs postgres other busy
    printf '%s\n' "${AUDIT_CPU[write-max]}" "${AUDIT_CPU[read-max]}" "${AUDIT_CPU[write-80%]}" "${AUDIT_CPU[outage]}"
    echo "(from the start of the load until the outbox was empty; client = wrk and this script's psql polls)"
    echo
  } >>"$RESULTS"
  # The last backlog is left undelivered: the router stops before the databases are dropped.
  stop_service audit-logs-router
  stop_service audit-service-logs
  drop_database logs_router_bench_audit
  drop_database service_logs_bench_audit
}
