//! Errors a person sees: what went wrong, and what to do about it. They are the client
//! library's; every failure of the `amanat` command becomes one, printed by `main`.

pub use amanat_client::error::{Error as CliError, Result};
