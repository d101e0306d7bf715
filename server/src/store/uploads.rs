//! Storage of resumable uploads: one `uploads` row per upload from create until it is
//! collected. The bytes are not here (they grow in the blob store's upload area); the row
//! binds the upload to its case and document, and finishing turns it into a document, logged.

use amanat_protocol::wire::DocumentKind;
use amanat_protocol::{CaseId, DocumentId};
use diesel::prelude::*;

use super::is_unique_violation;
use super::models::{DocumentRow, bytes32, case_id, i64_of, u64_of};
use super::schema::{cases, documents};
use super::{DbConnection, KeyringLock, Store, StoreError};
use crate::domain::{DocumentRecord, LoggedEntry};

// Kept beside its queries rather than in schema.rs: no other module joins against it.
diesel::table! {
    uploads (id) {
        id -> Text,
        case_id -> Text,
        document_id -> Text,
        kind -> Text,
        length -> BigInt,
        created_at -> BigInt,
        expires_at -> BigInt,
        finished_at -> Nullable<BigInt>,
        staged -> BigInt,
        next_part -> BigInt,
        staging -> Nullable<Text>,
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = uploads)]
struct UploadRow {
    id: String,
    case_id: String,
    document_id: String,
    kind: String,
    length: i64,
    created_at: i64,
    expires_at: i64,
    finished_at: Option<i64>,
    staged: i64,
    next_part: i64,
    staging: Option<String>,
}

/// An upload as the services see it. `id` is 32 lowercase hex digits (checked by the caller
/// before it reaches a query or a file name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadRecord {
    pub id: String,
    pub case_id: CaseId,
    pub document_id: DocumentId,
    pub kind: DocumentKind,
    pub length: u64,
    pub created_at: i64,
    pub expires_at: i64,
    /// Set in the transaction that stored the document.
    pub finished_at: Option<i64>,
    /// S3 blob store only: the bytes acknowledged so far, and the parts and hash state that
    /// hold them (the services' JSON; opaque here). A folder store leaves 0 and `None`.
    pub staged: u64,
    pub staging: Option<String>,
}

impl TryFrom<UploadRow> for UploadRecord {
    type Error = StoreError;
    fn try_from(r: UploadRow) -> Result<Self, StoreError> {
        Ok(UploadRecord {
            id: r.id,
            case_id: case_id(&r.case_id)?,
            document_id: r
                .document_id
                .parse()
                .map_err(|e| StoreError::corrupt("upload", e))?,
            kind: r
                .kind
                .parse()
                .map_err(|e| StoreError::corrupt("upload", e))?,
            length: u64_of("upload length", r.length)?,
            created_at: r.created_at,
            expires_at: r.expires_at,
            finished_at: r.finished_at,
            staged: u64_of("upload staged length", r.staged)?,
            staging: r.staging,
        })
    }
}

/// How creating an upload went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadCreated {
    Created(UploadRecord),
    /// The same case already has an unfinished upload for this document, kind and length: a
    /// retried create (its answer was lost). The existing upload is returned.
    Existing(UploadRecord),
    /// The document id is taken: by a stored document, or by another upload.
    Conflict,
}

/// How the finishing transaction went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadFinished {
    /// The document row and its `01` entry, committed together with `finished_at`.
    Stored(DocumentRecord, LoggedEntry),
    /// Finished before (a retried finish): the document and the entry logged then.
    AlreadyFinished(DocumentRecord, Option<LoggedEntry>),
    /// No such upload any more (collected or deleted meanwhile).
    Gone,
    /// The document id was taken meanwhile (e.g. by a `PUT` of the same id).
    Conflict,
}

