#!/usr/bin/env bash
# `make run`: starts service-logs (and logs-router, when services/logs-router exists) on this
# machine against a local PostgreSQL, waits until they are ready, prints ready-to-paste curl
# lines with development tokens, and keeps running until Ctrl-C / SIGTERM, which stops both.
#
# Environment (all optional):
#   SERVICE_LOGS_DATABASE_URL  database of service-logs   (default: database `service_logs` on the
#   LOGS_ROUTER_DATABASE_URL   database of logs-router     server from scripts/ensure-postgres.sh,
#                                                          `logs_router` for the router; created when absent)
#   SERVICE_LOGS_BIND_ADDR     default 127.0.0.1:8000
#   LOGS_ROUTER_BIND_ADDR      default 127.0.0.1:8080
#   AUTH_HS256_SECRET          default dev-secret-change-me (shared by both services and the tokens)
#   CREDENTIALS_KEY            default: the key in .local/dev-credentials-key (generated once)
#   WEBHOOK_SECRETS_KEY        default: the key in .local/dev-webhook-secrets-key (generated once)
#   LOG_FORMAT                 default text
#   READY_TIMEOUT              seconds to wait for /readyz, default 120
#   CARGO, CARGO_TARGET_DIR    as for cargo
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

log() { printf '==> %s\n' "$*" >&2; }
die() {
  printf 'run: error: %s\n' "$*" >&2
  exit 1
}

CARGO=${CARGO:-cargo}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
SL_BIND=${SERVICE_LOGS_BIND_ADDR:-127.0.0.1:8000}
LR_BIND=${LOGS_ROUTER_BIND_ADDR:-127.0.0.1:8080}
SECRET=${AUTH_HS256_SECRET:-dev-secret-change-me}
FORMAT=${LOG_FORMAT:-text}
READY_TIMEOUT=${READY_TIMEOUT:-120}
ACCOUNT=1a2b3c
ROUTER=0
[ -f services/logs-router/Cargo.toml ] && ROUTER=1

# host:port to reach a bind address from this machine (0.0.0.0 / [::] -> 127.0.0.1).
reach_addr() {
  local host=${1%:*} port=${1##*:}
  case $host in
    "" | 0.0.0.0 | "[::]" | "::") host=127.0.0.1 ;;
  esac
  printf '%s:%s\n' "$host" "$port"
}

