//! Resumable uploads (docs/protocol.md, "Resumable uploads"): create, append a chunk at the
//! server's offset, report the state, finish (length, age header, padded length, SHA-256, then
//! the blob commit and the document with its log entry in one transaction), delete, collect.
//! On a folder store bytes grow in `blob_dir/uploads/<id>`, whose fsynced length is the
//! offset; on an S3 store each chunk is a part of a multipart upload (`service::staged`).

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use amanat_protocol::agefile::{self, MAX_HEADER};
use amanat_protocol::log::entry::{DocumentReceived, Entry};
use amanat_protocol::wire::{CreateUpload, DocumentInfo, MAX_CHUNK, UploadState};
use amanat_protocol::{CaseId, encoding::hex};
use rustix::fs::{FlockOperation, flock};
use sha2::{Digest, Sha256};

use super::cases::document_info;
use super::{CaseSession, ServiceError, Services, now};
use crate::blobs::{mkdir_private, sync_dir};
use crate::config::Config;
use crate::domain::DocumentRecord;
use crate::store::uploads::{UploadCreated, UploadFinished, UploadRecord};

/// The folder under `blob_dir` for uploads in progress (the blob store's own `tmp/` is
/// emptied at every start, and these must survive a restart).
pub const UPLOAD_DIR: &str = "uploads";
/// How long a request waits for another request on the same upload to let go of it.
const LOCK_WAIT: Duration = Duration::from_secs(10);
/// Hash states kept for uploads in progress; beyond this, finishing re-reads the file.
const HASH_CACHE_MAX: usize = 4096;
/// Reads while re-hashing or checking a file.
const READ_BLOCK: usize = 1024 * 1024;

/// Why an upload request was refused. Each variant maps to one answer in `http::uploads`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// The chunk does not start where the server is; the state says where it is.
    #[error("the chunk starts at {sent}, the upload is at {}", .state.offset)]
    OffsetMismatch { sent: u64, state: UploadState },
    #[error("finish before the last byte: {} of {} bytes", .state.offset, .state.length)]
    Incomplete { state: UploadState },
    #[error("the SHA-256 of the upload is not the one given")]
    HashMismatch,
    #[error("a chunk may carry at most {max} bytes")]
    ChunkTooLarge { max: u64 },
    #[error("the chunk runs past the declared length of {length} bytes")]
    PastEnd { length: u64 },
    #[error("another request is writing this upload")]
    Busy,
    #[error("a chunk that does not end the upload must carry at least {min} bytes")]
    ChunkTooSmall { min: u64 },
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<crate::store::StoreError> for UploadError {
    fn from(e: crate::store::StoreError) -> Self {
        UploadError::Service(e.into())
    }
}

type Result<T, E = UploadError> = std::result::Result<T, E>;

pub(super) fn io_error(what: &str, e: io::Error) -> UploadError {
    UploadError::Service(ServiceError::io(what, e))
}

/// What the server keeps in memory about uploads: nothing another server would need. Hash
/// states save re-reading the file at finish (a cache: missing or stale, the file is hashed
/// again); the writer flags let a new request for an upload end an older one that still
/// holds it, e.g. over a connection that died without a reset.
pub struct UploadArea {
    dir: PathBuf,
    ttl_secs: u64,
    hashes: Mutex<HashMap<String, (u64, Sha256)>>,
    writers: Mutex<HashMap<String, Arc<AtomicBool>>>,
}

