//! What both services need around their API: settings shared by both, telemetry set-up, the database pool and
//! migrations, Prometheus metrics, the request-context middleware, health endpoints and the `token` subcommand.

pub mod cli;
pub mod db;
pub mod health;
pub mod metrics;
pub mod middleware;
pub mod settings;
pub mod telemetry;
