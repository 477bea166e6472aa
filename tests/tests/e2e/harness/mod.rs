//! The two services as real processes on databases of their own, and the HTTP and database helpers the tests share.
//!
//! - [`bins`]: the service binaries next to this test binary, built once per test process when missing or older
//!   than any source file they were built from (their cargo dep-info lists those).
//! - [`procs`]: one service process ([`Proc`]); its stdout and stderr go to a log file; killed (SIGKILL) when
//!   dropped, and its log's last lines printed when the test failed. The watchdog and the log folder.
//! - [`stack`]: service-logs plus one or more routers wired to it ([`Stack`]), a watchdog that kills them all if a
//!   test overruns (and ends the test process if that does not end the test), and the checks on delivery every
//!   test ends with.
//! - [`pg`]: a throwaway PostgreSQL cluster on a port of its own, for faults (stopped and started under load).
//! - [`http`]: calls to a router with their `X-Trace-ID` checked, batches of audited calls, and small JSON helpers.

pub mod bins;
pub mod http;
pub mod pg;
pub mod procs;
pub mod stack;

pub use bins::{bins, workspace_root};
pub use http::*;
pub use procs::free_port;
pub use stack::Stack;

pub const SL_BASE: &str = "/api/service_logs/v1";
pub const REGION: &str = "us-south";
/// base64 of 32 bytes of 0x01.
pub const CREDENTIALS_KEY: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
/// service-logs' `WEBHOOK_SECRETS_KEY` in every e2e stack.
pub const WEBHOOK_SECRETS_KEY: &str = service_logs::settings::TEST_WEBHOOK_SECRETS_KEY;

pub const READ: &str = "logs-router.tenant.read";
pub const CREATE: &str = "logs-router.tenant.create";
pub const UPDATE: &str = "logs-router.tenant.update";
pub const DELETE: &str = "logs-router.tenant.delete";
pub const ALL: [&str; 4] = [READ, CREATE, UPDATE, DELETE];
pub const LOG_READ: &str = "service-logs.log.read";
pub const LOG_READ_INTERNAL: &str = "service-logs.log.read-internal";

pub const LOGDNA_CRN: &str =
    "crn:v1:bluemix:public:logdna:us-south:a/abc123:6f0e5c2a-1111-2222-3333-444455556666::";
pub const LOGS_CRN: &str =
    "crn:v1:bluemix:public:logs:us-south:a/abc123:7a1b2c3d-1111-2222-3333-444455556666::";
/// The ingestion key of logdna targets: never in an audit event, so never in a service log.
pub const CREDENTIAL: &str = "e2e-ingestion-secret-77a1";

/// How many logs a service-logs database holds.
pub async fn stored_logs(conn: &mut diesel_async::AsyncPgConnection) -> i64 {
    use diesel::QueryDsl;
    use diesel_async::RunQueryDsl;
    service_logs::schema::cluster_logs::table
        .count()
        .get_result(conn)
        .await
        .expect("counting cluster_logs")
}
