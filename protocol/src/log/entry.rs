//! What the log records, in a small versioned binary encoding that is canonical by
//! construction: one version byte, one type byte, then fixed-width big-endian fields, and
//! nothing else (a parser refuses any other length). Documented in docs/protocol.md.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::ids::DocumentId;
use crate::wire::{DocumentKind, StaffActionKind};

use super::merkle::Hash;

const VERSION: u8 = 1;
const T_DOCUMENT: u8 = 1;
const T_ACK: u8 = 2;
const T_KEYRING: u8 = 3;
const T_STAFF: u8 = 4;
const T_WEB: u8 = 5;
const T_HANDOVER: u8 = 6;
const T_DELETED: u8 = 7;
const ACK_DOMAIN: &[u8] = b"amanat/poa-ack/v1\n";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    #[error("malformed log entry: {0}")]
    Malformed(&'static str),
    #[error("the acknowledgement's signature does not verify")]
    BadSignature,
}

/// A case's pseudonym in the log: a keyed hash of its id that only holders of the case key
/// (the complainant, granted reviewers) can link to the case. Entries of one case share it.
pub type CaseCommitment = [u8; 32];

/// Why a case's data was deleted (entry `07`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletionReason {
    /// The complainant withdrew the case, signed in with its codename.
    Withdrawn,
    /// The foundation's retention rules expired it.
    Retention,
}

impl DeletionReason {
    fn code(self) -> u8 {
        match self {
            DeletionReason::Withdrawn => 1,
            DeletionReason::Retention => 2,
        }
    }

    fn from_code(c: u8) -> Result<Self, EntryError> {
        match c {
            1 => Ok(DeletionReason::Withdrawn),
            2 => Ok(DeletionReason::Retention),
            _ => Err(EntryError::Malformed("unknown deletion reason")),
        }
    }
}

impl std::fmt::Display for DeletionReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DeletionReason::Withdrawn => "withdrawn by the complainant",
            DeletionReason::Retention => "expired under the retention rules",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// A reason code from the foundation's list (see docs/protocol.md).
    Rejected(u16),
}

/// A document's ciphertext was received and durably stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentReceived {
    pub case: CaseCommitment,
    pub document: DocumentId,
    pub kind: DocumentKind,
    pub sha256: Hash,
    pub length: u64,
    pub received_at: i64,
}

/// A reviewer's statement about a power of attorney, signed with their keyring key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgement {
    pub case: CaseCommitment,
    pub document: DocumentId,
    pub sha256: Hash,
    pub verdict: Verdict,
    pub reviewer: [u8; 32],
    pub signed_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedAcknowledgement {
    pub ack: Acknowledgement,
    pub signature: [u8; 64],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    DocumentReceived(DocumentReceived),
    PoaAcknowledged(SignedAcknowledgement),
    /// A keyring version the server accepted: who could decrypt, from here on.
    KeyringPublished {
        version: u64,
        hash: Hash,
        published_at: i64,
    },
    /// A staff member acted on a case (recorded by the server, so the foundation can answer
    /// "who saw this case"). The actor is their keyring key; the case is its commitment.
    StaffAction {
        case: CaseCommitment,
        actor: [u8; 32],
        action: StaffActionKind,
        at: i64,
    },
    /// The root signed the manifest of the web page's files (`crate::web`): from here on,
    /// a served page can be checked against it (`amanat audit web`).
    WebManifestPublished(crate::web::ManifestSignature),
    /// The root in force handed the foundation to a new root (`crate::handover`): keyrings
    /// and manifests after this entry are signed by the new root.
    RootHandover(crate::handover::Handover),
    /// A case's grants, documents, uploads, notes and replies were deleted from the server.
    /// The entries before it keep their hashes, so every receipt still verifies.
    CaseDeleted {
        case: CaseCommitment,
        reason: DeletionReason,
        at: i64,
    },
}