impl Store {
    /// Inserts `rec` unless its document id is taken; see [`UploadCreated`].
    pub fn create_upload(&self, rec: &UploadRecord) -> Result<UploadCreated, StoreError> {
        let row = UploadRow {
            id: rec.id.clone(),
            case_id: rec.case_id.to_string(),
            document_id: rec.document_id.to_string(),
            kind: rec.kind.as_str().to_owned(),
            length: i64_of("upload length", rec.length)?,
            created_at: rec.created_at,
            expires_at: rec.expires_at,
            finished_at: None,
            staged: 0,
            next_part: 1,
            staging: rec.staging.clone(),
        };
        self.write(KeyringLock::None, |c| {
            let stored: i64 = documents::table
                .filter(documents::id.eq(&row.document_id))
                .count()
                .get_result(c)?;
            if stored > 0 {
                return Ok(UploadCreated::Conflict);
            }
            let existing: Option<UploadRow> = uploads::table
                .filter(uploads::document_id.eq(&row.document_id))
                .select(UploadRow::as_select())
                .first(c)
                .optional()?;
            if let Some(existing) = existing {
                let existing = UploadRecord::try_from(existing)?;
                let same = existing.case_id == rec.case_id
                    && existing.kind == rec.kind
                    && existing.length == rec.length
                    && existing.finished_at.is_none();
                return Ok(if same {
                    UploadCreated::Existing(existing)
                } else {
                    UploadCreated::Conflict
                });
            }
            match diesel::insert_into(uploads::table).values(&row).execute(c) {
                Ok(_) => Ok(UploadCreated::Created(rec.clone())),
                Err(e) if is_unique_violation(&e) => Ok(UploadCreated::Conflict),
                Err(e) => Err(e.into()),
            }
        })
    }

    pub fn upload(&self, id: &str) -> Result<Option<UploadRecord>, StoreError> {
        let mut c = self.conn()?;
        uploads::table
            .filter(uploads::id.eq(id))
            .select(UploadRow::as_select())
            .first(&mut *c)
            .optional()?
            .map(UploadRecord::try_from)
            .transpose()
    }

    /// Pushes an unfinished upload's expiry out (it is still being written).
    pub fn touch_upload(&self, id: &str, expires_at: i64) -> Result<(), StoreError> {
        let mut c = self.conn()?;
        diesel::update(
            uploads::table
                .filter(uploads::id.eq(id))
                .filter(uploads::finished_at.is_null()),
        )
        .set(uploads::expires_at.eq(expires_at))
        .execute(&mut *c)?;
        Ok(())
    }

    /// Hands out the next S3 part number of an unfinished upload (each attempt at a chunk
    /// gets its own, so two racing attempts never write one part); `None` if it is gone.
    pub fn next_upload_part(&self, id: &str) -> Result<Option<u32>, StoreError> {
        self.write(KeyringLock::None, |c| {
            let n = diesel::update(
                uploads::table
                    .filter(uploads::id.eq(id))
                    .filter(uploads::finished_at.is_null()),
            )
            .set(uploads::next_part.eq(uploads::next_part + 1))
            .execute(c)?;
            if n == 0 {
                return Ok(None);
            }
            let next: i64 = uploads::table
                .filter(uploads::id.eq(id))
                .select(uploads::next_part)
                .first(c)?;
            Ok(u32::try_from(next - 1).ok())
        })
    }

    /// Records a chunk of an S3 upload: from `from` bytes to `to`, with the new staging
    /// state, only if the upload is still unfinished at `from` (compare-and-set: of two
    /// racing chunks at one offset, one wins and the other is told the new offset).
    pub fn stage_upload(
        &self,
        id: &str,
        from: u64,
        to: u64,
        staging: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        let mut c = self.conn()?;
        let n = diesel::update(
            uploads::table
                .filter(uploads::id.eq(id))
                .filter(uploads::finished_at.is_null())
                .filter(uploads::staged.eq(i64_of("upload offset", from)?)),
        )
        .set((
            uploads::staged.eq(i64_of("upload offset", to)?),
            uploads::staging.eq(staging),
            uploads::expires_at.eq(expires_at),
        ))
        .execute(&mut *c)?;
        Ok(n > 0)
    }

