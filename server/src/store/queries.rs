//! The queries, one method per thing the services need. Writes that depend on what they
//! read run in one transaction; uniqueness is enforced by the schema and re-checked here so
//! that two servers on one database cannot both succeed.

use std::collections::BTreeMap;

use amanat_protocol::wire::DocumentKind;
use amanat_protocol::{CaseId, DocumentId, StaffId};
use diesel::dsl::max;
use diesel::prelude::*;

use super::models::{
    CaseRow, ChallengeRow, DocumentRow, GrantRow, KeyringRow, LastChangeRow, SessionRow,
    StaffActionRow, action_name, change_text, i64_of, u64_of,
};
use super::schema::{
    cases, challenges, documents, grants, keyrings, legal_holds, sessions, staff_actions,
};
use super::{DbConnection, KeyringLock, Store, StoreError, is_unique_violation};
use crate::domain::{
    CaseChange, CaseCreated, CaseRecord, CaseUpdated, DocumentRecord, DocumentStored, Gated,
    GrantedCase, KeyringEffects, LoggedEntry, NewCase, NewStaffAction, Published, SessionOwner,
    StaffActionRecord, StaffGate, StoredKeyring,
};

fn current_version(c: &mut DbConnection) -> Result<Option<u64>, StoreError> {
    let v: Option<i64> = keyrings::table.select(max(keyrings::version)).first(c)?;
    v.map(|v| u64_of("keyring", v)).transpose()
}

fn has_grant(c: &mut DbConnection, case: &str, staff: &StaffId) -> Result<bool, StoreError> {
    let n: i64 = grants::table
        .filter(grants::case_id.eq(case))
        .filter(grants::staff_id.eq(staff.as_str()))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}

/// Why a gated write may not go ahead, checked inside its transaction (which holds the
/// keyring lock in shared mode, so neither can change before it commits).
fn gate_refusal<T>(c: &mut DbConnection, g: &StaffGate) -> Result<Option<Gated<T>>, StoreError> {
    if current_version(c)? != Some(g.keyring_version) {
        return Ok(Some(Gated::KeyringChanged));
    }
    if !has_grant(c, &g.case.to_string(), &g.staff)? {
        return Ok(Some(Gated::NoGrant));
    }
    Ok(None)
}

/// Appends the action's `04` entry and its `staff_actions` row, inside the caller's transaction.
fn record_action(
    c: &mut DbConnection,
    g: &StaffGate,
    action: &NewStaffAction,
) -> Result<LoggedEntry, StoreError> {
    let index = super::log::append(c, &[&action.entry], action.at)?;
    diesel::insert_into(staff_actions::table)
        .values(&StaffActionRow {
            log_index: i64_of("log index", index)?,
            case_id: g.case.to_string(),
            staff_id: g.staff.to_string(),
            action: action_name(action.action).to_owned(),
            at: action.at,
            detail: action.detail.clone(),
        })
        .execute(c)?;
    Ok(LoggedEntry {
        index,
        entry: action.entry.clone(),
    })
}

