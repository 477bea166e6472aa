#!/usr/bin/env bash
# Makes a PostgreSQL server available and prints ONE line on stdout: an admin URL
# (a superuser that may CREATE DATABASE), e.g. postgres://postgres@127.0.0.1:5432/postgres.
# Everything else goes to stderr.
#
# Usage: scripts/ensure-postgres.sh [start|stop|status]     (default: start)
#
# Order (start):
#   1. PG_ADMIN_URL set       -> verify it answers, print it (never falls back).
#   2. 127.0.0.1:5432 answers as role `postgres` without a password -> print that URL.
#   3. a throwaway cluster in <repo>/.local/pg (data/, socket, postgres.log), listening on
#      127.0.0.1:${LOCAL_PG_PORT:-54329}, trust auth, superuser `postgres`, fsync off.
#      Server binaries come from /usr/lib/postgresql/<newest>/bin (or PG_BINDIR, or PATH);
#      when missing and running as root they are installed with apt-get (package `postgresql`).
#      Reused across runs; started when not running.
#
# Environment:
#   PG_ADMIN_URL    use this server (step 1)
#   PG_FORCE_LOCAL  =1: skip step 2 and always use the throwaway cluster
#   LOCAL_PG_PORT   port of the throwaway cluster (default 54329)
#   LOCAL_PG_DIR    folder of the throwaway cluster (default <repo>/.local/pg)
#   PG_BINDIR       folder holding initdb/pg_ctl (default: newest /usr/lib/postgresql/*/bin)
set -euo pipefail

log() { printf 'ensure-postgres: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT=${LOCAL_PG_PORT:-54329}
DEFAULT_URL="postgres://postgres@127.0.0.1:5432/postgres"
LOCAL_URL="postgres://postgres@127.0.0.1:${PORT}/postgres"
IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1
APT_UPDATED=0

# answers URL: true when `select 1` works there (no password prompt, short timeout).
answers() {
  PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-3} psql -w -X -q -At -d "$1" -c 'select 1' >/dev/null 2>&1
}

apt_install() {
  [ "$IS_ROOT" = 1 ] || die "need to install $*, but not running as root"
  command -v apt-get >/dev/null 2>&1 || die "need to install $*, but apt-get is not available"
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    apt-get update >&2
    APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2
}

ensure_client() {
  command -v psql >/dev/null 2>&1 && return 0
  if [ "$IS_ROOT" = 1 ] && command -v apt-get >/dev/null 2>&1; then
    apt_install postgresql-client
  else
    die "psql not found: install the PostgreSQL client (Debian/Ubuntu: sudo apt-get install postgresql-client)"
  fi
}

# Folder of the throwaway cluster. As root the server runs as the `postgres` OS user, which must
# be able to reach the folder; when the repo is not reachable for it (e.g. under /root), fall back
# to a per-repo folder under /var/tmp.
pg_dir() {
  if [ -n "${LOCAL_PG_DIR:-}" ]; then
    printf '%s\n' "$LOCAL_PG_DIR"
    return
  fi
  local dir="$ROOT/.local/pg"
  if [ "$IS_ROOT" = 1 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$ROOT"; then
    local sum
    sum=$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
    dir="/var/tmp/local-pg-$sum"
    log "user postgres cannot reach $ROOT; using $dir for the throwaway cluster"
  fi
  printf '%s\n' "$dir"
}

find_bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then
    [ -x "$PG_BINDIR/initdb" ] && printf '%s\n' "$PG_BINDIR"
    return 0
  fi
  local d best=""
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] || continue
    if [ -z "$best" ] || [ "$(basename "$(dirname "$d")")" -gt "$(basename "$(dirname "$best")")" ] 2>/dev/null; then
      best=$d
    fi
  done
  if [ -z "$best" ] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    best=$(dirname "$(command -v initdb)")
  fi
  [ -n "$best" ] && printf '%s\n' "$best"
  return 0
}

# Runs a command as the owner of the cluster: `postgres` when we are root, else ourselves.
# fd 9 (the lock) is closed so that the server started by pg_ctl does not inherit it.
as_owner() {
  if [ "$IS_ROOT" = 1 ]; then
    runuser -u postgres -- "$@" 9>&-
  else
    "$@" 9>&-
  fi
}

cmd_stop() {
  local dir data bindir
  dir=$(pg_dir)
  data="$dir/data"
  if [ ! -f "$data/postmaster.pid" ]; then
    log "throwaway cluster in $dir is not running"
    return 0
  fi
  bindir=$(find_bindir)
  [ -n "$bindir" ] || die "pg_ctl not found"
  log "stopping throwaway cluster in $dir"
  as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >&2
}

