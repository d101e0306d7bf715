//! Rows as diesel reads and writes them, and their checked conversion to `domain` records.
//! A row that does not convert (a tampered or corrupt database) is an error, never a default.

use amanat_protocol::wire::{CaseStatus, DocumentKind};
use amanat_protocol::{CaseId, DocumentId, StaffId};
use diesel::prelude::*;

use super::StoreError;
use super::schema::{
    cases, challenges, documents, grants, keyrings, log_checkpoints, log_entries, log_nodes,
    sessions,
};
use crate::domain::{CaseRecord, DocumentRecord, StoredKeyring};

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
    i64::try_from(v).map_err(|_| StoreError(format!("{what} {v} does not fit the database")))
}

pub fn case_id(v: &str) -> Result<CaseId, StoreError> {
    v.parse().map_err(|e| StoreError::corrupt("case", e))
}

pub fn staff_id(v: &str) -> Result<StaffId, StoreError> {
    v.parse().map_err(|e| StoreError::corrupt("staff id", e))
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
