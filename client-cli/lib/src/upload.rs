//! The resumable uploader: one thread encrypts a document while this one sends the ciphertext
//! in chunks (create → `PATCH` at the server's offset → finish with the SHA-256), retrying with
//! backoff after a dropped connection or a server restart and resuming where the server says.
//! Only unacknowledged chunks are in memory; `--resume-dir` also keeps the ciphertext on disk.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use amanat_protocol::agefile::{self, MAX_HEADER, NONCE_LEN};
use amanat_protocol::envelope;
use amanat_protocol::ids::{CaseId, DocumentId};
use amanat_protocol::wire::{CreateUpload, DocumentInfo, DocumentKind};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::api::{Api, Failure};
use crate::document::{Outgoing, Source};
use crate::error::{Error, Result};
use crate::format_bytes;
use crate::progress::{self, Progress, Reporter};

/// Ciphertext per `PATCH`. The server keeps whatever part of a chunk arrived, so the size
/// bounds memory (a few chunks in flight) and per-request overhead, not what a drop costs.
pub const CHUNK: usize = 8 * 1024 * 1024;
/// A `PATCH` that takes longer than this is abandoned and resumed from the server's offset.
const CHUNK_TIMEOUT: Duration = Duration::from_secs(600);
/// Consecutive failures without progress before giving up (with backoff, about 5 minutes).
const MAX_FAILURES: u32 = 12;
const BACKOFF_START: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
const STATE_VERSION: u32 = 1;

/// How uploads behave (from the command line, or the caller's choice).
#[derive(Clone)]
pub struct Settings {
    /// Keep each document's ciphertext and a small state file here until the server has it.
    pub resume_dir: Option<PathBuf>,
    /// Who hears about progress and retries.
    pub report: Reporter,
    /// How long to wait, after the last document, for the keyring's witnesses to cosign a
    /// checkpoint that covers the receipts (when the keyring asks for any).
    pub witness_wait: std::time::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            resume_dir: None,
            report: progress::silent(),
            witness_wait: std::time::Duration::from_secs(30),
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("resume_dir", &self.resume_dir)
            .finish_non_exhaustive()
    }
}

/// Everything an upload needs besides the document: the session (renewed with `auth` when it
/// expires during a long upload) and the case.
pub struct Target<'a> {
    pub api: &'a mut Api,
    pub auth: &'a ed25519_dalek::SigningKey,
    pub case_id: CaseId,
    pub recipient: &'a age::x25519::Recipient,
}

/// Encrypts and sends `doc`; returns the server's record of it, already compared with what
/// was encrypted (hash, length, id).
pub fn send(target: &mut Target<'_>, doc: Outgoing, settings: &Settings) -> Result<DocumentInfo> {
    let payload_len = envelope::sealed_payload_len(&doc.meta)?;
    if let Some(dir) = &settings.resume_dir
        && let Some(pending) = Spool::find(dir, doc.meta.kind, payload_len)?
    {
        let resumed = resume_spooled(target, &pending, settings)?;
        pending.remove();
        if let Some(info) = resumed {
            return Ok(info);
        }
    }
    let document_id = DocumentId::random();
    let kind = doc.meta.kind;
    let spool = match &settings.resume_dir {
        Some(dir) => Some(Spool::new(dir, document_id, kind, payload_len)?),
        None => None,
    };
    // Live, the sealer may run one chunk ahead of the network; spooling to disk, it runs
    // ahead as far as it can (the messages only say how far the file has got).
    let (tx, rx) = mpsc::sync_channel(if spool.is_some() { 4096 } else { 1 });
    // Sent chunks' buffers go back to the sealer: fresh 8 MiB allocations cost a page fault
    // per 4 KiB, which showed in the profile as a tenth of the client's time.
    let (recycle_tx, recycle_rx) = mpsc::sync_channel(1);
    let sealer = spawn_sealer(
        target.recipient.clone(),
        doc,
        payload_len,
        tx,
        recycle_rx,
        spool.as_ref().map(|s| s.data.clone()),
    )?;
    let result = upload_sealed(
        target,
        document_id,
        kind,
        rx,
        &recycle_tx,
        spool.as_ref(),
        settings,
    );
    // The sealer ends on its own once the channel is gone; its error explains ours.
    let sealed = sealer
        .join()
        .map_err(|_| Error::new("the encryption thread failed"))?;
    match (result, sealed) {
        (Ok(info), _) => {
            if let Some(s) = &spool {
                s.remove();
            }
            Ok(info)
        }
        (Err(e), Ok(())) => Err(e),
        (Err(_), Err(sealing)) => Err(sealing),
    }
}