impl std::fmt::Debug for UploadArea {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadArea")
            .field("dir", &self.dir)
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The maps hold plain data; a panic elsewhere cannot leave them inconsistent.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl UploadArea {
    pub fn new(config: &Config) -> UploadArea {
        UploadArea {
            dir: config.blob_dir.join(UPLOAD_DIR),
            ttl_secs: config.upload_ttl_secs,
            hashes: Mutex::new(HashMap::new()),
            writers: Mutex::new(HashMap::new()),
        }
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    pub(super) fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    pub(super) fn ttl(&self) -> i64 {
        i64::try_from(self.ttl_secs).unwrap_or(i64::MAX)
    }

    fn take_hash(&self, id: &str, offset: u64) -> Option<Sha256> {
        match locked(&self.hashes).remove(id) {
            Some((at, h)) if at == offset => Some(h),
            _ if offset == 0 => Some(Sha256::new()),
            _ => None,
        }
    }

    fn put_hash(&self, id: &str, offset: u64, h: Sha256) {
        let mut map = locked(&self.hashes);
        if map.len() >= HASH_CACHE_MAX
            && let Some(k) = map.keys().next().cloned()
        {
            map.remove(&k);
        }
        map.insert(id.to_owned(), (offset, h));
    }

    fn forget(&self, id: &str) {
        locked(&self.hashes).remove(id);
        locked(&self.writers).remove(id);
    }

    /// Opens the upload's file and takes its lock, first asking any request of this process
    /// that holds it to stop. Another process holding it past [`LOCK_WAIT`] is `Busy`.
    fn lock(&self, id: &str) -> Result<Option<File>> {
        if let Some(flag) = locked(&self.writers).get(id) {
            flag.store(true, Ordering::SeqCst);
        }
        let file = match OpenOptions::new()
            .read(true)
            .write(true)
            .open(self.path(id))
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("opening an upload", e)),
        };
        let deadline = Instant::now() + LOCK_WAIT;
        loop {
            match flock(&file, FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => return Ok(Some(file)),
                Err(rustix::io::Errno::WOULDBLOCK) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(rustix::io::Errno::WOULDBLOCK) => return Err(UploadError::Busy),
                Err(e) => return Err(io_error("locking an upload", e.into())),
            }
        }
    }

    fn remove_file(&self, id: &str) {
        match fs::remove_file(self.path(id)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            // The collector tries again later.
            Err(e) => tracing::warn!("removing an upload's bytes failed: {e}"),
        }
    }
}

/// An upload id is 32 lowercase hex digits; anything else never reaches a query or a path.
pub fn valid_upload_id(id: &str) -> bool {
    amanat_protocol::wire::valid_upload_id(id)
}

pub(super) fn state(rec: &UploadRecord, offset: u64) -> UploadState {
    UploadState {
        upload_id: rec.id.clone(),
        document_id: rec.document_id,
        kind: rec.kind,
        length: rec.length,
        offset,
        expires_at: rec.expires_at,
    }
}

fn file_len(file: &File) -> Result<u64> {
    file.metadata()
        .map(|m| m.len())
        .map_err(|e| io_error("reading an upload's length", e))
}

/// One chunk being appended. On a folder store it holds the upload's lock until it is
/// closed or dropped; on an S3 store it gathers the chunk (at most [`MAX_CHUNK`]) in memory.
pub struct ChunkWriter {
    pub(super) rec: UploadRecord,
    pub(super) sink: Sink,
    pub(super) start: u64,
    pub(super) offset: u64,
    /// The furthest offset this chunk may reach.
    end: u64,
    stop: Arc<AtomicBool>,
}

#[allow(clippy::large_enum_variant)] // one per request in flight; boxing buys nothing
pub(super) enum Sink {
    File {
        file: File,
        hasher: Option<Sha256>,
        hasher_at_start: Option<Sha256>,
    },
    Memory(Vec<u8>),
}

impl std::fmt::Debug for ChunkWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkWriter")
            .field("upload", &self.rec.id)
            .field("start", &self.start)
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}

impl ChunkWriter {
    /// Appends `data` (blocking). Past the chunk's limit nothing is written.
    pub fn write(&mut self, data: &[u8]) -> Result<()> {
        self.write_pieces(&[data])
    }

