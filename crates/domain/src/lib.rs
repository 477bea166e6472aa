//! Plain types and rules both services share: ids and time formats.
//!
//! Each service's own rules live in its own crate (`domain-logs` for service-logs, `domain-routing` for logs-router), so that a change to one API
//! never rebuilds or reviews the other's rules. Nothing here knows about HTTP or the database.

pub mod ids;
pub mod timefmt;
