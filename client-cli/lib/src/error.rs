//! Errors a person sees: what went wrong, and what to do about it.
//! Every failure of the library is one of these; the CLI prints it, the staff UI shows it.

use std::fmt;

#[derive(Debug)]
pub struct Error {
    pub message: String,
    pub hint: Option<String>,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// An I/O error about a file, naming the file.
    pub fn file(action: &str, path: &std::path::Path, e: std::io::Error) -> Self {
        Self::new(format!("cannot {action} {}: {e}", path.display()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\nhint: {h}")?;
        }
        Ok(())
    }
}

impl From<amanat_protocol::Error> for Error {
    fn from(e: amanat_protocol::Error) -> Self {
        use amanat_protocol::Error as E;
        let hint = match &e {
            E::UnknownRoot { .. } => Some(
                "the server offered keys that the foundation's root did not sign, and no root handover leads from it to the root that did. Do not send anything; check the fingerprint you were given, and tell the foundation through another channel",
            ),
            E::BadKeyringSignature => Some(
                "someone altered the foundation's keyring. Do not send anything; tell the foundation through another channel",
            ),
            E::KeyringRollback { .. } => Some(
                "the server offered an older keyring than one already seen: it may be replaying keys of former staff",
            ),
            E::BadCodename(_) => {
                Some("type the codename exactly as it was shown, words separated by spaces")
            }
            _ => None,
        };
        let err = Error::new(e.to_string());
        match hint {
            Some(h) => err.hint(h),
            None => err,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
