//! Receiving a document: the checks before the first byte, the streaming check of the age
//! header and length, and the commit that makes it durable before it is acknowledged.
//! The caller streams bytes through an [`AgeCheck`] into a [`TmpBlob`]; nothing is buffered.

use amanat_protocol::agefile::{self, HeaderInfo, MAX_HEADER};
use amanat_protocol::log::entry::{DocumentReceived, Entry};
use amanat_protocol::wire::{DocumentInfo, DocumentKind, StaffActionKind};
use amanat_protocol::{CaseId, DocumentId};

use super::cases::document_info;
use super::staff_action;
use super::{CaseAccess, GrantedReviewer, Result, ServiceError, Services, gated, now};
use crate::blobs::TmpBlob;
use crate::domain::{DocumentRecord, DocumentStored};

/// Permission to stream one document into one case, and the limit that applies.
#[derive(Debug)]
pub struct UploadPlan {
    case_id: CaseId,
    document_id: DocumentId,
    kind: DocumentKind,
    limit: u64,
    /// How many X25519 stanzas the header must have, when the server can know (notes: one per
    /// reviewer in the current keyring; replies: one, the case recipient).
    stanzas: Option<usize>,
    /// A reviewer's note or reply: recorded as their action, and gated on their grant.
    by: Option<(GrantedReviewer, StaffActionKind)>,
}

impl UploadPlan {
    /// A checker for this upload's bytes.
    pub fn checker(&self) -> AgeCheck {
        AgeCheck {
            prefix: Vec::new(),
            header: None,
            total: 0,
            limit: self.limit,
            stanzas: self.stanzas.map(|n| (self.kind, n)),
        }
    }
}

/// Follows an upload as it streams: finds the age header in the first bytes (holding at most
/// [`MAX_HEADER`] of them), checks its recipient count if one is required, counts the rest
/// against the limit, and checks the final length.
#[derive(Debug)]
pub struct AgeCheck {
    prefix: Vec<u8>,
    header: Option<HeaderInfo>,
    total: u64,
    limit: u64,
    stanzas: Option<(DocumentKind, usize)>,
}

impl AgeCheck {
    #[cfg(test)]
    pub(crate) fn for_tests(limit: u64, stanzas: Option<(DocumentKind, usize)>) -> AgeCheck {
        AgeCheck {
            prefix: Vec::new(),
            header: None,
            total: 0,
            limit,
            stanzas,
        }
    }

    pub fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        self.total = self.total.saturating_add(chunk.len() as u64);
        if self.total > self.limit {
            return Err(ServiceError::TooLarge { limit: self.limit });
        }
        if self.header.is_none() {
            let want = MAX_HEADER - self.prefix.len();
            self.prefix
                .extend_from_slice(&chunk[..chunk.len().min(want)]);
            match agefile::check_header(&self.prefix) {
                Ok(Some(info)) => {
                    // Refused as soon as the header is complete, before the payload is stored.
                    if let Some((kind, expected)) = self.stanzas
                        && info.stanzas != expected
                    {
                        return Err(ServiceError::BadRecipients {
                            kind,
                            expected,
                            found: info.stanzas,
                        });
                    }
                    self.header = Some(info);
                    self.prefix = Vec::new();
                }
                Ok(None) if self.prefix.len() >= MAX_HEADER => {
                    return Err(ServiceError::NotAge("the age header is too long".into()));
                }
                Ok(None) => {}
                Err(e) => return Err(ServiceError::NotAge(e.to_string())),
            }
        }
        Ok(())
    }

    /// After the last byte: the header was complete and the length is a padded document's.
    pub fn finish(&self) -> Result<()> {
        let info = self
            .header
            .as_ref()
            .ok_or_else(|| ServiceError::NotAge("the upload ended inside the age header".into()))?;
        agefile::check_length(info, self.total).map_err(|e| ServiceError::NotAge(e.to_string()))
    }
}