port_in_use() {
  local addr host port
  addr=$(reach_addr "$1")
  host=${addr%:*} port=${addr##*:}
  host=${host#[}
  host=${host%]}
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

# HTTP status code of GET http://<addr><path>, or 000 when nothing answers.
http_status() {
  local addr=$1 path=$2
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$addr$path" 2>/dev/null || true
    return 0
  fi
  local host=${addr%:*} port=${addr##*:} line="" code=""
  host=${host#[}
  host=${host%]}
  if exec 3<>"/dev/tcp/$host/$port" 2>/dev/null; then
    printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$addr" >&3
    read -r -t 2 line <&3 || true
    exec 3>&-
  fi
  read -r _ code _ <<<"$line" || true
  printf '%s\n' "${code:-000}"
}

# Hides the password of a postgres:// URL.
redact() { sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$1"; }

# --- ports must be free ------------------------------------------------------------------------
port_in_use "$SL_BIND" && die "something already listens on $(reach_addr "$SL_BIND") (set SERVICE_LOGS_BIND_ADDR)"
if [ "$ROUTER" = 1 ] && port_in_use "$LR_BIND"; then
  die "something already listens on $(reach_addr "$LR_BIND") (set LOGS_ROUTER_BIND_ADDR)"
fi

# --- databases -----------------------------------------------------------------------------------
admin=""
if [ -z "${SERVICE_LOGS_DATABASE_URL:-}" ] || { [ "$ROUTER" = 1 ] && [ -z "${LOGS_ROUTER_DATABASE_URL:-}" ]; }; then
  log "finding PostgreSQL"
  admin=$(scripts/ensure-postgres.sh)
fi
if [ -n "${SERVICE_LOGS_DATABASE_URL:-}" ]; then
  SL_DB=$SERVICE_LOGS_DATABASE_URL
else
  SL_DB=$(scripts/ensure-database.sh "$admin" service_logs)
fi
# dev_key <file> <name>: a development AES key (base64 of 32 random bytes), generated into <file> once and kept
# there, so what was sealed under it stays readable from one `make run` to the next.
dev_key() {
  if [ ! -s "$1" ]; then
    log "generating a development $2 into $1"
    mkdir -p "$(dirname "$1")"
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n' >"$1")
  fi
  cat "$1"
}
WEBHOOK_KEY=${WEBHOOK_SECRETS_KEY:-$(dev_key .local/dev-webhook-secrets-key WEBHOOK_SECRETS_KEY)}
if [ "$ROUTER" = 1 ]; then
  if [ -n "${LOGS_ROUTER_DATABASE_URL:-}" ]; then
    LR_DB=$LOGS_ROUTER_DATABASE_URL
  else
    LR_DB=$(scripts/ensure-database.sh "$admin" logs_router)
  fi
  CRED_KEY=${CREDENTIALS_KEY:-$(dev_key .local/dev-credentials-key CREDENTIALS_KEY)}
fi

# --- build ---------------------------------------------------------------------------------------
log "$CARGO build --bins"
"$CARGO" build --bins
SL_BIN=$TARGET_DIR/debug/service-logs
LR_BIN=$TARGET_DIR/debug/logs-router
[ -x "$SL_BIN" ] || die "$SL_BIN was not built"
[ "$ROUTER" = 0 ] || [ -x "$LR_BIN" ] || die "$LR_BIN was not built"

# --- start ---------------------------------------------------------------------------------------
PIDS=()
NAMES=()

# A stop asked for (Ctrl-C, SIGTERM) ends with status 0; a service that died ends with its failure.
STOP_REQUESTED=0
cleanup() {
  local rc=$? pid i alive
  trap - EXIT INT TERM
  [ "$STOP_REQUESTED" = 1 ] && rc=0
  if [ ${#PIDS[@]} -gt 0 ]; then
    log "stopping ${NAMES[*]}"
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for i in $(seq 1 30); do
      alive=0
      for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ "$alive" = 0 ] && break
      [ "$i" = 30 ] || sleep 0.5
    done
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  fi
  if [ "$STOP_REQUESTED" = 1 ]; then
    log "stopped"
    case "$admin" in
      *":${LOCAL_PG_PORT:-54329}/"*) log "the throwaway PostgreSQL keeps running for the next make run; make pg-stop stops it" ;;
    esac
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'STOP_REQUESTED=1; exit 0' INT TERM

# start <name> <bind-addr> <binary> VAR=value...: runs `<binary> serve` with those variables,
# its output prefixed with [name].
start() {
  local name=$1 bind=$2 bin=$3
  shift 3
  log "starting $name on $bind"
  env "$@" "$bin" serve > >(trap '' INT TERM && exec sed -u "s/^/[$name] /") 2>&1 &
  PIDS+=("$!")
  NAMES+=("$name")
}

SL_ENV=(DATABASE_URL="$SL_DB" BIND_ADDR="$SL_BIND" AUTH_HS256_SECRET="$SECRET" LOG_FORMAT="$FORMAT"
  WEBHOOK_SECRETS_KEY="$WEBHOOK_KEY")
start service-logs "$SL_BIND" "$SL_BIN" "${SL_ENV[@]}"
if [ "$ROUTER" = 1 ]; then
  LR_ENV=(DATABASE_URL="$LR_DB" BIND_ADDR="$LR_BIND" AUTH_HS256_SECRET="$SECRET"
    SERVICE_LOGS_URL="http://$(reach_addr "$SL_BIND")" CREDENTIALS_KEY="$CRED_KEY" LOG_FORMAT="$FORMAT")
  start logs-router "$LR_BIND" "$LR_BIN" "${LR_ENV[@]}"
fi

# wait_ready <index> <addr>
wait_ready() {
  local pid=${PIDS[$1]} name=${NAMES[$1]} addr=$2 deadline status rc
  deadline=$((SECONDS + READY_TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rc=0
      wait "$pid" || rc=$?
      die "$name exited with status $rc before it was ready (see its output above)"
    fi
    status=$(http_status "$addr" /readyz)
    [ "$status" = 200 ] && return 0
    [ "$SECONDS" -lt "$deadline" ] || die "$name did not answer 200 on http://$addr/readyz within ${READY_TIMEOUT}s (last: $status)"
    sleep 0.5
  done
}

SL_ADDR=$(reach_addr "$SL_BIND")
wait_ready 0 "$SL_ADDR"
if [ "$ROUTER" = 1 ]; then
  LR_ADDR=$(reach_addr "$LR_BIND")
  wait_ready 1 "$LR_ADDR"
fi

# token <binary> <env...> -- <token args...>
token() {
  local bin=$1
  shift
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    envs+=("$1")
    shift
  done
  shift
  env "${envs[@]}" "$bin" token "$@" | tr -d '\r\n' || true
}

SL_TOKEN=$(token "$SL_BIN" "${SL_ENV[@]}" -- --sub newcomer --account "$ACCOUNT" \
  --permission service-logs.log.create --permission service-logs.log.read)
[ -n "$SL_TOKEN" ] || {
  log "warning: '$SL_BIN token' printed nothing; using a placeholder"
  SL_TOKEN='<token>'
}
CLUSTER_UUID=$(cat /proc/sys/kernel/random/uuid 2>/dev/null || echo 6f2b1c3e-0000-4000-8000-000000000001)

{
  echo
  echo "service-logs is ready on http://$SL_ADDR  (database: $(redact "$SL_DB"))"
  echo "  # create a log:"
  echo "  curl -sS -X POST http://$SL_ADDR/api/service_logs/v1/cluster_logs -H \"Authorization: Bearer $SL_TOKEN\" -H 'Content-Type: application/json' -d '{\"cluster_uuid\":\"$CLUSTER_UUID\",\"account_id\":\"$ACCOUNT\",\"severity\":\"Info\",\"service_name\":\"SREManualAction\",\"summary\":\"Hello from the README\"}'"
  echo "  # list logs:"
  echo "  curl -sS http://$SL_ADDR/api/service_logs/v1/cluster_logs -H \"Authorization: Bearer $SL_TOKEN\""
  echo "  # another token: AUTH_HS256_SECRET='$SECRET' $SL_BIN token --sub newcomer --account $ACCOUNT --permission service-logs.log.read"
}

if [ "$ROUTER" = 1 ]; then
  LR_TOKEN=$(token "$LR_BIN" "${LR_ENV[@]}" -- --sub newcomer --account "$ACCOUNT" \
    --permission logs-router.tenant.read --permission logs-router.tenant.create)
  [ -n "$LR_TOKEN" ] || {
    log "warning: '$LR_BIN token' printed nothing; using a placeholder"
    LR_TOKEN='<token>'
  }
  {
    echo
    echo "logs-router is ready on http://$LR_ADDR  (database: $(redact "$LR_DB"); service-logs: http://$SL_ADDR)"
    echo "  # list tenants:"
    echo "  curl -sS http://$LR_ADDR/v1/tenants -H \"Authorization: Bearer $LR_TOKEN\""
  }
fi
printf '\nPress Ctrl-C to stop.\n\n'

# --- foreground until a child exits or we are signalled ------------------------------------------
while :; do
  for i in "${!PIDS[@]}"; do
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
      rc=0
      wait "${PIDS[$i]}" || rc=$?
      # A service ends with status 0 only when told to stop: Ctrl-C reaches the whole foreground process group,
      # and a service may be gone before this script's own trap has run.
      if [ "$rc" = 0 ]; then
        STOP_REQUESTED=1
        exit 0
      fi
      die "${NAMES[$i]} exited with status $rc"
    fi
  done
  sleep 1 &
  wait $! || true
done
