//! Receipts in the C2SP `tlog-proof@v1` text format: the entry (as `extra`), its index,
//! the inclusion proof and the signed checkpoint. An auditor checks one offline with the
//! log key from a root-verified keyring.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::checkpoint::{Checkpoint, SignedCheckpoint};
use super::entry::Entry;
use super::merkle::{self, Hash};
use super::note::NoteVerifier;

const HEADER: &str = "c2sp.org/tlog-proof@v1";
/// A receipt larger than this is not one of ours.
pub const MAX_RECEIPT: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    #[error("malformed receipt: {0}")]
    Malformed(&'static str),
    #[error("the checkpoint is not validly signed by the log: {0}")]
    Checkpoint(#[from] super::note::NoteError),
    #[error("the entry is not included in the checkpointed log: {0}")]
    Inclusion(#[from] merkle::ProofError),
    #[error("the entry is unreadable: {0}")]
    Entry(#[from] super::entry::EntryError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub entry: Vec<u8>,
    pub index: u64,
    pub proof: Vec<Hash>,
    pub checkpoint: SignedCheckpoint,
}

/// What a verified receipt proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub entry: Entry,
    pub index: u64,
    pub checkpoint: Checkpoint,
}

impl Receipt {
    pub fn encode(&self) -> String {
        let mut s = format!(
            "{HEADER}\nextra {}\nindex {}\n",
            STANDARD.encode(&self.entry),
            self.index
        );
        for h in &self.proof {
            s.push_str(&STANDARD.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint.0);
        s
    }

    pub fn parse(text: &str) -> Result<Self, ReceiptError> {
        if text.len() > MAX_RECEIPT {
            return Err(ReceiptError::Malformed("too large"));
        }
        let (head, checkpoint) = text.split_once("\n\n").ok_or(ReceiptError::Malformed(
            "no blank line before the checkpoint",
        ))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(ReceiptError::Malformed(
                "not a c2sp.org/tlog-proof@v1 receipt",
            ));
        }
        let extra =
            lines
                .next()
                .and_then(|l| l.strip_prefix("extra "))
                .ok_or(ReceiptError::Malformed(
                    "an Amanat receipt carries its entry as `extra`",
                ))?;
        let entry = STANDARD
            .decode(extra)
            .map_err(|_| ReceiptError::Malformed("extra is not base64"))?;
        let index = lines
            .next()
            .and_then(|l| l.strip_prefix("index "))
            .filter(|n| {
                !n.is_empty()
                    && n.bytes().all(|b| b.is_ascii_digit())
                    && (n.len() == 1 || !n.starts_with('0'))
            })
            .and_then(|n| n.parse().ok())
            .ok_or(ReceiptError::Malformed("bad index line"))?;
        let proof = lines
            .map(|l| {
                STANDARD
                    .decode(l)
                    .ok()
                    .and_then(|b| <Hash>::try_from(b.as_slice()).ok())
                    .ok_or(ReceiptError::Malformed(
                        "a proof line is not a base64 SHA-256 hash",
                    ))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if proof.len() > 64 {
            return Err(ReceiptError::Malformed("proof too long"));
        }
        Ok(Receipt {
            entry,
            index,
            proof,
            checkpoint: SignedCheckpoint(checkpoint.to_owned()),
        })
    }

    /// Checks the log's signature on the checkpoint and the entry's inclusion in it.
    pub fn verify(&self, log: &NoteVerifier) -> Result<Verified, ReceiptError> {
        let checkpoint = self.checkpoint.verify(log)?;
        let leaf = merkle::leaf_hash(&self.entry);
        merkle::verify_inclusion(
            self.index,
            checkpoint.size,
            &leaf,
            &self.proof,
            &checkpoint.root,
        )?;
        let entry = Entry::decode(&self.entry)?;
        Ok(Verified {
            entry,
            index: self.index,
            checkpoint,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::merkle::{NodeId, Prover, completed_by, leaf_hash, node_hash};
    use ed25519_dalek::SigningKey;
    use std::collections::HashMap;

    fn log(n: u64) -> (Vec<Vec<u8>>, HashMap<NodeId, Hash>) {
        let entries: Vec<Vec<u8>> = (0..n)
            .map(|i| {
                Entry::KeyringPublished {
                    version: i + 1,
                    hash: [i as u8; 32],
                    published_at: 0,
                }
                .encode()
            })
            .collect();
        let mut m = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            for id in completed_by(i as u64) {
                let h = if id.level == 0 {
                    leaf_hash(e)
                } else {
                    node_hash(
                        &m[&NodeId {
                            level: id.level - 1,
                            index: id.index * 2,
                        }],
                        &m[&NodeId {
                            level: id.level - 1,
                            index: id.index * 2 + 1,
                        }],
                    )
                };
                m.insert(id, h);
            }
        }
        (entries, m)
    }

    #[test]
    fn receipts_round_trip_and_verify() {
        let key = SigningKey::from_bytes(&[8; 32]);
        let origin = "amanat.example/log";
        let verifier = NoteVerifier::new(origin, key.verifying_key().to_bytes()).unwrap();
        let (entries, nodes) = log(13);
        let mut p = Prover::new(|id| nodes.get(&id).copied().ok_or(()));
        let root = p.root(13).unwrap();
        let cp = Checkpoint {
            origin: origin.into(),
            size: 13,
            root,
        }
        .sign(&key)
        .unwrap();
        for i in 0..13u64 {
            let r = Receipt {
                entry: entries[i as usize].clone(),
                index: i,
                proof: p.inclusion(i, 13).unwrap(),
                checkpoint: cp.clone(),
            };
            let text = r.encode();
            let back = Receipt::parse(&text).unwrap();
            assert_eq!(back, r);
            let v = back.verify(&verifier).unwrap();
            assert_eq!(v.index, i);
            // A receipt for one entry cannot vouch for another.
            let mut swapped = r.clone();
            swapped.entry = entries[((i + 1) % 13) as usize].clone();
            assert!(matches!(
                swapped.verify(&verifier),
                Err(ReceiptError::Inclusion(_))
            ));
        }
        let other = NoteVerifier::new(
            origin,
            SigningKey::from_bytes(&[9; 32]).verifying_key().to_bytes(),
        )
        .unwrap();
        let r = Receipt {
            entry: entries[0].clone(),
            index: 0,
            proof: p.inclusion(0, 13).unwrap(),
            checkpoint: cp,
        };
        assert!(matches!(r.verify(&other), Err(ReceiptError::Checkpoint(_))));
        for bad in [
            "",
            "c2sp.org/tlog-proof@v1\nindex 0\n\nx",
            "c2sp.org/tlog-proof@v1\nextra AA==\nindex 01\n\nx",
        ] {
            assert!(Receipt::parse(bad).is_err(), "{bad:?}");
        }
    }
}
