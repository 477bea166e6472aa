//! End-to-end tests of the two services together; the tests live in `tests/e2e/`.
//!
//! Each test starts `service-logs` and `logs-router` as real processes (the binaries under the target directory,
//! built first when missing or older than their sources), each on a fresh database of its own cloned from a
//! migrated template (`testkit::TestDb`), talks to them over HTTP, and checks that every audit event the router
//! records arrives in service-logs exactly once, whatever is stopped or killed on the way.
