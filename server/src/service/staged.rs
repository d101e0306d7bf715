//! Resumable uploads on an S3 blob store, where no server keeps anything about an upload:
//! each chunk becomes one part of a multipart upload at `uploads/<id>`, and the row holds the
//! acknowledged offset, the parts (number, ETag) and the SHA-256 state so far. Any server can
//! take the next chunk or the finish; a chunk is acknowledged only once S3 has stored it.

use amanat_protocol::wire::UploadState;
use reqwest::blocking::Body;
use serde::{Deserialize, Serialize};

use super::uploads::{ChunkWriter, Sink, UploadError, check_age_prefix, io_error, state};
use super::{ServiceError, Services, now};
use crate::blobs::bucket::{BucketStore, MIN_PART, UPLOADS};
use crate::blobs::midstate::Midstate;
use crate::store::uploads::{UploadCreated, UploadRecord};

type Result<T, E = UploadError> = std::result::Result<T, E>;

/// S3 numbers parts 1 ‥ 10 000; each attempt at a chunk takes a number.
const MAX_PART: u32 = 10_000;

/// What the row's `staging` column holds.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Staging {
    /// S3's id of the multipart upload.
    upload: String,
    /// The acknowledged parts, in order: number and ETag.
    parts: Vec<(u32, String)>,
    /// SHA-256 of the acknowledged bytes, resumable ([`Midstate::to_text`]).
    hash: String,
}

fn key(id: &str) -> String {
    format!("{UPLOADS}{id}")
}

fn s3_error(what: &str, e: crate::blobs::s3::S3Error) -> UploadError {
    io_error(what, e.into())
}

fn staging_of(rec: &UploadRecord) -> Result<Staging> {
    rec.staging
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .ok_or_else(|| {
            UploadError::Service(ServiceError::Internal(
                "an upload on the S3 store has no staging state".into(),
            ))
        })
}

fn text(s: &Staging) -> Result<String> {
    serde_json::to_string(s)
        .map_err(|e| UploadError::Service(ServiceError::Internal(format!("staging state: {e}"))))
}

impl Services {
    fn bucket_store(&self) -> Result<&BucketStore> {
        self.blobs.bucket().ok_or_else(|| {
            UploadError::Service(ServiceError::Internal("not an S3 blob store".into()))
        })
    }

    /// Creates the multipart upload first, so that every row names one; a retried create
    /// (the same document) gets the existing upload and the new multipart upload is dropped.
    pub(super) fn create_staged(&self, mut rec: UploadRecord) -> Result<(UploadState, bool)> {
        let bucket = self.bucket_store()?;
        let upload = bucket
            .s3()
            .create_multipart(&key(&rec.id))
            .map_err(|e| s3_error("starting an upload", e))?;
        rec.staging = Some(text(&Staging {
            upload: upload.clone(),
            parts: Vec::new(),
            hash: Midstate::default().to_text(),
        })?);
        let created = self.store.create_upload(&rec);
        let abort = || {
            let _ = bucket.s3().abort_multipart(&key(&rec.id), &upload);
        };
        match created {
            Ok(UploadCreated::Created(rec)) => {
                tracing::info!(kind = %rec.kind, length = rec.length, "upload created");
                Ok((state(&rec, 0), true))
            }
            Ok(UploadCreated::Existing(existing)) => {
                abort();
                Ok((state(&existing, existing.staged), false))
            }
            Ok(UploadCreated::Conflict) => {
                abort();
                Err(ServiceError::Conflict("this document id is already used".into()).into())
            }
            Err(e) => {
                abort();
                Err(e.into())
            }
        }
    }

    /// Stores a gathered chunk as the next part and records it, if no other request has
    /// moved the upload on meanwhile.
    pub(super) fn stage_chunk(&self, w: ChunkWriter) -> Result<UploadState> {
        let ChunkWriter {
            rec,
            sink,
            start,
            offset,
            ..
        } = w;
        let Sink::Memory(data) = sink else {
            return Err(UploadError::Service(ServiceError::Internal(
                "a file chunk on the S3 store".into(),
            )));
        };
        if data.is_empty() {
            return Ok(state(&rec, start));
        }
        if offset < rec.length && (data.len() as u64) < MIN_PART {
            return Err(UploadError::ChunkTooSmall { min: MIN_PART });
        }
        let mut staging = staging_of(&rec)?;
        if start == 0
            && let Err(reason) = check_age_prefix(&data, rec.length)
        {
            self.discard_staged(&rec)?;
            return Err(ServiceError::NotAge(reason).into());
        }
        let mut hash = Midstate::from_text(&staging.hash)
            .filter(|h| h.len() == start)
            .ok_or_else(|| {
                UploadError::Service(ServiceError::Internal(
                    "an upload's hash state does not match its offset".into(),
                ))
            })?;
        hash.update(&data);
        let number = self
            .store
            .next_upload_part(&rec.id)?
            .ok_or_else(|| ServiceError::NotFound("the upload is finished or expired".into()))?;
        if number > MAX_PART {
            self.discard_staged(&rec)?;
            return Err(ServiceError::Conflict(
                "this upload was retried too often to go on; create it again".into(),
            )
            .into());
        }
        let started = std::time::Instant::now();
        let len = data.len() as u64;
        let etag = self
            .bucket_store()?
            .s3()
            .upload_part(
                &key(&rec.id),
                &staging.upload,
                number,
                Body::from(data),
                len,
            )
            .map_err(|e| s3_error("storing a chunk", e))?;
        crate::metrics::global().blob_commit(started.elapsed());
        staging.parts.push((number, etag));
        staging.hash = hash.to_text();
        let expires_at = now().saturating_add(self.uploads.ttl());
        if !self
            .store
            .stage_upload(&rec.id, start, offset, &text(&staging)?, expires_at)?
        {
            // Another request stored a chunk here first; its part, not this one, is listed.
            let now_at = self
                .store
                .upload(&rec.id)?
                .ok_or_else(|| ServiceError::NotFound("the upload went away".into()))?;
            return Err(UploadError::OffsetMismatch {
                sent: start,
                state: state(&now_at, now_at.staged),
            });
        }
        let mut rec = rec;
        rec.expires_at = expires_at;
        Ok(state(&rec, offset))
    }

