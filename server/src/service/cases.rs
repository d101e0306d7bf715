//! Opening cases and reading them. A case arrives with one grant per current reviewer; a
//! reviewer sees a case only through their own grant, and "no grant" looks like "no case".
//! The complainant sees their own uploads and the foundation's replies, never notes.

use std::collections::BTreeSet;

use amanat_protocol::agefile;
use amanat_protocol::wire::{
    CaseDetail, CaseSummary, CreateCase, DocumentInfo, DocumentKind, MyCase, StaffActionKind,
};
use amanat_protocol::{CaseId, DocumentId, StaffId};
use ed25519_dalek::VerifyingKey;

use super::staff_action;
use super::{
    CaseAccess, CaseSession, GrantedReviewer, Result, Reviewer, ServiceError, Services, gated, now,
};
use crate::domain::{CaseCreated, CaseRecord, DocumentRecord, NewCase};

/// A grant is a 32-byte identity wrapped by age for one recipient: a few hundred bytes.
pub const MAX_GRANT_BYTES: usize = 2048;

/// What a complainant may read of their own case: what they sent and what the foundation
/// answered. Notes are between reviewers.
pub(crate) fn complainant_may_read(kind: DocumentKind) -> bool {
    kind.complainant_may_upload() || kind == DocumentKind::Reply
}

/// Checks a grant's shape (the server cannot open it): at most [`MAX_GRANT_BYTES`], a complete
/// age header with exactly one X25519 recipient. The error says what is wrong, for `staff`.
pub(crate) fn check_grant(staff: &StaffId, ciphertext: &[u8]) -> Result<(), String> {
    if ciphertext.len() > MAX_GRANT_BYTES {
        return Err(format!(
            "the grant for {staff} is larger than {MAX_GRANT_BYTES} bytes"
        ));
    }
    match agefile::check_header(ciphertext) {
        Ok(Some(h)) if h.stanzas == 1 => Ok(()),
        Ok(Some(h)) => Err(format!(
            "the grant for {staff} is encrypted to {} recipients; it must be to that reviewer alone",
            h.stanzas
        )),
        Ok(None) => Err(format!("the grant for {staff} is a truncated age file")),
        Err(e) => Err(format!(
            "the grant for {staff} is not a valid age file ({e})"
        )),
    }
}

impl Services {
    pub fn create_case(&self, req: CreateCase) -> Result<CaseId> {
        let keyring = self.current_keyring()?.ok_or(ServiceError::NoKeyring)?;
        if req.keyring_version != keyring.version() {
            return Err(ServiceError::StaleKeyring {
                offered: req.keyring_version,
                current: keyring.version(),
            });
        }
        let key = VerifyingKey::from_bytes(&req.auth_key).map_err(|_| {
            ServiceError::BadRequest("auth_key is not an Ed25519 public key".into())
        })?;
        if key.is_weak() {
            return Err(ServiceError::BadRequest(
                "auth_key is a weak Ed25519 key".into(),
            ));
        }

        let reviewers: BTreeSet<_> = keyring
            .keyring()
            .reviewers()
            .map(|m| &m.public.id)
            .collect();
        let mut seen = BTreeSet::new();
        for g in &req.grants {
            if !reviewers.contains(&g.staff_id) {
                return Err(ServiceError::BadGrants(format!(
                    "{} is not a reviewer in keyring version {}",
                    g.staff_id,
                    keyring.version()
                )));
            }
            if !seen.insert(&g.staff_id) {
                return Err(ServiceError::BadGrants(format!(
                    "more than one grant for {}",
                    g.staff_id
                )));
            }
            check_grant(&g.staff_id, &g.ciphertext).map_err(ServiceError::BadGrants)?;
        }
        if let Some(missing) = reviewers.iter().find(|r| !seen.contains(*r)) {
            return Err(ServiceError::BadGrants(format!(
                "no grant for reviewer {missing}"
            )));
        }

        let new = NewCase {
            id: req.case_id,
            auth_key: req.auth_key,
            commitment: req.commitment,
            received_at: now(),
            grants: req
                .grants
                .into_iter()
                .map(|g| (g.staff_id, g.ciphertext))
                .collect(),
        };
        match self.store.create_case(&new, req.keyring_version)? {
            CaseCreated::Created => {
                tracing::info!("case created");
                tracing::debug!(case = %new.id, "case created");
                Ok(new.id)
            }
            CaseCreated::StaleKeyring { current: None } => Err(ServiceError::NoKeyring),
            CaseCreated::StaleKeyring {
                current: Some(current),
            } => Err(ServiceError::StaleKeyring {
                offered: req.keyring_version,
                current,
            }),
            CaseCreated::Conflict => Err(ServiceError::Conflict(
                "a case with this id, auth key or log commitment already exists".into(),
            )),
        }
    }