    /// Appends the pieces in order, as the network delivered them (blocking). Past the
    /// chunk's limit nothing is written.
    pub fn write_pieces<P: AsRef<[u8]>>(&mut self, pieces: &[P]) -> Result<()> {
        let len: u64 = pieces.iter().map(|p| p.as_ref().len() as u64).sum();
        let after = self.offset.saturating_add(len);
        if after > self.end {
            return Err(if after > self.rec.length {
                UploadError::PastEnd {
                    length: self.rec.length,
                }
            } else {
                UploadError::ChunkTooLarge { max: MAX_CHUNK }
            });
        }
        match &mut self.sink {
            Sink::File { file, hasher, .. } => {
                for piece in pieces {
                    let data = piece.as_ref();
                    file.write_all(data)
                        .map_err(|e| io_error("writing an upload", e))?;
                    crate::metrics::global().uploaded(data.len() as u64);
                    if let Some(h) = hasher {
                        h.update(data);
                    }
                }
                // Start writing back now, so the fsync that acknowledges the chunk has little
                // left to do: the disk works while the network delivers the rest. Only
                // advice; errors ignored.
                let _ = rustix::fs::fadvise(
                    &*file,
                    self.offset,
                    std::num::NonZeroU64::new(len),
                    rustix::fs::Advice::DontNeed,
                );
            }
            Sink::Memory(buf) => {
                for piece in pieces {
                    buf.extend_from_slice(piece.as_ref());
                    crate::metrics::global().uploaded(piece.as_ref().len() as u64);
                }
            }
        }
        self.offset = after;
        Ok(())
    }

    /// Set once a newer request for this upload asks this one to stop; the HTTP layer
    /// watches it while it waits for the network.
    pub fn stop_signal(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// How many bytes this chunk may still carry.
    pub fn room(&self) -> u64 {
        self.end - self.offset
    }
}

impl Services {
    fn own_upload(&self, who: &CaseSession, id: &str) -> Result<UploadRecord> {
        let rec = if valid_upload_id(id) {
            self.store.upload(id)?
        } else {
            None
        };
        match rec {
            Some(r) if &r.case_id == who.case_id() => Ok(r),
            _ => Err(ServiceError::NotFound("no such upload for this case".into()).into()),
        }
    }

    pub(super) fn own_unfinished(&self, who: &CaseSession, id: &str) -> Result<UploadRecord> {
        let rec = self.own_upload(who, id)?;
        if rec.finished_at.is_some() || rec.expires_at < now() {
            return Err(ServiceError::NotFound("the upload is finished or expired".into()).into());
        }
        Ok(rec)
    }

    /// `POST /v1/cases/{case}/uploads`. Returns the state and whether it is new (`false`: the
    /// same create was retried and the existing upload is returned).
    pub fn create_resumable(
        &self,
        who: &CaseSession,
        case: CaseId,
        req: &CreateUpload,
    ) -> Result<(UploadState, bool)> {
        if who.case_id() != &case {
            return Err(ServiceError::NotFound(
                "upload into a case other than the session's".into(),
            )
            .into());
        }
        if !req.kind.complainant_may_upload() {
            return Err(ServiceError::BadRequest(format!(
                "a complainant cannot upload a {}; use appeal-form, power-of-attorney or attachment",
                req.kind
            ))
            .into());
        }
        let limit = self.max_document_bytes;
        if req.length > limit {
            return Err(ServiceError::TooLarge { limit }.into());
        }
        let available = self
            .blobs
            .available_bytes()
            .map_err(|e| io_error("checking free space", e))?;
        let needed = req.length.saturating_add(self.disk_reserve_bytes);
        if available < needed {
            return Err(ServiceError::InsufficientStorage(format!(
                "{available} bytes free, {needed} needed"
            ))
            .into());
        }
        let at = now();
        let rec = UploadRecord {
            id: hex(&rand::random::<[u8; 16]>()),
            case_id: case,
            document_id: req.document_id,
            kind: req.kind,
            length: req.length,
            created_at: at,
            expires_at: at.saturating_add(self.uploads.ttl()),
            finished_at: None,
            staged: 0,
            staging: None,
        };
        if self.blobs.bucket().is_some() {
            return self.create_staged(rec);
        }
        match self.store.create_upload(&rec)? {
            UploadCreated::Created(rec) => {
                if let Err(e) = self.create_file(&rec.id) {
                    let _ = self.store.delete_upload(&rec.id);
                    return Err(io_error("creating an upload", e));
                }
                tracing::info!(kind = %rec.kind, length = rec.length, "upload created");
                Ok((state(&rec, 0), true))
            }
            UploadCreated::Existing(rec) => {
                let offset = match fs::metadata(self.uploads.path(&rec.id)) {
                    Ok(m) => m.len(),
                    Err(_) => 0,
                };
                Ok((state(&rec, offset), false))
            }
            UploadCreated::Conflict => {
                Err(ServiceError::Conflict("this document id is already used".into()).into())
            }
        }
    }

