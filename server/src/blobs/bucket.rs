//! The S3 blob store: ciphertext at `<prefix>/blobs/ab/abcdef…` (its SHA-256), never
//! overwritten. A body streams into memory up to one part, then on as a multipart upload
//! under `tmp/`; only a hashed, complete body is copied to its content address.

use std::io::{self, Read};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amanat_protocol::encoding::hex;
use reqwest::blocking::Body;
use sha2::{Digest, Sha256};

use super::s3::{S3, S3Error};
use super::{Committed, StoredBlob};

/// Objects at their content address.
pub const BLOBS: &str = "blobs/";
/// Multipart uploads of direct (non-resumable) bodies larger than one part.
pub const TMP: &str = "tmp/";
/// Resumable uploads in progress, one multipart upload each.
pub const UPLOADS: &str = "uploads/";
/// What a body is cut into once it is larger than this: S3's parts (except the last) must
/// be at least 5 MiB.
pub const PART: usize = 8 * 1024 * 1024;
/// S3's smallest part but the last.
pub const MIN_PART: u64 = 5 * 1024 * 1024;
/// S3's largest single copy; a larger document could not be moved to its content address.
pub const MAX_COPY: u64 = 5 * 1024 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct BucketStore {
    s3: S3,
}

/// A body being written: in memory up to [`PART`], then as a multipart upload.
#[derive(Debug)]
pub struct BucketTmp {
    s3: S3,
    buf: Vec<u8>,
    hasher: Sha256,
    len: u64,
    multipart: Option<Multipart>,
}

#[derive(Debug)]
struct Multipart {
    key: String,
    upload_id: String,
    parts: Vec<(u32, String)>,
}

pub fn blob_key(sha256: &[u8; 32]) -> String {
    let name = hex(sha256);
    format!("{BLOBS}{}/{name}", &name[..2])
}

fn io_err(e: S3Error) -> io::Error {
    e.into()
}

impl BucketStore {
    /// Checks the bucket answers (a listing of one key) before the server accepts requests.
    pub fn open(s3: S3) -> io::Result<BucketStore> {
        let store = BucketStore { s3 };
        store.s3.probe().map_err(|e| {
            io::Error::other(format!(
                "the bucket {:?} at {} does not answer: {e}",
                store.s3.config().bucket,
                store.s3.config().endpoint
            ))
        })?;
        Ok(store)
    }

    pub fn s3(&self) -> &S3 {
        &self.s3
    }

    pub fn begin(&self) -> BucketTmp {
        BucketTmp {
            s3: self.s3.clone(),
            buf: Vec::new(),
            hasher: Sha256::new(),
            len: 0,
            multipart: None,
        }
    }

    /// Writes the rest, hashes, and puts the body at its content address unless it is there.
    pub fn commit(&self, mut tmp: BucketTmp) -> io::Result<Committed> {
        let sha256: [u8; 32] = std::mem::take(&mut tmp.hasher).finalize().into();
        let len = tmp.len;
        let target = blob_key(&sha256);
        match tmp.multipart.take() {
            None => {
                let body = std::mem::take(&mut tmp.buf);
                if !self.exists_or_touch(&sha256)? {
                    self.s3.put(&target, body, true).map_err(io_err)?;
                }
            }
            Some(mut mp) => {
                let result = (|| {
                    if !tmp.buf.is_empty() {
                        let n = next_part(&mp)?;
                        let body = std::mem::take(&mut tmp.buf);
                        let blen = body.len() as u64;
                        let etag = self
                            .s3
                            .upload_part(&mp.key, &mp.upload_id, n, Body::from(body), blen)
                            .map_err(io_err)?;
                        mp.parts.push((n, etag));
                    }
                    self.s3
                        .complete_multipart(&mp.key, &mp.upload_id, &mp.parts)
                        .map_err(io_err)?;
                    let moved = self.place(&mp.key, &sha256);
                    let _ = self.s3.delete(&mp.key);
                    moved
                })();
                if result.is_err() {
                    let _ = self.s3.abort_multipart(&mp.key, &mp.upload_id);
                }
                result?;
            }
        }
        Ok(Committed { sha256, len })
    }

    /// Copies a complete object (at `from`, whose SHA-256 the caller has checked) to its
    /// content address, unless that blob exists (then it is made young again).
    pub fn place(&self, from: &str, sha256: &[u8; 32]) -> io::Result<()> {
        if !self.exists_or_touch(sha256)? {
            self.s3.copy(from, &blob_key(sha256)).map_err(io_err)?;
        }
        Ok(())
    }