/// What the encryption thread tells the uploader.
enum Sealed {
    /// The total ciphertext length, known as soon as the age header is written.
    Length(u64),
    /// The next piece of ciphertext, in memory.
    Chunk(Bytes),
    /// With `--resume-dir`: the spool file now holds this many bytes of ciphertext.
    Spooled(u64),
    /// The age stream is finished (and the spool fsynced).
    End,
}

fn spawn_sealer(
    recipient: age::x25519::Recipient,
    doc: Outgoing,
    payload_len: u64,
    tx: SyncSender<Sealed>,
    recycle: Receiver<Vec<u8>>,
    spool: Option<PathBuf>,
) -> Result<JoinHandle<Result<()>>> {
    std::thread::Builder::new()
        .name("amanat-seal".into())
        .spawn(move || -> Result<()> {
            let Outgoing { meta, source } = doc;
            let content: Box<dyn Read> = match source {
                Source::File(p) => Box::new(io::BufReader::with_capacity(
                    64 * 1024,
                    File::open(&p).map_err(|e| Error::file("read", &p, e))?,
                )),
                Source::Memory(v) => Box::new(io::Cursor::new(v)),
            };
            let file = match &spool {
                Some(p) => Some(
                    OpenOptions::new()
                        .append(true)
                        .open(p)
                        .map_err(|e| Error::file("write", p, e))?,
                ),
                None => None,
            };
            let sink = ChunkSink {
                tx,
                recycle,
                buf: Vec::with_capacity(CHUNK),
                payload_len,
                header_sent: false,
                file,
                spooled: 0,
            };
            let sink = envelope::seal(&recipient, &meta, content, sink)?;
            sink.finish()
                .map_err(|e| Error::new(format!("upload interrupted: {e}")))
        })
        .map_err(|e| Error::new(format!("cannot start the encryption thread: {e}")))
}

/// Collects ciphertext into chunks for the uploader, or into the spool file (telling the
/// uploader how far it got). Finds the age header in the first bytes to learn the length.
struct ChunkSink {
    tx: SyncSender<Sealed>,
    /// Buffers of chunks already sent, to fill again.
    recycle: Receiver<Vec<u8>>,
    buf: Vec<u8>,
    payload_len: u64,
    header_sent: bool,
    file: Option<File>,
    spooled: u64,
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the upload stopped")
}

impl ChunkSink {
    fn send(&self, m: Sealed) -> io::Result<()> {
        self.tx.send(m).map_err(|_| gone())
    }

    fn flush_chunk(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let next = self
            .recycle
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        let data = std::mem::replace(&mut self.buf, next);
        match &mut self.file {
            Some(f) => {
                f.write_all(&data)?;
                self.spooled += data.len() as u64;
                let at = self.spooled;
                self.send(Sealed::Spooled(at))
            }
            None => self.send(Sealed::Chunk(Bytes::from(data))),
        }
    }

    fn finish(mut self) -> io::Result<()> {
        self.flush_chunk()?;
        if let Some(f) = &self.file {
            f.sync_all()?;
        }
        self.send(Sealed::End)
    }
}

