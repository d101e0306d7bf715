//! The use cases, in domain terms: publish keyrings, open cases, authenticate, store ciphertext,
//! log what happened and prove it. All synchronous and blocking (the HTTP layer runs it on the
//! blocking pool); no actix or diesel types appear in this module's API.

mod ack;
mod auth;
mod cases;
mod collab;
mod deletion;
mod handover;
mod keyring;
pub mod log;
pub mod pow;
mod staged;
mod upload;
mod uploads;
mod web;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amanat_protocol::keyring::{Fingerprint, SignedKeyring, VerifiedKeyring};
use amanat_protocol::log::entry::Entry;
use amanat_protocol::wire::{DocumentKind, StaffActionKind};

pub use auth::{AnySession, CaseAccess, CaseSession, GrantedReviewer, Reviewer, Staff};
pub use deletion::{RetentionRule, RetentionRun};
pub use log::LogSigner;
pub use upload::{AgeCheck, UploadPlan};
pub use uploads::{ChunkWriter, UploadArea, UploadError, valid_upload_id};

use crate::blobs::BlobStore;
use crate::config::Config;
use crate::domain::{Gated, LastChange, NewStaffAction};
use crate::store::{Store, StoreError};

pub use crate::config::MIN_DOCUMENT_BYTES;

/// The action `who` takes on their case at `at`, with its `04` entry encoded: the case under
/// its commitment, the actor under their keyring key (what an auditor can check).
pub(crate) fn staff_action(
    who: &GrantedReviewer,
    action: StaffActionKind,
    at: i64,
    detail: String,
) -> NewStaffAction {
    NewStaffAction {
        action,
        at,
        detail,
        entry: Entry::StaffAction {
            case: *who.commitment(),
            actor: *who.verifying_key(),
            action,
            at,
        }
        .encode(),
    }
}

/// Why a use case failed. Each variant carries what the log needs; `http::error` decides
/// what the person is told.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// Missing, or not the caller's: one answer for both.
    #[error("not found: {0}")]
    NotFound(String),
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("no keyring has been published")]
    NoKeyring,
    #[error("the case was prepared for keyring {offered}, the current one is {current}")]
    StaleKeyring { offered: u64, current: u64 },
    #[error("bad grants: {0}")]
    BadGrants(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("the keyring is not signed by this server's root")]
    UnknownRoot,
    #[error("the keyring signature does not verify")]
    BadKeyringSignature,
    #[error("bad keyring: {0}")]
    BadKeyring(String),
    #[error("keyring version {offered} is not newer than the current version {current}")]
    KeyringRollback { offered: u64, current: u64 },
    #[error("the web manifest's signature does not verify with this server's root key")]
    BadWebManifestSignature,
    #[error("a web manifest signed at {offered} is not newer than the one signed at {latest}")]
    StaleWebManifest { offered: i64, latest: i64 },
    #[error("the root handover's signatures do not verify: {0}")]
    BadHandover(String),
    #[error("the handover is from a root that is not the one in force")]
    HandoverNotFromCurrentRoot { current: Fingerprint },
    #[error("the handover names a root this foundation had before")]
    HandoverToOldRoot,
    #[error("not an age file: {0}")]
    NotAge(String),
    /// A solved puzzle spent before, here or on another server sharing the database.
    #[error("the {0} puzzle has already been used")]
    PuzzleReplayed(&'static str),
    #[error("larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("not enough disk space: {0}")]
    InsufficientStorage(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A log range (entries, proofs) outside what the log holds.
    #[error("bad range: {0}")]
    BadRange(String),
    #[error("only a power of attorney can be acknowledged, this is a {0}")]
    NotPowerOfAttorney(DocumentKind),
    #[error("the acknowledgement's signature does not verify: {0}")]
    BadAckSignature(&'static str),
    #[error("signed_at {signed_at} is more than {max_skew} s from the server's time {now}")]
    BadTime {
        signed_at: i64,
        now: i64,
        max_skew: u64,
    },
    /// A note or reply whose age header has the wrong number of X25519 recipients.
    #[error("a {kind} needs {expected} X25519 recipients, this one has {found}")]
    BadRecipients {
        kind: DocumentKind,
        expected: usize,
        found: usize,
    },
    /// Optimistic concurrency: the caller saw `sent`, the case is at `current`.
    #[error("stale version {sent}, the case is at {current} (last change: {last:?})")]
    StaleVersion {
        sent: i64,
        current: i64,
        last: Option<LastChange>,
    },
    /// A keyring was published between reading the caller's roles and committing.
    #[error("a keyring was published while the request was handled")]
    KeyringChanged,
    /// The database is down or unreachable: `503`, try again later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The S3 blob store cannot be reached, or is busy: `503`, try again later.
    #[error("blob store unavailable: {0}")]
    StorageUnavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            ServiceError::Unavailable(e.to_string())
        } else if e.is_gone() {
            // A case withdrawn or expired while one of its requests was being written.
            ServiceError::NotFound("the case is gone".into())
        } else {
            ServiceError::Internal(e.to_string())
        }
    }
}

