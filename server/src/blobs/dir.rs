//! The folder blob store, the embedded default: ciphertext lives at `blob_dir/ab/abcdef…`
//! (its SHA-256).
//! Uploads stream into `blob_dir/tmp/`, hashed on the way, then are fsynced, renamed into
//! place and the directory fsynced, so a receipt never points at a half-written file.
//! Paths come only from digests, never from anything a client sends. All calls block.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amanat_protocol::encoding::hex;
use sha2::{Digest, Sha256};

pub use super::{Committed, StoredBlob};

const TMP: &str = "tmp";

/// The blob directory. Cheap to clone.
#[derive(Clone, Debug)]
pub struct DirStore {
    root: PathBuf,
}

/// A blob being written. Dropping it without [`DirStore::commit`] deletes the file.
#[derive(Debug)]
pub struct DirTmp {
    path: PathBuf,
    file: Option<File>,
    hasher: Sha256,
    len: u64,
}

impl DirStore {
    /// Creates the directories (mode 0700) and removes temporary files a crash left behind.
    pub fn open(root: &Path) -> io::Result<DirStore> {
        let store = DirStore {
            root: root.to_owned(),
        };
        mkdir_private(&store.root)?;
        let tmp = store.root.join(TMP);
        mkdir_private(&tmp)?;
        for entry in fs::read_dir(&tmp)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                fs::remove_file(entry.path())?;
            }
        }
        Ok(store)
    }

    /// Bytes available to an unprivileged writer on the blob store's file system.
    pub fn available_bytes(&self) -> io::Result<u64> {
        let st = rustix::fs::statvfs(&self.root)?;
        Ok(st.f_bavail.saturating_mul(st.f_frsize))
    }

    /// Starts a new blob in `tmp/` under a random name.
    pub fn begin(&self) -> io::Result<DirTmp> {
        let name: [u8; 16] = rand::random();
        let path = self.root.join(TMP).join(hex(&name));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        Ok(DirTmp {
            path,
            file: Some(file),
            hasher: Sha256::new(),
            len: 0,
        })
    }

    /// Makes `tmp` durable and moves it to its content address. If that blob already exists
    /// (the same bytes were uploaded before), the existing file is kept.
    pub fn commit(&self, mut tmp: DirTmp) -> io::Result<Committed> {
        let file = tmp
            .file
            .take()
            .ok_or_else(|| io::Error::other("blob already committed"))?;
        file.sync_all()?;
        drop(file);
        let sha256: [u8; 32] = std::mem::take(&mut tmp.hasher).finalize().into();
        self.commit_file(&tmp.path, &sha256)?;
        tmp.path = PathBuf::new(); // nothing left for Drop to remove
        Ok(Committed {
            sha256,
            len: tmp.len,
        })
    }

    /// Moves an already fsynced file whose SHA-256 the caller has checked (a finished
    /// resumable upload) to its content address; if that blob exists, the file is removed.
    pub fn commit_file(&self, path: &Path, sha256: &[u8; 32]) -> io::Result<()> {
        let target = self.path_of(sha256);
        let dir = target
            .parent()
            .ok_or_else(|| io::Error::other("blob path has no parent"))?;
        if !dir.exists() {
            mkdir_private(dir)?;
            sync_dir(&self.root)?;
        }
        if target.exists() {
            fs::remove_file(path)?;
            // The existing blob is about to be claimed by a new row: make it young again, so
            // the orphan collector's grace period protects it until that row commits.
            self.touch(sha256)?;
        } else {
            fs::rename(path, &target)?;
            sync_dir(dir)?;
        }
        Ok(())
    }

    /// Opens a stored blob for reading, with its length.
    pub fn open_blob(&self, sha256: &[u8; 32]) -> io::Result<(File, u64)> {
        let file = File::open(self.path_of(sha256))?;
        let len = file.metadata()?.len();
        Ok((file, len))
    }

    /// Every blob at its content address (`ab/abcdef…`), with when it was last touched.
    /// Temporary files, uploads in progress and anything not named like a blob are skipped.
    pub fn stored_blobs(&self) -> io::Result<Vec<StoredBlob>> {
        let mut out = Vec::new();
        for dir in fs::read_dir(&self.root)? {
            let dir = dir?;
            let prefix = dir.file_name();
            let Some(prefix) = prefix.to_str().filter(|p| p.len() == 2 && is_lower_hex(p)) else {
                continue;
            };
            if !dir.file_type()?.is_dir() {
                continue;
            }
            for file in fs::read_dir(dir.path())? {
                let file = file?;
                let name = file.file_name();
                let Some(sha256) = name
                    .to_str()
                    .filter(|n| n.starts_with(prefix))
                    .and_then(parse_digest)
                else {
                    continue;
                };
                let meta = file.metadata()?;
                if !meta.is_file() {
                    continue;
                }
                let ctime =
                    UNIX_EPOCH + Duration::from_secs(u64::try_from(meta.ctime()).unwrap_or(0));
                let touched = meta.modified()?.max(ctime);
                out.push(StoredBlob { sha256, touched });
            }
        }
        Ok(out)
    }

    /// Makes an existing blob young again (see [`DirStore::commit_file`]).
    pub fn touch(&self, sha256: &[u8; 32]) -> io::Result<()> {
        File::open(self.path_of(sha256))?.set_modified(SystemTime::now())
    }

    /// Deletes a blob (an orphan no row refers to) and syncs its directory.
    pub fn remove_blob(&self, sha256: &[u8; 32]) -> io::Result<()> {
        let path = self.path_of(sha256);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        }
        match path.parent() {
            Some(dir) => sync_dir(dir),
            None => Ok(()),
        }
    }

    fn path_of(&self, sha256: &[u8; 32]) -> PathBuf {
        let name = hex(sha256);
        self.root.join(&name[..2]).join(name)
    }
}

