//! Plain records the store hands to the services and back: no diesel, no actix.
//! Ids are the protocol's newtypes, so a row that does not parse never leaves the store.

use amanat_protocol::wire::{CaseStatus, DocumentKind};
use amanat_protocol::{CaseId, DocumentId, StaffId};

/// A keyring as stored: the exact signed bytes plus when they arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredKeyring {
    pub version: u64,
    pub root_key: [u8; 32],
    pub body: Vec<u8>,
    pub signature: Vec<u8>,
    pub hash: [u8; 32],
    pub received_at: i64,
}

/// What a newly published keyring changes for people already known to the server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyringEffects {
    /// Staff whose sessions survive: still present, with the same verifying key.
    pub keep_sessions_of: Vec<StaffId>,
    /// Staff whose grants survive: still present with the reviewer role.
    pub keep_grants_of: Vec<StaffId>,
}

/// How publishing went; the store decides inside its transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Published {
    Accepted,
    /// The offered version is not above the current one.
    Rollback {
        current: u64,
    },
    /// Another publisher changed the current version since the caller looked; retry.
    Raced,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCase {
    pub id: CaseId,
    pub auth_key: [u8; 32],
    /// The case's pseudonym in the log, as the complainant computed it.
    pub commitment: [u8; 32],
    pub received_at: i64,
    pub grants: Vec<(StaffId, Vec<u8>)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseCreated {
    Created,
    /// The current keyring is not the one the grants were made for.
    StaleKeyring {
        current: Option<u64>,
    },
    /// The case id, its auth key or its commitment already exists.
    Conflict,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseRecord {
    pub id: CaseId,
    pub status: CaseStatus,
    pub version: i64,
    pub assignee: Option<StaffId>,
    pub received_at: i64,
    pub commitment: [u8; 32],
}

/// A case as one reviewer may see it: with their own grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantedCase {
    pub case: CaseRecord,
    pub grant: Vec<u8>,
    pub documents: Vec<DocumentRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentRecord {
    pub id: DocumentId,
    pub case_id: CaseId,
    pub kind: DocumentKind,
    pub sha256: [u8; 32],
    pub length: u64,
    pub received_at: i64,
}

/// An entry of the transparency log: where it is and its exact bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedEntry {
    pub index: u64,
    pub entry: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentStored {
    /// Stored, and its `01` entry appended in the same transaction.
    Created(DocumentRecord, LoggedEntry),
    /// The same id already holds the same bytes in the same case: a retried upload. The entry
    /// is the one logged the first time (none for a document stored before the log existed).
    AlreadyThere(DocumentRecord, Option<LoggedEntry>),
    /// The id is taken by other bytes or another case.
    Conflict,
}

/// How recording an acknowledgement went; the store decides inside its transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AckAppended {
    Appended(LoggedEntry),
    /// The keyring changed since the reviewer's key was checked against it.
    KeyringChanged,
    /// The reviewer's grant for the case is gone (a new keyring dropped it).
    NoGrant,
}

/// Who a session was opened for. Staff roles are not stored: they come from the current
/// keyring each time, so a keyring change takes effect at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionOwner {
    Case(CaseId),
    Staff(StaffId),
}
