//! One module per role. Each command is a plain function over parsed arguments so that
//! `amanat demo` can run the very same code the subcommands run.

pub mod admin;
pub mod audit;
pub mod codename;
pub mod collab;
#[cfg(feature = "demo")]
pub mod demo;
pub mod inbox;
pub mod report;
pub mod search;
pub mod staff;
pub mod submit;
#[cfg(feature = "ui")]
pub mod ui;
#[cfg(feature = "ui")]
pub mod witness;
pub mod wizard;

pub use amanat_client::files::write_private;
pub use amanat_client::format_bytes;

/// Unix seconds as `2026-11-23 10:40 UTC`.
pub fn format_time(secs: i64) -> String {
    amanat_protocol::time::utc_minute(secs)
}
