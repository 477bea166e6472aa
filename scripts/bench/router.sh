# shellcheck shell=bash disable=SC2034 # variables shared with run.sh, which sources this file
# Part "router" of `make bench`, sourced by run.sh (whose helpers it uses): logs-router against pgbench running the
# transactions of the router's store, audit outbox insert included, at the same concurrency and duration.
#
#   tenant-create  service: wrk + tenant-create.lua   POST /v1/tenants, a unique name, one `logs` target, a random
#                                                     account among BENCH_ACCOUNTS (one pre-minted token each)
#                  raw:     pgbench + tenant-create.sql  advisory lock, count, tenant, target, outbox event
#   target-patch   service: wrk + target-patch.lua    PATCH /v1/tenants/{id}/targets/{tid} {"parameters":{"port":P}}
#                  raw:     pgbench + target-patch.sql   lock tenant, targets, update, targets, tenant etag, event
#
# The router's audit delivery worker is pointed at a closed port (SERVICE_LOGS_URL=http://127.0.0.1:1): it fails at
# once and backs off (up to 30 s between attempts), so the figures are the API's alone; audit.sh measures delivery.
# Before each side of each scenario the tables are emptied (TRUNCATE), the target-patch tenants seeded again
# (router-seed.sql: BENCH_CONCURRENCY x 8 tenants with one target each), VACUUM ANALYZE and CHECKPOINT run: both
# sides start from the same state, and neither pays for the other's rows, dead tuples or dirty pages.

LOGS_CRN='crn:v1:bluemix:public:logs:eu-de:a/4516b8fa0a174a71899f5affa4f18d78:42DAB2C2-BEC2-43E3-8E90-F0259087A884::'
TENANT_CRN_PREFIX='crn:v1:bluemix:public:logs-router:us-south:a/'
CLOSED_ADDR=127.0.0.1:1
TOKENS_FILE=$OUT/router-tokens.txt
API_VERSION_HEADER='IBM-API-Version: 2024-06-15'

# router_tokens: one token per account, line k for acc-k, with the permissions the load needs (once per run).
TOKENS_MINTED=0
router_tokens() {
  local k
  [ "$TOKENS_MINTED" = 0 ] || return 0
  log "minting $ACCOUNTS router tokens (acc-1 .. acc-$ACCOUNTS)"
  : >"$TOKENS_FILE"
  for k in $(seq 1 "$ACCOUNTS"); do
    AUTH_HS256_SECRET=$SECRET "$ROUTER_BIN" token --sub bench --account "acc-$k" --ttl 86400 \
      --permission logs-router.tenant.create --permission logs-router.tenant.update \
      --permission logs-router.tenant.read | tr -d '\r' >>"$TOKENS_FILE"
  done
  [ "$(grep -c . "$TOKENS_FILE")" = "$ACCOUNTS" ] || die "'$ROUTER_BIN token' did not print $ACCOUNTS tokens"
  TOKENS_MINTED=1
}
router_token() { sed -n "${1}p" "$TOKENS_FILE"; }

# start_router <label> <database url> <service-logs url>: sets STARTED_PID.
start_router() {
  # A fixed key (base64 of 32 bytes): no target of the bench has a credential to seal.
  start_service "$1" "$ROUTER_BIND" "$ROUTER_BIN" DATABASE_URL="$2" SERVICE_LOGS_URL="$3" \
    CREDENTIALS_KEY="$(printf 'make-bench-credentials-key-32by!' | base64)" TENANTS_PER_ACCOUNT=100000000
}

# router_seed <database url> <tenants>: the tenants target-patch changes (router-seed.sql).
router_seed() {
  psql -w -X -q -At -v ON_ERROR_STOP=1 -d "$1" -v n="$2" -v accounts="$ACCOUNTS" -v crn="$LOGS_CRN" \
    -v crnp="$TENANT_CRN_PREFIX" -f "$HERE/router-seed.sql" >/dev/null
}