fn kind_code(k: DocumentKind) -> u8 {
    match k {
        DocumentKind::AppealForm => 1,
        DocumentKind::PowerOfAttorney => 2,
        DocumentKind::Attachment => 3,
        DocumentKind::Reply => 4,
        DocumentKind::Note => 5,
    }
}

fn kind_from(c: u8) -> Result<DocumentKind, EntryError> {
    Ok(match c {
        1 => DocumentKind::AppealForm,
        2 => DocumentKind::PowerOfAttorney,
        3 => DocumentKind::Attachment,
        4 => DocumentKind::Reply,
        5 => DocumentKind::Note,
        _ => return Err(EntryError::Malformed("unknown document kind")),
    })
}

impl Acknowledgement {
    /// The fixed-width body (without version/type bytes).
    fn body(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(32 + 16 + 32 + 3 + 32 + 8);
        b.extend_from_slice(&self.case);
        b.extend_from_slice(self.document.as_bytes());
        b.extend_from_slice(&self.sha256);
        match self.verdict {
            Verdict::Accepted => b.extend_from_slice(&[1, 0, 0]),
            Verdict::Rejected(r) => {
                b.push(2);
                b.extend_from_slice(&r.to_be_bytes());
            }
        }
        b.extend_from_slice(&self.reviewer);
        b.extend_from_slice(&self.signed_at.to_be_bytes());
        b
    }

    /// The exact bytes the reviewer signs.
    pub fn signed_message(&self) -> Vec<u8> {
        let mut m = ACK_DOMAIN.to_vec();
        m.extend_from_slice(&self.body());
        m
    }

    pub fn sign(self, key: &SigningKey) -> SignedAcknowledgement {
        let signature = key.sign(&self.signed_message()).to_bytes();
        SignedAcknowledgement {
            ack: self,
            signature,
        }
    }
}

impl SignedAcknowledgement {
    /// Checks the signature against the reviewer key the acknowledgement names. Whether that
    /// key was a reviewer's at the time is for the caller to check against the keyring.
    pub fn verify(&self) -> Result<(), EntryError> {
        let key =
            VerifyingKey::from_bytes(&self.ack.reviewer).map_err(|_| EntryError::BadSignature)?;
        key.verify_strict(
            &self.ack.signed_message(),
            &Signature::from_bytes(&self.signature),
        )
        .map_err(|_| EntryError::BadSignature)
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], EntryError> {
        if self.0.len() < N {
            return Err(EntryError::Malformed("too short"));
        }
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        head.try_into()
            .map_err(|_| EntryError::Malformed("too short"))
    }
    fn u64(&mut self) -> Result<u64, EntryError> {
        Ok(u64::from_be_bytes(self.take()?))
    }
    fn i64(&mut self) -> Result<i64, EntryError> {
        Ok(i64::from_be_bytes(self.take()?))
    }
}