impl Services {
    /// Everything that can be decided before reading the body. Complainants upload their
    /// documents; reviewers holding a grant upload notes and replies.
    pub fn plan_upload(
        &self,
        who: CaseAccess,
        document_id: DocumentId,
        kind: DocumentKind,
        declared_len: Option<u64>,
    ) -> Result<UploadPlan> {
        let case = *who.case_id();
        let (stanzas, by) = match who {
            CaseAccess::Complainant(_) => {
                if !kind.complainant_may_upload() {
                    return Err(ServiceError::BadRequest(format!(
                        "a complainant cannot upload a {kind}; use appeal-form, power-of-attorney or attachment"
                    )));
                }
                (None, None)
            }
            CaseAccess::Reviewer(r) => {
                let (expected, action) = match kind {
                    DocumentKind::Note => {
                        // The note's recipients are checked against this keyring; the commit
                        // is gated on it staying current.
                        let keyring = self.current_keyring()?.ok_or(ServiceError::NoKeyring)?;
                        if keyring.version() != r.keyring_version() {
                            return Err(ServiceError::KeyringChanged);
                        }
                        (keyring.keyring().reviewers().count(), StaffActionKind::Note)
                    }
                    DocumentKind::Reply => (1, StaffActionKind::Reply),
                    _ => {
                        return Err(ServiceError::BadRequest(format!(
                            "a reviewer cannot upload a {kind}; use note or reply"
                        )));
                    }
                };
                (Some(expected), Some((r, action)))
            }
        };
        let limit = self.max_document_bytes;
        if declared_len.is_some_and(|n| n > limit) {
            return Err(ServiceError::TooLarge { limit });
        }
        let available = self
            .blobs
            .available_bytes()
            .map_err(|e| ServiceError::io("checking free space", e))?;
        let needed = declared_len
            .unwrap_or(0)
            .saturating_add(self.disk_reserve_bytes);
        if available < needed {
            return Err(ServiceError::InsufficientStorage(format!(
                "{available} bytes free, {needed} needed"
            )));
        }
        if let Some(existing) = self.store.document(&document_id)?
            && existing.case_id != case
        {
            return Err(ServiceError::Conflict(
                "this document id is already used".into(),
            ));
        }
        Ok(UploadPlan {
            case_id: case,
            document_id,
            kind,
            limit,
            stanzas,
            by,
        })
    }

    pub fn begin_blob(&self) -> Result<TmpBlob> {
        self.blobs
            .begin()
            .map_err(|e| ServiceError::io("creating a temporary blob", e))
    }

    /// Appends to a temporary blob (blocking I/O, on the blocking pool).
    pub fn write_blob(&self, mut tmp: TmpBlob, data: &[u8]) -> Result<TmpBlob> {
        tmp.write(data)
            .map_err(|e| ServiceError::io("writing a blob", e))?;
        Ok(tmp)
    }

    /// Makes the blob durable, then records and logs the document. Returns its info with the
    /// log receipt, and whether it is new (`false`: the same bytes were already stored under
    /// this id, and the receipt is for the original entry).
    pub fn finish_upload(
        &self,
        plan: UploadPlan,
        check: &AgeCheck,
        tmp: TmpBlob,
    ) -> Result<(DocumentInfo, bool)> {
        check.finish()?;
        let committed = self
            .blobs
            .commit(tmp)
            .map_err(|e| ServiceError::io("committing a blob", e))?;
        let rec = DocumentRecord {
            id: plan.document_id,
            case_id: plan.case_id,
            kind: plan.kind,
            sha256: committed.sha256,
            length: committed.len,
            received_at: now(),
        };
        let entry = |case: &[u8; 32]| {
            Entry::DocumentReceived(DocumentReceived {
                case: *case,
                document: rec.id,
                kind: rec.kind,
                sha256: rec.sha256,
                length: rec.length,
                received_at: rec.received_at,
            })
            .encode()
        };
        // A blob whose row then fails to insert stays behind, unreferenced: harmless
        // ciphertext, and the retry that follows dedupes onto it. The receipt is made only
        // after the row and its log entry have committed together; if making it fails, the
        // client's retry lands in `AlreadyThere` and gets it then.
        let stored = match &plan.by {
            None => self.store.insert_document(&rec, entry)?,
            Some((who, action)) => {
                let detail = rec.kind.as_str().to_owned();
                let action = staff_action(who, *action, rec.received_at, detail);
                gated(
                    self.store
                        .insert_staff_document(&who.gate(), &rec, entry, &action)?,
                    who,
                )?
            }
        };
        let (d, logged, created) = match stored {
            DocumentStored::Created(d, logged) => {
                tracing::info!(kind = %d.kind, index = logged.index, "document stored");
                (d, Some(logged), true)
            }
            DocumentStored::AlreadyThere(d, logged) => (d, logged, false),
            DocumentStored::Conflict => {
                return Err(ServiceError::Conflict(
                    "this document id is already used for other content".into(),
                ));
            }
        };
        let mut info = document_info(&d);
        info.receipt = logged.map(|l| self.receipt_text(&l)).transpose()?;
        Ok((info, created))
    }
}