    fn create_file(&self, id: &str) -> io::Result<()> {
        mkdir_private(&self.uploads.dir)?;
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(self.uploads.path(id))?;
        // The name must survive a crash as well as the bytes the chunks will fsync.
        sync_dir(&self.uploads.dir)
    }

    /// `GET /v1/uploads/{id}`.
    pub fn resumable_state(&self, who: &CaseSession, id: &str) -> Result<UploadState> {
        let rec = self.own_unfinished(who, id)?;
        if self.blobs.bucket().is_some() {
            return Ok(state(&rec, rec.staged));
        }
        let offset = match fs::metadata(self.uploads.path(id)) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(io_error("reading an upload's length", e)),
        };
        Ok(state(&rec, offset))
    }

    /// Starts a `PATCH`: checks the caller, the offset and the declared length, and takes the
    /// upload's lock. Nothing is read from the body before this has succeeded.
    pub fn open_chunk(
        &self,
        who: &CaseSession,
        id: &str,
        offset: u64,
        declared: Option<u64>,
    ) -> Result<ChunkWriter> {
        let rec = self.own_unfinished(who, id)?;
        if declared.is_some_and(|n| n > MAX_CHUNK) {
            return Err(UploadError::ChunkTooLarge { max: MAX_CHUNK });
        }
        if self.blobs.bucket().is_some() {
            return self.open_staged_chunk(rec, offset, declared);
        }
        let mut file = match self.uploads.lock(id)? {
            Some(f) => f,
            None => {
                // Lost (e.g. a blob directory restored without it): start again from zero.
                self.create_file(id)
                    .map_err(|e| io_error("creating an upload", e))?;
                self.uploads
                    .lock(id)?
                    .ok_or_else(|| io_error("opening an upload", io::ErrorKind::NotFound.into()))?
            }
        };
        let have = file_len(&file)?;
        if have != offset {
            return Err(UploadError::OffsetMismatch {
                sent: offset,
                state: state(&rec, have),
            });
        }
        if declared.is_some_and(|n| offset.saturating_add(n) > rec.length) {
            return Err(UploadError::PastEnd { length: rec.length });
        }
        file.seek(SeekFrom::Start(have))
            .map_err(|e| io_error("seeking in an upload", e))?;
        let stop = Arc::new(AtomicBool::new(false));
        locked(&self.uploads.writers).insert(id.to_owned(), stop.clone());
        let hasher = self.uploads.take_hash(id, have);
        Ok(ChunkWriter {
            end: have.saturating_add(MAX_CHUNK).min(rec.length),
            start: have,
            offset: have,
            sink: Sink::File {
                hasher_at_start: hasher.clone(),
                hasher,
                file,
            },
            rec,
            stop,
        })
    }