impl Write for ChunkSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if !self.header_sent {
            let prefix = &self.buf[..self.buf.len().min(MAX_HEADER)];
            match agefile::check_header(prefix) {
                Ok(Some(info)) => {
                    self.header_sent = true;
                    let total = info.header_len as u64 + NONCE_LEN + self.payload_len;
                    self.send(Sealed::Length(total))?;
                }
                Ok(None) if prefix.len() < MAX_HEADER => {}
                _ => {
                    return Err(io::Error::other(
                        "age wrote a header this client cannot read",
                    ));
                }
            }
        }
        if self.buf.len() == CHUNK {
            self.flush_chunk()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Receives what the sealer produces and sends it: a small document in one `PUT`, a larger
/// one through a resumable upload.
fn upload_sealed(
    target: &mut Target<'_>,
    document_id: DocumentId,
    kind: DocumentKind,
    rx: Receiver<Sealed>,
    recycle: &SyncSender<Vec<u8>>,
    spool: Option<&Spool>,
    settings: &Settings,
) -> Result<DocumentInfo> {
    let stopped = || Error::new("encryption stopped before the end of the document");
    let total = match rx.recv() {
        Ok(Sealed::Length(n)) => n,
        _ => return Err(stopped()),
    };
    let mut hasher = Sha256::new();
    if spool.is_none() && total <= CHUNK as u64 {
        let mut body = Vec::with_capacity(usize::try_from(total).unwrap_or(CHUNK));
        loop {
            match rx.recv() {
                Ok(Sealed::Chunk(c)) => body.extend_from_slice(&c),
                Ok(Sealed::End) => break,
                _ => return Err(stopped()),
            }
        }
        hasher.update(&body);
        let info = put_small(target, document_id, kind, Bytes::from(body), settings)?;
        return check(info, document_id, kind, hasher.finalize().into(), total);
    }

    let mut progress = settings
        .report
        .transfer(format!("sending {kind}"), "sent", total);
    let mut up = Resumable::create(target, document_id, kind, total, progress.as_mut())?;
    let sent = send_body(
        target,
        &mut up,
        document_id,
        kind,
        total,
        FromSealer { rx: &rx, recycle },
        spool,
        progress.as_mut(),
    );
    if sent.is_err() && spool.is_none() {
        // Nobody can resume it: free the server's space now rather than at expiry.
        let _ = target.api.delete_upload(&up.id);
    }
    sent
}

/// The two channels to the sealer: ciphertext in, spent buffers back.
struct FromSealer<'a> {
    rx: &'a Receiver<Sealed>,
    recycle: &'a SyncSender<Vec<u8>>,
}

#[allow(clippy::too_many_arguments)]
fn send_body(
    target: &mut Target<'_>,
    up: &mut Resumable,
    document_id: DocumentId,
    kind: DocumentKind,
    total: u64,
    sealer: FromSealer<'_>,
    spool: Option<&Spool>,
    progress: &mut dyn Progress,
) -> Result<DocumentInfo> {
    let FromSealer { rx, recycle } = sealer;
    let stopped = || Error::new("encryption stopped before the end of the document");
    if let Some(s) = spool {
        s.save(&up.id, document_id, total)?;
    }
    let mut hasher = Sha256::new();
    let mut at: u64 = 0;
    let mut spooled: u64 = 0;
    let mut ended = false;
    while at < total {
        let data = match spool {
            None => match rx.recv() {
                Ok(Sealed::Chunk(c)) => c,
                _ => return Err(stopped()),
            },
            Some(s) => {
                let want = (total - at).min(CHUNK as u64);
                while spooled < at + want && !ended {
                    match rx.recv() {
                        Ok(Sealed::Spooled(n)) => spooled = n,
                        Ok(Sealed::End) => ended = true,
                        _ => return Err(stopped()),
                    }
                }
                s.read(at, want)?
            }
        };
        let len = data.len() as u64;
        std::thread::scope(|scope| {
            let hashing = scope.spawn(|| hasher.update(&data));
            let sent = up.push(target, at, data.clone(), progress);
            hashing
                .join()
                .map_err(|_| Error::new("the hashing thread failed"))?;
            sent
        })?;
        at += len;
        // Every other holder (the request body, the hasher) is done with it by now.
        if let Ok(buf) = data.try_into_mut() {
            let mut buf = Vec::from(buf);
            buf.clear();
            let _ = recycle.try_send(buf);
        }
    }
    while !ended {
        match rx.recv() {
            Ok(Sealed::End) => ended = true,
            Ok(Sealed::Spooled(_)) => {}
            _ => return Err(stopped()),
        }
    }
    let digest: [u8; 32] = hasher.finalize().into();
    let info = up.finish(target, digest, progress)?;
    progress.done();
    check(info, document_id, kind, digest, total)
}

