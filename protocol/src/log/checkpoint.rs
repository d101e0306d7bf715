//! C2SP checkpoints (https://c2sp.org/tlog-checkpoint): `<origin>\n<size>\n<base64 root>\n`,
//! optionally followed by extension lines, carried as the text of a signed note.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::SigningKey;

use super::merkle::Hash;
use super::note::{self, NoteError, NoteVerifier};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    pub fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }

    /// Parses checkpoint text (extension lines are allowed and ignored).
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let mut lines = text.split('\n');
        let origin = lines.next().unwrap_or("");
        let size = lines.next().unwrap_or("");
        let root = lines.next().unwrap_or("");
        if origin.is_empty() || origin.trim() != origin {
            return Err(NoteError::Malformed("checkpoint origin"));
        }
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(NoteError::Malformed("checkpoint size"));
        }
        let size = size
            .parse()
            .map_err(|_| NoteError::Malformed("checkpoint size"))?;
        let root: Hash = STANDARD
            .decode(root)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(NoteError::Malformed("checkpoint root hash"))?;
        let rest: Vec<&str> = lines.collect();
        // The text ends with "\n", so the last piece is empty; extension lines are non-empty.
        match rest.split_last() {
            Some((last, ext)) if last.is_empty() && ext.iter().all(|l| !l.is_empty()) => {}
            _ => return Err(NoteError::Malformed("checkpoint must end with a newline")),
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
        })
    }

    pub fn sign(&self, key: &SigningKey) -> Result<SignedCheckpoint, NoteError> {
        Ok(SignedCheckpoint(note::sign(
            &self.text(),
            &self.origin,
            key,
        )?))
    }
}

/// A checkpoint note as published: checkpoint text, blank line, signatures.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SignedCheckpoint(pub String);

impl SignedCheckpoint {
    /// Verifies the log's signature (the verifier's name must be the origin) and parses.
    pub fn verify(&self, log: &NoteVerifier) -> Result<Checkpoint, NoteError> {
        let text = note::open(&self.0, log)?;
        let c = Checkpoint::parse(text)?;
        if c.origin != log.name {
            return Err(NoteError::Malformed(
                "checkpoint origin differs from the log's key name",
            ));
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_verifies() {
        let key = SigningKey::from_bytes(&[4u8; 32]);
        let c = Checkpoint {
            origin: "amanat.example/log".into(),
            size: 42,
            root: [7u8; 32],
        };
        let signed = c.sign(&key).unwrap();
        let v = NoteVerifier::new("amanat.example/log", key.verifying_key().to_bytes()).unwrap();
        assert_eq!(signed.verify(&v).unwrap(), c);
        assert!(signed.0.starts_with("amanat.example/log\n42\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n\u{2014} amanat.example/log "));
    }

    #[test]
    fn parse_is_strict() {
        let root = STANDARD.encode([1u8; 32]);
        assert!(Checkpoint::parse(&format!("o\n1\n{root}\n")).is_ok());
        assert!(Checkpoint::parse(&format!("o\n1\n{root}\next\n")).is_ok());
        for bad in [
            format!("o\n01\n{root}\n"),
            format!("o\n-1\n{root}\n"),
            format!("o\n1\n{root}"),
            format!("\n1\n{root}\n"),
            "o\n1\nAAAA\n".to_owned(),
            format!("o\n1\n{root}\n\n"),
        ] {
            assert!(Checkpoint::parse(&bad).is_err(), "{bad:?}");
        }
    }
}