    /// A chunk for an S3 store, gathered in memory: `offset` must be the acknowledged one.
    fn open_staged_chunk(
        &self,
        rec: UploadRecord,
        offset: u64,
        declared: Option<u64>,
    ) -> Result<ChunkWriter> {
        if rec.staged != offset {
            return Err(UploadError::OffsetMismatch {
                sent: offset,
                state: state(&rec, rec.staged),
            });
        }
        if declared.is_some_and(|n| offset.saturating_add(n) > rec.length) {
            return Err(UploadError::PastEnd { length: rec.length });
        }
        let end = offset.saturating_add(MAX_CHUNK).min(rec.length);
        let capacity = usize::try_from(declared.unwrap_or(0).min(end - offset)).unwrap_or(0);
        Ok(ChunkWriter {
            end,
            start: offset,
            offset,
            sink: Sink::Memory(Vec::with_capacity(capacity)),
            rec,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    fn release(&self, w: &ChunkWriter) {
        let mut writers = locked(&self.uploads.writers);
        if writers
            .get(&w.rec.id)
            .is_some_and(|f| Arc::ptr_eq(f, &w.stop))
        {
            writers.remove(&w.rec.id);
        }
    }

    /// Ends a `PATCH` (also one whose connection broke: what arrived is kept). Makes the bytes
    /// durable before the new offset is reported, and keeps the upload from expiring while
    /// it is being written.
    pub fn close_chunk(&self, mut w: ChunkWriter) -> Result<UploadState> {
        let Sink::File { file, hasher, .. } = &mut w.sink else {
            return self.stage_chunk(w);
        };
        let started = std::time::Instant::now();
        file.sync_data()
            .map_err(|e| io_error("syncing an upload", e))?;
        crate::metrics::global().blob_commit(started.elapsed());
        if let Some(h) = hasher.take() {
            self.uploads.put_hash(&w.rec.id, w.offset, h);
        }
        self.release(&w);
        let at = now();
        let ttl = self.uploads.ttl();
        let mut rec = w.rec.clone();
        // Refresh at most every ttl/16, so a chunk does not cost a database write.
        if rec.expires_at.saturating_sub(at) < ttl - ttl / 16 {
            rec.expires_at = at.saturating_add(ttl);
            self.store.touch_upload(&rec.id, rec.expires_at)?;
        }
        Ok(state(&rec, w.offset))
    }

    /// Ends a refused `PATCH`: the chunk's bytes are cut off again, so the refusal leaves the
    /// upload exactly as it was.
    pub fn abort_chunk(&self, w: ChunkWriter) -> Result<()> {
        self.release(&w);
        if let Sink::File {
            file,
            hasher_at_start,
            ..
        } = w.sink
        {
            file.set_len(w.start)
                .and_then(|()| file.sync_data())
                .map_err(|e| io_error("truncating an upload", e))?;
            if let Some(h) = hasher_at_start {
                self.uploads.put_hash(&w.rec.id, w.start, h);
            }
        }
        Ok(())
    }

    /// Ends a `PATCH` whose connection broke. A folder store keeps what arrived (it is
    /// durable once synced); an S3 part is all or nothing, so the partial chunk is dropped
    /// and the client resends it from the acknowledged offset.
    pub fn cut_chunk(&self, w: ChunkWriter) -> Result<()> {
        match w.sink {
            Sink::File { .. } => self.close_chunk(w).map(|_| ()),
            Sink::Memory(_) => self.abort_chunk(w),
        }
    }

    /// `DELETE /v1/uploads/{id}`.
    pub fn delete_resumable(&self, who: &CaseSession, id: &str) -> Result<()> {
        let rec = self.own_unfinished(who, id)?;
        if self.blobs.bucket().is_some() {
            return self.discard_staged(&rec);
        }
        // Take the lock so no chunk is half-way; a missing file is fine.
        let file = self.uploads.lock(id)?;
        self.store.delete_upload(id)?;
        self.uploads.remove_file(id);
        self.uploads.forget(id);
        drop(file);
        Ok(())
    }

    /// Drops a refused upload entirely: a hash or format failure cannot be fixed by resending.
    fn discard(&self, id: &str) -> Result<()> {
        self.store.delete_upload(id)?;
        self.uploads.remove_file(id);
        self.uploads.forget(id);
        Ok(())
    }

    /// `POST /v1/uploads/{id}/finish`. Returns the document's info with its receipt, and
    /// whether it is new (`false`: a retried finish, answered as the first one was).
    pub fn finish_resumable(
        &self,
        who: &CaseSession,
        id: &str,
        sha256: [u8; 32],
    ) -> Result<(DocumentInfo, bool)> {
        let rec = self.own_upload(who, id)?;
        if rec.finished_at.is_none() && rec.expires_at < now() {
            return Err(ServiceError::NotFound("the upload expired".into()).into());
        }
        let doc = DocumentRecord {
            id: rec.document_id,
            case_id: rec.case_id,
            kind: rec.kind,
            sha256,
            length: rec.length,
            received_at: now(),
        };
        if rec.finished_at.is_none() {
            self.check_and_commit(&rec, &sha256)?;
        }
        let entry = |case: &[u8; 32]| {
            Entry::DocumentReceived(DocumentReceived {
                case: *case,
                document: doc.id,
                kind: doc.kind,
                sha256: doc.sha256,
                length: doc.length,
                received_at: doc.received_at,
            })
            .encode()
        };
        let expires_at = doc.received_at.saturating_add(self.uploads.ttl());
        let (stored, logged, created) =
            match self.store.finish_upload(id, &doc, expires_at, entry)? {
                UploadFinished::Stored(d, logged) => {
                    tracing::info!(kind = %d.kind, index = logged.index, "upload stored");
                    (d, Some(logged), true)
                }
                UploadFinished::AlreadyFinished(d, logged) => (d, logged, false),
                UploadFinished::Gone => {
                    return Err(ServiceError::NotFound("the upload went away".into()).into());
                }
                UploadFinished::Conflict => {
                    return Err(ServiceError::Conflict(
                        "this document id is already used for other content".into(),
                    )
                    .into());
                }
            };
        if stored.sha256 != sha256 {
            return Err(UploadError::HashMismatch);
        }
        self.uploads.forget(id);
        let mut info = document_info(&stored);
        info.receipt = logged.map(|l| self.receipt_text(&l)).transpose()?;
        Ok((info, created))
    }

    /// Checks a complete upload's length, age header, padded length and SHA-256, then moves
    /// it to its content address. A failed format or hash check discards the upload.
    fn check_and_commit(&self, rec: &UploadRecord, sha256: &[u8; 32]) -> Result<()> {
        if self.blobs.bucket().is_some() {
            return self.commit_staged(rec, sha256);
        }
        let Some(file) = self.uploads.lock(&rec.id)? else {
            // Committed by a finish whose transaction then failed: the blob is in place.
            return match self.blobs.blob_len(sha256) {
                Ok(Some(len)) if len == rec.length => Ok(()),
                _ => Err(UploadError::Incomplete {
                    state: state(rec, 0),
                }),
            };
        };
        let have = file_len(&file)?;
        if have != rec.length {
            return Err(UploadError::Incomplete {
                state: state(rec, have),
            });
        }
        if let Err(reason) = check_age(&file, rec.length) {
            self.discard(&rec.id)?;
            return Err(ServiceError::NotAge(reason).into());
        }
        let digest: [u8; 32] = match self.uploads.take_hash(&rec.id, have) {
            Some(h) if have > 0 => h.finalize().into(),
            _ => hash_file(&file).map_err(|e| io_error("hashing an upload", e))?,
        };
        if &digest != sha256 {
            self.discard(&rec.id)?;
            return Err(UploadError::HashMismatch);
        }
        self.blobs
            .dir()
            .ok_or_else(|| {
                io_error(
                    "committing an upload",
                    io::Error::other("not a folder store"),
                )
            })?
            .commit_file(&self.uploads.path(&rec.id), sha256)
            .map_err(|e| io_error("committing an upload", e))?;
        drop(file);
        Ok(())
    }

    /// How often to run [`Services::collect_uploads`]: a quarter of the TTL, within 1 s–10 min.
    pub fn upload_collect_period(&self) -> Duration {
        Duration::from_secs((self.uploads.ttl_secs / 4).clamp(1, 600))
    }

    /// Deletes expired uploads (their rows and bytes) and bytes no upload owns (left by a
    /// crash). Runs at start and then periodically; returns how many uploads it collected.
    pub fn collect_uploads(&self) -> Result<usize, ServiceError> {
        let dir = &self.uploads.dir;
        if self.blobs.bucket().is_some() {
            self.collect_staged()?;
        } else {
            mkdir_private(dir).map_err(|e| ServiceError::io("creating the upload folder", e))?;
        }
        let expired = self.store.collect_uploads(now())?;
        for id in &expired {
            self.uploads.remove_file(id);
            self.uploads.forget(id);
        }
        if self.blobs.bucket().is_some() {
            // Nothing of an S3 store's uploads is in the folder; see collect_staged.
            return Ok(expired.len());
        }
        let mut names = Vec::new();
        for entry in fs::read_dir(dir).map_err(|e| ServiceError::io("listing uploads", e))? {
            let entry = entry.map_err(|e| ServiceError::io("listing uploads", e))?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        let (ids, strays): (Vec<String>, Vec<String>) =
            names.into_iter().partition(|n| valid_upload_id(n));
        let live = self.store.unfinished_uploads(&ids)?;
        for name in strays
            .iter()
            .chain(ids.iter().filter(|id| !live.contains(id)))
        {
            let path = dir.join(name);
            if path.is_file() {
                self.uploads.remove_file(name);
            }
        }
        if !expired.is_empty() {
            tracing::info!(count = expired.len(), "expired uploads collected");
        }
        Ok(expired.len())
    }

    /// Deletes blobs that no document row refers to and that nothing has touched for the
    /// upload TTL: ciphertext written and renamed into place by an upload whose database
    /// transaction never committed (a crash, a lost database). Younger blobs are kept, since
    /// a retried upload or finish may still claim them: a retry of the same bytes touches
    /// the blob, and a resumable upload's finish can be retried only until it expires.
    /// Runs at start, before requests are accepted; returns how many blobs it removed.
    pub fn collect_orphan_blobs(&self) -> Result<usize, ServiceError> {
        let grace = Duration::from_secs(self.uploads.ttl_secs);
        let blobs = self
            .blobs
            .stored_blobs()
            .map_err(|e| ServiceError::io("listing blobs", e))?;
        let now = std::time::SystemTime::now();
        let old: Vec<_> = blobs
            .into_iter()
            .filter(|b| now.duration_since(b.touched).is_ok_and(|age| age >= grace))
            .collect();
        if old.is_empty() {
            return Ok(0);
        }
        // Read after listing: a row committed meanwhile is seen, so its blob is kept.
        let referenced = self.store.document_digests()?;
        let mut removed = 0;
        for blob in old.iter().filter(|b| !referenced.contains(&b.sha256)) {
            self.blobs
                .remove_blob(&blob.sha256)
                .map_err(|e| ServiceError::io("removing an orphan blob", e))?;
            removed += 1;
        }
        if removed > 0 {
            tracing::info!(count = removed, "orphan blobs collected");
        }
        Ok(removed)
    }
}

/// The upload must be an age file to X25519 recipients whose length is a padded document's.
fn check_age(file: &File, length: u64) -> Result<(), String> {
    let want = usize::try_from(length.min(MAX_HEADER as u64)).unwrap_or(MAX_HEADER);
    let mut prefix = vec![0u8; want];
    file.read_exact_at(&mut prefix, 0)
        .map_err(|e| format!("its start could not be read: {e}"))?;
    check_age_prefix(&prefix, length)
}

/// The same check on the first bytes (at least [`MAX_HEADER`] of them, or all).
pub(super) fn check_age_prefix(prefix: &[u8], length: u64) -> Result<(), String> {
    let want = usize::try_from(length.min(MAX_HEADER as u64)).unwrap_or(MAX_HEADER);
    let prefix = prefix
        .get(..want)
        .ok_or("the chunk is shorter than the age header")?;
    match agefile::check_header(prefix) {
        Ok(Some(info)) => agefile::check_length(&info, length).map_err(|e| e.to_string()),
        Ok(None) => Err("the age header is incomplete or too long".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn hash_file(file: &File) -> io::Result<[u8; 32]> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; READ_BLOCK];
    let mut reader = file;
    reader.seek(SeekFrom::Start(0))?;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
    }
    Ok(h.finalize().into())
}
