//! Rows as diesel reads and writes them, and their checked conversion to `domain` records.
//! A row that does not convert (a tampered or corrupt database) is an error, never a default.

use amanat_protocol::wire::{CaseStatus, DocumentKind, StaffActionKind};
use amanat_protocol::{CaseId, DocumentId, StaffId};
use diesel::prelude::*;

use super::StoreError;
use super::schema::{
    cases, challenges, documents, grants, keyrings, log_checkpoints, log_entries, log_nodes,
    root_handovers, sessions, staff_actions, web_manifests,
};
use crate::domain::{
    CaseChange, CaseRecord, DocumentRecord, LastChange, StaffActionRecord, StoredKeyring,
};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = keyrings)]
pub struct KeyringRow {
    pub version: i64,
    pub root_key: Vec<u8>,
    pub body: Vec<u8>,
    pub signature: Vec<u8>,
    pub hash: Vec<u8>,
    pub received_at: i64,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = web_manifests)]
pub struct WebManifestRow {
    pub signed_at: i64,
    pub sha256: Vec<u8>,
    pub signature: Vec<u8>,
    pub log_index: i64,
    pub received_at: i64,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = root_handovers)]
pub struct RootHandoverRow {
    pub log_index: i64,
    pub from_key: Vec<u8>,
    pub to_key: Vec<u8>,
    pub signed_at: i64,
    pub from_signature: Vec<u8>,
    pub to_signature: Vec<u8>,
    pub received_at: i64,
}

impl TryFrom<RootHandoverRow> for amanat_protocol::handover::Handover {
    type Error = StoreError;
    fn try_from(r: RootHandoverRow) -> Result<Self, StoreError> {
        let sig = |v: &[u8]| -> Result<[u8; 64], StoreError> {
            v.try_into().map_err(|_| {
                StoreError::corrupt("root handover", format!("a {}-byte signature", v.len()))
            })
        };
        Ok(Self {
            from: bytes32("root handover", &r.from_key)?,
            to: bytes32("root handover", &r.to_key)?,
            signed_at: r.signed_at,
            from_signature: sig(&r.from_signature)?,
            to_signature: sig(&r.to_signature)?,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub id: String,
    pub auth_key: Vec<u8>,
    pub status: String,
    pub version: i64,
    pub assignee: Option<String>,
    pub received_at: i64,
    pub commitment: Vec<u8>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = grants)]
pub struct GrantRow {
    pub case_id: String,
    pub staff_id: String,
    pub ciphertext: Vec<u8>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = documents)]
pub struct DocumentRow {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    pub sha256: Vec<u8>,
    pub length: i64,
    pub received_at: i64,
    pub log_index: Option<i64>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = challenges)]
pub struct ChallengeRow {
    pub challenge: Vec<u8>,
    pub public_key: Vec<u8>,
    pub expires_at: i64,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub token_hash: Vec<u8>,
    pub case_id: Option<String>,
    pub staff_id: Option<String>,
    pub expires_at: i64,
    pub staff_key: Option<Vec<u8>>,
}

/// Who changed a case last and how (the columns every status or assignee change sets).
#[derive(Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct LastChangeRow {
    pub version: i64,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
    pub last_change: Option<String>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = staff_actions)]
pub struct StaffActionRow {
    pub log_index: i64,
    pub case_id: String,
    pub staff_id: String,
    pub action: String,
    pub at: i64,
    pub detail: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = log_entries)]
pub struct LogEntryRow {
    pub idx: i64,
    pub entry: Vec<u8>,
    pub created_at: i64,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = log_nodes)]
pub struct LogNodeRow {
    pub level: i16,
    pub idx: i64,
    pub hash: Vec<u8>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = log_checkpoints)]
pub struct LogCheckpointRow {
    pub size: i64,
    pub note: String,
    pub created_at: i64,
}

pub fn bytes32(what: &str, v: &[u8]) -> Result<[u8; 32], StoreError> {
    v.try_into()
        .map_err(|_| StoreError::corrupt(what, format!("expected 32 bytes, found {}", v.len())))
}

pub fn u64_of(what: &str, v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::corrupt(what, format!("negative value {v}")))
}

/// Values above `i64::MAX` cannot be stored; callers refuse them before they get here.
pub fn i64_of(what: &str, v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::new(format!("{what} {v} does not fit the database")))
}

pub fn case_id(v: &str) -> Result<CaseId, StoreError> {
    v.parse().map_err(|e| StoreError::corrupt("case", e))
}

