//! Receipts: a log-signed checkpoint plus an inclusion proof for one entry. The library checks
//! each one against the root-vouched log key and against what this client itself sent, never
//! against what the server says it stored.

use std::time::{Duration, Instant};

use amanat_protocol::keyring::VerifiedKeyring;
use amanat_protocol::log::checkpoint::{Checkpoint, SignedCheckpoint};
use amanat_protocol::log::entry::{DocumentReceived, Entry};
use amanat_protocol::log::merkle;
use amanat_protocol::log::note::NoteVerifier;
use amanat_protocol::log::receipt::{Receipt, Verified};
use amanat_protocol::wire::DocumentInfo;

use crate::api::Api;
use crate::error::{Error, Result};

/// The log key the root-signed keyring names.
pub fn log_verifier(keyring: &VerifiedKeyring) -> Result<NoteVerifier> {
    let log = keyring.keyring().log.as_ref().ok_or_else(|| {
        Error::new(format!(
            "keyring version {} names no transparency log",
            keyring.version()
        ))
        .hint("the admin adds it with `amanat admin keyring set-log`")
    })?;
    Ok(log.verifier()?)
}

/// The witnesses the keyring names that validly cosigned a checkpoint note, and the ones it
/// still lacks when the keyring asks for `threshold` of them.
#[derive(Debug, Clone)]
pub struct Witnessed {
    pub cosigned: Vec<String>,
    pub missing: Vec<String>,
    pub threshold: usize,
}

impl Witnessed {
    pub fn enough(&self) -> bool {
        self.cosigned.len() >= self.threshold
    }

    /// "cosigned by a, b" or "no witness cosigned it", for messages.
    pub fn describe(&self) -> String {
        if self.cosigned.is_empty() {
            "no witness cosigned it".into()
        } else {
            format!("cosigned by {}", self.cosigned.join(", "))
        }
    }
}

pub fn witnessed(keyring: &VerifiedKeyring, note: &str) -> Result<Witnessed> {
    let known: Vec<_> = keyring
        .keyring()
        .witnesses
        .iter()
        .map(|w| w.key())
        .collect::<std::result::Result<_, _>>()?;
    let found = amanat_protocol::log::cosignature::cosigners(note, &known)
        .map_err(|e| Error::new(format!("INVALID COSIGNATURE on the checkpoint: {e}")))?;
    let cosigned: Vec<String> = found.iter().map(|(w, _)| w.name.clone()).collect();
    Ok(Witnessed {
        missing: known
            .iter()
            .map(|w| w.name.clone())
            .filter(|n| !cosigned.contains(n))
            .collect(),
        cosigned,
        threshold: usize::from(keyring.keyring().witness_threshold),
    })
}

/// Parses a receipt and checks its signature and inclusion proof.
pub fn verify(text: &str, verifier: &NoteVerifier) -> Result<Verified> {
    let receipt = Receipt::parse(text).map_err(|e| Error::new(e.to_string()))?;
    receipt
        .verify(verifier)
        .map_err(|e| Error::new(format!("INVALID RECEIPT: {e}")))
}

/// A document's receipt must be signed by the keyring's log and record exactly this upload:
/// the case's commitment, and the id, kind, hash and length this client encrypted (`info`
/// has already been compared with those by the uploader).
pub fn check_document(
    info: &DocumentInfo,
    commitment: &[u8; 32],
    verifier: &NoteVerifier,
) -> Result<Verified> {
    let text = info.receipt.as_deref().ok_or_else(|| {
        Error::new("the server stored the document but gave no receipt")
            .hint("the foundation's log may be misconfigured; tell them")
    })?;
    let verified = verify(text, verifier)?;
    let expected = Entry::DocumentReceived(DocumentReceived {
        case: *commitment,
        document: info.document_id,
        kind: info.kind,
        sha256: info.sha256,
        length: info.length,
        received_at: info.received_at,
    });
    if verified.entry != expected {
        return Err(
            Error::new("the receipt records something other than this upload").hint(
                "the server may be misbehaving; your document was sent, but keep this output",
            ),
        );
    }
    Ok(verified)
}

/// Proves that `newer` extends `older` (or refuses loudly).
pub fn check_extends(api: &Api, older: &Checkpoint, newer: &Checkpoint) -> Result<()> {
    if newer.size < older.size {
        return Err(Error::new(format!(
            "LOG INTEGRITY FAILURE: the log was TRUNCATED: it now has {} entries, but it signed a checkpoint of {} before",
            newer.size, older.size
        )));
    }
    let proof = api.log_consistency(older.size, newer.size)?;
    merkle::verify_consistency(older.size, newer.size, &proof, &older.root, &newer.root).map_err(|e| {
        Error::new(format!(
            "LOG INTEGRITY FAILURE: the log was REWRITTEN or FORKED: the checkpoint of {} entries is not a prefix of the checkpoint of {} ({e})",
            older.size, newer.size
        ))
    })
}

/// Whether the receipts a client just got are vouched for by enough witnesses.
#[derive(Debug, Clone)]
pub enum Witnessing {
    /// The keyring names no threshold; nothing to wait for.
    NotAsked,
    /// A checkpoint of `size` entries that extends every receipt's checkpoint (proved) carries
    /// enough cosignatures.
    Witnessed { size: u64, witnessed: Witnessed },
    /// None did within the wait; `latest` is what the newest checkpoint had.
    NotYet { latest: Witnessed },
}

/// After an upload: waits up to `wait` for a checkpoint that the keyring's witnesses cosigned
/// (at least its threshold of them) and that extends every receipt's checkpoint, proving the
/// extension. Witnesses cosign asynchronously, a second or so after each append, so a
/// receipt's own checkpoint is rarely cosigned yet; a later consistent one vouches for it, as
/// in `amanat audit verify`. A cosignature that does not verify, or a later checkpoint that
/// does not extend a receipt's, is an error, not a wait.
pub fn await_witnesses(
    api: &Api,
    keyring: &VerifiedKeyring,
    receipts: &[Verified],
    wait: Duration,
) -> Result<Witnessing> {
    if keyring.keyring().witness_threshold == 0 || receipts.is_empty() {
        return Ok(Witnessing::NotAsked);
    }
    let verifier = log_verifier(keyring)?;
    let needed = receipts
        .iter()
        .map(|r| r.checkpoint.size)
        .max()
        .unwrap_or(0);
    let deadline = Instant::now() + wait;
    loop {
        let text = api.log_checkpoint_text()?;
        let latest = SignedCheckpoint(text.clone()).verify(&verifier).map_err(|e| {
            Error::new(format!(
                "LOG INTEGRITY FAILURE: the server's checkpoint is not validly signed by the log: {e}"
            ))
        })?;
        let w = witnessed(keyring, &text)?;
        if latest.size >= needed && w.enough() {
            for r in receipts {
                check_extends(api, &r.checkpoint, &latest)?;
            }
            return Ok(Witnessing::Witnessed {
                size: latest.size,
                witnessed: w,
            });
        }
        if Instant::now() >= deadline {
            return Ok(Witnessing::NotYet { latest: w });
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}
