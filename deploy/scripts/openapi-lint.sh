#!/usr/bin/env bash
# Lints logs-router's generated OpenAPI document with IBM's API rules (@ibm-cloud/openapi-ruleset through
# spectral). Fails on any error; warnings are listed in docs/openapi-lint.md with the reason each is kept.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tools="$root/.tools/npm"
spectral="$tools/node_modules/.bin/spectral"
if [ ! -x "$spectral" ]; then
  command -v npm >/dev/null || { echo "openapi-lint: npm is needed (apt-get install -y npm)" >&2; exit 1; }
  mkdir -p "$tools"
  echo "openapi-lint: installing spectral and IBM's OpenAPI ruleset from npm into $tools (once)…"
  npm install --silent --no-audit --no-fund --prefix "$tools" \
    @stoplight/spectral-cli@6 @ibm-cloud/openapi-ruleset@1 >&2
fi
# The ruleset is resolved relative to the ruleset file, so it lives beside node_modules.
printf 'extends: "@ibm-cloud/openapi-ruleset"\n' > "$tools/.spectral.yaml"
mkdir -p "$root/target/openapi"
doc="$root/target/openapi/logs-router.json"
echo "openapi-lint: building logs-router to print its OpenAPI document (cargo run --bin logs-router -- openapi;" \
  "on a fresh target directory this compiles the workspace and takes minutes)…"
started=$SECONDS
(cd "$root" && cargo run --quiet --bin logs-router -- openapi) > "$doc"
echo "openapi-lint: document written to target/openapi/logs-router.json in $((SECONDS - started)) s; linting it with spectral…"
"$spectral" lint --ruleset "$tools/.spectral.yaml" --fail-severity error --format text "$doc" > "$root/target/openapi/logs-router.lint.txt" || {
  grep -E ' error ' "$root/target/openapi/logs-router.lint.txt" >&2 || cat "$root/target/openapi/logs-router.lint.txt" >&2
  echo "openapi-lint: logs-router's OpenAPI document breaks IBM's API rules (errors above)" >&2
  exit 1
}
warnings=$(grep -c ' warning ' "$root/target/openapi/logs-router.lint.txt" || true)
echo "openapi-lint: logs-router OpenAPI document: 0 errors, $warnings warnings (see docs/openapi-lint.md)"
