-- Resumable uploads (docs/protocol.md, "Resumable uploads"). A row exists from create until
-- it is collected; the bytes live in blob_dir/uploads/<id>, whose length is the offset.
-- finished_at is set in the transaction that stores the document, so a retried finish can
-- answer with the same receipt until the row expires.
CREATE TABLE uploads (
    id          TEXT PRIMARY KEY NOT NULL,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    document_id TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    length      BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX uploads_case_id ON uploads (case_id);
CREATE INDEX uploads_expires_at ON uploads (expires_at);
