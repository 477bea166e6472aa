# Reliability checks beyond `make test` (docs/reliability.md): schemathesis against both services' OpenAPI documents,
# the cargo-fuzz targets in fuzz/, and a soak under mixed load. Included by the root Makefile.

.PHONY: schemathesis fuzz soak exports-check

schemathesis: ## Property-based API tests (schemathesis) against both services and the real Service Log document
	@scripts/schemathesis.sh

fuzz: ## Run every fuzz target for FUZZ_SECONDS each (default 600; cargo-fuzz installed when missing)
	@scripts/fuzz.sh

soak: ## Both services under mixed load for SOAK_DURATION s (default 600): RSS, errors, outbox depth (not in CI)
	@scripts/soak.sh

exports-check: ## 16 slow CSV readers vs page p99 and /readyz; peak RSS of 4 full JSON exports (release; not in CI)
	@scripts/exports-check.sh
