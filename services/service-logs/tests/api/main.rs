//! service-logs API tests: the real app on port 0 against its own PostgreSQL database, real HTTP, real tokens.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

mod auth_tokens;
mod bad_input;
mod bulk;
mod clients;
mod counts;
mod email;
mod endpoints;
mod group_commit;
mod hardening;
mod idempotency;
mod lists;
mod notify;
mod ops;
mod owners;
mod prepared;
mod reader_page;
mod retention;
mod search_eval;
mod secrets;
mod trigger_cache;
mod triggers;