/// A restarted client: the spool holds the whole ciphertext; send what the server lacks.
/// `None` when the server no longer has the upload (the caller starts again).
fn resume_spooled(
    target: &mut Target<'_>,
    pending: &Spool,
    settings: &Settings,
) -> Result<Option<DocumentInfo>> {
    let state = pending.state()?;
    let on_disk = fs::metadata(&pending.data).map(|m| m.len()).unwrap_or(0);
    if on_disk != state.length {
        // Encryption never finished (the file is complete exactly when it has the declared
        // length): that ciphertext can never be completed, so start again.
        let _ = target.api.delete_upload(&state.upload_id);
        return Ok(None);
    }
    let mut progress =
        settings
            .report
            .transfer(format!("sending {}", state.kind), "sent", state.length);
    let mut up = Resumable {
        id: state.upload_id.clone(),
        server_offset: 0,
    };
    match up.refresh(target, progress.as_mut()) {
        Ok(()) => {}
        Err(Stop::Gone) => {
            progress.note("The server no longer has the earlier upload; starting again.");
            return Ok(None);
        }
        Err(Stop::Fatal(e)) => return Err(e),
    }
    progress.note(&format!(
        "Resuming the earlier upload at {} of {}.",
        format_bytes(up.server_offset),
        format_bytes(state.length)
    ));
    let mut hasher = Sha256::new();
    let mut at = 0;
    while at < state.length {
        let want = (state.length - at).min(CHUNK as u64);
        let data = pending.read(at, want)?;
        hasher.update(&data);
        if at + want > up.server_offset {
            up.push(target, at, data, progress.as_mut())?;
        }
        at += want;
    }
    let digest: [u8; 32] = hasher.finalize().into();
    let info = up.finish(target, digest, progress.as_mut())?;
    progress.done();
    Ok(Some(check(
        info,
        state.document_id,
        state.kind,
        digest,
        state.length,
    )?))
}

/// The server's record must be exactly this upload — the receipt is then checked against
/// these fields, so a server that logged a power of attorney as an attachment (or another
/// document) is caught here, not believed.
fn check(
    info: DocumentInfo,
    id: DocumentId,
    kind: DocumentKind,
    sha256: [u8; 32],
    len: u64,
) -> Result<DocumentInfo> {
    if info.sha256 != sha256 || info.length != len || info.document_id != id || info.kind != kind {
        return Err(
            Error::new("the server's record of the upload does not match what was sent").hint(
                "try again; if it repeats, the server or the network is tampering with uploads",
            ),
        );
    }
    Ok(info)
}

/// Why a request loop stopped.
enum Stop {
    /// The server does not know the upload (expired, collected, or never created there).
    Gone,
    Fatal(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Fatal(e)
    }
}

/// Failures worth retrying: the network, the server's own trouble, a restart under way.
fn transient(f: &Failure) -> bool {
    match f {
        Failure::Transport(_) => true,
        Failure::Api(e) => e.status >= 500 || e.status == 408 || e.code == "upload_busy",
    }
}

/// Runs `call` until it succeeds or fails for good, renewing the session if it expired and
/// backing off between tries. `progress` says what is happening.
fn retrying<T>(
    target: &mut Target<'_>,
    progress: &mut dyn Progress,
    what: &str,
    mut call: impl FnMut(&Api) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let mut failures = 0;
    let mut wait = BACKOFF_START;
    let mut relogged = false;
    loop {
        match call(target.api) {
            Ok(v) => return Ok(v),
            Err(Failure::Api(e)) if e.code == "unauthorized" && !relogged => {
                relogged = true;
                target.api.login(target.auth)?;
            }
            Err(f) if transient(&f) && failures < MAX_FAILURES => {
                failures += 1;
                progress.note(&format!(
                    "{what}: {}; trying again in {} s",
                    describe(&f),
                    wait.as_secs_f32().ceil()
                ));
                std::thread::sleep(wait);
                wait = (wait * 2).min(BACKOFF_MAX);
            }
            Err(f) => return Err(f),
        }
    }
}

fn describe(f: &Failure) -> String {
    match f {
        Failure::Transport(m) => format!("the connection failed ({m})"),
        Failure::Api(e) => format!("the server answered {} ({})", e.status, e.code),
    }
}

/// A small document: one `PUT`, retried with the same id and the same bytes, which the
/// server answers with the stored document if an earlier try got through.
fn put_small(
    target: &mut Target<'_>,
    document_id: DocumentId,
    kind: DocumentKind,
    body: Bytes,
    settings: &Settings,
) -> Result<DocumentInfo> {
    let case = target.case_id;
    // One request: retries are worth a line, a bar is not.
    let mut notes = settings.report.notes();
    retrying(
        target,
        notes.as_mut(),
        &format!("sending the {kind}"),
        |api| api.put_document(case, document_id, kind, io::Cursor::new(body.clone())),
    )
    .map_err(Error::from)
}

