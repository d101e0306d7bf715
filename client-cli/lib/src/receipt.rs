//! Receipts: a log-signed checkpoint plus an inclusion proof for one entry. The library checks
//! each one against the root-vouched log key and against what this client itself sent, never
//! against what the server says it stored.

use amanat_protocol::keyring::VerifiedKeyring;
use amanat_protocol::log::entry::{DocumentReceived, Entry};
use amanat_protocol::log::note::NoteVerifier;
use amanat_protocol::log::receipt::{Receipt, Verified};
use amanat_protocol::wire::DocumentInfo;

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
