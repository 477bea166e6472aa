//! logs-router API tests: the real app on port 0 against its own PostgreSQL database, real HTTP, real tokens.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

mod access;
mod audit;
mod bad_input;
mod boundary;
mod clients;
mod concurrency;
mod credentials;
mod endpoints;
mod hardening;
mod headers;
mod outbox_cost;
mod prepared;
mod rules;