impl Entry {
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![VERSION];
        match self {
            Entry::DocumentReceived(d) => {
                b.push(T_DOCUMENT);
                b.extend_from_slice(&d.case);
                b.extend_from_slice(d.document.as_bytes());
                b.push(kind_code(d.kind));
                b.extend_from_slice(&d.sha256);
                b.extend_from_slice(&d.length.to_be_bytes());
                b.extend_from_slice(&d.received_at.to_be_bytes());
            }
            Entry::PoaAcknowledged(s) => {
                b.push(T_ACK);
                b.extend_from_slice(&s.ack.body());
                b.extend_from_slice(&s.signature);
            }
            Entry::KeyringPublished {
                version,
                hash,
                published_at,
            } => {
                b.push(T_KEYRING);
                b.extend_from_slice(&version.to_be_bytes());
                b.extend_from_slice(hash);
                b.extend_from_slice(&published_at.to_be_bytes());
            }
            Entry::StaffAction {
                case,
                actor,
                action,
                at,
            } => {
                b.push(T_STAFF);
                b.extend_from_slice(case);
                b.extend_from_slice(actor);
                b.push(action.code());
                b.extend_from_slice(&at.to_be_bytes());
            }
            Entry::WebManifestPublished(m) => {
                b.push(T_WEB);
                b.extend_from_slice(&m.sha256);
                b.extend_from_slice(&m.signed_at.to_be_bytes());
                b.extend_from_slice(&m.signature);
            }
            Entry::RootHandover(h) => {
                b.push(T_HANDOVER);
                b.extend_from_slice(&h.from);
                b.extend_from_slice(&h.to);
                b.extend_from_slice(&h.signed_at.to_be_bytes());
                b.extend_from_slice(&h.from_signature);
                b.extend_from_slice(&h.to_signature);
            }
            Entry::CaseDeleted { case, reason, at } => {
                b.push(T_DELETED);
                b.extend_from_slice(case);
                b.push(reason.code());
                b.extend_from_slice(&at.to_be_bytes());
            }
        }
        b
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, EntryError> {
        let mut r = Reader(bytes);
        let [version, kind] = r.take::<2>()?;
        if version != VERSION {
            return Err(EntryError::Malformed("unknown version"));
        }
        let entry = match kind {
            T_DOCUMENT => Entry::DocumentReceived(DocumentReceived {
                case: r.take()?,
                document: DocumentId::from(uuid::Uuid::from_bytes(r.take()?)),
                kind: kind_from(r.take::<1>()?[0])?,
                sha256: r.take()?,
                length: r.u64()?,
                received_at: r.i64()?,
            }),
            T_ACK => {
                let case = r.take()?;
                let document = DocumentId::from(uuid::Uuid::from_bytes(r.take()?));
                let sha256 = r.take()?;
                let [tag, hi, lo] = r.take::<3>()?;
                let verdict = match tag {
                    1 if hi == 0 && lo == 0 => Verdict::Accepted,
                    2 => Verdict::Rejected(u16::from_be_bytes([hi, lo])),
                    _ => return Err(EntryError::Malformed("unknown verdict")),
                };
                let ack = Acknowledgement {
                    case,
                    document,
                    sha256,
                    verdict,
                    reviewer: r.take()?,
                    signed_at: r.i64()?,
                };
                Entry::PoaAcknowledged(SignedAcknowledgement {
                    ack,
                    signature: r.take()?,
                })
            }
            T_KEYRING => Entry::KeyringPublished {
                version: r.u64()?,
                hash: r.take()?,
                published_at: r.i64()?,
            },
            T_STAFF => Entry::StaffAction {
                case: r.take()?,
                actor: r.take()?,
                action: StaffActionKind::from_code(r.take::<1>()?[0])
                    .ok_or(EntryError::Malformed("unknown staff action"))?,
                at: r.i64()?,
            },
            T_WEB => Entry::WebManifestPublished(crate::web::ManifestSignature {
                sha256: r.take()?,
                signed_at: r.i64()?,
                signature: r.take()?,
            }),
            T_HANDOVER => Entry::RootHandover(crate::handover::Handover {
                from: r.take()?,
                to: r.take()?,
                signed_at: r.i64()?,
                from_signature: r.take()?,
                to_signature: r.take()?,
            }),
            T_DELETED => Entry::CaseDeleted {
                case: r.take()?,
                reason: DeletionReason::from_code(r.take::<1>()?[0])?,
                at: r.i64()?,
            },
            _ => return Err(EntryError::Malformed("unknown entry type")),
        };
        if !r.0.is_empty() {
            return Err(EntryError::Malformed("trailing bytes"));
        }
        Ok(entry)
    }
}

