//! Audit events: built per request (CADF, as IBM Activity Tracker writes them), written to the outbox with the
//! change they record (or alone, for reads and failures), delivered to service-logs by the worker.

pub mod cadf;
pub mod delivery;
pub mod event;
pub mod mapping;

pub use event::{Action, Audit};