    /// The staging state of unfinished uploads that expired before `now` (S3 multipart
    /// uploads the collector aborts before it deletes the rows).
    pub fn expired_staging(&self, now: i64) -> Result<Vec<(String, String)>, StoreError> {
        let mut c = self.conn()?;
        let rows: Vec<(String, Option<String>)> = uploads::table
            .filter(uploads::expires_at.lt(now))
            .filter(uploads::finished_at.is_null())
            .select((uploads::id, uploads::staging))
            .load(&mut *c)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, s)| s.map(|s| (id, s)))
            .collect())
    }

    /// Deletes an unfinished upload's row; `false` if there was none.
    pub fn delete_upload(&self, id: &str) -> Result<bool, StoreError> {
        let mut c = self.conn()?;
        let n = diesel::delete(
            uploads::table
                .filter(uploads::id.eq(id))
                .filter(uploads::finished_at.is_null()),
        )
        .execute(&mut *c)?;
        Ok(n > 0)
    }

    /// Deletes every row (finished or not) that expired before `now` and returns the ids of
    /// the unfinished ones, whose bytes the caller removes.
    pub fn collect_uploads(&self, now: i64) -> Result<Vec<String>, StoreError> {
        self.write(KeyringLock::None, |c| {
            let unfinished: Vec<String> = uploads::table
                .filter(uploads::expires_at.lt(now))
                .filter(uploads::finished_at.is_null())
                .select(uploads::id)
                .load(c)?;
            diesel::delete(uploads::table.filter(uploads::expires_at.lt(now))).execute(c)?;
            Ok(unfinished)
        })
    }

    /// Which of `ids` are unfinished uploads (so their bytes must be kept).
    pub fn unfinished_uploads(&self, ids: &[String]) -> Result<Vec<String>, StoreError> {
        let mut c = self.conn()?;
        let mut out = Vec::new();
        // Bounded IN lists: SQLite allows 32 766 parameters, but a short list is plenty.
        for part in ids.chunks(500) {
            let found: Vec<String> = uploads::table
                .filter(uploads::id.eq_any(part))
                .filter(uploads::finished_at.is_null())
                .select(uploads::id)
                .load(&mut *c)?;
            out.extend(found);
        }
        Ok(out)
    }

    /// Stores the upload as document `rec` and appends its `01` entry (built by `log_entry`
    /// from the case's commitment), marking the upload finished, all in one transaction. The
    /// `UPDATE … WHERE finished_at IS NULL` claims the row first, so two finishes of one
    /// upload (on one server or two) store it once.
    pub fn finish_upload(
        &self,
        id: &str,
        rec: &DocumentRecord,
        expires_at: i64,
        log_entry: impl FnOnce(&[u8; 32]) -> Vec<u8>,
    ) -> Result<UploadFinished, StoreError> {
        let mut row = DocumentRow {
            id: rec.id.to_string(),
            case_id: rec.case_id.to_string(),
            kind: rec.kind.as_str().to_owned(),
            sha256: rec.sha256.to_vec(),
            length: i64_of("document length", rec.length)?,
            received_at: rec.received_at,
            log_index: None,
        };
        self.write(KeyringLock::None, |c| {
            let claimed = diesel::update(
                uploads::table
                    .filter(uploads::id.eq(id))
                    .filter(uploads::case_id.eq(&row.case_id))
                    .filter(uploads::document_id.eq(&row.id))
                    .filter(uploads::finished_at.is_null()),
            )
            // Kept until `expires_at`, so that a finish whose answer was lost can be retried.
            .set((
                uploads::finished_at.eq(rec.received_at),
                uploads::expires_at.eq(expires_at),
            ))
            .execute(c)?;
            if claimed == 0 {
                let finished: Option<Option<i64>> = uploads::table
                    .filter(uploads::id.eq(id))
                    .filter(uploads::case_id.eq(&row.case_id))
                    .select(uploads::finished_at)
                    .first(c)
                    .optional()?;
                if !matches!(finished, Some(Some(_))) {
                    return Ok(UploadFinished::Gone);
                }
                let existing: Option<DocumentRow> = documents::table
                    .filter(documents::id.eq(&row.id))
                    .filter(documents::case_id.eq(&row.case_id))
                    .select(DocumentRow::as_select())
                    .first(c)
                    .optional()?;
                let Some(existing) = existing else {
                    return Ok(UploadFinished::Gone);
                };
                let logged = match existing.log_index {
                    None => None,
                    Some(i) => {
                        let i = u64_of("document log index", i)?;
                        Some(super::log::entry(c, i)?.ok_or_else(|| {
                            StoreError::corrupt("document", format!("log entry {i} is missing"))
                        })?)
                    }
                };
                return Ok(UploadFinished::AlreadyFinished(
                    DocumentRecord::try_from(existing)?,
                    logged,
                ));
            }
            let taken: i64 = documents::table
                .filter(documents::id.eq(&row.id))
                .count()
                .get_result(c)?;
            if taken > 0 {
                // Give the claim back: this upload can never become that document.
                diesel::update(uploads::table.filter(uploads::id.eq(id)))
                    .set(uploads::finished_at.eq(None::<i64>))
                    .execute(c)?;
                return Ok(UploadFinished::Conflict);
            }
            let commitment: Vec<u8> = cases::table
                .filter(cases::id.eq(&row.case_id))
                .select(cases::commitment)
                .first(c)?;
            let entry = log_entry(&bytes32("case", &commitment)?);
            // A unique violation here (a racing PUT of the same id on PostgreSQL) rolls the
            // whole transaction back, claim included; the client's retry then sees Conflict.
            diesel::insert_into(documents::table)
                .values(&row)
                .execute(c)?;
            let index = super::log::append(c, &[&entry], rec.received_at)?;
            row.log_index = Some(i64_of("log index", index)?);
            diesel::update(documents::table.filter(documents::id.eq(&row.id)))
                .set(documents::log_index.eq(row.log_index))
                .execute(c)?;
            Ok(UploadFinished::Stored(
                rec.clone(),
                LoggedEntry { index, entry },
            ))
        })
    }
}

