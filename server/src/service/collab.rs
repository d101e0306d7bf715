//! Reviewers working a case together: status and assignee under optimistic concurrency,
//! sharing the case with a reviewer who joined later, and the activity list. Every action is
//! recorded, in the transaction that performs it, as a `04` log entry and an activity row.

use amanat_protocol::StaffId;
use amanat_protocol::wire::{
    ActivityRecord, CaseSummary, GrantPut, SetAssignee, SetStatus, StaffActionKind,
};

use super::cases::{case_summary, check_grant};
use super::{GrantedReviewer, Result, ServiceError, Services, gated, now, staff_action};
use crate::domain::{CaseChange, CaseUpdated};

impl Services {
    /// Checks that `staff` is a reviewer in the keyring `who` was authorised under (the write
    /// that follows is gated on that keyring staying current).
    fn is_current_reviewer(&self, who: &GrantedReviewer, staff: &StaffId) -> Result<bool> {
        let keyring = self.current_keyring()?.ok_or(ServiceError::NoKeyring)?;
        if keyring.version() != who.keyring_version() {
            return Err(ServiceError::KeyringChanged);
        }
        Ok(keyring.keyring().reviewers().any(|m| &m.public.id == staff))
    }

    fn update_case(
        &self,
        who: &GrantedReviewer,
        version: i64,
        change: CaseChange,
        action: StaffActionKind,
        detail: String,
    ) -> Result<CaseSummary> {
        let action = staff_action(who, action, now(), detail);
        match gated(
            self.store
                .update_case(&who.gate(), version, &change, &action)?,
            who,
        )? {
            CaseUpdated::Updated(case, kinds) => {
                tracing::info!(action = ?action.action, "case updated");
                Ok(case_summary(case, kinds))
            }
            CaseUpdated::Stale { current, last } => Err(ServiceError::StaleVersion {
                sent: version,
                current,
                last,
            }),
        }
    }

    pub fn set_status(&self, who: &GrantedReviewer, req: &SetStatus) -> Result<CaseSummary> {
        self.update_case(
            who,
            req.version,
            CaseChange::Status(req.status),
            StaffActionKind::Status,
            format!("status → {}", req.status),
        )
    }

    pub fn set_assignee(&self, who: &GrantedReviewer, req: &SetAssignee) -> Result<CaseSummary> {
        let detail = match &req.assignee {
            Some(a) => {
                if !self.is_current_reviewer(who, a)? {
                    return Err(ServiceError::BadRequest(format!(
                        "a case can be assigned only to a reviewer, and {a} is not one in keyring version {}",
                        who.keyring_version()
                    )));
                }
                format!("assigned to {a}")
            }
            None => "unassigned".to_owned(),
        };
        self.update_case(
            who,
            req.version,
            CaseChange::Assignee(req.assignee.clone()),
            StaffActionKind::Assign,
            detail,
        )
    }

    /// Stores the case identity wrapped for `staff` (a reviewer in the current keyring),
    /// replacing any earlier grant of theirs. The server checks only the shape: it cannot
    /// tell whom the grant is really for; the recipient's client checks the case id inside.
    pub fn put_grant(&self, who: &GrantedReviewer, staff: &StaffId, req: &GrantPut) -> Result<()> {
        if !self.is_current_reviewer(who, staff)? {
            return Err(ServiceError::NotFound(format!(
                "{staff} is not a reviewer in keyring version {}",
                who.keyring_version()
            )));
        }
        check_grant(staff, &req.ciphertext).map_err(ServiceError::BadGrants)?;
        let action = staff_action(
            who,
            StaffActionKind::Share,
            now(),
            format!("shared with {staff}"),
        );
        gated(
            self.store
                .put_grant(&who.gate(), staff, &req.ciphertext, &action)?,
            who,
        )?;
        tracing::info!("case shared");
        Ok(())
    }

    /// Who did what to the case, oldest first.
    pub fn activity(&self, who: &GrantedReviewer) -> Result<Vec<ActivityRecord>> {
        Ok(self
            .store
            .staff_actions(who.case_id())?
            .into_iter()
            .map(|a| ActivityRecord {
                actor: a.staff,
                action: a.action,
                at: a.at,
                detail: a.detail,
            })
            .collect())
    }
}