# router_call <method> <path> <account> <content type> <body> <expected status>: one request with curl; dies unless
# it answers the expected status.
router_call() {
  local code
  code=$(curl -s -o "$OUT/probe-router.json" -w '%{http_code}' -X "$1" "http://$ROUTER_BIND$2" \
    -H "Authorization: Bearer $(router_token "$3")" -H "Content-Type: $4" -H "$API_VERSION_HEADER" \
    -H 'If-Match: *' -d "$5")
  [ "$code" = "$6" ] || die "$1 $2 answered $code, not $6: $(head -c 500 "$OUT/probe-router.json")"
}
patch_path() { printf '/v1/tenants/00000000-0000-4000-8000-%012d/targets/00000000-0000-4000-9000-%012d' "$1" "$1"; }

ROUTER_DB=""
PATCH_TENANTS=$((CONC * 8))
# router_reset: the state each side of each scenario starts from (see the top).
router_reset() {
  log "resetting the router's tables: TRUNCATE, $PATCH_TENANTS seeded tenants, VACUUM ANALYZE, CHECKPOINT"
  psql -w -X -q -At -v ON_ERROR_STOP=1 -d "$ROUTER_DB" -c 'TRUNCATE tenants, targets, audit_outbox' >/dev/null
  router_seed "$ROUTER_DB" "$PATCH_TENANTS"
  psql -w -X -q -At -v ON_ERROR_STOP=1 -d "$ROUTER_DB" -c 'VACUUM ANALYZE tenants, targets, audit_outbox' >/dev/null
  psql_admin -c CHECKPOINT >/dev/null || warn "CHECKPOINT failed (not a superuser?)"
}

part_router() {
  local outbox
  port_free "$CLOSED_ADDR" || die "something listens on $CLOSED_ADDR, where the router's delivery must fail"
  fresh_database logs_router_bench
  ROUTER_DB=$FRESH_URL
  start_router logs-router "$ROUTER_DB" "http://$CLOSED_ADDR"
  SVC_PIDS=$STARTED_PID AUX_PIDS=""
  router_tokens

  # sanity checks: a create (201) and a patch (200), each with its audit event in the outbox
  router_reset
  router_call POST /v1/tenants 1 application/json \
    "{\"name\":\"probe\",\"targets\":[{\"log_sink_crn\":\"$LOGS_CRN\",\"name\":\"logs-1\",\"parameters\":{\"host\":\"logs.example.com\",\"port\":443}}]}" 201
  router_call PATCH "$(patch_path 1)" 1 application/merge-patch+json '{"parameters":{"port":8443}}' 200
  outbox=$(psql -w -X -q -At -d "$ROUTER_DB" -c "SELECT count(*) FROM audit_outbox WHERE event->>'outcome' = 'success'")
  [ "$outbox" = 2 ] || die "the two probe calls left $outbox audit events in the outbox, not 2"

  export BENCH_TOKENS_FILE=$TOKENS_FILE BENCH_LOGS_CRN=$LOGS_CRN BENCH_PATCH_TENANTS=$PATCH_TENANTS
  local pg_args=(-D accounts="$ACCOUNTS" -D crn="$LOGS_CRN" -D crnp="$TENANT_CRN_PREFIX")
  BEFORE_SIDE=router_reset
  scenario tenant-create tenant-create.lua "http://$ROUTER_BIND" tenant-create.sql "$ROUTER_DB" \
    "${pg_args[@]}" -D lockp='tenants:acc-'
  scenario target-patch target-patch.lua "http://$ROUTER_BIND" target-patch.sql "$ROUTER_DB" \
    "${pg_args[@]}" -D per=8
  BEFORE_SIDE=:

  printf '## logs-router (accounts=%s, %s seeded tenants for target-patch; audit delivery to a closed port)\n' \
    "$ACCOUNTS" "$PATCH_TENANTS" >>"$RESULTS"
  report_ratios tenant-create target-patch
  stop_service logs-router
  start_router logs-router-restart "$ROUTER_DB" http://127.0.0.1:1
  stop_service logs-router-restart
  drop_database logs_router_bench
}