    /// Whether the blob exists; if it does, it is made young, so that the orphan collector's
    /// grace period protects it until the row that now claims it commits.
    pub fn exists_or_touch(&self, sha256: &[u8; 32]) -> io::Result<bool> {
        let key = blob_key(sha256);
        if self.s3.head(&key).map_err(io_err)?.is_none() {
            return Ok(false);
        }
        self.s3.copy(&key, &key).map_err(io_err)?;
        Ok(true)
    }

    pub fn open_blob(&self, sha256: &[u8; 32]) -> io::Result<(Box<dyn Read + Send>, u64)> {
        match self.s3.get(&blob_key(sha256)).map_err(io_err)? {
            Some((resp, len)) => Ok((Box::new(resp), len)),
            None => Err(io::ErrorKind::NotFound.into()),
        }
    }

    pub fn blob_len(&self, sha256: &[u8; 32]) -> io::Result<Option<u64>> {
        self.s3.head(&blob_key(sha256)).map_err(io_err)
    }

    pub fn stored_blobs(&self) -> io::Result<Vec<StoredBlob>> {
        let listed = self.s3.list(BLOBS).map_err(io_err)?;
        Ok(listed
            .into_iter()
            .filter_map(|o| {
                let rest = o.key.strip_prefix(BLOBS)?;
                let (dir, name) = rest.split_once('/')?;
                if !name.starts_with(dir) || dir.len() != 2 {
                    return None;
                }
                let sha256 = super::dir::parse_digest(name)?;
                let secs = u64::try_from(o.last_modified).unwrap_or(0);
                Some(StoredBlob {
                    sha256,
                    touched: UNIX_EPOCH + Duration::from_secs(secs),
                })
            })
            .collect())
    }

    pub fn remove_blob(&self, sha256: &[u8; 32]) -> io::Result<()> {
        self.s3.delete(&blob_key(sha256)).map_err(io_err)
    }

    /// Aborts multipart uploads under `tmp/` started before `before` (a server that died
    /// mid-body) and returns how many. Resumable uploads are the upload collector's.
    pub fn collect_tmp(&self, before: SystemTime) -> io::Result<usize> {
        let before = before
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let mut n = 0;
        for up in self.s3.list_multipart(TMP).map_err(io_err)? {
            if up.initiated < before {
                self.s3
                    .abort_multipart(&up.key, &up.upload_id)
                    .map_err(io_err)?;
                n += 1;
            }
        }
        Ok(n)
    }
}

fn next_part(mp: &Multipart) -> io::Result<u32> {
    let n = mp.parts.last().map_or(1, |(n, _)| n + 1);
    if n > 10_000 {
        return Err(io::Error::other("more than 10 000 parts"));
    }
    Ok(n)
}

impl BucketTmp {
    /// Appends `data`; every full [`PART`] goes to S3 at once (blocking).
    pub fn write(&mut self, mut data: &[u8]) -> io::Result<()> {
        self.hasher.update(data);
        self.len += data.len() as u64;
        while !data.is_empty() {
            let take = (PART - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.buf.len() == PART {
                self.flush_part()?;
            }
        }
        Ok(())
    }

    fn flush_part(&mut self) -> io::Result<()> {
        if self.multipart.is_none() {
            let key = format!("{TMP}{}", hex(&rand::random::<[u8; 16]>()));
            let upload_id = self.s3.create_multipart(&key).map_err(io_err)?;
            self.multipart = Some(Multipart {
                key,
                upload_id,
                parts: Vec::new(),
            });
        }
        let body = std::mem::replace(&mut self.buf, Vec::with_capacity(PART));
        let len = body.len() as u64;
        if let Some(mp) = &mut self.multipart {
            let n = next_part(mp)?;
            let etag = self
                .s3
                .upload_part(&mp.key, &mp.upload_id, n, Body::from(body), len)
                .map_err(io_err)?;
            mp.parts.push((n, etag));
        }
        Ok(())
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for BucketTmp {
    fn drop(&mut self) {
        if let Some(mp) = self.multipart.take() {
            // Dropped without a commit (a refused or broken body). The blocking client may not
            // run on an async worker, so a thread of its own aborts the upload; should that
            // fail, the collector aborts it later.
            let s3 = self.s3.clone();
            std::thread::spawn(move || {
                let _ = s3.abort_multipart(&mp.key, &mp.upload_id);
            });
        }
    }
}
