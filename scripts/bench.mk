# `make bench`: service-logs against raw PostgreSQL running the same SQL (scripts/bench/run.sh; see there and
# docs/benchmarks.md). Included by the root Makefile (`-include scripts/bench.mk`); also works on its own:
#
#     make -f scripts/bench.mk bench BENCH_DURATION=10
#
# Knobs, as environment or make variables (make passes its command-line variables to the script):
#   BENCH_ROWS (1000000), BENCH_CLUSTERS (10000), BENCH_CONCURRENCY (16), BENCH_DURATION (20 s),
#   BENCH_WARMUP (3 s), BENCH_THREADS (2), BENCH_BIND_ADDR (127.0.0.1:18000), BENCH_SKIP_BUILD=1, BENCH_KEEP_DB=1;
#   DATABASE_POOL_SIZE and HTTP_WORKERS are passed on to the service.

CARGO ?= cargo
.PHONY: bench bench-lint

bench: ## Seed 1M logs, load the service (wrk) and raw SQL (pgbench); table in target/bench/results.txt
	@CARGO="$(CARGO)" scripts/bench/run.sh

bench-lint: ## shellcheck the benchmark scripts
	shellcheck scripts/bench/run.sh