/// The kinds of documents a case holds, in the order `DocumentKind` sorts them.
fn document_kinds(c: &mut DbConnection, case: &str) -> Result<Vec<DocumentKind>, StoreError> {
    let kinds: Vec<String> = documents::table
        .filter(documents::case_id.eq(case))
        .select(documents::kind)
        .distinct()
        .load(c)?;
    let mut kinds = kinds
        .iter()
        .map(|k| {
            k.parse::<DocumentKind>()
                .map_err(|e| StoreError::corrupt("document", e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    kinds.sort();
    Ok(kinds)
}

fn case_documents(c: &mut DbConnection, case: &str) -> Result<Vec<DocumentRecord>, StoreError> {
    let docs: Vec<DocumentRow> = documents::table
        .filter(documents::case_id.eq(case))
        .order((documents::received_at.asc(), documents::id.asc()))
        .select(DocumentRow::as_select())
        .load(c)?;
    docs.into_iter().map(DocumentRecord::try_from).collect()
}

/// Inserts a document row and its `01` entry (plus, for a reviewer's note or reply, the staff
/// action), or recognises a retry; inside the caller's transaction.
fn store_document(
    c: &mut DbConnection,
    rec: &DocumentRecord,
    log_entry: impl FnOnce(&[u8; 32]) -> Vec<u8>,
    action: Option<(&StaffGate, &NewStaffAction)>,
) -> Result<DocumentStored, StoreError> {
    let mut row = DocumentRow {
        id: rec.id.to_string(),
        case_id: rec.case_id.to_string(),
        kind: rec.kind.as_str().to_owned(),
        sha256: rec.sha256.to_vec(),
        length: i64_of("document length", rec.length)?,
        received_at: rec.received_at,
        log_index: None,
    };
    let existing: Option<DocumentRow> = documents::table
        .filter(documents::id.eq(&row.id))
        .select(DocumentRow::as_select())
        .first(c)
        .optional()?;
    if let Some(existing) = existing {
        let log_index = existing.log_index;
        let existing = DocumentRecord::try_from(existing)?;
        let same = existing.case_id == rec.case_id
            && existing.sha256 == rec.sha256
            && existing.kind == rec.kind
            && existing.length == rec.length;
        if !same {
            return Ok(DocumentStored::Conflict);
        }
        let logged = match log_index {
            None => None,
            Some(i) => {
                let i = u64_of("document log index", i)?;
                Some(super::log::entry(c, i)?.ok_or_else(|| {
                    StoreError::corrupt("document", format!("log entry {i} is missing"))
                })?)
            }
        };
        return Ok(DocumentStored::AlreadyThere(existing, logged));
    }
    let commitment: Vec<u8> = cases::table
        .filter(cases::id.eq(&row.case_id))
        .select(cases::commitment)
        .first(c)?;
    let commitment = super::models::bytes32("case", &commitment)?;
    let entry = log_entry(&commitment);
    // The entry goes in only after the row: a failed insert must not leave an entry
    // behind (SQLite keeps the transaction usable after a constraint error).
    match diesel::insert_into(documents::table)
        .values(&row)
        .execute(c)
    {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Ok(DocumentStored::Conflict),
        Err(e) => return Err(e.into()),
    }
    let index = super::log::append(c, &[&entry], rec.received_at)?;
    row.log_index = Some(i64_of("log index", index)?);
    diesel::update(documents::table.filter(documents::id.eq(&row.id)))
        .set(documents::log_index.eq(row.log_index))
        .execute(c)?;
    if let Some((gate, action)) = action {
        record_action(c, gate, action)?;
    }
    Ok(DocumentStored::Created(
        rec.clone(),
        LoggedEntry { index, entry },
    ))
}

impl Store {
    pub fn latest_keyring(&self) -> Result<Option<StoredKeyring>, StoreError> {
        let mut c = self.conn()?;
        keyrings::table
            .order(keyrings::version.desc())
            .select(KeyringRow::as_select())
            .first(&mut *c)
            .optional()?
            .map(StoredKeyring::try_from)
            .transpose()
    }

    /// A keyring this server accepted at some point, for auditors replaying history.
    pub fn keyring_by_version(&self, version: u64) -> Result<Option<StoredKeyring>, StoreError> {
        let Ok(version) = i64::try_from(version) else {
            return Ok(None);
        };
        let mut c = self.conn()?;
        keyrings::table
            .filter(keyrings::version.eq(version))
            .select(KeyringRow::as_select())
            .first(&mut *c)
            .optional()?
            .map(StoredKeyring::try_from)
            .transpose()
    }

    pub fn keyring_version(&self) -> Result<Option<u64>, StoreError> {
        let mut c = self.conn()?;
        current_version(&mut c)
    }

    /// Stores `k` if its version is above the current one and the current one is still
    /// `expected_current` (what the caller computed `effects` against), drops the grants
    /// and staff sessions that `effects` does not keep, and appends `log_entry` (its `03`
    /// entry) to the log, all in one transaction.
    pub fn publish_keyring(
        &self,
        k: &StoredKeyring,
        configured_root: &[u8; 32],
        expected_current: Option<u64>,
        effects: &KeyringEffects,
        log_entry: &[u8],
    ) -> Result<Published, StoreError> {
        let row = KeyringRow {
            version: i64_of("keyring version", k.version)?,
            root_key: k.root_key.to_vec(),
            body: k.body.clone(),
            signature: k.signature.clone(),
            hash: k.hash.to_vec(),
            received_at: k.received_at,
        };
        let keep_sessions: Vec<&str> = effects
            .keep_sessions_of
            .iter()
            .map(StaffId::as_str)
            .collect();
        let keep_grants: Vec<&str> = effects.keep_grants_of.iter().map(StaffId::as_str).collect();
        self.write(KeyringLock::Exclusive, |c| {
            if super::handover::root_in_force(c, configured_root)? != k.root_key {
                return Ok(Published::RootChanged);
            }
            let current = current_version(c)?;
            if let Some(current) = current
                && current >= k.version
            {
                return Ok(Published::Rollback { current });
            }
            if current != expected_current {
                return Ok(Published::Raced);
            }
            match diesel::insert_into(keyrings::table).values(&row).execute(c) {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => return Ok(Published::Raced),
                Err(e) => return Err(e.into()),
            }
            diesel::delete(grants::table.filter(grants::staff_id.ne_all(&keep_grants)))
                .execute(c)?;
            diesel::delete(
                sessions::table
                    .filter(sessions::staff_id.is_not_null())
                    .filter(sessions::staff_id.ne_all(&keep_sessions)),
            )
            .execute(c)?;
            super::log::append(c, &[log_entry], k.received_at)?;
            Ok(Published::Accepted)
        })
    }

    /// Creates a case and its grants, provided `keyring_version` is still current.
    pub fn create_case(
        &self,
        new: &NewCase,
        keyring_version: u64,
    ) -> Result<CaseCreated, StoreError> {
        let id = new.id.to_string();
        let row = CaseRow {
            id: id.clone(),
            auth_key: new.auth_key.to_vec(),
            status: amanat_protocol::wire::CaseStatus::New.as_str().to_owned(),
            version: 1,
            assignee: None,
            received_at: new.received_at,
            commitment: new.commitment.to_vec(),
        };
        let grant_rows: Vec<GrantRow> = new
            .grants
            .iter()
            .map(|(staff, ct)| GrantRow {
                case_id: id.clone(),
                staff_id: staff.to_string(),
                ciphertext: ct.clone(),
            })
            .collect();
        self.write(KeyringLock::Shared, |c| {
            let current = current_version(c)?;
            if current != Some(keyring_version) {
                return Ok(CaseCreated::StaleKeyring { current });
            }
            let taken: i64 = cases::table
                .filter(
                    cases::id
                        .eq(&id)
                        .or(cases::auth_key.eq(&row.auth_key))
                        .or(cases::commitment.eq(&row.commitment)),
                )
                .count()
                .get_result(c)?;
            if taken > 0 {
                return Ok(CaseCreated::Conflict);
            }
            match diesel::insert_into(cases::table).values(&row).execute(c) {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => return Ok(CaseCreated::Conflict),
                Err(e) => return Err(e.into()),
            }
            // One statement per grant: the multi-backend cannot express SQLite's batch insert
            // (which lacks DEFAULT), and a case has only a handful of reviewers.
            for g in &grant_rows {
                diesel::insert_into(grants::table).values(g).execute(c)?;
            }
            Ok(CaseCreated::Created)
        })
    }

    /// Stores a challenge, and forgets expired ones so that unanswered challenges cannot pile up.
    pub fn insert_challenge(
        &self,
        challenge: &[u8; 32],
        public_key: &[u8; 32],
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        self.write(KeyringLock::None, |c| {
            diesel::delete(challenges::table.filter(challenges::expires_at.le(now))).execute(c)?;
            diesel::insert_into(challenges::table)
                .values(&ChallengeRow {
                    challenge: challenge.to_vec(),
                    public_key: public_key.to_vec(),
                    expires_at,
                })
                .execute(c)?;
            Ok(())
        })
    }

    /// Deletes the challenge and returns the key it was issued for, if it existed and had not
    /// expired. Only the caller whose delete removed the row gets it, so it works once.
    pub fn take_challenge(
        &self,
        challenge: &[u8; 32],
        now: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.write(KeyringLock::None, |c| {
            let row: Option<ChallengeRow> = challenges::table
                .filter(challenges::challenge.eq(challenge.as_slice()))
                .select(ChallengeRow::as_select())
                .first(c)
                .optional()?;
            let deleted = diesel::delete(
                challenges::table.filter(challenges::challenge.eq(challenge.as_slice())),
            )
            .execute(c)?;
            Ok(row
                .filter(|r| deleted == 1 && r.expires_at > now)
                .map(|r| r.public_key))
        })
    }

    pub fn case_by_auth_key(&self, key: &[u8; 32]) -> Result<Option<CaseId>, StoreError> {
        let mut c = self.conn()?;
        let id: Option<String> = cases::table
            .filter(cases::auth_key.eq(key.as_slice()))
            .select(cases::id)
            .first(&mut *c)
            .optional()?;
        id.as_deref().map(super::models::case_id).transpose()
    }

    pub fn insert_session(
        &self,
        token_hash: &[u8; 32],
        owner: &SessionOwner,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let (case_id, staff_id, staff_key) = match owner {
            SessionOwner::Case(id) => (Some(id.to_string()), None, None),
            SessionOwner::Staff { id, key } => {
                (None, Some(id.to_string()), key.map(|k| k.to_vec()))
            }
        };
        self.write(KeyringLock::None, |c| {
            diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(c)?;
            diesel::insert_into(sessions::table)
                .values(&SessionRow {
                    token_hash: token_hash.to_vec(),
                    case_id,
                    staff_id,
                    expires_at,
                    staff_key,
                })
                .execute(c)?;
            Ok(())
        })
    }

    /// The owner of an unexpired session.
    pub fn session(
        &self,
        token_hash: &[u8; 32],
        now: i64,
    ) -> Result<Option<SessionOwner>, StoreError> {
        let mut c = self.conn()?;
        let row: Option<SessionRow> = sessions::table
            .filter(sessions::token_hash.eq(token_hash.as_slice()))
            .filter(sessions::expires_at.gt(now))
            .select(SessionRow::as_select())
            .first(&mut *c)
            .optional()?;
        let Some(row) = row else { return Ok(None) };
        match (row.case_id, row.staff_id) {
            (Some(case), None) => Ok(Some(SessionOwner::Case(super::models::case_id(&case)?))),
            (None, Some(staff)) => Ok(Some(SessionOwner::Staff {
                id: super::models::staff_id(&staff)?,
                key: row
                    .staff_key
                    .as_deref()
                    .map(|k| super::models::bytes32("session", k))
                    .transpose()?,
            })),
            _ => Err(StoreError::corrupt("session", "not exactly one owner")),
        }
    }

    pub fn delete_session(&self, token_hash: &[u8; 32]) -> Result<(), StoreError> {
        let mut c = self.conn()?;
        diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash.as_slice())))
            .execute(&mut *c)?;
        Ok(())
    }

    /// Every case (or, with `granted_to`, those with a grant for that staff member), newest
    /// first, with the kinds of documents each holds.
    pub fn list_cases(
        &self,
        granted_to: Option<&StaffId>,
    ) -> Result<Vec<(CaseRecord, Vec<DocumentKind>)>, StoreError> {
        let mut c = self.conn()?;
        let newest_first = (cases::received_at.desc(), cases::id.asc());
        let rows: Vec<CaseRow> = match granted_to {
            Some(staff) => cases::table
                .filter(
                    cases::id.eq_any(
                        grants::table
                            .filter(grants::staff_id.eq(staff.as_str()))
                            .select(grants::case_id),
                    ),
                )
                .order(newest_first)
                .select(CaseRow::as_select())
                .load(&mut *c)?,
            None => cases::table
                .order(newest_first)
                .select(CaseRow::as_select())
                .load(&mut *c)?,
        };
        let kinds: Vec<(String, String)> = documents::table
            .select((documents::case_id, documents::kind))
            .distinct()
            .load(&mut *c)?;
        let mut by_case: BTreeMap<String, Vec<DocumentKind>> = BTreeMap::new();
        for (case, kind) in kinds {
            let kind = kind
                .parse::<DocumentKind>()
                .map_err(|e| StoreError::corrupt("document", e))?;
            by_case.entry(case).or_default().push(kind);
        }
        rows.into_iter()
            .map(|row| {
                let mut kinds = by_case.remove(&row.id).unwrap_or_default();
                kinds.sort();
                Ok((CaseRecord::try_from(row)?, kinds))
            })
            .collect()
    }

    /// A case with `staff`'s grant and its documents; `None` if either is missing.
    pub fn case_for_staff(
        &self,
        case: &CaseId,
        staff: &StaffId,
    ) -> Result<Option<GrantedCase>, StoreError> {
        let mut c = self.conn()?;
        let id = case.to_string();
        let found: Option<(CaseRow, Vec<u8>)> = cases::table
            .inner_join(grants::table)
            .filter(cases::id.eq(&id))
            .filter(grants::staff_id.eq(staff.as_str()))
            .select((CaseRow::as_select(), grants::ciphertext))
            .first(&mut *c)
            .optional()?;
        let Some((row, grant)) = found else {
            return Ok(None);
        };
        Ok(Some(GrantedCase {
            case: CaseRecord::try_from(row)?,
            grant,
            documents: case_documents(&mut c, &id)?,
        }))
    }

    /// A document of `case`, provided `staff` holds a grant for that case.
    pub fn document_for_staff(
        &self,
        case: &CaseId,
        doc: &DocumentId,
        staff: &StaffId,
    ) -> Result<Option<DocumentRecord>, StoreError> {
        let mut c = self.conn()?;
        let case = case.to_string();
        if !has_grant(&mut c, &case, staff)? {
            return Ok(None);
        }
        let row: Option<DocumentRow> = documents::table
            .filter(documents::id.eq(doc.to_string()))
            .filter(documents::case_id.eq(&case))
            .select(DocumentRow::as_select())
            .first(&mut *c)
            .optional()?;
        row.map(DocumentRecord::try_from).transpose()
    }

    pub fn document(&self, doc: &DocumentId) -> Result<Option<DocumentRecord>, StoreError> {
        let mut c = self.conn()?;
        let row: Option<DocumentRow> = documents::table
            .filter(documents::id.eq(doc.to_string()))
            .select(DocumentRow::as_select())
            .first(&mut *c)
            .optional()?;
        row.map(DocumentRecord::try_from).transpose()
    }

    /// Records a stored blob as a document and appends its `01` entry, which `log_entry`
    /// builds from the case's commitment, in the same transaction: a document is stored if
    /// and only if it is logged. The same id with the same bytes in the same case is a retry
    /// and returns the original entry; anything else under a taken id is a conflict.
    pub fn insert_document(
        &self,
        rec: &DocumentRecord,
        log_entry: impl FnOnce(&[u8; 32]) -> Vec<u8>,
    ) -> Result<DocumentStored, StoreError> {
        self.write(KeyringLock::None, |c| {
            store_document(c, rec, log_entry, None)
        })
    }

    /// [`Store::insert_document`] for a reviewer's note or reply: gated, and recorded as a
    /// staff action in the same transaction (a retry records nothing new).
    pub fn insert_staff_document(
        &self,
        gate: &StaffGate,
        rec: &DocumentRecord,
        log_entry: impl FnOnce(&[u8; 32]) -> Vec<u8>,
        action: &NewStaffAction,
    ) -> Result<Gated<DocumentStored>, StoreError> {
        self.write_gated(gate, |c| {
            store_document(c, rec, log_entry, Some((gate, action)))
        })
    }

    /// Runs `f` in a write transaction that first checks `gate`; `f` does not run if it fails.
    /// Shares the keyring lock with case creation, so no keyring is published meanwhile.
    fn write_gated<T>(
        &self,
        gate: &StaffGate,
        f: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
    ) -> Result<Gated<T>, StoreError> {
        self.write(KeyringLock::Shared, |c| {
            if let Some(refused) = gate_refusal(c, gate)? {
                return Ok(refused);
            }
            f(c).map(Gated::Done)
        })
    }

    /// The case's log commitment, provided `staff` holds a grant for it: the one check behind
    /// every "reviewer with a grant for it" route.
    pub fn commitment_for_staff(
        &self,
        case: &CaseId,
        staff: &StaffId,
    ) -> Result<Option<[u8; 32]>, StoreError> {
        let mut c = self.conn()?;
        let commitment: Option<Vec<u8>> = cases::table
            .inner_join(grants::table)
            .filter(cases::id.eq(case.to_string()))
            .filter(grants::staff_id.eq(staff.as_str()))
            .select(cases::commitment)
            .first(&mut *c)
            .optional()?;
        commitment
            .map(|v| super::models::bytes32("case", &v))
            .transpose()
    }

    /// A case and all its documents (the caller filters what its reader may see).
    pub fn case_with_documents(
        &self,
        case: &CaseId,
    ) -> Result<Option<(CaseRecord, Vec<DocumentRecord>)>, StoreError> {
        let mut c = self.conn()?;
        let id = case.to_string();
        let row: Option<CaseRow> = cases::table
            .filter(cases::id.eq(&id))
            .select(CaseRow::as_select())
            .first(&mut *c)
            .optional()?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some((
            CaseRecord::try_from(row)?,
            case_documents(&mut c, &id)?,
        )))
    }

    /// A document of `case` (no grant check: for the case's own session).
    pub fn document_in_case(
        &self,
        case: &CaseId,
        doc: &DocumentId,
    ) -> Result<Option<DocumentRecord>, StoreError> {
        let mut c = self.conn()?;
        let row: Option<DocumentRow> = documents::table
            .filter(documents::id.eq(doc.to_string()))
            .filter(documents::case_id.eq(case.to_string()))
            .select(DocumentRow::as_select())
            .first(&mut *c)
            .optional()?;
        row.map(DocumentRecord::try_from).transpose()
    }

    /// Records a staff action that changes nothing else (opening a case), in a transaction
    /// of its own.
    pub fn record_staff_action(
        &self,
        gate: &StaffGate,
        action: &NewStaffAction,
    ) -> Result<Gated<LoggedEntry>, StoreError> {
        self.write_gated(gate, |c| record_action(c, gate, action))
    }

    /// Applies `change` if the case is still at `expected_version`, bumping the version and
    /// remembering who changed what, and records the action, all in one transaction. The
    /// `WHERE version = ?` is the whole concurrency control: of two writers who saw the same
    /// version, the second's UPDATE matches no row (SQLite serialises writers; PostgreSQL
    /// re-checks the condition on the row the first one committed).
    pub fn update_case(
        &self,
        gate: &StaffGate,
        expected_version: i64,
        change: &CaseChange,
        action: &NewStaffAction,
    ) -> Result<Gated<CaseUpdated>, StoreError> {
        let id = gate.case.to_string();
        let by = gate.staff.to_string();
        let text = change_text(change);
        self.write_gated(gate, |c| {
            let target = cases::table
                .filter(cases::id.eq(&id))
                .filter(cases::version.eq(expected_version));
            let stamp = (
                cases::version.eq(cases::version + 1),
                cases::updated_by.eq(Some(&by)),
                cases::updated_at.eq(Some(action.at)),
                cases::last_change.eq(Some(&text)),
            );
            let updated = match change {
                CaseChange::Status(s) => diesel::update(target)
                    .set((cases::status.eq(s.as_str()), stamp))
                    .execute(c)?,
                CaseChange::Assignee(a) => diesel::update(target)
                    .set((cases::assignee.eq(a.as_ref().map(StaffId::as_str)), stamp))
                    .execute(c)?,
            };
            if updated == 0 {
                let now: LastChangeRow = cases::table
                    .filter(cases::id.eq(&id))
                    .select(LastChangeRow::as_select())
                    .first(c)?;
                return Ok(CaseUpdated::Stale {
                    current: now.version,
                    last: now.last_change()?,
                });
            }
            record_action(c, gate, action)?;
            let row: CaseRow = cases::table
                .filter(cases::id.eq(&id))
                .select(CaseRow::as_select())
                .first(c)?;
            Ok(CaseUpdated::Updated(
                CaseRecord::try_from(row)?,
                document_kinds(c, &id)?,
            ))
        })
    }

    /// Stores (or replaces) `staff`'s grant for the case and records the share.
    pub fn put_grant(
        &self,
        gate: &StaffGate,
        staff: &StaffId,
        ciphertext: &[u8],
        action: &NewStaffAction,
    ) -> Result<Gated<()>, StoreError> {
        let row = GrantRow {
            case_id: gate.case.to_string(),
            staff_id: staff.to_string(),
            ciphertext: ciphertext.to_vec(),
        };
        self.write_gated(gate, |c| {
            // Delete and insert rather than an upsert, which the multi-backend connection
            // cannot express; the transaction makes it one change.
            diesel::delete(
                grants::table
                    .filter(grants::case_id.eq(&row.case_id))
                    .filter(grants::staff_id.eq(&row.staff_id)),
            )
            .execute(c)?;
            diesel::insert_into(grants::table).values(&row).execute(c)?;
            record_action(c, gate, action)?;
            Ok(())
        })
    }

    /// Puts a legal hold on the gate's case (or lifts it) and records the staff action, provided
    /// the gate still holds. Putting on a hold that is on already refreshes who and when.
    pub fn set_hold(
        &self,
        gate: &StaffGate,
        hold: bool,
        action: &NewStaffAction,
    ) -> Result<Gated<()>, StoreError> {
        let case = gate.case.to_string();
        self.write_gated(gate, |c| {
            diesel::delete(legal_holds::table.filter(legal_holds::case_id.eq(&case))).execute(c)?;
            if hold {
                diesel::insert_into(legal_holds::table)
                    .values((
                        legal_holds::case_id.eq(&case),
                        legal_holds::staff_id.eq(gate.staff.as_str()),
                        legal_holds::since.eq(action.at),
                    ))
                    .execute(c)?;
            }
            record_action(c, gate, action)?;
            Ok(())
        })
    }

    /// Appends an acknowledgement's `02` entry and the reviewer's `04` "acknowledge" action,
    /// provided the gate still holds. Returns the `02` entry (the receipt is for it).
    pub fn append_acknowledgement(
        &self,
        gate: &StaffGate,
        entry: &[u8],
        action: &NewStaffAction,
    ) -> Result<Gated<LoggedEntry>, StoreError> {
        self.write_gated(gate, |c| {
            let index = super::log::append(c, &[entry], action.at)?;
            record_action(c, gate, action)?;
            Ok(LoggedEntry {
                index,
                entry: entry.to_vec(),
            })
        })
    }

    /// A case's staff actions, oldest first (log order).
    pub fn staff_actions(&self, case: &CaseId) -> Result<Vec<StaffActionRecord>, StoreError> {
        let mut c = self.conn()?;
        let rows: Vec<StaffActionRow> = staff_actions::table
            .filter(staff_actions::case_id.eq(case.to_string()))
            .order(staff_actions::log_index.asc())
            .select(StaffActionRow::as_select())
            .load(&mut *c)?;
        rows.into_iter().map(StaffActionRecord::try_from).collect()
    }

    /// Grants held by `staff`, for checks by operators and tests.
    pub fn grants_of(&self, staff: &StaffId) -> Result<Vec<CaseId>, StoreError> {
        let mut c = self.conn()?;
        let ids: Vec<String> = grants::table
            .filter(grants::staff_id.eq(staff.as_str()))
            .order(grants::case_id.asc())
            .select(grants::case_id)
            .load(&mut *c)?;
        ids.iter().map(|i| super::models::case_id(i)).collect()
    }
}