pub fn staff_id(v: &str) -> Result<StaffId, StoreError> {
    v.parse().map_err(|e| StoreError::corrupt("staff id", e))
}

/// A staff action's name in the database: the wire name, readable by an operator.
pub fn action_name(a: StaffActionKind) -> &'static str {
    match a {
        StaffActionKind::Open => "open",
        StaffActionKind::Assign => "assign",
        StaffActionKind::Status => "status",
        StaffActionKind::Note => "note",
        StaffActionKind::Reply => "reply",
        StaffActionKind::Share => "share",
        StaffActionKind::Acknowledge => "acknowledge",
        StaffActionKind::Hold => "hold",
    }
}

fn action_of(name: &str) -> Result<StaffActionKind, StoreError> {
    StaffActionKind::ALL
        .into_iter()
        .find(|a| action_name(*a) == name)
        .ok_or_else(|| StoreError::corrupt("staff action", format!("unknown action {name:?}")))
}

/// `status:<status>` or `assignee:<staff id, empty to unassign>`.
pub fn change_text(c: &CaseChange) -> String {
    match c {
        CaseChange::Status(s) => format!("status:{s}"),
        CaseChange::Assignee(a) => format!("assignee:{}", a.as_ref().map_or("", |a| a.as_str())),
    }
}

fn change_of(text: &str) -> Result<CaseChange, StoreError> {
    let corrupt = || StoreError::corrupt("case", format!("last change {text:?}"));
    match text.split_once(':') {
        Some(("status", s)) => Ok(CaseChange::Status(s.parse().map_err(|_| corrupt())?)),
        Some(("assignee", "")) => Ok(CaseChange::Assignee(None)),
        Some(("assignee", a)) => Ok(CaseChange::Assignee(Some(staff_id(a)?))),
        _ => Err(corrupt()),
    }
}

impl LastChangeRow {
    /// The recorded change, if the case was ever changed; half-set columns are corruption.
    pub fn last_change(&self) -> Result<Option<LastChange>, StoreError> {
        match (&self.updated_by, self.updated_at, &self.last_change) {
            (None, None, None) => Ok(None),
            (Some(by), Some(at), Some(change)) => Ok(Some(LastChange {
                by: staff_id(by)?,
                at,
                change: change_of(change)?,
            })),
            _ => Err(StoreError::corrupt("case", "partly recorded last change")),
        }
    }
}

impl TryFrom<StaffActionRow> for StaffActionRecord {
    type Error = StoreError;
    fn try_from(r: StaffActionRow) -> Result<Self, StoreError> {
        Ok(StaffActionRecord {
            log_index: u64_of("staff action", r.log_index)?,
            staff: staff_id(&r.staff_id)?,
            action: action_of(&r.action)?,
            at: r.at,
            detail: r.detail,
        })
    }
}

impl TryFrom<KeyringRow> for StoredKeyring {
    type Error = StoreError;
    fn try_from(r: KeyringRow) -> Result<Self, StoreError> {
        Ok(StoredKeyring {
            version: u64_of("keyring", r.version)?,
            root_key: bytes32("keyring", &r.root_key)?,
            hash: bytes32("keyring", &r.hash)?,
            body: r.body,
            signature: r.signature,
            received_at: r.received_at,
        })
    }
}

impl TryFrom<CaseRow> for CaseRecord {
    type Error = StoreError;
    fn try_from(r: CaseRow) -> Result<Self, StoreError> {
        Ok(CaseRecord {
            id: case_id(&r.id)?,
            status: r
                .status
                .parse::<CaseStatus>()
                .map_err(|e| StoreError::corrupt("case", e))?,
            version: r.version,
            assignee: r.assignee.as_deref().map(staff_id).transpose()?,
            received_at: r.received_at,
            commitment: bytes32("case", &r.commitment)?,
        })
    }
}

impl TryFrom<DocumentRow> for DocumentRecord {
    type Error = StoreError;
    fn try_from(r: DocumentRow) -> Result<Self, StoreError> {
        Ok(DocumentRecord {
            id: r
                .id
                .parse::<DocumentId>()
                .map_err(|e| StoreError::corrupt("document", e))?,
            case_id: case_id(&r.case_id)?,
            kind: r
                .kind
                .parse::<DocumentKind>()
                .map_err(|e| StoreError::corrupt("document", e))?,
            sha256: bytes32("document", &r.sha256)?,
            length: u64_of("document", r.length)?,
            received_at: r.received_at,
        })
    }
}