    /// The cases shared with `who` (every case, for a coordinator), newest first. Listing
    /// shows metadata only; opening still needs a grant.
    pub fn list_cases(&self, who: &Reviewer) -> Result<Vec<CaseSummary>> {
        let only = (!who.coordinator()).then(|| who.staff_id());
        Ok(self
            .store
            .list_cases(only)?
            .into_iter()
            .map(|(c, documents)| case_summary(c, documents))
            .collect())
    }

    /// A case for a reviewer holding a grant. The "open" is recorded (log entry and activity
    /// row) before anything is disclosed, so "who saw this case" errs on the side of
    /// including someone whose read then failed, never of missing one.
    pub fn case_detail(&self, who: &GrantedReviewer) -> Result<CaseDetail> {
        let action = staff_action(who, StaffActionKind::Open, now(), "opened".into());
        gated(self.store.record_staff_action(&who.gate(), &action)?, who)?;
        let case = who.case_id();
        let found = self
            .store
            .case_for_staff(case, who.staff_id())?
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "case {case} has no grant for {} any more",
                    who.staff_id()
                ))
            })?;
        let c = found.case;
        Ok(CaseDetail {
            case_id: c.id,
            status: c.status,
            version: c.version,
            assignee: c.assignee,
            grant: found.grant,
            commitment: c.commitment,
            documents: found.documents.iter().map(document_info).collect(),
            received_at: c.received_at,
        })
    }

    /// `GET /v1/me`: the complainant's own case, without the reviewers' notes.
    pub fn my_case(&self, who: &CaseSession) -> Result<MyCase> {
        let (case, documents) =
            self.store
                .case_with_documents(who.case_id())?
                .ok_or_else(|| {
                    ServiceError::NotFound(format!("the session's case {} is gone", who.case_id()))
                })?;
        Ok(MyCase {
            case_id: case.id,
            status: case.status,
            documents: documents
                .iter()
                .filter(|d| complainant_may_read(d.kind))
                .map(document_info)
                .collect(),
        })
    }

    /// Opens a document's ciphertext for someone who may read it: a reviewer holding a grant
    /// for its case (any kind), or the case's own complainant (not notes).
    pub fn open_document(
        &self,
        who: &CaseAccess,
        doc: &DocumentId,
    ) -> Result<(crate::blobs::BlobReader, u64)> {
        let case = who.case_id();
        let rec = match who {
            CaseAccess::Reviewer(r) => self.store.document_for_staff(case, doc, r.staff_id())?,
            CaseAccess::Complainant(_) => self
                .store
                .document_in_case(case, doc)?
                .filter(|d| complainant_may_read(d.kind)),
        }
        .ok_or_else(|| {
            ServiceError::NotFound(format!(
                "document {doc} is not in case {case}, or its reader may not see it"
            ))
        })?;
        let (file, len) = self
            .blobs
            .open_blob(&rec.sha256)
            .map_err(|e| ServiceError::io("opening a stored blob", e))?;
        if len != rec.length {
            return Err(ServiceError::Internal(format!(
                "blob of document {doc} is {len} bytes, the database says {}",
                rec.length
            )));
        }
        Ok((file, len))
    }
}

pub(crate) fn case_summary(c: CaseRecord, documents: Vec<DocumentKind>) -> CaseSummary {
    CaseSummary {
        case_id: c.id,
        status: c.status,
        version: c.version,
        assignee: c.assignee,
        documents,
        received_at: c.received_at,
    }
}

pub(crate) fn document_info(d: &DocumentRecord) -> DocumentInfo {
    DocumentInfo {
        document_id: d.id,
        kind: d.kind,
        sha256: d.sha256,
        length: d.length,
        received_at: d.received_at,
        receipt: None,
    }
}
