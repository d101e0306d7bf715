//! Errors are data: each variant carries the values a caller needs to explain it.
//! Presentation lives in `Display`; nothing here knows about HTTP or terminals.

use thiserror::Error;

/// Everything that can go wrong inside the protocol crate.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    #[error("malformed {what}: {reason}")]
    Malformed { what: &'static str, reason: String },

    #[error("the keyring is signed by root {found}, not by the pinned root {expected}")]
    UnknownRoot { expected: String, found: String },

    #[error("the keyring signature does not verify")]
    BadKeyringSignature,

    #[error(
        "keyring version {offered} is older than version {seen}, which was already seen (rollback)"
    )]
    KeyringRollback { offered: u64, seen: u64 },

    #[error("signature does not verify")]
    BadSignature,

    #[error("not an age file: {0}")]
    NotAge(String),

    #[error("the codename is not valid: {0}")]
    BadCodename(String),

    #[error("document length {actual} does not match the declared length {declared}")]
    LengthMismatch { declared: u64, actual: u64 },

    #[error("decryption failed: {0}")]
    Decrypt(String),

    #[error("this was not encrypted to your key")]
    NotForUs,

    #[error("encryption failed: {0}")]
    Encrypt(String),

    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    pub(crate) fn malformed(what: &'static str, reason: impl Into<String>) -> Self {
        Error::Malformed {
            what,
            reason: reason.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
