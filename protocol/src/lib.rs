//! Amanat's shared protocol: the types both ends speak and the cryptography they agree on.
//! Nothing here touches a network, a database or a file; callers bring the bytes.
//! The code that encrypts sits behind the `encrypt` feature, the code that decrypts behind
//! `decrypt`; the server enables neither, so it cannot read what it stores.

pub mod agefile;
pub mod auth;
pub mod encoding;
pub mod error;
pub mod form;
pub mod handover;
pub mod ids;
pub mod keyring;
pub mod log;
pub mod padding;
pub mod pow;
pub mod time;
#[cfg(feature = "tls-pin")]
pub mod tls_pin;
pub mod web;
pub mod wire;

#[cfg(feature = "encrypt")]
pub mod codename;
#[cfg(feature = "encrypt")]
pub mod envelope;
#[cfg(feature = "encrypt")]
pub mod grant;
#[cfg(feature = "encrypt")]
pub mod keys;

pub use error::Error;
pub use ids::{CaseId, DocumentId, StaffId};
