//! `amanat-server backup` and `restore`: one consistent copy of what a server holds (the
//! database as a SQLite snapshot or a `pg_dump`, then every blob, the log key, TLS and
//! config), and a restore that re-hashes every blob and recomputes the log before it says yes.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use amanat_protocol::encoding::hex;
use amanat_protocol::log::checkpoint::SignedCheckpoint;
use amanat_protocol::log::merkle::{self, CompactRange};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::blobs::{BlobStore, mkdir_private, sync_dir};
use crate::config::{self, Config, Layer};
use crate::service::{LogSigner, log};
use crate::store::{Backend, Store};
use crate::{Error, init};

const FORMAT: u32 = 1;
const MANIFEST: &str = "backup.json";
const SQLITE_FILE: &str = "amanat.db";
const PG_FILE: &str = "amanat.pgdump";
/// Entries read per query while recomputing the log.
const ENTRIES_PER_QUERY: u64 = 10_000;

/// What a backup holds, written last: a folder without it is an unfinished backup.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: u32,
    created_at: i64,
    backend: String,
    database: String,
    database_sha256: String,
    blobs: u64,
    blob_bytes: u64,
}

#[derive(Debug)]
pub struct BackupReport {
    pub dir: PathBuf,
    pub backend: &'static str,
    pub blobs: u64,
    pub blob_bytes: u64,
}

#[derive(Debug)]
pub struct RestoreReport {
    pub config_path: PathBuf,
    pub documents: u64,
    pub log_size: u64,
    pub log_root: String,
    pub checkpoints: u64,
}

fn fail(what: impl Into<String>) -> Error {
    Error::Init(what.into())
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { what, source }
}

/// An empty (or absent) directory, created 0700.
fn fresh_dir(dir: &Path, flag: &str) -> Result<(), Error> {
    if let Ok(mut entries) = fs::read_dir(dir)
        && entries.next().is_some()
    {
        return Err(fail(format!(
            "{} is not empty; give {flag} a new or empty directory (nothing was changed)",
            dir.display()
        )));
    }
    mkdir_private(dir).map_err(io(format!("cannot create {}", dir.display())))
}

/// Copies `src` to a new file `dst` (mode 0600, fsynced), hashing on the way.
fn copy_hashed(src: &Path, dst: &Path) -> Result<([u8; 32], u64), Error> {
    let mut input = File::open(src).map_err(io(format!("cannot open {}", src.display())))?;
    let mut out = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(dst)
        .map_err(io(format!("cannot create {}", dst.display())))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = input
            .read(&mut buf)
            .map_err(io(format!("cannot read {}", src.display())))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        out.write_all(&buf[..n])
            .map_err(io(format!("cannot write {}", dst.display())))?;
        len += n as u64;
    }
    out.sync_all()
        .map_err(io(format!("cannot write {}", dst.display())))?;
    Ok((h.finalize().into(), len))
}

fn sha256_file(path: &Path) -> Result<([u8; 32], u64), Error> {
    let mut input = File::open(path).map_err(io(format!("cannot open {}", path.display())))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = input
            .read(&mut buf)
            .map_err(io(format!("cannot read {}", path.display())))?;
        if n == 0 {
            return Ok((h.finalize().into(), len));
        }
        h.update(&buf[..n]);
        len += n as u64;
    }
}

fn blob_path(root: &Path, sha256: &[u8; 32]) -> PathBuf {
    let name = hex(sha256);
    root.join(&name[..2]).join(name)
}

/// Copies every blob of `from` into `to`, checking each against its name. Returns the
/// digests copied, and their total size.
fn copy_blobs(from: &Path, to: &Path) -> Result<(Vec<[u8; 32]>, u64), Error> {
    let store = BlobStore::open_dir(from).map_err(io(format!("cannot open {}", from.display())))?;
    let listed = store
        .stored_blobs()
        .map_err(io(format!("cannot list {}", from.display())))?;
    let mut copied = Vec::with_capacity(listed.len());
    let mut bytes = 0u64;
    for b in listed {
        let src = blob_path(from, &b.sha256);
        let dst = blob_path(to, &b.sha256);
        if let Some(dir) = dst.parent() {
            mkdir_private(dir).map_err(io(format!("cannot create {}", dir.display())))?;
        }
        let (sha, len) = match copy_hashed(&src, &dst) {
            Ok(x) => x,
            // The collector removed an orphan after it was listed: nothing refers to it.
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                continue;
            }
            Err(e) => return Err(e),
        };
        if sha != b.sha256 {
            return Err(fail(format!(
                "blob {} does not hash to its name ({}): the copy in {} is damaged",
                hex(&b.sha256),
                hex(&sha),
                from.display()
            )));
        }
        bytes += len;
        copied.push(sha);
    }
    for dir in fs::read_dir(to).map_err(io(format!("cannot list {}", to.display())))? {
        let dir = dir.map_err(io(format!("cannot list {}", to.display())))?;
        sync_dir(&dir.path()).map_err(io(format!("cannot sync {}", dir.path().display())))?;
    }
    sync_dir(to).map_err(io(format!("cannot sync {}", to.display())))?;
    Ok((copied, bytes))
}

