//! Deleting cases: a complainant withdraws theirs with the codename, or the retention rules
//! expire cases no legal hold keeps. Each deletion logs a `07` entry and deletes the case's
//! rows in one transaction, then its ciphertext; what the log held before (hashes only)
//! stays, so every receipt still verifies.

use amanat_protocol::CaseId;
use amanat_protocol::log::entry::{DeletionReason, Entry};
use amanat_protocol::wire::{CaseStatus, SetHold, StaffActionKind, Withdrawn};

use super::{
    CaseSession, GrantedReviewer, Result, ServiceError, Services, gated, now, staff_action,
};
use crate::domain::RetentionCandidate;

pub use crate::config::RetentionRule;

/// What a retention run found and, when applied, deleted.
#[derive(Debug)]
pub struct RetentionRun {
    /// Every case a rule reaches, held ones included (oldest activity first).
    pub candidates: Vec<RetentionCandidate>,
    /// The cases deleted (empty on a dry run).
    pub deleted: Vec<CaseId>,
}

fn encode_deleted(commitment: &[u8; 32], reason: DeletionReason, at: i64) -> Vec<u8> {
    Entry::CaseDeleted {
        case: *commitment,
        reason,
        at,
    }
    .encode()
}

impl Services {
    /// Deletes the session's case; `confirm` must name it (a deliberate act, not a replay
    /// of some other request).
    pub fn withdraw(&self, who: &CaseSession, confirm: CaseId) -> Result<Withdrawn> {
        if confirm != *who.case_id() {
            return Err(ServiceError::BadRequest(
                "the case to withdraw is not the case you are signed in to".into(),
            ));
        }
        let at = now();
        let deleted = self
            .store
            .delete_case(
                who.case_id(),
                false,
                |commitment| encode_deleted(commitment, DeletionReason::Withdrawn, at),
                at,
            )?
            .ok_or_else(|| ServiceError::NotFound("the session's case is gone".into()))?;
        self.remove_blobs(&deleted.unreferenced);
        tracing::info!(index = deleted.logged.index, "a case was withdrawn");
        Ok(Withdrawn {
            receipt: self.receipt_text(&deleted.logged)?,
            documents: deleted.documents,
        })
    }

    /// Lists the cases `rules` reach at `now`; with `apply`, deletes those without a legal
    /// hold (re-checked in each deletion's transaction).
    pub fn retention(
        &self,
        rules: &[RetentionRule],
        now: i64,
        apply: bool,
    ) -> Result<RetentionRun> {
        let cutoffs: Vec<(Option<CaseStatus>, i64)> = rules
            .iter()
            .map(|r| {
                let secs = i64::try_from(r.after_days.saturating_mul(86_400)).unwrap_or(i64::MAX);
                (r.status, now.saturating_sub(secs))
            })
            .collect();
        let candidates = self.store.retention_candidates(&cutoffs)?;
        let mut deleted = Vec::new();
        if apply {
            for c in candidates.iter().filter(|c| !c.held) {
                let at = super::now();
                if let Some(d) = self.store.delete_case(
                    &c.case,
                    true,
                    |commitment| encode_deleted(commitment, DeletionReason::Retention, at),
                    at,
                )? {
                    self.remove_blobs(&d.unreferenced);
                    tracing::info!(
                        index = d.logged.index,
                        "a case expired under the retention rules"
                    );
                    deleted.push(c.case);
                }
            }
        }
        Ok(RetentionRun {
            candidates,
            deleted,
        })
    }

    /// Puts a legal hold on a case (the retention rules never delete it) or lifts it; the
    /// log records who did it as a staff action.
    pub fn set_hold(&self, who: &GrantedReviewer, req: &SetHold) -> Result<SetHold> {
        let detail = if req.hold {
            "legal hold on"
        } else {
            "legal hold lifted"
        };
        let action = staff_action(who, StaffActionKind::Hold, now(), detail.to_owned());
        gated(self.store.set_hold(&who.gate(), req.hold, &action)?, who)?;
        tracing::info!(hold = req.hold, "legal hold changed");
        Ok(req.clone())
    }

    /// Removes ciphertext no row refers to any more. A failure is logged, not returned: the
    /// rows are gone, and the orphan collector removes what is left at the next start.
    fn remove_blobs(&self, digests: &[[u8; 32]]) {
        for d in digests {
            if let Err(e) = self.blobs.remove_blob(d) {
                tracing::warn!(error = %e, "a deleted case's blob stays until the next orphan collection");
            }
        }
    }
}
