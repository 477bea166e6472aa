#!/usr/bin/env bash
# Creates a database when it does not exist yet and prints its URL (same scheme, user, password,
# host, port and query parameters as the admin URL; only the database name differs).
#
# Usage: scripts/ensure-database.sh <admin-url> <dbname>
#   admin-url  postgres:// or postgresql:// URL of a role that may CREATE DATABASE
#   dbname     letters, digits, '_' and '-'
set -euo pipefail

log() { printf 'ensure-database: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

[ $# -eq 2 ] || die "usage: $0 <admin-url> <dbname>"
admin_url=$1
db=$2

[[ $db =~ ^[A-Za-z0-9_][A-Za-z0-9_-]*$ ]] || die "invalid database name '$db' (letters, digits, '_' and '-' only)"
[ ${#db} -le 63 ] || die "database name '$db' is longer than 63 bytes"
command -v psql >/dev/null 2>&1 || die "psql not found (run scripts/ensure-postgres.sh first, or install postgresql-client)"

case $admin_url in
  postgres://* | postgresql://*) ;;
  *) die "admin URL must start with postgres:// or postgresql://" ;;
esac

# scheme://authority[/path][?query] -> scheme://authority/<db>[?query]
scheme=${admin_url%%://*}
rest=${admin_url#*://}
query=""
if [[ $rest == *\?* ]]; then
  query="?${rest#*\?}"
  rest=${rest%%\?*}
fi
authority=${rest%%/*}
db_url="${scheme}://${authority}/${db}${query}"

run_psql() {
  PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-10} psql -w -X -q -At -v ON_ERROR_STOP=1 -v db="$db" -d "$admin_url"
}

# exists: 0 when the database exists, 1 when not; dies when the server does not answer.
exists() {
  local out
  out=$(run_psql <<<"SELECT count(*) FROM pg_database WHERE datname = :'db'") \
    || die "cannot query the server at ${authority#*@} (is it up, and may this role connect?)"
  [ "$out" = 1 ]
}

if ! exists; then
  log "creating database $db"
  # A concurrent caller may create it between the check and here: re-check on failure.
  if ! err=$(run_psql 2>&1 >/dev/null <<<"CREATE DATABASE :\"db\""); then
    exists || die "could not create database $db: $err"
  fi
fi

printf '%s\n' "$db_url"
