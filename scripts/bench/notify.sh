# shellcheck shell=bash disable=SC2034 # variables shared with run.sh, which sources this file
# Part "notify" of `make bench`, sourced by run.sh (whose helpers it uses): what notification triggers cost a create,
# and how soon a matched log reaches its webhook (issue 14: "create throughput with 100 triggers per account stays
# >= 0.9x of the figure without triggers; notification latency p99 < 1 s at a steady load").
#
# service-logs runs on database service_logs_bench_notify (BENCH_BIND_ADDR) with
# NOTIFICATIONS_ALLOW_PRIVATE_NETWORKS=true, so that its webhooks may reach receiver.py, a local HTTP receiver on
# BENCH_RECEIVER_ADDR that answers 200 and records each delivery's arrival and its log's data.created_at. The logs
# and owners are seed.sql's (BENCH_ROWS logs over BENCH_CLUSTERS clusters, 100 accounts, each cluster owned by the
# account its logs carry); BENCH_NOTIFY_TRIGGERS (100) triggers per account come from notify-seed.sql, into a side
# table first. Probes: each search of acc-1's triggers is created once through the API (for an account the load
# never uses, then deleted): the service parses and checks every one of them; one log matching a probe trigger must
# reach the receiver. Then three phases, one after the other:
#
#   create-log, no triggers   wrk + create.lua with BENCH_WITH_ACCOUNT=1 (the logs part's create, its body carrying
#                             the cluster's account_id, so that the account's triggers are read and evaluated),
#                             unpaced, BENCH_CONCURRENCY connections, warm-up then BENCH_DURATION s;
#   create-log, triggers      the seeded triggers copied into notification_triggers (100 accounts x
#                             BENCH_NOTIFY_TRIGGERS), then the same measurement: ratio = this rate / the first;
#                             about 1 % of these creates match a trigger (notify-seed.sql) and are delivered;
#   steady                    BENCH_DURATION s of notify.lua at BENCH_NOTIFY_LOAD (0.5) of the rate with triggers,
#                             on a wall-clock schedule; a share BENCH_NOTIFY_SHARE (0.1) of the creates are logs the
#                             account's latency trigger matches, each of its own (no duplicates); then the wait
#                             until the outbox has no unfinished row (BENCH_NOTIFY_TIMEOUT s at most).
#
# Notification latency = arrival at the receiver (its clock) - the log's created_at (the service's clock, set when
# it took the create; same machine), per delivery of the latency triggers (first arrival per webhook-id). Every
# matched log must have been delivered exactly as often as it was queued (one outbox row, completed).

notify_psql() { psql -w -X -q -At -v ON_ERROR_STOP=1 -d "$NOTIFY_DB" "$@"; }

# notify_receiver: starts receiver.py in a session of its own (stopped by stop_service/cleanup like a service);
# NOTIFY_HOOKS is its record, one line per delivery.
notify_receiver() {
  local py pid deadline label=notify-receiver
  # The interpreter itself, not a wrapper (a pyenv shim would survive its child being signalled).
  py=$(python3 -c 'import sys; print(sys.executable)') || die "python3 does not run"
  port_free "$NOTIFY_RECEIVER" || die "something already listens on $NOTIFY_RECEIVER (see BENCH_RECEIVER_ADDR)"
  NOTIFY_HOOKS=$OUT/notify-deliveries.txt
  : >"$NOTIFY_HOOKS"
  log "starting the webhook receiver on $NOTIFY_RECEIVER (record: ${NOTIFY_HOOKS#"$ROOT"/})"
  setsid "$py" "$HERE/receiver.py" "$NOTIFY_RECEIVER" "$NOTIFY_HOOKS" >>"$OUT/notify-receiver.log" 2>&1 &
  pid=$!
  # shellcheck disable=SC2004 # SERVICE_PIDS is run.sh's associative array, keyed by label
  SERVICE_PIDS[$label]=$pid
  deadline=$((SECONDS + 20))
  until curl -sf -o /dev/null --max-time 1 "http://$NOTIFY_RECEIVER/ready"; do
    kill -0 "$pid" 2>/dev/null || die "the receiver exited; see $OUT/notify-receiver.log"
    [ "$SECONDS" -lt "$deadline" ] || die "the receiver did not answer within 20 s; see $OUT/notify-receiver.log"
    sleep 0.05
  done
}