/// The client's side of one resumable upload.
struct Resumable {
    id: String,
    /// What the server has said it holds.
    server_offset: u64,
}

impl Resumable {
    fn create(
        target: &mut Target<'_>,
        document_id: DocumentId,
        kind: DocumentKind,
        length: u64,
        progress: &mut dyn Progress,
    ) -> Result<Resumable> {
        let case = target.case_id;
        let req = CreateUpload {
            document_id,
            kind,
            length,
        };
        // Retrying is safe: the same create finds the same upload.
        let state = retrying(target, progress, "starting the upload", |api| {
            api.create_upload(case, &req)
        })
        .map_err(|f| {
            let too_large = f.code() == Some("too_large");
            let err = Error::from(f);
            if too_large {
                err.hint("the foundation's server does not accept files this large; ask them how to send it")
            } else {
                err
            }
        })?;
        Ok(Resumable {
            id: state.upload_id,
            server_offset: state.offset,
        })
    }

    /// Asks the server where the upload stands.
    fn refresh(
        &mut self,
        target: &mut Target<'_>,
        progress: &mut dyn Progress,
    ) -> Result<(), Stop> {
        let id = self.id.clone();
        match retrying(
            target,
            progress,
            "asking the server for the upload",
            |api| api.upload_state(&id),
        ) {
            Ok(s) => {
                self.server_offset = s.offset;
                progress.set(s.offset);
                Ok(())
            }
            Err(f) if f.code() == Some("not_found") => Err(Stop::Gone),
            Err(f) => Err(Stop::Fatal(f.into())),
        }
    }

    /// Sends `data`, which starts at `start`, until the server has all of it.
    fn push(
        &mut self,
        target: &mut Target<'_>,
        start: u64,
        data: Bytes,
        progress: &mut dyn Progress,
    ) -> Result<()> {
        let end = start + data.len() as u64;
        let mut failures = 0;
        let mut wait = BACKOFF_START;
        let mut relogged = false;
        while self.server_offset < end {
            let from = self.server_offset;
            if from < start {
                return Err(Error::new(format!(
                    "the server has only {} of this upload, less than it acknowledged before",
                    format_bytes(from)
                ))
                .hint("run the same command again: the document is encrypted and sent anew"));
            }
            let skip = usize::try_from(from - start).unwrap_or(usize::MAX);
            let piece = data.slice(skip.min(data.len())..);
            match target
                .api
                .patch_upload(&self.id, from, piece, CHUNK_TIMEOUT)
            {
                Ok(offset) => {
                    self.server_offset = offset;
                    progress.set(offset);
                    failures = 0;
                    wait = BACKOFF_START;
                }
                Err(Failure::Api(e)) if e.code == "offset_mismatch" => {
                    self.recover(target, progress)?
                }
                Err(Failure::Api(e)) if e.code == "unauthorized" && !relogged => {
                    relogged = true;
                    target.api.login(target.auth).map_err(Error::from)?;
                }
                Err(Failure::Api(e)) if e.code == "not_found" => return Err(gone_error()),
                Err(f) if transient(&f) && failures < MAX_FAILURES => {
                    failures += 1;
                    progress.note(&format!(
                        "{} at {}; resuming in {} s",
                        describe(&f),
                        format_bytes(from),
                        wait.as_secs_f32().ceil()
                    ));
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(BACKOFF_MAX);
                    let before = self.server_offset;
                    self.recover(target, progress)?;
                    if self.server_offset > before {
                        failures = 0;
                        wait = BACKOFF_START;
                    }
                }
                Err(f) => return Err(f.into()),
            }
        }
        Ok(())
    }

    fn recover(&mut self, target: &mut Target<'_>, progress: &mut dyn Progress) -> Result<()> {
        match self.refresh(target, progress) {
            Ok(()) => Ok(()),
            Err(Stop::Gone) => Err(gone_error()),
            Err(Stop::Fatal(e)) => Err(e),
        }
    }

