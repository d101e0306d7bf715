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

/// The foundation a complainant's command talks to: the server, and the root fingerprint it
/// was given out of band.
pub fn foundation(
    server: &crate::cli::ServerArgs,
    root: &crate::cli::RootArgs,
) -> crate::error::Result<amanat_client::complainant::Foundation> {
    Ok(amanat_client::complainant::Foundation {
        endpoint: amanat_client::api::Endpoint::new(
            &server.server,
            server.server_cert.as_deref(),
            server.proxy.as_deref(),
        )?,
        root: amanat_protocol::keyring::Fingerprint::parse(&root.root)?,
        min_keyring_version: root.min_keyring_version,
    })
}

/// Unix seconds as `2026-11-23 10:40 UTC`.
pub fn format_time(secs: i64) -> String {
    amanat_protocol::time::utc_minute(secs)
}
