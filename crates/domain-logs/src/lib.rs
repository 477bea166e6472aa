//! service-logs' rules: the accepted severities, what a new log must hold, and who owns a cluster.
//!
//! Nothing here knows about HTTP or the database; every rule is a pure function that is easy to test. What both
//! services share (ids, time formats) is in `domain`.

pub mod owner;
pub mod service_log;
pub mod severity;
pub mod trigger;

pub use severity::Severity;
