//! Plain types and rules: ids, severities and service logs (service-logs'), date-time formats (shared). The Logs
//! Routing rules are the `domain-routing` crate's.
//!
//! Nothing here knows about HTTP or the database; every rule is a pure function that is easy to test.

pub mod ids;
pub mod service_log;
pub mod severity;
pub mod timefmt;

pub use severity::Severity;
