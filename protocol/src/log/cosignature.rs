//! C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature): a witness's Ed25519 signature
//! over `cosignature/v1\ntime <t>\n` and a checkpoint, carried as one more signed-note line;
//! and the body of a C2SP tlog-witness `add-checkpoint` request. No I/O.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use super::merkle::Hash;
use super::note::NoteError;

/// The signature type of a cosignature/v1 key (tlog-cosignature §"Format").
const ALG: u8 = 0x04;
const DASH: &str = "\u{2014} ";
/// Key id (4) ‖ timestamp (8) ‖ Ed25519 signature (64).
const BLOB_LEN: usize = 4 + 8 + 64;
/// More proof hashes than a 2^64 tree can need is a malformed request.
const MAX_PROOF: usize = 128;

/// A witness's cosigning key, by its note name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessKey {
    pub name: String,
    pub key: [u8; 32],
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(NoteError::BadKey(
            "a witness name must be non-empty, without spaces or '+'",
        ));
    }
    Ok(())
}

impl WitnessKey {
    pub fn new(name: &str, key: [u8; 32]) -> Result<Self, NoteError> {
        check_name(name)?;
        VerifyingKey::from_bytes(&key).map_err(|_| NoteError::BadKey("not an Ed25519 point"))?;
        Ok(WitnessKey {
            name: name.to_owned(),
            key,
        })
    }

    /// SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key)[:4].
    pub fn id(&self) -> [u8; 4] {
        let mut h = Sha256::new();
        h.update(self.name.as_bytes());
        h.update([b'\n', ALG]);
        h.update(self.key);
        let d = h.finalize();
        [d[0], d[1], d[2], d[3]]
    }

    /// Parses the vkey form `name+hexid+base64(0x04 ‖ key)` and checks the id.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let mut parts = vkey.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::BadKey("expected name+id+key"));
        };
        let bytes = STANDARD
            .decode(material)
            .map_err(|_| NoteError::BadKey("key is not base64"))?;
        if bytes.len() != 33 || bytes[0] != ALG {
            return Err(NoteError::BadKey("not a cosignature/v1 Ed25519 key"));
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes[1..]);
        let w = WitnessKey::new(name, key)?;
        if crate::encoding::hex(&w.id()) != id {
            return Err(NoteError::BadKey("key id does not match"));
        }
        Ok(w)
    }
}

impl std::fmt::Display for WitnessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut material = vec![ALG];
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

fn message(time: u64, checkpoint_text: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {time}\n{checkpoint_text}").into_bytes()
}

/// The text (up to and including the first blank line's first newline) and signature lines.
fn split(note: &str) -> Result<(&str, &str), NoteError> {
    let i = note
        .find("\n\n")
        .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
    Ok((&note[..=i], &note[i + 2..]))
}

/// The cosignature line a witness adds to `checkpoint_text` at `time` (Unix seconds).
pub fn cosign(checkpoint_text: &str, name: &str, key: &SigningKey, time: u64) -> String {
    let w = WitnessKey {
        name: name.to_owned(),
        key: key.verifying_key().to_bytes(),
    };
    let sig = key.sign(&message(time, checkpoint_text));
    let mut blob = w.id().to_vec();
    blob.extend_from_slice(&time.to_be_bytes());
    blob.extend_from_slice(&sig.to_bytes());
    format!("{DASH}{name} {}\n", STANDARD.encode(blob))
}

/// The witnesses of `known` with a valid cosignature on `note`, with its time. Lines by
/// anyone else (the log's own signature, unknown witnesses) are skipped; a line that claims a
/// known witness's key id but does not verify is an error, not a silent skip.
pub fn cosigners<'a>(
    note: &str,
    known: &'a [WitnessKey],
) -> Result<Vec<(&'a WitnessKey, u64)>, NoteError> {
    let (text, sigs) = split(note)?;
    let mut out: Vec<(&WitnessKey, u64)> = Vec::new();
    for line in sigs.lines() {
        let Some((name, b64)) = line.strip_prefix(DASH).and_then(|r| r.split_once(' ')) else {
            return Err(NoteError::Malformed(
                "a signature line must be `— name base64`",
            ));
        };
        let Ok(blob) = STANDARD.decode(b64) else {
            return Err(NoteError::Malformed("a signature is not base64"));
        };
        let Some(w) = known
            .iter()
            .find(|w| w.name == name && blob.len() >= 4 && blob[..4] == w.id())
        else {
            continue;
        };
        if blob.len() != BLOB_LEN {
            return Err(NoteError::BadSignature(w.name.clone()));
        }
        let time = u64::from_be_bytes(blob[4..12].try_into().unwrap_or([0; 8]));
        let sig = Signature::from_slice(&blob[12..])
            .map_err(|_| NoteError::BadSignature(w.name.clone()))?;
        VerifyingKey::from_bytes(&w.key)
            .and_then(|k| k.verify_strict(&message(time, text), &sig))
            .map_err(|_| NoteError::BadSignature(w.name.clone()))?;
        if !out.iter().any(|(seen, _)| seen.name == w.name) {
            out.push((w, time));
        }
    }
    Ok(out)
}