impl Store {
    /// The SHA-256 of every stored document (for the orphan-blob collector): one scan.
    pub fn document_digests(&self) -> Result<std::collections::HashSet<[u8; 32]>, StoreError> {
        let mut c = self.conn()?;
        let rows: Vec<Vec<u8>> = documents::table
            .select(documents::sha256)
            .distinct()
            .load(&mut *c)?;
        rows.iter().map(|d| bytes32("document", d)).collect()
    }

    /// Every stored document's ciphertext SHA-256 and length (for checking a restore).
    pub fn document_blobs(&self) -> Result<Vec<([u8; 32], u64)>, StoreError> {
        let mut c = self.conn()?;
        let rows: Vec<(Vec<u8>, i64)> = documents::table
            .select((documents::sha256, documents::length))
            .load(&mut *c)?;
        rows.iter()
            .map(|(d, len)| Ok((bytes32("document", d)?, u64_of("document length", *len)?)))
            .collect()
    }

    /// Writes a consistent copy of a SQLite database to `path` (`VACUUM INTO`), while the
    /// server goes on serving. PostgreSQL is copied with `pg_dump` instead.
    pub fn snapshot_sqlite(&self, path: &std::path::Path) -> Result<(), StoreError> {
        let text = path
            .to_str()
            .ok_or_else(|| StoreError::new("the snapshot path is not UTF-8"))?;
        let mut c = self.conn()?;
        match &mut *c {
            DbConnection::Sqlite(conn) => {
                diesel::sql_query(format!("VACUUM INTO '{}'", text.replace('\'', "''")))
                    .execute(conn)?;
                Ok(())
            }
            DbConnection::Postgres(_) => Err(StoreError::new(
                "a PostgreSQL database is copied with pg_dump, not a SQLite snapshot",
            )),
        }
    }
}