cmd_status() {
  local dir
  dir=$(pg_dir)
  if ensure_client 2>/dev/null && answers "$LOCAL_URL"; then
    log "throwaway cluster in $dir answers on 127.0.0.1:$PORT"
  elif [ -f "$dir/data/postmaster.pid" ]; then
    log "throwaway cluster in $dir has a postmaster.pid but does not answer on 127.0.0.1:$PORT"
    return 1
  else
    log "throwaway cluster in $dir is not running"
    return 1
  fi
}

start_local() {
  local dir data bindir sockdir
  # Fast path: already up.
  if answers "$LOCAL_URL"; then
    printf '%s\n' "$LOCAL_URL"
    return 0
  fi

  bindir=$(find_bindir)
  if [ -z "$bindir" ]; then
    if [ "$IS_ROOT" = 1 ] && command -v apt-get >/dev/null 2>&1; then
      apt_install postgresql
      bindir=$(find_bindir)
      [ -n "$bindir" ] || die "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"
      # The Debian package may have created and started its own cluster on 5432: use it when
      # it answers over TCP as `postgres` without a password.
      if [ "${PG_FORCE_LOCAL:-}" != 1 ] && answers "$DEFAULT_URL"; then
        printf '%s\n' "$DEFAULT_URL"
        return 0
      fi
    else
      die "PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb). Install them" \
        "(Debian/Ubuntu: sudo apt-get install postgresql), or set PG_BINDIR, or set PG_ADMIN_URL" \
        "to a server where you may CREATE DATABASE."
    fi
  fi
  if [ "$IS_ROOT" = 1 ] && ! id postgres >/dev/null 2>&1; then
    die "running as root but there is no 'postgres' OS user to run the server as (initdb refuses root)"
  fi

  dir=$(pg_dir)
  data="$dir/data"
  (umask 022 && mkdir -p "$dir")
  if [ "$IS_ROOT" = 1 ]; then
    chown postgres: "$dir"
    [ -d "$data" ] && chown -R postgres: "$data"
    runuser -u postgres -- test -w "$dir" \
      || die "user postgres cannot write to $dir; set LOCAL_PG_DIR to a folder it can reach"
  fi

  # Serialise concurrent callers (e.g. two `make test` at once).
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$dir/.lock"
    flock -w 120 9 || die "timed out waiting for the lock $dir/.lock"
    if answers "$LOCAL_URL"; then
      printf '%s\n' "$LOCAL_URL"
      return 0
    fi
  fi

  # Unix socket paths are limited to ~107 bytes.
  sockdir=$dir
  if [ $((${#dir} + 20)) -gt 100 ]; then
    sockdir=/tmp
  fi

  if [ ! -f "$data/PG_VERSION" ]; then
    log "initialising throwaway cluster in $data ($bindir)"
    rm -rf "$data"
    as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >&2 \
      || die "initdb failed"
    cat >>"$data/postgresql.conf" <<CONF

# --- throwaway development/test cluster (scripts/ensure-postgres.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockdir'
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi

  if [ -f "$data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    local running_port
    running_port=$(sed -n 4p "$data/postmaster.pid")
    if [ "$running_port" != "$PORT" ]; then
      die "throwaway cluster in $dir already runs on port $running_port, not $PORT;" \
        "stop it first: scripts/ensure-postgres.sh stop"
    fi
    log "throwaway cluster in $dir runs but does not answer yet; waiting"
  else
    log "starting throwaway cluster on 127.0.0.1:$PORT (log: $dir/postgres.log)"
    as_owner "$bindir/pg_ctl" -D "$data" -l "$dir/postgres.log" -o "-p $PORT" -w -t 60 start >&2 \
      || die "pg_ctl start failed; see $dir/postgres.log"
  fi

  local i
  for i in $(seq 1 60); do
    if answers "$LOCAL_URL"; then
      printf '%s\n' "$LOCAL_URL"
      return 0
    fi
    [ "$i" = 1 ] && log "waiting for 127.0.0.1:$PORT"
    sleep 0.5
  done
  die "throwaway cluster does not answer on 127.0.0.1:$PORT; see $dir/postgres.log"
}

cmd_start() {
  ensure_client
  if [ -n "${PG_ADMIN_URL:-}" ]; then
    answers "$PG_ADMIN_URL" || die "PG_ADMIN_URL is set but does not answer 'select 1'"
    printf '%s\n' "$PG_ADMIN_URL"
    return 0
  fi
  if [ "${PG_FORCE_LOCAL:-}" != 1 ] && answers "$DEFAULT_URL"; then
    printf '%s\n' "$DEFAULT_URL"
    return 0
  fi
  start_local
}

case "${1:-start}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2 ;;
  *) die "unknown command '$1' (expected start, stop or status)" ;;
esac