fn run(cmd: &mut Command, what: &str) -> Result<(), Error> {
    let out = cmd.output().map_err(|e| {
        fail(format!(
            "cannot run {what} ({e}); install the PostgreSQL client tools (Debian: postgresql-client)"
        ))
    })?;
    if !out.status.success() {
        return Err(fail(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// Copies the server `config` describes into `out` while it runs: the database first (a
/// snapshot), then the blobs, which the server writes before the rows that refer to them
/// and never deletes while referred to, so every row of the snapshot finds its blob.
pub fn backup(config: &Config, out: &Path) -> Result<BackupReport, Error> {
    if let Some(bucket) = &config.bucket {
        return Err(fail(format!(
            "the blobs are in {}, which this command does not copy: back the bucket up with the store's own versioning or replication, back the database up with pg_dump, and see docs/deploy.md, \"Backups\"",
            bucket.url()
        )));
    }
    fresh_dir(out, "--out")?;
    let backend = Backend::from_url(&config.database_url).map_err(fail)?;
    let (kind, file) = match backend {
        Backend::Sqlite(_) => ("sqlite", SQLITE_FILE),
        Backend::Postgres(_) => ("postgres", PG_FILE),
    };
    let db_path = out.join(file);
    let store = Store::open(&config.database_url)?;
    match &backend {
        Backend::Sqlite(_) => store.snapshot_sqlite(&db_path)?,
        Backend::Postgres(url) => run(
            Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(&db_path)
                .arg(format!("--dbname={url}")),
            "pg_dump",
        )?,
    }

    // Read after the snapshot and before the blobs are listed: every row the snapshot holds
    // is among these, and each of their blobs was written before its row, so it is listed.
    let referenced = store.document_digests()?;
    let blob_dir = out.join("blobs");
    mkdir_private(&blob_dir).map_err(io(format!("cannot create {}", blob_dir.display())))?;
    let (copied, blob_bytes) = copy_blobs(&config.blob_dir, &blob_dir)?;
    let copied: std::collections::HashSet<[u8; 32]> = copied.into_iter().collect();
    for leftover in ["-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{leftover}", db_path.display()));
        if p.exists() {
            return Err(fail(format!(
                "{} was left beside the snapshot, which should be one self-contained file",
                p.display()
            )));
        }
    }
    let (db_sha, _) = sha256_file(&db_path)?;
    if let Some(missing) = referenced.iter().find(|d| !copied.contains(*d)) {
        return Err(fail(format!(
            "the database refers to blob {} that is not in {}: the blob store has lost a document",
            hex(missing),
            config.blob_dir.display()
        )));
    }

    let tls = out.join("tls");
    mkdir_private(&tls).map_err(io(format!("cannot create {}", tls.display())))?;
    copy_hashed(&config.tls_cert, &tls.join("cert.pem"))?;
    copy_hashed(&config.tls_key, &tls.join("key.pem"))?;
    copy_hashed(&config.log_key_file, &out.join("log.key"))?;
    let layer = toml::to_string(&config.to_layer())
        .map_err(|e| fail(format!("cannot write the config: {e}")))?;
    init::write_new(&out.join("config.toml"), 0o600, layer.as_bytes())?;

    let manifest = Manifest {
        format: FORMAT,
        created_at: crate::service::now(),
        backend: kind.into(),
        database: file.into(),
        database_sha256: hex(&db_sha),
        blobs: copied.len() as u64,
        blob_bytes,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| fail(e.to_string()))?;
    init::write_new(&out.join(MANIFEST), 0o600, &json)?;
    sync_dir(out).map_err(io(format!("cannot sync {}", out.display())))?;
    Ok(BackupReport {
        dir: out.to_owned(),
        backend: kind,
        blobs: copied.len() as u64,
        blob_bytes,
    })
}

/// Restores the backup in `from` into the new data directory `data` (and, for a PostgreSQL
/// backup, into the empty database `database_url`), then checks it with [`verify`]. A
/// failure removes what it created under `data`; the backup itself is only read.
pub fn restore(
    from: &Path,
    data: &Path,
    database_url: Option<&str>,
) -> Result<RestoreReport, Error> {
    let manifest: Manifest = {
        let path = from.join(MANIFEST);
        let bytes = fs::read(&path).map_err(|e| {
            fail(format!(
                "{} is not a finished backup ({}: {e}); a backup is complete only once `backup` has written it",
                from.display(),
                path.display()
            ))
        })?;
        serde_json::from_slice(&bytes)
            .map_err(|e| fail(format!("{} is not a backup manifest: {e}", path.display())))?
    };
    if manifest.format != FORMAT {
        return Err(fail(format!(
            "backup format {} is not one this server reads ({FORMAT})",
            manifest.format
        )));
    }
    let target_url = match (manifest.backend.as_str(), database_url) {
        ("sqlite", None) => format!("sqlite://{}", data.join(SQLITE_FILE).display()),
        ("sqlite", Some(u)) if u.starts_with("sqlite://") => u.to_owned(),
        ("postgres", Some(u)) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
            u.to_owned()
        }
        ("postgres", _) => {
            return Err(fail(
                "this is a PostgreSQL backup: give --database-url postgres://… of an empty database",
            ));
        }
        (b, _) => {
            return Err(fail(format!(
                "a {b} backup restores into the same kind of database only; drop --database-url or give a {b} URL"
            )));
        }
    };
    let db_file = from.join(&manifest.database);
    let (sha, _) = sha256_file(&db_file)?;
    if hex(&sha) != manifest.database_sha256 {
        return Err(fail(format!(
            "{} does not match the SHA-256 the backup recorded: the backup is damaged",
            db_file.display()
        )));
    }
    fresh_dir(data, "--data")?;
    match restore_into(from, data, &manifest, &db_file, &target_url) {
        Ok(report) => Ok(report),
        Err(e) => {
            let _ = fs::remove_dir_all(data);
            Err(e)
        }
    }
}

fn restore_into(
    from: &Path,
    data: &Path,
    manifest: &Manifest,
    db_file: &Path,
    target_url: &str,
) -> Result<RestoreReport, Error> {
    let blobs = data.join("blobs");
    mkdir_private(&blobs).map_err(io(format!("cannot create {}", blobs.display())))?;
    let (copied, _) = copy_blobs(&from.join("blobs"), &blobs)?;
    if copied.len() as u64 != manifest.blobs {
        return Err(fail(format!(
            "the backup lists {} blobs but holds {}: it is damaged or incomplete",
            manifest.blobs,
            copied.len()
        )));
    }
    let tls = data.join("tls");
    mkdir_private(&tls).map_err(io(format!("cannot create {}", tls.display())))?;
    copy_hashed(&from.join("tls/cert.pem"), &tls.join("cert.pem"))?;
    copy_hashed(&from.join("tls/key.pem"), &tls.join("key.pem"))?;
    copy_hashed(&from.join("log.key"), &data.join("log.key"))?;
    match Backend::from_url(target_url).map_err(fail)? {
        Backend::Sqlite(path) => {
            copy_hashed(db_file, Path::new(&path))?;
        }
        Backend::Postgres(url) => run(
            Command::new("pg_restore")
                .args(["--no-owner", "--exit-on-error", "--single-transaction"])
                .arg(format!("--dbname={url}"))
                .arg(db_file),
            "pg_restore (into an empty database)",
        )?,
    }

    let text = fs::read_to_string(from.join("config.toml"))
        .map_err(io(format!("cannot read {}/config.toml", from.display())))?;
    let mut layer: Layer = toml::from_str(&text)
        .map_err(|e| fail(format!("the backup's config.toml cannot be read: {e}")))?;
    layer.database_url = Some(target_url.to_owned());
    layer.blob_dir = Some(blobs);
    layer.tls_cert = Some(tls.join("cert.pem"));
    layer.tls_key = Some(tls.join("key.pem"));
    layer.log_key_file = Some(data.join("log.key"));
    let config = Config::from_layer(layer)?;
    let config_path = data.join("config.toml");
    let body = format!(
        "# Restored by `amanat-server restore` from {}.\n{}",
        from.display(),
        toml::to_string(&config.to_layer())
            .map_err(|e| fail(format!("cannot write the config: {e}")))?
    );
    init::write_new(&config_path, 0o600, body.as_bytes())?;
    sync_dir(data).map_err(io(format!("cannot sync {}", data.display())))?;
    let v = verify(&config)?;
    Ok(RestoreReport {
        config_path,
        documents: v.documents,
        log_size: v.log_size,
        log_root: v.log_root,
        checkpoints: v.checkpoints,
    })
}

/// What [`verify`] found.
#[derive(Debug)]
pub struct Verified {
    pub documents: u64,
    pub log_size: u64,
    pub log_root: String,
    pub checkpoints: u64,
}

/// Checks a data directory's state: the keyring verifies under the root; every document's
/// blob is present with its recorded length and SHA-256; the log's entries hash to the root
/// of its stored nodes, and to every stored checkpoint, each validly signed by the log key.
pub fn verify(config: &Config) -> Result<Verified, Error> {
    // The keyring against the root, exactly as `serve` checks it at start-up.
    crate::open_services(config)?;
    let store = Store::open(&config.database_url)?;
    let blobs = BlobStore::open(config).map_err(io("cannot open the blob store".into()))?;
    let mut documents = 0u64;
    for (sha, len) in store.document_blobs()? {
        crate::migrate::check_blob(&blobs, &sha, len)?;
        documents += 1;
    }

    let seed = config::read_log_seed(&config.log_key_file)?;
    let signer = LogSigner::new(&config.log_origin, &seed)
        .map_err(|e| fail(format!("the log key or origin is unusable: {e}")))?;
    let verifier = signer
        .verifier()
        .map_err(|e| fail(format!("the log key is unusable: {e}")))?;
    let mut stored = std::collections::BTreeMap::new();
    for (size, note) in store.log_checkpoints()? {
        let cp = SignedCheckpoint(note).verify(&verifier).map_err(|e| {
            fail(format!(
                "the stored checkpoint of {size} entries is not signed by this log's key: {e}"
            ))
        })?;
        stored.insert(size, cp.root);
    }
    let size = store.log_size()?;
    let mut range = CompactRange::default();
    let check = |range: &CompactRange| -> Result<(), Error> {
        match stored.get(&range.count()) {
            Some(root) if *root != range.root() => Err(fail(format!(
                "the log's first {} entries do not hash to the checkpoint it signed for that size",
                range.count()
            ))),
            _ => Ok(()),
        }
    };
    check(&range)?;
    let mut start = 0;
    while start < size {
        let end = start.saturating_add(ENTRIES_PER_QUERY).min(size);
        let entries = store.log_entries(start, end)?;
        if entries.len() as u64 != end - start {
            return Err(fail(format!(
                "log entries {start}..{end} are missing from the database"
            )));
        }
        for e in entries {
            range.push(merkle::leaf_hash(&e));
            check(&range)?;
        }
        start = end;
    }
    if let Some(beyond) = stored.keys().find(|s| **s > size) {
        return Err(fail(format!(
            "a checkpoint of {beyond} entries is stored, but the log has only {size}"
        )));
    }
    let from_nodes = log::checkpoint(&store, &signer)
        .map_err(|e| fail(format!("cannot sign a checkpoint of the restored log: {e}")))?
        .verify(&verifier)
        .map_err(|e| fail(format!("the log's own checkpoint does not verify: {e}")))?;
    if from_nodes.size != size || from_nodes.root != range.root() {
        return Err(fail(
            "the log's stored tree nodes do not match its entries: the database is damaged",
        ));
    }
    Ok(Verified {
        documents,
        log_size: size,
        log_root: amanat_protocol::encoding::b64(&range.root()),
        checkpoints: stored.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use amanat_protocol::encoding::from_hex;

    #[test]
    fn blob_paths_are_content_addresses() {
        let sha = from_hex::<32>("sha", &"ab".repeat(32)).unwrap();
        assert_eq!(
            blob_path(Path::new("/b"), &sha),
            PathBuf::from(format!("/b/ab/{}", "ab".repeat(32)))
        );
    }
}
