//! A reviewer's signed acknowledgement of a power of attorney. The server trusts none of the
//! statement's facts from the client: it rebuilds them from what it stores and the caller's
//! keyring key, checks the signature over that, and logs it with a receipt.

use amanat_protocol::log::entry::{Acknowledgement, Entry, SignedAcknowledgement, Verdict};
use amanat_protocol::wire::{AckRecorded, AckRequest, DocumentKind, StaffActionKind, VerdictWire};

use super::staff_action;
use super::{GrantedReviewer, Result, ServiceError, Services, gated, now};

/// How far `signed_at` may be from the server's clock: enough for a slow reviewer and a
/// loose clock, too little to backdate a statement meaningfully.
pub const MAX_ACK_SKEW_SECS: u64 = 600;

impl Services {
    pub fn acknowledge(&self, who: &GrantedReviewer, req: &AckRequest) -> Result<AckRecorded> {
        let case = who.case_id();
        let doc = self
            .store
            .document_in_case(case, &req.document_id)?
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "document {} is not in case {case}",
                    req.document_id
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
                case: *who.commitment(),
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
        let detail = match signed.ack.verdict {
            Verdict::Accepted => "power of attorney accepted".to_owned(),
            Verdict::Rejected(reason) => format!("power of attorney rejected (reason {reason})"),
        };
        let entry = Entry::PoaAcknowledged(signed).encode();
        let action = staff_action(who, StaffActionKind::Acknowledge, now, detail);
        let logged = gated(
            self.store
                .append_acknowledgement(&who.gate(), &entry, &action)?,
            who,
        )?;
        tracing::info!(index = logged.index, "acknowledgement logged");
        Ok(AckRecorded {
            receipt: self.receipt_text(&logged)?,
        })
    }
}