impl DirTmp {
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("blob already committed"))?;
        file.write_all(data)?;
        crate::metrics::global().uploaded(data.len() as u64);
        self.hasher.update(data);
        self.len += data.len() as u64;
        Ok(())
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for DirTmp {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            // Best effort: whatever remains is removed at the next start.
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A blob file name: 64 lowercase hex digits.
pub(super) fn parse_digest(name: &str) -> Option<[u8; 32]> {
    if name.len() != 64 || !is_lower_hex(name) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(name.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Reads a blob in pieces, for streaming it out without holding it in memory.
pub fn read_chunk(file: &mut dyn Read, max: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; max];
    let n = file.read(&mut buf)?;
    buf.truncate(n);
    crate::metrics::global().downloaded(n as u64);
    Ok(buf)
}

pub(crate) fn mkdir_private(path: &Path) -> io::Result<()> {
    match fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// A rename is durable only once its directory is synced.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn writes_commits_and_dedupes() {
        let dir = tempfile::tempdir().unwrap();
        let store = DirStore::open(&dir.path().join("blobs")).unwrap();
        let mut a = store.begin().unwrap();
        a.write(b"hello ").unwrap();
        a.write(b"world").unwrap();
        let tmp_path = a.path.clone();
        let c = store.commit(a).unwrap();
        assert!(!tmp_path.exists());
        assert_eq!(c.len, 11);
        let expected: [u8; 32] = Sha256::digest(b"hello world").into();
        assert_eq!(c.sha256, expected);
        let name = hex(&expected);
        let path = dir.path().join("blobs").join(&name[..2]).join(&name);
        assert_eq!(fs::read(&path).unwrap(), b"hello world");

        let mut b = store.begin().unwrap();
        b.write(b"hello world").unwrap();
        assert_eq!(store.commit(b).unwrap(), c);
        assert_eq!(
            fs::read_dir(dir.path().join("blobs/tmp")).unwrap().count(),
            0
        );

        let (mut f, len) = store.open_blob(&expected).unwrap();
        assert_eq!(len, 11);
        assert_eq!(read_chunk(&mut f, 5).unwrap(), b"hello");
        assert!(store.available_bytes().unwrap() > 0);
    }

    #[test]
    fn lists_and_removes_blobs_and_touches_a_deduped_one() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("blobs");
        let store = DirStore::open(&root).unwrap();
        let mut a = store.begin().unwrap();
        a.write(b"orphan").unwrap();
        let c = store.commit(a).unwrap();
        // Not blobs: uploads in progress, temporary files, stray names.
        fs::create_dir_all(root.join("uploads")).unwrap();
        fs::write(root.join("uploads").join("ab".repeat(16)), b"x").unwrap();
        fs::write(root.join("tmp/partial"), b"x").unwrap();
        fs::create_dir_all(root.join("zz")).unwrap();
        fs::write(root.join("zz/notes.txt"), b"x").unwrap();
        let listed = store.stored_blobs().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].sha256, c.sha256);

        // A second upload of the same bytes makes the existing blob young again.
        let old = SystemTime::now() - Duration::from_secs(3600);
        File::open(store.path_of(&c.sha256))
            .unwrap()
            .set_modified(old)
            .unwrap();
        let mut b = store.begin().unwrap();
        b.write(b"orphan").unwrap();
        store.commit(b).unwrap();
        let touched = store.stored_blobs().unwrap()[0].touched;
        assert!(touched > old + Duration::from_secs(3000));

        store.remove_blob(&c.sha256).unwrap();
        store.remove_blob(&c.sha256).unwrap(); // already gone: fine
        assert!(store.stored_blobs().unwrap().is_empty());
    }

    #[test]
    fn dropped_and_leftover_tmp_files_go_away() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("blobs");
        let store = DirStore::open(&root).unwrap();
        let mut a = store.begin().unwrap();
        a.write(b"partial").unwrap();
        drop(a);
        assert_eq!(fs::read_dir(root.join("tmp")).unwrap().count(), 0);

        fs::write(root.join("tmp/crashed"), b"x").unwrap();
        DirStore::open(&root).unwrap();
        assert_eq!(fs::read_dir(root.join("tmp")).unwrap().count(), 0);
    }
}
