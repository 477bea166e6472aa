//! End-to-end tests: service-logs and logs-router as real processes, each on its own real database.
//!
//! Every test starts its own processes on ports of their own and fresh databases, so tests run in parallel; each
//! is bounded (every wait has a limit, and a watchdog ends an overrunning test) and kills what it started.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

mod crash;
mod db_restart;
mod order;
mod outage;
mod prometheus;
mod replicas;
mod routes;
mod service_account_token;
mod shutdown;
mod trace;
