//! Test support both services share.
//!
//! - [`TestDb`]: one database per test, cloned from a template that is migrated once per migration set (the
//!   template's name carries a hash of the migration files, so a changed migration gets a fresh template; test
//!   processes coordinate through a PostgreSQL advisory lock, which works across nextest's process-per-test).
//! - [`tokens`]: HS256, RS256 and ES256 tokens signed with the fixture keys, and broken ones.
//! - [`http`]: a request sent and its answer read whole into a [`Reply`] (status, headers, text; JSON, error
//!   bodies with their correlation id checked).
//!
//! The server is `TEST_DATABASE_URL` (an admin URL of a server where tests may `CREATE DATABASE`), by default
//! `postgres://postgres@127.0.0.1:5432/postgres`; `make test` sets it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a failure here should stop the test loudly

pub mod db;
pub mod http;
pub mod tokens;

pub use db::TestDb;
pub use http::Reply;
