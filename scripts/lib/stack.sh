# shellcheck shell=bash
# Sourced by scripts/schemathesis.sh and scripts/soak.sh: both services as real processes on fresh databases of
# the PostgreSQL that scripts/ensure-postgres.sh finds, the router auditing into service-logs, stopped and dropped on
# exit. The caller defines `log` and `die` and sets SECRET (the HS256 secret) and OUT (where the services' logs go).
#
#   stack_start <db-prefix> <service-logs binary> <logs-router binary> [VAR=value for the router...]
#
# sets ADMIN_URL, SL_URL, LR_URL (the databases), SL_ADDR, LR_ADDR (host:port), SL_PID, LR_PID. Processes the caller
# starts itself go into EXTRA_PIDS to be stopped first on exit. `psql_admin` runs SQL as the admin role; `need`
# installs a missing tool.

# need <command> <Debian package>: installs the package when the command is missing (as root with apt-get).
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then die "$1 is missing (apt-get install $2)"; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2" >&2 \
    || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2" >&2; }
}

EXTRA_PIDS=()
STACK_PIDS=()
STACK_DBS=()

psql_admin() { PGOPTIONS="-c client_min_messages=warning" psql -w -X -q -At -v ON_ERROR_STOP=1 -d "$ADMIN_URL" "$@"; }

stack_cleanup() {
  local rc=$? pid db
  trap - EXIT INT TERM
  for pid in "${EXTRA_PIDS[@]}" "${STACK_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${EXTRA_PIDS[@]}" "${STACK_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for db in "${STACK_DBS[@]}"; do psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
  exit "$rc"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_ready <addr> <pid> <label>: until /readyz answers 200 (60 s at most).
wait_ready() {
  local addr=$1 pid=$2 label=$3 deadline=$((SECONDS + 60))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$addr/readyz" || true)" = 200 ]; do
    kill -0 "$pid" 2>/dev/null || die "$label exited before it was ready; see $OUT/$label.log"
    [ "$SECONDS" -lt "$deadline" ] || die "$label not ready within 60 s; see $OUT/$label.log"
    sleep 0.3
  done
}

stack_start() {
  local prefix=$1 sl_bin=$2 lr_bin=$3
  shift 3
  ADMIN_URL=$(scripts/ensure-postgres.sh)
  STACK_DBS=("${prefix}_logs_$$" "${prefix}_router_$$")
  trap stack_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  SL_URL=$(scripts/ensure-database.sh "$ADMIN_URL" "${STACK_DBS[0]}")
  LR_URL=$(scripts/ensure-database.sh "$ADMIN_URL" "${STACK_DBS[1]}")
  mkdir -p "$OUT"
  # Settings a developer's shell may hold that would change what the services do.
  local common=(-u SERVICE_LOGS_TOKEN_FILE -u AUTH_JWKS_URL -u AUTH_JWKS_FILE -u AUTH_ISSUER -u AUTH_AUDIENCE
    -u OTEL_EXPORTER_OTLP_ENDPOINT AUTH_HS256_SECRET="$SECRET" LOG_FORMAT=json RUST_LOG=warn)
  SL_ADDR=127.0.0.1:$(free_port)
  env "${common[@]}" DATABASE_URL="$SL_URL" BIND_ADDR="$SL_ADDR" \
    WEBHOOK_SECRETS_KEY="$(head -c 32 /dev/urandom | base64 | tr -d '\n')" "$sl_bin" serve >"$OUT/service-logs.log" 2>&1 &
  SL_PID=$!
  STACK_PIDS+=("$SL_PID")
  wait_ready "$SL_ADDR" "$SL_PID" service-logs
  LR_ADDR=127.0.0.1:$(free_port)
  env "${common[@]}" DATABASE_URL="$LR_URL" BIND_ADDR="$LR_ADDR" SERVICE_LOGS_URL="http://$SL_ADDR" \
    CREDENTIALS_KEY="$(head -c 32 /dev/urandom | base64 | tr -d '\n')" "$@" "$lr_bin" serve >"$OUT/logs-router.log" 2>&1 &
  LR_PID=$!
  STACK_PIDS+=("$LR_PID")
  wait_ready "$LR_ADDR" "$LR_PID" logs-router
  log "service-logs on $SL_ADDR, logs-router on $LR_ADDR (logs in $OUT)"
}
