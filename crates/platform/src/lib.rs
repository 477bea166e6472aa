//! What both services need around their API: the bootstrap (`server`: migrations, verifier, pool, metrics, the
//! HTTP server around a service's routes), the API [`dialect`] each service implements, the caller extractor
//! (`access`), settings shared by both, telemetry set-up, the database pool and migrations, Prometheus metrics,
//! the request-context middleware, health endpoints, the OpenAPI bearer scheme and the command line.

pub mod access;
pub mod allow;
pub mod cli;
pub mod db;
pub mod dialect;
pub mod guard;
pub mod health;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod server;
pub mod settings;
pub mod telemetry;
