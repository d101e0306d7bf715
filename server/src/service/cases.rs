//! Opening cases and reading them. A case arrives with one grant per current reviewer; a
//! reviewer sees a case only through their own grant, and "no grant" looks like "no case".

use std::collections::BTreeSet;
use std::fs::File;

use amanat_protocol::agefile;
use amanat_protocol::wire::{CaseDetail, CaseSummary, CreateCase, DocumentInfo};
use amanat_protocol::{CaseId, DocumentId};
use ed25519_dalek::VerifyingKey;

use super::{Result, Reviewer, ServiceError, Services, now};
use crate::domain::{CaseCreated, DocumentRecord, NewCase};

/// A grant is a 32-byte identity wrapped by age for one recipient: a few hundred bytes.
pub const MAX_GRANT_BYTES: usize = 2048;

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
            if g.ciphertext.len() > MAX_GRANT_BYTES {
                return Err(ServiceError::BadGrants(format!(
                    "the grant for {} is larger than {MAX_GRANT_BYTES} bytes",
                    g.staff_id
                )));
            }
            match agefile::check_header(&g.ciphertext) {
                Ok(Some(_)) => {}
                Ok(None) => {
                    return Err(ServiceError::BadGrants(format!(
                        "the grant for {} is a truncated age file",
                        g.staff_id
                    )));
                }
                Err(e) => {
                    return Err(ServiceError::BadGrants(format!(
                        "the grant for {} is not a valid age file ({e})",
                        g.staff_id
                    )));
                }
            }
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

    pub fn list_cases(&self, _who: &Reviewer) -> Result<Vec<CaseSummary>> {
        Ok(self
            .store
            .list_cases()?
            .into_iter()
            .map(|(c, documents)| CaseSummary {
                case_id: c.id,
                status: c.status,
                version: c.version,
                assignee: c.assignee,
                documents,
                received_at: c.received_at,
            })
            .collect())
    }

    pub fn case_detail(&self, who: &Reviewer, case: &CaseId) -> Result<CaseDetail> {
        let found = self
            .store
            .case_for_staff(case, who.staff_id())?
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "case {case} does not exist or has no grant for {}",
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

    /// Opens a document's ciphertext for a reviewer holding a grant for its case.
    pub fn open_document(
        &self,
        who: &Reviewer,
        case: &CaseId,
        doc: &DocumentId,
    ) -> Result<(File, u64)> {
        let rec = self
            .store
            .document_for_staff(case, doc, who.staff_id())?
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "document {doc} is not in case {case}, or {} has no grant for it",
                    who.staff_id()
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
