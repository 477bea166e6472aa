# Developer entry points. `make` (or `make help`) lists them.
# PostgreSQL is found or started by scripts/ensure-postgres.sh (see that file for the variables).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
# Extra arguments for the test runner, e.g. `make test TEST_ARGS='-E test(tenant)'`.
TEST_ARGS ?=
# The SMTP server the e-mail tests start (Python's aiosmtpd; installed by `make test` when missing).
AIOSMTPD_VERSION ?= 1.4.6

.PHONY: help test run lint fmt pg-stop

help: ## List the targets
	@echo "Targets:"
	@grep -hE '^[a-zA-Z0-9_.-]+:.*## ' $(MAKEFILE_LIST) \
	  | awk 'BEGIN {FS = ":.*## "} {printf "  %-18s %s\n", $$1, $$2}'

test: ## Run every test against a real PostgreSQL (found, or started under .local/pg)
	@python3 -c 'import aiosmtpd' 2>/dev/null || { \
	  echo "==> installing aiosmtpd $(AIOSMTPD_VERSION) (pip): the e-mail tests send through a real SMTP server" >&2; \
	  python3 -m pip install -q "aiosmtpd==$(AIOSMTPD_VERSION)"; }
	@admin_url="$$(PG_ADMIN_URL="$${PG_ADMIN_URL:-$${TEST_DATABASE_URL:-}}" scripts/ensure-postgres.sh)"; \
	echo "==> TEST_DATABASE_URL=$$(sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$$admin_url")" >&2; \
	if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  TEST_DATABASE_URL="$$admin_url" $(CARGO) nextest run --workspace --no-fail-fast $(TEST_ARGS); \
	else \
	  echo "==> cargo-nextest not installed (cargo install --locked cargo-nextest); using cargo test" >&2; \
	  TEST_DATABASE_URL="$$admin_url" $(CARGO) test --workspace --no-fail-fast $(TEST_ARGS); \
	fi

run: ## Start service-logs (and logs-router) locally with a database, print curl lines; Ctrl-C stops (exit 0)
	@CARGO="$(CARGO)" scripts/run.sh

lint: ## cargo fmt --check and clippy with warnings as errors
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt --all

pg-stop: ## Stop the throwaway PostgreSQL that make run / make test started under .local/pg (if running)
	@scripts/ensure-postgres.sh stop

# Optional fragments written by others; they add their own targets (document them with `## `).
-include deploy/helm.mk
-include scripts/bench.mk
-include scripts/reliability.mk
