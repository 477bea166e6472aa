# `make bench`: service-logs and logs-router against raw PostgreSQL running the same SQL, service-logs' notification
# triggers (create cost, webhook latency), and the audit delivery from logs-router to service-logs
# (scripts/bench/run.sh, notify.sh, router.sh, audit.sh; see there and docs/benchmarks.md).
# Included by the root Makefile (`-include scripts/bench.mk`); also works on its own:
#
#     make -f scripts/bench.mk bench BENCH_DURATION=10
#
# Targets: bench (all four parts, one run, one results.txt), bench-logs, bench-notify, bench-router, bench-audit
# (one part each).
# Knobs, as environment or make variables (make passes its command-line variables to the script):
#   BENCH_ROWS (1000000), BENCH_CLUSTERS (10000), BENCH_CONCURRENCY (16), BENCH_DURATION (20 s),
#   BENCH_WARMUP (3 s), BENCH_THREADS (2), BENCH_BIND_ADDR (127.0.0.1:18000), BENCH_ROUTER_BIND_ADDR
#   (127.0.0.1:18080), BENCH_ACCOUNTS (1024), BENCH_AUDIT_CONNECTIONS (= BENCH_CONCURRENCY),
#   BENCH_AUDIT_LOAD (0.8), BENCH_AUDIT_CALLS (5000), BENCH_AUDIT_TIMEOUT (180 s), BENCH_RECEIVER_ADDR
#   (127.0.0.1:18099), BENCH_NOTIFY_TRIGGERS (100), BENCH_NOTIFY_LOAD (0.5), BENCH_NOTIFY_SHARE (0.1),
#   BENCH_NOTIFY_TIMEOUT (60 s), BENCH_PARTS ("logs notify router audit"), BENCH_SKIP_BUILD=1, BENCH_KEEP_DB=1;
#   DATABASE_POOL_SIZE and HTTP_WORKERS are passed on to the services.

CARGO ?= cargo
.PHONY: bench bench-logs bench-notify bench-router bench-audit bench-lint

bench: ## Benchmark service-logs and logs-router against pgbench, and the audit delivery; target/bench/results.txt
	@CARGO="$(CARGO)" scripts/bench/run.sh

bench-logs: ## Only service-logs against pgbench (seeds 1M logs)
	@CARGO="$(CARGO)" BENCH_PARTS=logs scripts/bench/run.sh

bench-notify: ## Only notification triggers: create rate with/without 100 triggers per account, webhook latency
	@CARGO="$(CARGO)" BENCH_PARTS=notify scripts/bench/run.sh

bench-router: ## Only logs-router (tenant create, target PATCH) against pgbench
	@CARGO="$(CARGO)" BENCH_PARTS=router scripts/bench/run.sh

bench-audit: ## Only the audit delivery, logs-router -> service-logs (throughput, lag, backlog drain)
	@CARGO="$(CARGO)" BENCH_PARTS=audit scripts/bench/run.sh

bench-lint: ## shellcheck the benchmark scripts
	shellcheck -x scripts/bench/run.sh scripts/bench/notify.sh scripts/bench/router.sh scripts/bench/audit.sh
