//! The migrations are embedded at compile time (`embed_migrations!`) from outside this package, where cargo does
//! not look for changes: without this, a new migration is left out of the binary until something else changes.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations/service-logs");
}