impl ServiceError {
    /// Blob I/O errors: a full disk is the operator's to fix and worth saying so.
    fn io(what: &str, e: std::io::Error) -> Self {
        let s3_transient = e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<crate::blobs::s3::S3Error>())
            .is_some_and(crate::blobs::s3::S3Error::is_transient);
        if e.kind() == std::io::ErrorKind::StorageFull {
            ServiceError::InsufficientStorage(format!("{what}: {e}"))
        } else if s3_transient {
            ServiceError::StorageUnavailable(format!("{what}: {e}"))
        } else {
            ServiceError::Internal(format!("{what}: {e}"))
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// The outcome of a gated write as a result: a lost grant is "not found" like any other case.
fn gated<T>(g: Gated<T>, who: &GrantedReviewer) -> Result<T> {
    match g {
        Gated::Done(v) => Ok(v),
        Gated::NoGrant => Err(ServiceError::NotFound(format!(
            "{} lost the grant for case {} meanwhile",
            who.staff_id(),
            who.case_id()
        ))),
        Gated::KeyringChanged => Err(ServiceError::KeyringChanged),
    }
}

/// Everything the use cases need. Holds no state two servers on one database could
/// disagree on: the keyring, sessions and challenges are read from the database each time.
/// Spent puzzles, upload state and the collector's lease are in the database too; only the
/// count of requests in flight (this process's load) and caches are per process.
#[derive(Debug)]
pub struct Services {
    store: Store,
    blobs: BlobStore,
    log: LogSigner,
    /// The foundation's root key: it signs keyrings and web page manifests.
    root_key: ed25519_dalek::VerifyingKey,
    max_document_bytes: u64,
    /// Room to leave on the blob file system beyond an upload (`disk_reserve_bytes`).
    disk_reserve_bytes: u64,
    session_ttl_secs: u64,
    uploads: UploadArea,
    /// Requests in flight and their bound (`max_in_flight`); the puzzles' difficulty reads it.
    load: Arc<pow::Load>,
    /// Proof-of-work puzzles for opening a case and for signing in (issue 6).
    puzzles: pow::Puzzles,
    /// A random name for this process, as the holder of a lease.
    instance: String,
    /// When this process last looked for orphan blobs (start-up does, so it starts now).
    orphans_checked: std::sync::Mutex<std::time::Instant>,
}

impl Services {
    pub fn new(config: &Config, store: Store, blobs: BlobStore, log: LogSigner) -> Services {
        // Derived from the log key, so instances sharing it accept each other's puzzles.
        let puzzles = pow::Puzzles::new(
            log.derive_secret(b"amanat/pow-key/v1"),
            config.pow_bits,
            config.pow_ttl_secs,
        );
        Services {
            store,
            blobs,
            log,
            root_key: config.root_key,
            max_document_bytes: config.max_document_bytes,
            disk_reserve_bytes: config.disk_reserve_bytes,
            session_ttl_secs: config.session_ttl_secs,
            uploads: UploadArea::new(config),
            load: pow::Load::new(config.max_in_flight),
            puzzles,
            instance: amanat_protocol::encoding::hex(&rand::random::<[u8; 8]>()),
            orphans_checked: std::sync::Mutex::new(std::time::Instant::now()),
        }
    }

    /// The periodic collection, run by one server at a time (a lease in the database, held
    /// for two periods): expired uploads and expired puzzle seeds, and, once per upload TTL
    /// (their grace period; listing every blob is not free), orphan blobs. Returns whether
    /// this server held the lease.
    pub fn collect(&self) -> Result<bool> {
        let at = now();
        let period = i64::try_from(self.upload_collect_period().as_secs()).unwrap_or(600);
        if !self.store.take_lease(
            "collector",
            &self.instance,
            at,
            at.saturating_add(period.saturating_mul(2)),
        )? {
            return Ok(false);
        }
        self.collect_uploads()?;
        self.store.forget_spent_puzzles(at)?;
        let due = {
            let mut last = self
                .orphans_checked
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let due = last.elapsed() >= Duration::from_secs(self.uploads.ttl_secs());
            if due {
                *last = std::time::Instant::now();
            }
            due
        };
        if due {
            self.collect_orphan_blobs()?;
        }
        Ok(true)
    }
    /// The fingerprint keyrings must be signed under.
    /// This foundation's roots, oldest first: the configured root, then each logged
    /// handover's new root. The stored chain is checked as clients check it (both signatures,
    /// each link starting where the last ended) and must start at the configured root, so a
    /// handover row slipped into the database is not trusted.
    fn roots(&self) -> Result<Vec<[u8; 32]>> {
        let chain = self.store.root_handovers()?;
        let keys = amanat_protocol::handover::roots(&chain).map_err(|e| {
            ServiceError::Internal(format!("the stored root handovers do not verify: {e}"))
        })?;
        match keys.first() {
            None => Ok(vec![*self.root_key.as_bytes()]),
            Some(first) if first == self.root_key.as_bytes() => Ok(keys),
            Some(_) => Err(ServiceError::Internal(
                "the stored root handovers do not start at this server's root".into(),
            )),
        }
    }

    /// The root whose signature a new keyring or manifest needs: the last of [`Self::roots`].
    fn root_in_force(&self) -> Result<ed25519_dalek::VerifyingKey> {
        let roots = self.roots()?;
        let last = roots.last().unwrap_or(self.root_key.as_bytes());
        ed25519_dalek::VerifyingKey::from_bytes(last)
            .map_err(|_| ServiceError::Internal("a stored root handover names a bad key".into()))
    }

    /// Re-verifies keyring `version` as this server stored it: it must be signed by one of
    /// this foundation's roots, and verify. This runs on every case creation, so it reads the
    /// handovers only after a rotation and does not re-check their signatures (publishing,
    /// through [`Self::roots`], does; and every client checks the chain itself).
    fn verify_stored(&self, signed: &SignedKeyring, version: u64) -> Result<VerifiedKeyring> {
        let ours = signed.root_key == *self.root_key.as_bytes()
            || self
                .store
                .root_handovers()?
                .iter()
                .any(|h| h.to == signed.root_key);
        let root = match ed25519_dalek::VerifyingKey::from_bytes(&signed.root_key) {
            Ok(k) if ours => Fingerprint::of(&k),
            _ => Fingerprint::of(&self.root_key),
        };
        signed.verify(&root).map_err(|e| {
            ServiceError::Internal(format!(
                "stored keyring version {version} does not verify: {e}"
            ))
        })
    }

    pub fn max_document_bytes(&self) -> u64 {
        self.max_document_bytes
    }

    /// Requests in flight now, shared by every worker.
    pub fn load(&self) -> &Arc<pow::Load> {
        &self.load
    }

    /// Spends a checked puzzle in the database, so that it works once on every server that
    /// shares it, and updates the shared rate the difficulty follows.
    pub fn spend_puzzle(&self, solved: &pow::Checked) -> Result<(), ServiceError> {
        if !self.store.spend_puzzle(&solved.random, solved.expires_at)? {
            return Err(ServiceError::PuzzleReplayed(solved.purpose.as_str()));
        }
        let at = now();
        if self.puzzles.shared_count_due(at) {
            self.puzzles
                .set_shared_recent(self.store.recent_puzzles(at)?);
        }
        Ok(())
    }

    pub fn puzzles(&self) -> &pow::Puzzles {
        &self.puzzles
    }

    /// The current keyring, re-verified against the configured root: a row someone slipped
    /// into the database without the root's signature is not trusted.
    /// At start-up: the newest stored keyring must verify under this server's root key. A
    /// database set up by another server (another root) or altered would otherwise make
    /// every keyring request fail later, as a 500; refuse to start instead and say why.
    pub fn check_database_root(&self) -> std::result::Result<(), String> {
        match self.current_keyring() {
            Ok(_) => Ok(()),
            Err(ServiceError::Internal(why)) => Err(format!(
                "{why}. This database was set up for another root key (another Amanat server) or was altered; point database_url at this server's own database, or at a new empty one"
            )),
            Err(e) => Err(format!("cannot read the stored keyring: {e}")),
        }
    }

    fn current_keyring(&self) -> Result<Option<VerifiedKeyring>> {
        let Some(stored) = self.store.latest_keyring()? else {
            return Ok(None);
        };
        let signed = SignedKeyring {
            root_key: stored.root_key,
            body: stored.body,
            signature: stored.signature,
        };
        self.verify_stored(&signed, stored.version).map(Some)
    }
}

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