    /// Checks the complete upload's SHA-256 (from the saved state: no byte is read again),
    /// completes the multipart upload from exactly the recorded parts, and copies it to its
    /// content address. A finish retried after the copy finds the blob in place.
    pub(super) fn commit_staged(&self, rec: &UploadRecord, sha256: &[u8; 32]) -> Result<()> {
        let bucket = self.bucket_store()?;
        if rec.staged != rec.length {
            return Err(UploadError::Incomplete {
                state: state(rec, rec.staged),
            });
        }
        let staging = staging_of(rec)?;
        let digest = Midstate::from_text(&staging.hash)
            .filter(|h| h.len() == rec.length)
            .map(Midstate::finalize)
            .ok_or_else(|| {
                UploadError::Service(ServiceError::Internal(
                    "an upload's hash state does not match its length".into(),
                ))
            })?;
        if &digest != sha256 {
            self.discard_staged(rec)?;
            return Err(UploadError::HashMismatch);
        }
        let k = key(&rec.id);
        // Finished before, by a finish whose answer or transaction was then lost (perhaps
        // on an instance that died): the blob is in place. Its content address is its hash,
        // just checked, so it is this upload's bytes; what is left of the upload goes.
        // (Made young again, as any claim of an existing blob, for the orphan collector.)
        if bucket
            .exists_or_touch(sha256)
            .map_err(|e| io_error("committing an upload", e))?
        {
            let _ = bucket.s3().abort_multipart(&k, &staging.upload);
            let _ = bucket.s3().delete(&k);
            return Ok(());
        }
        if let Err(e) = bucket
            .s3()
            .complete_multipart(&k, &staging.upload, &staging.parts)
        {
            // Completed by such a finish that died before the copy: the object is there.
            // (S3 answers NoSuchUpload here; some stores answer otherwise, so look.)
            if bucket.s3().head(&k).ok().flatten() != Some(rec.length) {
                return Err(s3_error("completing an upload", e));
            }
        }
        bucket
            .place(&k, sha256)
            .map_err(|e| io_error("committing an upload", e))?;
        let _ = bucket.s3().delete(&k);
        Ok(())
    }

    /// Drops an upload: its row, and its multipart upload and parts.
    pub(super) fn discard_staged(&self, rec: &UploadRecord) -> Result<()> {
        self.store.delete_upload(&rec.id)?;
        if let (Ok(bucket), Ok(staging)) = (self.bucket_store(), staging_of(rec)) {
            // Should this fail, the collector aborts it once it is old.
            let _ = bucket.s3().abort_multipart(&key(&rec.id), &staging.upload);
            let _ = bucket.s3().delete(&key(&rec.id));
        }
        Ok(())
    }

    /// Aborts the multipart uploads of expired uploads (before their rows go), and any that
    /// no row names and that are older than the upload TTL (a server that died between
    /// starting one and recording it), and direct bodies left under `tmp/`.
    pub(super) fn collect_staged(&self) -> Result<(), ServiceError> {
        let Some(bucket) = self.blobs.bucket() else {
            return Ok(());
        };
        let s3 = bucket.s3();
        let io = |e: crate::blobs::s3::S3Error| ServiceError::io("collecting S3 uploads", e.into());
        let at = now();
        for (id, staging) in self.store.expired_staging(at)? {
            if let Ok(st) = serde_json::from_str::<Staging>(&staging) {
                s3.abort_multipart(&key(&id), &st.upload).map_err(io)?;
            }
        }
        let ttl = self.uploads.ttl();
        let old = at.saturating_sub(ttl);
        let listed = s3.list_multipart(UPLOADS).map_err(io)?;
        let ids: Vec<String> = listed
            .iter()
            .filter_map(|u| u.key.strip_prefix(UPLOADS).map(str::to_owned))
            .collect();
        let live = self.store.unfinished_uploads(&ids)?;
        for up in listed.iter().filter(|u| u.initiated < old) {
            let id = up.key.strip_prefix(UPLOADS).unwrap_or_default();
            if !live.iter().any(|l| l == id) {
                s3.abort_multipart(&up.key, &up.upload_id).map_err(io)?;
            }
        }
        let before =
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(u64::try_from(old).unwrap_or(0));
        bucket
            .collect_tmp(before)
            .map_err(|e| ServiceError::io("collecting S3 bodies", e))?;
        Ok(())
    }
}
