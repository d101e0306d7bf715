//! Newtype identifiers. Case and document ids are random UUIDv4 chosen by the client,
//! so they carry no information; staff ids are short slugs chosen by the admin.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Error;

macro_rules! uuid_id {
    ($name:ident, $what:literal) => {
        #[doc = concat!("A random ", $what, " id (UUIDv4).")]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random id.
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }
            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = Error;
            /// Accepts only the canonical hyphenated lower-case form, so that one id has one
            /// spelling (no braces, no URNs, no simple form, no upper case).
            fn from_str(s: &str) -> Result<Self, Error> {
                if s.len() != 36 || s.bytes().any(|b| b.is_ascii_uppercase()) {
                    return Err(Error::malformed($what, "expected a UUID like 0b6e3c1a-…"));
                }
                Uuid::try_parse(s)
                    .map(Self)
                    .map_err(|e| Error::malformed($what, e.to_string()))
            }
        }
    };
}

uuid_id!(CaseId, "case id");
uuid_id!(DocumentId, "document id");

/// A staff member's id in the keyring: 1–32 of `a-z 0-9 . _ -`, starting with a letter or digit.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StaffId(String);

impl StaffId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StaffId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        let ok_first = s
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let ok_rest = s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_' || b == b'-'
        });
        if s.len() > 32 || !ok_first || !ok_rest {
            return Err(Error::malformed(
                "staff id",
                "use 1–32 characters from a-z, 0-9, '.', '_' and '-', starting with a letter or digit (e.g. \"aigerim\")",
            ));
        }
        Ok(Self(s))
    }
}

impl FromStr for StaffId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::try_from(s.to_owned())
    }
}

impl From<StaffId> for String {
    fn from(s: StaffId) -> String {
        s.0
    }
}

impl fmt::Display for StaffId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for StaffId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StaffId({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_one_spelling() {
        let id = CaseId::random();
        assert_eq!(id.to_string().parse::<CaseId>().unwrap(), id);
        assert!(
            "{00000000-0000-0000-0000-000000000000}"
                .parse::<CaseId>()
                .is_err()
        );
        assert!(
            "00000000000000000000000000000000"
                .parse::<CaseId>()
                .is_err()
        );
        assert!("../../etc/passwd".parse::<DocumentId>().is_err());
        assert!(id.to_string().to_uppercase().parse::<CaseId>().is_err());
    }

    #[test]
    fn staff_ids_are_slugs() {
        assert!("aigerim".parse::<StaffId>().is_ok());
        assert!("a.b-c_9".parse::<StaffId>().is_ok());
        for bad in [
            "",
            "Aigerim",
            "-x",
            "../x",
            "a b",
            "айгерим",
            &"a".repeat(33),
        ] {
            assert!(bad.parse::<StaffId>().is_err(), "{bad:?} accepted");
        }
    }
}
