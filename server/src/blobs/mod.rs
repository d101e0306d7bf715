//! The content-addressed blob store seam: ciphertext is kept under its SHA-256, written once,
//! in a folder (the embedded default, [`dir`]) or an S3-compatible bucket ([`bucket`]).
//! Keys and paths come only from digests, never from anything a client sends. All calls block.

pub mod bucket;
pub mod dir;
pub mod midstate;
pub mod s3;

use std::io::{self, Read};
use std::path::Path;
use std::time::SystemTime;

pub use dir::read_chunk;
pub(crate) use dir::{mkdir_private, sync_dir};

/// A blob safely in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Committed {
    pub sha256: [u8; 32],
    pub len: u64,
}

/// A stored blob as the orphan collector sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: [u8; 32],
    /// When it was written or last claimed by an upload of the same bytes.
    pub touched: SystemTime,
}

/// Where blobs live. Cheap to clone.
#[derive(Clone, Debug)]
pub enum BlobStore {
    Dir(dir::DirStore),
    Bucket(bucket::BucketStore),
}

/// A blob being written. Dropping it without [`BlobStore::commit`] discards it.
#[derive(Debug)]
pub enum TmpBlob {
    Dir(dir::DirTmp),
    Bucket(bucket::BucketTmp),
}

/// A stored blob opened for reading.
pub type BlobReader = Box<dyn Read + Send>;

impl BlobStore {
    /// The store `config` names: its bucket (credentials from the environment), else its
    /// blob folder.
    pub fn open(config: &crate::Config) -> io::Result<BlobStore> {
        match &config.bucket {
            None => BlobStore::open_dir(&config.blob_dir).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "cannot open the blob directory {}: {e}",
                        config.blob_dir.display()
                    ),
                )
            }),
            Some(b) => {
                let credentials = s3::Credentials::from_env().map_err(io::Error::other)?;
                let client = s3::S3::new(b, credentials).map_err(io::Error::other)?;
                BlobStore::open_bucket(client)
            }
        }
    }

    /// The folder store at `root` (created, mode 0700).
    pub fn open_dir(root: &Path) -> io::Result<BlobStore> {
        dir::DirStore::open(root).map(BlobStore::Dir)
    }

    /// The bucket store, once the bucket has answered.
    pub fn open_bucket(s3: s3::S3) -> io::Result<BlobStore> {
        bucket::BucketStore::open(s3).map(BlobStore::Bucket)
    }

    /// `folder` or `s3`, for logs and errors.
    pub fn kind(&self) -> &'static str {
        match self {
            BlobStore::Dir(_) => "folder",
            BlobStore::Bucket(_) => "s3",
        }
    }

    pub fn bucket(&self) -> Option<&bucket::BucketStore> {
        match self {
            BlobStore::Bucket(b) => Some(b),
            BlobStore::Dir(_) => None,
        }
    }

    pub fn dir(&self) -> Option<&dir::DirStore> {
        match self {
            BlobStore::Dir(d) => Some(d),
            BlobStore::Bucket(_) => None,
        }
    }

    /// Bytes an upload may still take: the folder's free space; a bucket has no figure.
    pub fn available_bytes(&self) -> io::Result<u64> {
        match self {
            BlobStore::Dir(d) => d.available_bytes(),
            BlobStore::Bucket(_) => Ok(u64::MAX),
        }
    }

    pub fn begin(&self) -> io::Result<TmpBlob> {
        match self {
            BlobStore::Dir(d) => d.begin().map(TmpBlob::Dir),
            BlobStore::Bucket(b) => Ok(TmpBlob::Bucket(b.begin())),
        }
    }

    /// Makes the blob durable at its content address (keeping an existing copy).
    pub fn commit(&self, tmp: TmpBlob) -> io::Result<Committed> {
        let started = std::time::Instant::now();
        let done = match (self, tmp) {
            (BlobStore::Dir(d), TmpBlob::Dir(t)) => d.commit(t),
            (BlobStore::Bucket(b), TmpBlob::Bucket(t)) => b.commit(t),
            _ => Err(io::Error::other("a blob committed to another store")),
        }?;
        crate::metrics::global().blob_commit(started.elapsed());
        Ok(done)
    }

    pub fn open_blob(&self, sha256: &[u8; 32]) -> io::Result<(BlobReader, u64)> {
        match self {
            BlobStore::Dir(d) => {
                let (f, len) = d.open_blob(sha256)?;
                Ok((Box::new(f), len))
            }
            BlobStore::Bucket(b) => b.open_blob(sha256),
        }
    }

    /// The stored length of a blob, `None` if there is none.
    pub fn blob_len(&self, sha256: &[u8; 32]) -> io::Result<Option<u64>> {
        match self {
            BlobStore::Dir(d) => match d.open_blob(sha256) {
                Ok((_, len)) => Ok(Some(len)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            BlobStore::Bucket(b) => b.blob_len(sha256),
        }
    }

    pub fn stored_blobs(&self) -> io::Result<Vec<StoredBlob>> {
        match self {
            BlobStore::Dir(d) => d.stored_blobs(),
            BlobStore::Bucket(b) => b.stored_blobs(),
        }
    }

    /// Deletes a blob; one already gone is fine.
    pub fn remove_blob(&self, sha256: &[u8; 32]) -> io::Result<()> {
        match self {
            BlobStore::Dir(d) => d.remove_blob(sha256),
            BlobStore::Bucket(b) => b.remove_blob(sha256),
        }
    }
}

impl TmpBlob {
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            TmpBlob::Dir(t) => t.write(data),
            TmpBlob::Bucket(t) => {
                t.write(data)?;
                crate::metrics::global().uploaded(data.len() as u64);
                Ok(())
            }
        }
    }

    pub fn len(&self) -> u64 {
        match self {
            TmpBlob::Dir(t) => t.len(),
            TmpBlob::Bucket(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
