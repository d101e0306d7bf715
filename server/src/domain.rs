//! Plain records the store hands to the services and back: no diesel, no actix.
//! Ids are the protocol's newtypes, so a row that does not parse never leaves the store.

use amanat_protocol::wire::{CaseStatus, DocumentKind, StaffActionKind};
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
    /// The keyring's root handed over to another root since the caller looked.
    RootChanged,
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

/// How publishing a web manifest went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebManifestPublished {
    Accepted(LoggedEntry),
    /// The store already holds a manifest signed at `latest` or later.
    Stale {
        latest: i64,
    },
}

/// How publishing a root handover went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandoverPublished {
    Accepted(LoggedEntry),
    /// The handover is not from the root in force (`current`, a public key).
    NotCurrent {
        current: [u8; 32],
    },
    /// The new root was a root of this foundation before.
    Reused,
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

/// Who a session was opened for. Staff roles are not stored: they come from the current
/// keyring each time, so a keyring change takes effect at once. The key a staff session was
/// opened with is stored, so that a member whose key changed cannot go on with an old session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionOwner {
    Case(CaseId),
    Staff {
        id: StaffId,
        /// `None` only for sessions opened before the key was recorded; they are refused.
        key: Option<[u8; 32]>,
    },
}

/// A change to a case's mutable fields. The last one is kept with the case, so that a writer
/// who saw an older version can be told who changed what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseChange {
    Status(CaseStatus),
    /// `None` unassigns.
    Assignee(Option<StaffId>),
}

/// The change that produced a case's current version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastChange {
    pub by: StaffId,
    pub at: i64,
    pub change: CaseChange,
}

/// What must still hold when a reviewer's write commits: they hold a grant for the case, and
/// the keyring their roles (and anything else the write relied on) were read from is current.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffGate {
    pub case: CaseId,
    pub staff: StaffId,
    pub keyring_version: u64,
}

/// How a gated write went; the store decides inside its transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gated<T> {
    Done(T),
    /// A keyring was published since the reviewer's roles were read.
    KeyringChanged,
    /// The reviewer's grant for the case is gone (a new keyring dropped it).
    NoGrant,
}

/// A staff action to record with what it describes: a `staff_actions` row and its `04` log
/// entry, which the caller has encoded (it knows the case's commitment and the actor's key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewStaffAction {
    pub action: StaffActionKind,
    pub at: i64,
    /// A short description for people ("status → in-review").
    pub detail: String,
    pub entry: Vec<u8>,
}

/// A recorded staff action, as `GET …/activity` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffActionRecord {
    pub log_index: u64,
    pub staff: StaffId,
    pub action: StaffActionKind,
    pub at: i64,
    pub detail: String,
}

/// How an optimistic-concurrency write of a case went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseUpdated {
    /// Applied: the case as it now is, with the kinds of documents it holds.
    Updated(CaseRecord, Vec<DocumentKind>),
    /// The caller's version is not the current one; nothing was written.
    Stale {
        current: i64,
        last: Option<LastChange>,
    },
}

/// A case a retention rule reaches: it has the rule's status and no activity since the
/// rule's cutoff. `held` cases are listed but never deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionCandidate {
    pub case: CaseId,
    pub status: CaseStatus,
    /// The latest of: received, a document or reply stored, a staff action.
    pub last_activity: i64,
    pub documents: u64,
    pub held: bool,
}

/// What a deletion removed: the log entry that records it, and the blobs that are now
/// referenced by nothing (to be removed from the blob store).
pub struct Deleted {
    pub logged: LoggedEntry,
    pub documents: u64,
    pub unreferenced: Vec<[u8; 32]>,
}