/// The commitment for `case` under the case's age identity (32 secret bytes). The complainant
/// computes it at submission; reviewers who can open the case can recompute and check it.
pub fn case_commitment(case_secret: &[u8; 32], case: &crate::ids::CaseId) -> CaseCommitment {
    use sha2::{Digest, Sha256};
    // HMAC-free PRF: SHA-256 over a domain, the secret and the id, all fixed-width, so no
    // length-extension or ambiguity arises (the output is never used as a key elsewhere).
    let mut h = Sha256::new();
    h.update(b"amanat/case-commitment/v1\n");
    h.update(case_secret);
    h.update(case.as_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn doc(kind: DocumentKind) -> Entry {
        Entry::DocumentReceived(DocumentReceived {
            case: [1; 32],
            document: DocumentId::random(),
            kind,
            sha256: [2; 32],
            length: 4096 + 16,
            received_at: 1_795_000_000,
        })
    }

    #[test]
    fn acknowledgements_sign_and_verify() {
        let key = SigningKey::from_bytes(&[5; 32]);
        let ack = Acknowledgement {
            case: [1; 32],
            document: DocumentId::random(),
            sha256: [3; 32],
            verdict: Verdict::Rejected(7),
            reviewer: key.verifying_key().to_bytes(),
            signed_at: 1_795_000_000,
        };
        let signed = ack.clone().sign(&key);
        signed.verify().unwrap();
        let e = Entry::PoaAcknowledged(signed.clone());
        assert_eq!(Entry::decode(&e.encode()).unwrap(), e);
        let mut forged = signed;
        forged.ack.verdict = Verdict::Accepted;
        assert_eq!(forged.verify(), Err(EntryError::BadSignature));
        let other = SigningKey::from_bytes(&[6; 32]);
        let mut wrong_key = ack.sign(&other);
        wrong_key.ack.reviewer = key.verifying_key().to_bytes();
        assert!(wrong_key.verify().is_err());
    }

    #[test]
    fn decoding_is_strict() {
        let e = doc(DocumentKind::AppealForm).encode();
        assert!(Entry::decode(&e[..e.len() - 1]).is_err());
        let mut longer = e.clone();
        longer.push(0);
        assert!(Entry::decode(&longer).is_err());
        let mut v2 = e.clone();
        v2[0] = 2;
        assert!(Entry::decode(&v2).is_err());
        let mut badkind = e;
        badkind[2 + 32 + 16] = 9;
        assert!(Entry::decode(&badkind).is_err());
        assert!(Entry::decode(&[]).is_err());
    }

    proptest! {
        #[test]
        fn entries_round_trip(version in any::<u64>(), hash in any::<[u8; 32]>(), t in any::<i64>(), k in 0usize..5, len in any::<u64>()) {
            let e = Entry::KeyringPublished { version, hash, published_at: t };
            prop_assert_eq!(Entry::decode(&e.encode()).unwrap(), e);
            let s = Entry::StaffAction { case: hash, actor: hash, action: StaffActionKind::ALL[k], at: t };
            prop_assert_eq!(Entry::decode(&s.encode()).unwrap(), s);
            let d = Entry::DocumentReceived(DocumentReceived {
                case: hash, document: DocumentId::random(), kind: DocumentKind::ALL[k], sha256: hash, length: len, received_at: t,
            });
            prop_assert_eq!(Entry::decode(&d.encode()).unwrap(), d);
            let h = Entry::RootHandover(crate::handover::Handover {
                from: hash, to: [k as u8; 32], signed_at: t, from_signature: [1; 64], to_signature: [2; 64],
            });
            let bytes = h.encode();
            prop_assert_eq!(bytes.len(), 2 + 32 + 32 + 8 + 64 + 64);
            prop_assert_eq!(Entry::decode(&bytes).unwrap(), h);
            prop_assert!(Entry::decode(&bytes[..bytes.len() - 1]).is_err());
            let reason = if k % 2 == 0 { DeletionReason::Withdrawn } else { DeletionReason::Retention };
            let del = Entry::CaseDeleted { case: hash, reason, at: t };
            let bytes = del.encode();
            prop_assert_eq!(bytes.len(), 2 + 32 + 1 + 8);
            prop_assert_eq!(Entry::decode(&bytes).unwrap(), del);
            let mut bad = bytes.clone();
            bad[34] = 3;
            prop_assert!(Entry::decode(&bad).is_err());
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Entry::decode(&bytes);
        }
    }
}