# notify_wait: until the notification outbox has no unfinished row (or BENCH_NOTIFY_TIMEOUT s); fails the run then.
notify_wait() {
  local deadline=$((SECONDS + NOTIFY_TIMEOUT)) pending
  while :; do
    pending=$(notify_psql -c "SELECT count(*) FROM notification_outbox WHERE finished_at IS NULL")
    [ "$pending" = 0 ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      warn "$pending notifications unfinished after ${NOTIFY_TIMEOUT} s: $(notify_psql -c "SELECT last_error
        FROM notification_outbox WHERE finished_at IS NULL AND last_error <> '' LIMIT 1")"
      FAILED=1
      return 0
    fi
    sleep 0.2
  done
}

# notify_post <token> <method> <path> [body]: one call to service-logs; prints the status, the answer goes to
# $OUT/notify-probe.json.
notify_post() {
  local args=(-s -o "$OUT/notify-probe.json" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1")
  [ $# -lt 4 ] || args+=(-H 'Content-Type: application/json' -d "$4")
  curl "${args[@]}" "http://$BIND$3"
}

# notify_probe <create token> <acc-probe manage token>: every search of acc-1's seeded triggers is accepted by the
# API (POST, then DELETE), and one matching log is delivered to the receiver within 10 s.
notify_probe() {
  local create=$1 manage=$2 body code id n=0 deadline
  log "probe: each of acc-1's $NOTIFY_TRIGGERS searches through POST /notification_triggers (as acc-probe)"
  while IFS= read -r body; do
    code=$(notify_post "$manage" POST /api/service_logs/v1/notification_triggers "$body")
    [ "$code" = 201 ] || die "a seeded trigger was refused ($code): $body: $(head -c 300 "$OUT/notify-probe.json")"
    id=$(sed -nE 's/.*"id":"([^"]+)".*/\1/p' "$OUT/notify-probe.json")
    code=$(notify_post "$manage" DELETE "/api/service_logs/v1/notification_triggers/$id")
    [ "$code" = 204 ] || die "deleting probe trigger $id answered $code"
    n=$((n + 1))
  done < <(notify_psql -c "SELECT json_build_object('name', name, 'account_id', 'acc-probe', 'search', search,
      'actions', (SELECT json_agg(a - 'secret') FROM jsonb_array_elements(actions) AS a))
    FROM bench_triggers WHERE account_id = 'acc-1' ORDER BY id")
  [ "$n" = "$NOTIFY_TRIGGERS" ] || die "probed $n of acc-1's triggers, not $NOTIFY_TRIGGERS"

  log "probe: one log through a webhook trigger to the receiver"
  code=$(notify_post "$manage" POST /api/service_logs/v1/notification_triggers \
    "{\"name\":\"probe\",\"search\":\"service_name = 'BenchProbe'\",\"actions\":[{\"type\":\"webhook\",\"url\":\"http://$NOTIFY_RECEIVER/probe\"}]}")
  [ "$code" = 201 ] || die "the probe trigger was refused ($code): $(head -c 300 "$OUT/notify-probe.json")"
  id=$(sed -nE 's/.*"id":"([^"]+)".*/\1/p' "$OUT/notify-probe.json")
  code=$(notify_post "$create" POST /api/service_logs/v1/cluster_logs \
    '{"severity":"Info","service_name":"BenchProbe","cluster_uuid":"00000000-0000-4000-8000-999999999999","account_id":"acc-probe","summary":"probe"}')
  [ "$code" = 201 ] || die "the probe log was refused ($code): $(head -c 300 "$OUT/notify-probe.json")"
  deadline=$((SECONDS + 10))
  until grep -q '^/probe ' "$NOTIFY_HOOKS"; do
    [ "$SECONDS" -lt "$deadline" ] || die "the probe log's webhook did not arrive within 10 s: $(notify_psql -c \
      "SELECT attempts || ' attempts, ' || last_error FROM notification_outbox LIMIT 1"); see $OUT/notify-service-logs.log"
    sleep 0.1
  done
  code=$(notify_post "$manage" DELETE "/api/service_logs/v1/notification_triggers/$id")
  [ "$code" = 204 ] || die "deleting the probe trigger answered $code"
  notify_wait
}

part_notify() {
  local token manage rps0 rps1 p50_0 p99_0 p50_1 p99_1 ratio goal rate before t0 t1 res requests dur non2xx sockerr
  local rest rps p50 p99 queued completed logs received lat50 lat99 latmax notif_rate lgoal triggers cpu0 cpu1 cpu2
  local matched dups
  fresh_database service_logs_bench_notify
  NOTIFY_DB=$FRESH_URL
  start_service notify-service-logs "$BIND" "$BIN" DATABASE_URL="$NOTIFY_DB" NOTIFICATIONS_ALLOW_PRIVATE_NETWORKS=true
  SVC_PIDS=$STARTED_PID AUX_PIDS=""
  notify_receiver

  log "seeding $ROWS logs over $CLUSTERS clusters and their owners (seed.sql)"
  notify_psql -v rows="$ROWS" -v clusters="$CLUSTERS" -v big=0 -f "$HERE/seed.sql" >/dev/null
  notify_psql -c 'VACUUM ANALYZE cluster_logs' -c 'VACUUM ANALYZE cluster_owners' >/dev/null
  log "seeding $NOTIFY_TRIGGERS triggers for each of 100 accounts into bench_triggers (notify-seed.sql)"
  notify_psql -v accounts=100 -v per_account="$NOTIFY_TRIGGERS" -v hook="http://$NOTIFY_RECEIVER" \
    -f "$HERE/notify-seed.sql" >/dev/null
  triggers=$(notify_psql -c 'SELECT count(*) FROM bench_triggers')

  token=$(AUTH_HS256_SECRET=$SECRET "$BIN" token --sub bench --account acc-1 \
    --permission service-logs.log.create --permission service-logs.log.read-internal | tr -d '\r\n')
  manage=$(AUTH_HS256_SECRET=$SECRET "$BIN" token --sub bench-ops --account acc-probe \
    --permission service-logs.trigger.manage | tr -d '\r\n')
  if [ -z "$token" ] || [ -z "$manage" ]; then die "'$BIN token' printed nothing"; fi
  notify_probe "$token" "$manage"

  export BENCH_TOKEN=$token BENCH_CLUSTERS=$CLUSTERS
  [ "$(notify_psql -c 'SELECT count(*) FROM notification_triggers')" = 0 ] || die "triggers left before the baseline"
  BENCH_WITH_ACCOUNT=1 run_wrk notify-create-none create.lua "http://$BIND"
  rps0=$W_RPS p50_0=$W_P50 p99_0=$W_P99 cpu0=$W_CPU

  log "copying $triggers triggers into notification_triggers"
  notify_psql -c 'INSERT INTO notification_triggers SELECT * FROM bench_triggers' \
    -c 'VACUUM ANALYZE notification_triggers' >/dev/null
  BENCH_WITH_ACCOUNT=1 run_wrk notify-create-triggers create.lua "http://$BIND"
  rps1=$W_RPS p50_1=$W_P50 p99_1=$W_P99 cpu1=$W_CPU
  log "waiting for the matched creates' deliveries"
  notify_wait
  # The creates of that run that matched a trigger (bookkeeping rows; the probe's excluded): notified or duplicates.
  read -r matched dups < <(notify_psql -F ' ' -c "SELECT count(*), count(duplicate_of) FROM cluster_log_notifications n
    JOIN cluster_logs l ON l.id = n.log_id WHERE l.service_name <> 'BenchProbe'")

  ratio=$(awk -v a="$rps1" -v b="$rps0" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  goal=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.9 ? "met" : "NOT met") }')
  log "create-log: $rps1 req/s with triggers, $rps0 without: ratio $ratio (goal >= 0.9: $goal)"

  # the steady load
  rate=$(awk -v r="$rps1" -v f="$NOTIFY_LOAD" 'BEGIN { printf "%d", r * f }')
  [ "$rate" -ge 1 ] || rate=1
  res=$OUT/wrk-notify-steady.result
  rm -f "$res"
  log "steady: wrk -t $THREADS -c $CONC -d ${DURATION}s notify.lua at $rate req/s ($NOTIFY_LOAD of $rps1), share $NOTIFY_SHARE matched"
  cpu_snapshot
  before=$SNAP
  t0=$(date +%s.%N)
  BENCH_RATE=$rate BENCH_NOTIFY_SHARE=$NOTIFY_SHARE BENCH_WRK_THREADS=$THREADS BENCH_NAME_PREFIX=s BENCH_WRK_OUT=$res \
    in_session wrk -t "$THREADS" -c "$CONC" -d "${DURATION}s" -s "$HERE/notify.lua" "http://$BIND" \
    >"$OUT/wrk-notify-steady.txt"
  t1=$(date +%s.%N)
  notify_wait
  cpu_snapshot
  [ -s "$res" ] || die "wrk wrote no result for the steady load; see $OUT/wrk-notify-steady.txt"
  read -r requests dur non2xx sockerr p50 p99 rest <"$res"
  rps=$(awk -v n="$requests" -v d="$dur" 'BEGIN { printf "%.1f", n / d }')
  cpu2=$(cpu_row "steady (to delivered)" "$requests" "$before" "$SNAP")
  if [ "$non2xx" != 0 ] || [ "$sockerr" != 0 ]; then
    warn "steady: $non2xx non-2xx answers and $sockerr socket errors out of $requests (see $OUT/notify-service-logs.log)"
    FAILED=1
  fi

  # Matched logs, their queued and completed deliveries (the latency triggers only), and what the receiver got.
  read -r logs queued completed < <(notify_psql -F ' ' -c "SELECT
      (SELECT count(*) FROM cluster_logs WHERE service_name = 'BenchNotify'),
      count(*), count(*) FILTER (WHERE o.outcome = 'completed')
    FROM notification_outbox o JOIN notification_triggers t ON t.id = o.trigger_id
    WHERE t.search = 'service_name = ''BenchNotify'''")
  # first arrival per webhook-id: "<latency ms>"
  awk '$1 == "/notify" && $3 > 0 && !seen[$4]++ { printf "%.1f\n", ($2 - $3) * 1000 }' "$NOTIFY_HOOKS" \
    >"$OUT/notify-latency-ms.txt"
  received=$(grep -c . "$OUT/notify-latency-ms.txt" || true)
  read -r lat50 lat99 < <(percentiles <"$OUT/notify-latency-ms.txt")
  latmax=$(sort -n "$OUT/notify-latency-ms.txt" | tail -n1)
  notif_rate=$(awk -v n="$received" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n / (b - a) }')
  lgoal=$(awk -v p="$lat99" 'BEGIN { print (p != "nan" && p < 1000 ? "met" : "NOT met") }')
  if [ "$logs" != "$queued" ] || [ "$queued" != "$completed" ] || [ "$completed" != "$received" ]; then
    warn "steady: $logs matched logs, $queued deliveries queued, $completed completed, $received received (distinct)"
    FAILED=1
  fi
  [ "$received" -gt 0 ] || {
    warn "steady: no notification arrived"
    FAILED=1
  }
  log "steady: $rps req/s; $received notifications, latency p50 $lat50 ms p99 $lat99 ms (goal p99 < 1000 ms: $lgoal)"

  {
    printf '## notification triggers (rows=%s clusters=%s; 100 accounts x %s triggers = %s; creates carry account_id)\n' \
      "$ROWS" "$CLUSTERS" "$NOTIFY_TRIGGERS" "$triggers"
    printf '%-18s %13s %8s %8s | %11s %8s %8s | %5s\n' \
      scenario "trigger req/s" "p50 ms" "p99 ms" "none req/s" "p50 ms" "p99 ms" ratio
    printf '%-18s %13s %8s %8s | %11s %8s %8s | %5s\n' \
      create-log "$rps1" "$p50_1" "$p99_1" "$rps0" "$p50_0" "$p99_0" "$ratio"
    printf '(create.lua with account_id, %s connections, %s s each, one after the other: left with %s triggers per\n' \
      "$CONC" "$DURATION" "$NOTIFY_TRIGGERS"
    printf ' account, right with none; with triggers, %s creates matched one (warm-up included), %s of them as\n' \
      "$matched" "$dups"
    printf ' duplicates, not delivered. Goal: ratio >= 0.9 -> %s)\n' "$goal"
    echo
    printf '%-18s %13s %8s %8s | %8s %9s | %10s %8s %8s\n' phase "req/s" "p50 ms" "p99 ms" notified "notif/s" \
      "lat p50 ms" "p99 ms" "max ms"
    printf '%-18s %13s %8s %8s | %8s %9s | %10s %8s %8s\n' steady "$rps" "$p50" "$p99" "$received" "$notif_rate" \
      "$lat50" "$lat99" "$latmax"
    printf '(notify.lua scheduled at %s req/s = %s of the rate with triggers, %s connections, %s s; %s of the creates\n' \
      "$rate" "$NOTIFY_LOAD" "$CONC" "$DURATION" "$NOTIFY_SHARE"
    echo " match the account's latency trigger (a webhook to receiver.py); lat = arrival at the receiver - the log's"
    printf ' created_at. Goal: lat p99 < 1000 ms -> %s)\n' "$lgoal"
    echo
    printf '%-26s %7s %8s %9s %6s | %5s\n' "CPU us per request" client service postgres other busy
    printf '%-26s%s\n' "create-log no triggers" "${cpu0#notify-create-none service}" \
      "create-log triggers" "${cpu1#notify-create-triggers service}"
    printf '%s\n' "$cpu2"
    echo "(steady: from the start of the load until every notification was delivered; the receiver's CPU is in other)"
    echo
  } >>"$RESULTS"
  stop_service notify-receiver
  stop_service notify-service-logs
  drop_database service_logs_bench_notify
}
