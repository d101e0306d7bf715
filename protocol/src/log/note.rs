//! C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 signatures: a UTF-8 text
//! ending in a newline, a blank line, then lines `— <name> <base64(key id ‖ signature)>`.
//! The key id is the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

const ED25519: u8 = 0x01;
const DASH: &str = "\u{2014} ";
/// More signatures than this is a malformed note (as in the reference implementation).
const MAX_SIGNATURES: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    #[error("malformed verifier key: {0}")]
    BadKey(&'static str),
    #[error("no signature by {0} on the note")]
    Unsigned(String),
    #[error("the signature by {0} does not verify")]
    BadSignature(String),
}

/// Checks a key name: non-empty, no whitespace, no '+'.
fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(NoteError::BadKey(
            "the name must be non-empty, without spaces or '+'",
        ));
    }
    Ok(())
}

pub fn key_id(name: &str, key: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ED25519]);
    h.update(key);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// A named Ed25519 verifier: `name+hexid+base64(0x01 ‖ key)` in its text form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteVerifier {
    pub name: String,
    pub key: [u8; 32],
}

impl NoteVerifier {
    pub fn new(name: &str, key: [u8; 32]) -> Result<Self, NoteError> {
        check_name(name)?;
        VerifyingKey::from_bytes(&key).map_err(|_| NoteError::BadKey("not an Ed25519 point"))?;
        Ok(Self {
            name: name.to_owned(),
            key,
        })
    }

    pub fn id(&self) -> [u8; 4] {
        key_id(&self.name, &self.key)
    }

    /// Parses the `name+hexid+base64` form and checks the id matches.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::BadKey("expected name+id+key"));
        };
        let bytes = STANDARD
            .decode(material)
            .map_err(|_| NoteError::BadKey("key is not base64"))?;
        if bytes.len() != 33 || bytes[0] != ED25519 {
            return Err(NoteError::BadKey("not an Ed25519 key"));
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes[1..]);
        let v = Self::new(name, key)?;
        if id.len() != 8 || crate::encoding::hex(&v.id()) != id {
            return Err(NoteError::BadKey("key id does not match"));
        }
        Ok(v)
    }
}

impl std::fmt::Display for NoteVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut material = vec![ED25519];
        material.extend_from_slice(&self.key);
        write!(
            f,
            "{}+{}+{}",
            self.name,
            crate::encoding::hex(&self.id()),
            STANDARD.encode(material)
        )
    }
}

/// Checks that `text` may be the body of a note.
fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("text must end with a newline"));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(NoteError::Malformed("text contains control characters"));
    }
    Ok(())
}

/// Signs `text` and returns the whole note with one signature line.
pub fn sign(text: &str, name: &str, key: &SigningKey) -> Result<String, NoteError> {
    check_text(text)?;
    check_name(name)?;
    let sig = key.sign(text.as_bytes());
    let mut blob = key_id(name, key.verifying_key().as_bytes()).to_vec();
    blob.extend_from_slice(&sig.to_bytes());
    Ok(format!("{text}\n{DASH}{name} {}\n", STANDARD.encode(blob)))
}

/// Splits a note, finds the signature by `verifier`, checks it, and returns the text.
/// Signatures by other keys are ignored (a checkpoint may carry witnesses' cosignatures).
pub fn open<'a>(note: &'a str, verifier: &NoteVerifier) -> Result<&'a str, NoteError> {
    let split = note
        .rfind("\n\n")
        .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
    let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
    check_text(text)?;
    if !sigs.ends_with('\n') {
        return Err(NoteError::Malformed("signatures must end with a newline"));
    }
    let lines: Vec<&str> = sigs[..sigs.len() - 1].split('\n').collect();
    if lines.len() > MAX_SIGNATURES {
        return Err(NoteError::Malformed("too many signatures"));
    }
    let id = verifier.id();
    let mut found = None;
    for line in lines {
        let rest = line.strip_prefix(DASH).ok_or(NoteError::Malformed(
            "a signature line must start with an em dash",
        ))?;
        let (name, b64) = rest.split_once(' ').ok_or(NoteError::Malformed(
            "a signature line needs a name and a signature",
        ))?;
        check_name(name).map_err(|_| NoteError::Malformed("bad name on a signature line"))?;
        let blob = STANDARD
            .decode(b64)
            .map_err(|_| NoteError::Malformed("a signature is not base64"))?;
        if blob.len() < 5 {
            return Err(NoteError::Malformed("a signature is too short"));
        }
        if name == verifier.name && blob[..4] == id {
            if found.is_some() {
                return Err(NoteError::Malformed("the same key signed twice"));
            }
            found = Some(blob);
        }
    }
    let blob = found.ok_or_else(|| NoteError::Unsigned(verifier.name.clone()))?;
    let sig = Signature::from_slice(&blob[4..])
        .map_err(|_| NoteError::BadSignature(verifier.name.clone()))?;
    VerifyingKey::from_bytes(&verifier.key)
        .and_then(|k| k.verify_strict(text.as_bytes(), &sig))
        .map_err(|_| NoteError::BadSignature(verifier.name.clone()))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example from C2SP signed-note / golang.org/x/mod/sumdb/note.
    const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const NOTE: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    fn signing_key() -> SigningKey {
        let material = SKEY.splitn(5, '+').nth(4).unwrap();
        let bytes = STANDARD.decode(material).unwrap();
        assert_eq!(bytes[0], ED25519);
        SigningKey::from_bytes(&bytes[1..].try_into().unwrap())
    }

    #[test]
    fn reproduces_the_c2sp_example_byte_for_byte() {
        let v = NoteVerifier::parse(VKEY).unwrap();
        assert_eq!(v.to_string(), VKEY);
        assert_eq!(v.key, *signing_key().verifying_key().as_bytes());
        assert_eq!(sign(TEXT, "PeterNeumann", &signing_key()).unwrap(), NOTE);
        assert_eq!(open(NOTE, &v).unwrap(), TEXT);
    }

    #[test]
    fn refuses_tampering_and_strangers() {
        let v = NoteVerifier::parse(VKEY).unwrap();
        assert!(matches!(
            open(&NOTE.replace("cryptography", "cryptographY"), &v),
            Err(NoteError::BadSignature(_))
        ));
        let other = NoteVerifier::new("Other", [9u8; 32]).ok();
        if let Some(other) = other {
            assert!(matches!(open(NOTE, &other), Err(NoteError::Unsigned(_))));
        }
        assert!(open(TEXT, &v).is_err());
        assert!(open(&NOTE.replace('\u{2014}', "-"), &v).is_err());
        let doubled = format!("{NOTE}{}", NOTE.rsplit("\n\n").next().unwrap());
        assert!(open(&doubled, &v).is_err());
        for bad in [
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3",
        ] {
            assert!(NoteVerifier::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ignores_other_signers() {
        let v = NoteVerifier::parse(VKEY).unwrap();
        let witness = SigningKey::from_bytes(&[3u8; 32]);
        let cosigned = sign(TEXT, "witness.example", &witness).unwrap();
        let extra = cosigned.rsplit("\n\n").next().unwrap();
        let note = format!("{NOTE}{extra}");
        assert_eq!(open(&note, &v).unwrap(), TEXT);
    }
}
