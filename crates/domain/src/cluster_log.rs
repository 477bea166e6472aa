//! What a service log (`/cluster_logs`) holds that both services must agree on: service-logs enforces it, and the
//! router, which files every audit event as a service log, keeps within it.

/// The most characters a summary may have (the real service stores varchar(255)).
pub const SUMMARY_MAX_CHARS: usize = 255;
