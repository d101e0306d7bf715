//! A reviewer's signed acknowledgement of a power of attorney. The server trusts none of the
//! statement's facts from the client: it rebuilds them from what it stores and the caller's
//! keyring key, checks the signature over that, and logs it with a receipt.

use amanat_protocol::CaseId;
use amanat_protocol::log::entry::{Acknowledgement, Entry, SignedAcknowledgement, Verdict};
use amanat_protocol::wire::{AckRecorded, AckRequest, DocumentKind, VerdictWire};

use super::{Result, Reviewer, ServiceError, Services, now};
use crate::domain::AckAppended;

/// How far `signed_at` may be from the server's clock: enough for a slow reviewer and a
/// loose clock, too little to backdate a statement meaningfully.
pub const MAX_ACK_SKEW_SECS: u64 = 600;

impl Services {
    pub fn acknowledge(
        &self,
        who: &Reviewer,
        case: &CaseId,
        req: &AckRequest,
    ) -> Result<AckRecorded> {
        let (commitment, doc) = self
            .store
            .acknowledgement_subject(case, &req.document_id, who.staff_id())?
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "document {} is not in case {case}, or {} has no grant for it",
                    req.document_id,
                    who.staff_id()
                ))
            })?;
        if doc.kind != DocumentKind::PowerOfAttorney {
            return Err(ServiceError::NotPowerOfAttorney(doc.kind));
        }
        let signature: [u8; 64] = req
            .signature
            .as_slice()
            .try_into()
            .map_err(|_| ServiceError::BadAckSignature("an Ed25519 signature is 64 bytes"))?;
        let signed = SignedAcknowledgement {
            ack: Acknowledgement {
                case: commitment,
                document: doc.id,
                sha256: doc.sha256,
                verdict: match req.verdict {
                    VerdictWire::Accepted => Verdict::Accepted,
                    VerdictWire::Rejected { reason } => Verdict::Rejected(reason),
                },
                reviewer: *who.verifying_key(),
                signed_at: req.signed_at,
            },
            signature,
        };
        signed.verify().map_err(|_| {
            ServiceError::BadAckSignature("it does not verify over the statement rebuilt here")
        })?;
        let now = now();
        if req.signed_at.abs_diff(now) > MAX_ACK_SKEW_SECS {
            return Err(ServiceError::BadTime {
                signed_at: req.signed_at,
                now,
                max_skew: MAX_ACK_SKEW_SECS,
            });
        }
        let entry = Entry::PoaAcknowledged(signed).encode();
        let logged = match self.store.append_acknowledgement(
            case,
            who.staff_id(),
            who.keyring_version(),
            &entry,
            now,
        )? {
            AckAppended::Appended(logged) => logged,
            AckAppended::NoGrant => {
                return Err(ServiceError::NotFound(format!(
                    "{} lost the grant for case {case} meanwhile",
                    who.staff_id()
                )));
            }
            AckAppended::KeyringChanged => {
                return Err(ServiceError::Conflict(
                    "a new keyring was published meanwhile; sign in again and repeat the acknowledgement".into(),
                ));
            }
        };
        tracing::info!(index = logged.index, "acknowledgement logged");
        Ok(AckRecorded {
            receipt: self.receipt_text(&logged)?,
        })
    }
}
