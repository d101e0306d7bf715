//! `amanat-server migrate-blobs`: copies every document's ciphertext from the blob store the
//! configuration names to another (a folder to an S3 bucket, or back), streaming each blob,
//! checking its SHA-256 and length on the way in and reading it back from the target.

use std::io::Read;

use amanat_protocol::encoding::hex;
use sha2::{Digest, Sha256};

use crate::blobs::BlobStore;
use crate::store::Store;
use crate::{Config, Error};

/// Reads of a blob while copying or checking it.
const BLOCK: usize = 1024 * 1024;

/// What [`migrate_blobs`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Migrated {
    /// Blobs written to the target.
    pub copied: u64,
    /// Blobs the target already held (re-hashed there, not written again).
    pub present: u64,
    /// Bytes of ciphertext checked in the target.
    pub bytes: u64,
}

fn fail(what: String) -> Error {
    Error::Init(what)
}

/// The SHA-256 and length of everything `r` yields, read in blocks.
fn hash_stream(mut r: impl Read) -> std::io::Result<([u8; 32], u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; BLOCK];
    let mut len = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
        len += n as u64;
    }
    Ok((h.finalize().into(), len))
}

/// Checks that `store` holds blob `sha` with `len` bytes, by reading it all.
pub fn check_blob(store: &BlobStore, sha: &[u8; 32], len: u64) -> Result<(), Error> {
    let (reader, _) = store.open_blob(sha).map_err(|e| {
        fail(format!(
            "document blob {} is missing from the {} store: {e}",
            hex(sha),
            store.kind()
        ))
    })?;
    let (got, got_len) =
        hash_stream(reader).map_err(|e| fail(format!("reading blob {} failed: {e}", hex(sha))))?;
    if &got != sha || got_len != len {
        return Err(fail(format!(
            "document blob {} is damaged in the {} store: {got_len} bytes hashing to {}, the database records {len} bytes",
            hex(sha),
            store.kind(),
            hex(&got)
        )));
    }
    Ok(())
}

/// Copies every document's blob from the configured store to `to`. Safe to run again (what
/// is there is checked, not rewritten) and while the server serves, though documents stored
/// after the run started are copied only by the next run: stop the server, run it once more,
/// then switch the configuration. Orphan blobs (no document) are not copied.
pub fn migrate_blobs(config: &Config, to: &BlobStore) -> Result<Migrated, Error> {
    let from = BlobStore::open(config).map_err(|source| Error::Io {
        what: "cannot open the current blob store".into(),
        source,
    })?;
    let store = Store::open(&config.database_url)?;
    let mut done = Migrated::default();
    let mut blobs = store.document_blobs()?;
    blobs.sort();
    blobs.dedup();
    for (sha, len) in blobs {
        let there = to.blob_len(&sha).map_err(|e| {
            fail(format!(
                "cannot look for blob {} in the target: {e}",
                hex(&sha)
            ))
        })?;
        if there == Some(len) {
            check_blob(to, &sha, len)?;
            done.present += 1;
            done.bytes += len;
            continue;
        }
        let (mut reader, _) = from.open_blob(&sha).map_err(|e| {
            fail(format!(
                "document blob {} is missing from the current ({}) store: {e}",
                hex(&sha),
                from.kind()
            ))
        })?;
        let mut tmp = to
            .begin()
            .map_err(|e| fail(format!("cannot write to the target: {e}")))?;
        let mut buf = vec![0u8; BLOCK];
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(|e| fail(format!("reading blob {} failed: {e}", hex(&sha))))?;
            if n == 0 {
                break;
            }
            tmp.write(&buf[..n])
                .map_err(|e| fail(format!("writing blob {} failed: {e}", hex(&sha))))?;
        }
        let committed = to
            .commit(tmp)
            .map_err(|e| fail(format!("storing blob {} failed: {e}", hex(&sha))))?;
        if committed.sha256 != sha || committed.len != len {
            return Err(fail(format!(
                "document blob {} in the current store is damaged: {} bytes hashing to {}; nothing was switched, fix it first (restore it from a backup)",
                hex(&sha),
                committed.len,
                hex(&committed.sha256)
            )));
        }
        check_blob(to, &sha, len)?;
        done.copied += 1;
        done.bytes += len;
    }
    Ok(done)
}
