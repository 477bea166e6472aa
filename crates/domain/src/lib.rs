//! Plain types and rules both services share: ids, time formats and the limits of a service log the router
//! writes and service-logs enforces.
//!
//! Each service's own rules live in its own crate (`domain-logs` for service-logs, `domain-routing` for logs-router), so that a change to one API
//! never rebuilds or reviews the other's rules. Nothing here knows about HTTP or the database.

pub mod cluster_log;
pub mod ids;
pub mod timefmt;
