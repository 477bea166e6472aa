//! Plain types and rules shared by both services: ids, severities, time formats.
//!
//! Nothing here knows about HTTP or the database; every rule is a pure function that is easy to test.

pub mod ids;
pub mod routing;
pub mod service_log;
pub mod severity;
pub mod timefmt;

pub use severity::Severity;