    fn finish(
        &mut self,
        target: &mut Target<'_>,
        sha256: [u8; 32],
        progress: &mut dyn Progress,
    ) -> Result<DocumentInfo> {
        let id = self.id.clone();
        // Retrying is safe: a repeated finish is answered with the stored document.
        retrying(target, progress, "finishing the upload", |api| {
            api.finish_upload(&id, sha256)
        })
        .map_err(|f| {
            let code = f.code().map(str::to_owned);
            let err = Error::from(f);
            match code.as_deref() {
                Some("hash_mismatch") => err.hint(
                    "the ciphertext changed on the way or on disk; run the command again to send it anew",
                ),
                _ => err,
            }
        })
    }
}

fn gone_error() -> Error {
    Error::new("the server no longer has this upload")
        .hint("it was unfinished for too long and was deleted; run the command again")
}

/// A document's ciphertext kept in `--resume-dir` while it uploads, and its state file:
/// `<document id>.age` and `<document id>.json`.
struct Spool {
    data: PathBuf,
    meta: PathBuf,
    kind: DocumentKind,
    payload_len: u64,
}

/// The state file: nothing but what resuming needs. No server address, case, codename, key,
/// file name or plaintext length.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpoolState {
    version: u32,
    upload_id: String,
    document_id: DocumentId,
    kind: DocumentKind,
    /// Ciphertext length.
    length: u64,
    /// The age payload length, which identifies the document's (padded) size class.
    payload_length: u64,
}

fn private_dir(dir: &Path) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::file("create", dir, e))
}

impl Spool {
    fn new(dir: &Path, id: DocumentId, kind: DocumentKind, payload_len: u64) -> Result<Spool> {
        private_dir(dir)?;
        let spool = Spool {
            data: dir.join(format!("{id}.age")),
            meta: dir.join(format!("{id}.json")),
            kind,
            payload_len,
        };
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&spool.data)
            .map_err(|e| Error::file("create", &spool.data, e))?;
        Ok(spool)
    }

    /// A spooled upload in `dir` for a document of this kind and padded size, if any.
    fn find(dir: &Path, kind: DocumentKind, payload_len: u64) -> Result<Option<Spool>> {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::file("read", dir, e)),
        };
        let paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        // Ciphertext whose upload was never created (stopped at once): nothing to resume.
        for p in &paths {
            if p.extension().is_some_and(|x| x == "age") && !p.with_extension("json").exists() {
                let _ = fs::remove_file(p);
            }
        }
        let mut found: Vec<PathBuf> = paths
            .into_iter()
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        found.sort();
        for meta in found {
            let Ok(text) = fs::read(&meta) else { continue };
            let Ok(state) = serde_json::from_slice::<SpoolState>(&text) else {
                continue;
            };
            if state.version == STATE_VERSION
                && state.kind == kind
                && state.payload_length == payload_len
            {
                return Ok(Some(Spool {
                    data: meta.with_extension("age"),
                    meta,
                    kind,
                    payload_len,
                }));
            }
        }
        Ok(None)
    }

    fn state(&self) -> Result<SpoolState> {
        let text = fs::read(&self.meta).map_err(|e| Error::file("read", &self.meta, e))?;
        serde_json::from_slice(&text)
            .map_err(|e| Error::new(format!("{} is damaged: {e}", self.meta.display())))
    }

    fn save(&self, upload_id: &str, document_id: DocumentId, length: u64) -> Result<()> {
        let state = SpoolState {
            version: STATE_VERSION,
            upload_id: upload_id.to_owned(),
            document_id,
            kind: self.kind,
            length,
            payload_length: self.payload_len,
        };
        let json = serde_json::to_vec_pretty(&state).map_err(|e| Error::new(e.to_string()))?;
        crate::files::write_private(&self.meta, &json, true)
    }

    /// `len` bytes of ciphertext from `at` (they must be in the file already).
    fn read(&self, at: u64, len: u64) -> Result<Bytes> {
        let file = File::open(&self.data).map_err(|e| Error::file("read", &self.data, e))?;
        let mut buf = vec![0u8; usize::try_from(len).unwrap_or(CHUNK)];
        file.read_exact_at(&mut buf, at)
            .map_err(|e| Error::file("read", &self.data, e))?;
        Ok(Bytes::from(buf))
    }

    /// Best effort: what remains is only ciphertext, and the next run overwrites it.
    fn remove(&self) {
        let _ = fs::remove_file(&self.data);
        let _ = fs::remove_file(&self.meta);
    }
}