/// `note` with `lines` (cosignature lines, each ending in a newline) appended, skipping any
/// line it already carries.
pub fn with_cosignatures(note: &str, lines: &[String]) -> String {
    let mut out = note.to_owned();
    for l in lines {
        if !out.contains(l.as_str()) {
            out.push_str(l);
        }
    }
    out
}

/// The body of `POST /add-checkpoint` (C2SP tlog-witness): the size the log believes the
/// witness has, a consistency proof from it, and the new signed checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub proof: Vec<Hash>,
    pub checkpoint: String,
}

impl AddCheckpoint {
    pub fn encode(&self) -> String {
        let mut s = format!("old {}\n", self.old_size);
        for h in &self.proof {
            s.push_str(&STANDARD.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }

    pub fn parse(body: &str) -> Result<Self, NoteError> {
        let (head, checkpoint) = body
            .split_once("\n\n")
            .ok_or(NoteError::Malformed("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .filter(|n| n.len() == 1 || !n.starts_with('0'))
            .and_then(|n| n.parse().ok())
            .ok_or(NoteError::Malformed("the first line must be `old <size>`"))?;
        let mut proof = Vec::new();
        for l in lines {
            if proof.len() == MAX_PROOF {
                return Err(NoteError::Malformed("too many proof hashes"));
            }
            let h: Hash = STANDARD
                .decode(l)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or(NoteError::Malformed("a proof line is not a base64 hash"))?;
            proof.push(h);
        }
        Ok(AddCheckpoint {
            old_size: old,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SigningKey {
        SigningKey::from_bytes(&[b; 32])
    }

    fn note() -> String {
        let text = "example.org/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
        super::super::note::sign(text, "example.org/log", &key(1)).unwrap()
    }

    #[test]
    fn vkeys_round_trip_and_ids_use_the_cosignature_type() {
        let w = WitnessKey::new("witness.example", key(2).verifying_key().to_bytes()).unwrap();
        assert_eq!(WitnessKey::parse(&w.to_string()).unwrap(), w);
        // The same key as a plain note verifier has another id: type 0x01, not 0x04.
        assert_ne!(super::super::note::key_id(&w.name, &w.key), w.id());
        assert!(WitnessKey::parse(&w.to_string().replace("+", "-")).is_err());
        let material = w.to_string().rsplit('+').next().unwrap().to_owned();
        assert!(WitnessKey::parse(&format!("{}+00000000+{material}", w.name)).is_err());
    }

    #[test]
    fn cosignatures_verify_for_their_witness_only() {
        let n = note();
        let (text, _) = split(&n).unwrap();
        let a = WitnessKey::new("a.example", key(2).verifying_key().to_bytes()).unwrap();
        let b = WitnessKey::new("b.example", key(3).verifying_key().to_bytes()).unwrap();
        let line = cosign(text, "a.example", &key(2), 1_700_000_000);
        let cosigned = with_cosignatures(&n, &[line.clone(), line.clone()]);
        assert_eq!(cosigned.matches(&line).count(), 1);
        let known = [a.clone(), b.clone()];
        let got = cosigners(&cosigned, &known).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, &a);
        assert_eq!(got[0].1, 1_700_000_000);
        assert!(cosigners(&n, &known).unwrap().is_empty());
        // Over another checkpoint, or with the time changed, it fails loudly.
        let other = n.replace("\n5\n", "\n6\n");
        assert!(
            cosigners(
                &with_cosignatures(&other, std::slice::from_ref(&line)),
                &known
            )
            .is_err()
        );
        let mut blob = STANDARD
            .decode(line.trim_end().rsplit(' ').next().unwrap())
            .unwrap();
        blob[11] ^= 1;
        let forged = format!("{DASH}a.example {}\n", STANDARD.encode(blob));
        assert!(cosigners(&with_cosignatures(&n, &[forged]), &known).is_err());
    }

    #[test]
    fn add_checkpoint_bodies_round_trip_and_refuse_damage() {
        let r = AddCheckpoint {
            old_size: 3,
            proof: vec![[7; 32], [9; 32]],
            checkpoint: note(),
        };
        assert_eq!(AddCheckpoint::parse(&r.encode()).unwrap(), r);
        let first = AddCheckpoint {
            old_size: 0,
            proof: vec![],
            checkpoint: note(),
        };
        assert!(first.encode().starts_with("old 0\n\n"));
        assert_eq!(AddCheckpoint::parse(&first.encode()).unwrap(), first);
        for bad in [
            "",
            "old 1",
            "old x\n\nc",
            "old 01\n\nc",
            "new 1\n\nc",
            "old 1\nnot-b64!\n\nc",
        ] {
            assert!(AddCheckpoint::parse(bad).is_err(), "{bad:?}");
        }
    }
}
