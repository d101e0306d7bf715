-- The transparency log (docs/protocol.md, "The transparency log"): entries, the hashes of every
-- complete perfect subtree, the size (one row whose lock serialises appenders), and the signed
-- checkpoints. Cases gain their log commitment; documents remember their log entry.

-- Rows from before the log get a placeholder that is unique per case (the 32 hex digits of
-- the id as bytes), so the UNIQUE index below holds; no client could have computed it.
ALTER TABLE cases ADD COLUMN commitment BLOB NOT NULL DEFAULT X'0000000000000000000000000000000000000000000000000000000000000000';
UPDATE cases SET commitment = CAST(replace(id, '-', '') AS BLOB);
-- One commitment, one case: otherwise anyone could file entries under another case's pseudonym.
CREATE UNIQUE INDEX cases_commitment ON cases (commitment);

-- The index of the document's `01` entry; NULL only for documents stored before the log.
ALTER TABLE documents ADD COLUMN log_index BIGINT;
CREATE UNIQUE INDEX documents_log_index ON documents (log_index);

CREATE TABLE log_head (
    id   SMALLINT PRIMARY KEY NOT NULL CHECK (id = 1),
    size BIGINT NOT NULL CHECK (size >= 0)
);
INSERT INTO log_head (id, size) VALUES (1, 0);

-- INTEGER PRIMARY KEY is SQLite's rowid: the entries are stored in index order, no extra index.
CREATE TABLE log_entries (
    idx        INTEGER PRIMARY KEY NOT NULL CHECK (idx >= 0),
    entry      BLOB NOT NULL,
    created_at BIGINT NOT NULL
);

-- Level 0 holds the leaf hashes; level l, index i covers leaves [i·2^l, (i+1)·2^l).
CREATE TABLE log_nodes (
    level SMALLINT NOT NULL CHECK (level >= 0 AND level < 64),
    idx   BIGINT NOT NULL CHECK (idx >= 0),
    hash  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

CREATE TABLE log_checkpoints (
    size       INTEGER PRIMARY KEY NOT NULL CHECK (size >= 0),
    note       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
