//! Deleting a case: its `07` log entry, then the case row, whose foreign keys cascade to its
//! grants, documents (notes and replies are documents), uploads, sessions and staff actions,
//! all in one transaction. The caller removes the ciphertext blobs once it has committed.

use std::collections::{HashMap, HashSet};

use amanat_protocol::CaseId;
use amanat_protocol::wire::CaseStatus;
use diesel::dsl::{count_star, max};
use diesel::prelude::*;

use super::models::{CaseRow, bytes32, u64_of};
use super::schema::{cases, documents, legal_holds, staff_actions};
use super::{KeyringLock, Store, StoreError};
use crate::domain::{CaseRecord, Deleted, LoggedEntry, RetentionCandidate};

impl Store {
    /// The cases that `rules` reach: each rule is a status (`None`: any) and a cutoff time;
    /// a case is reached by the first rule whose status it has and whose cutoff its last
    /// activity is not after. Oldest activity first.
    pub fn retention_candidates(
        &self,
        rules: &[(Option<CaseStatus>, i64)],
    ) -> Result<Vec<RetentionCandidate>, StoreError> {
        let mut c = self.conn()?;
        let docs: Vec<(String, Option<i64>, i64)> = documents::table
            .group_by(documents::case_id)
            .select((
                documents::case_id,
                max(documents::received_at),
                count_star(),
            ))
            .load(&mut *c)?;
        let docs: HashMap<String, (Option<i64>, i64)> =
            docs.into_iter().map(|(id, at, n)| (id, (at, n))).collect();
        let acted: Vec<(String, Option<i64>)> = staff_actions::table
            .group_by(staff_actions::case_id)
            .select((staff_actions::case_id, max(staff_actions::at)))
            .load(&mut *c)?;
        let acted: HashMap<String, Option<i64>> = acted.into_iter().collect();
        let held: HashSet<String> = legal_holds::table
            .select(legal_holds::case_id)
            .load::<String>(&mut *c)?
            .into_iter()
            .collect();
        let rows: Vec<CaseRow> = cases::table.select(CaseRow::as_select()).load(&mut *c)?;
        let mut out = Vec::new();
        for row in rows {
            let id = row.id.clone();
            let case = CaseRecord::try_from(row)?;
            let (doc_at, n) = docs.get(&id).copied().unwrap_or((None, 0));
            let last = [
                Some(case.received_at),
                doc_at,
                acted.get(&id).copied().flatten(),
            ]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(case.received_at);
            let reached = rules
                .iter()
                .any(|(status, cutoff)| status.is_none_or(|s| s == case.status) && last <= *cutoff);
            if reached {
                out.push(RetentionCandidate {
                    case: case.id,
                    status: case.status,
                    last_activity: last,
                    documents: u64_of("document count", n)?,
                    held: held.contains(&id),
                });
            }
        }
        out.sort_by_key(|c| c.last_activity);
        Ok(out)
    }

    /// Deletes `case` if it exists, appending the entry `entry(commitment)` first. `None`
    /// when there is no such case (already deleted).
    /// With `unless_held`, a case under a legal hold is left alone (`None`), checked in the
    /// same transaction, so a hold put on while retention runs wins.
    pub fn delete_case(
        &self,
        case: &CaseId,
        unless_held: bool,
        entry: impl FnOnce(&[u8; 32]) -> Vec<u8>,
        now: i64,
    ) -> Result<Option<Deleted>, StoreError> {
        let id = case.to_string();
        self.write(KeyringLock::None, |c| {
            if unless_held {
                let held: i64 = legal_holds::table
                    .filter(legal_holds::case_id.eq(&id))
                    .count()
                    .get_result(c)?;
                if held > 0 {
                    return Ok(None);
                }
            }
            let commitment: Option<Vec<u8>> = cases::table
                .filter(cases::id.eq(&id))
                .select(cases::commitment)
                .first(c)
                .optional()?;
            let Some(commitment) = commitment else {
                return Ok(None);
            };
            let commitment = bytes32("case commitment", &commitment)?;
            let digests: Vec<Vec<u8>> = documents::table
                .filter(documents::case_id.eq(&id))
                .select(documents::sha256)
                .load(c)?;
            let bytes = entry(&commitment);
            let index = super::log::append(c, &[bytes.as_slice()], now)?;
            diesel::delete(cases::table.filter(cases::id.eq(&id))).execute(c)?;
            let mut unreferenced = Vec::new();
            for d in &digests {
                let still: i64 = documents::table
                    .filter(documents::sha256.eq(d))
                    .count()
                    .get_result(c)?;
                if still == 0 {
                    unreferenced.push(bytes32("document sha256", d)?);
                }
            }
            Ok(Some(Deleted {
                logged: LoggedEntry {
                    index,
                    entry: bytes,
                },
                documents: digests.len() as u64,
                unreferenced,
            }))
        })
    }
}
