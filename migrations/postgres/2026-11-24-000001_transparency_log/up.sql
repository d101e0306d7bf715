-- The transparency log (docs/protocol.md, "The transparency log"): entries, the hashes of every
-- complete perfect subtree, the size (one row whose lock serialises appenders), and the signed
-- checkpoints. Cases gain their log commitment; documents remember their log entry.

-- Rows from before the log get a placeholder that is unique per case (the 32 hex digits of
-- the id as bytes), so the UNIQUE index below holds; no client could have computed it.
ALTER TABLE cases ADD COLUMN commitment BYTEA;
UPDATE cases SET commitment = convert_to(replace(id, '-', ''), 'UTF8');
ALTER TABLE cases ALTER COLUMN commitment SET NOT NULL;
-- One commitment, one case: otherwise anyone could file entries under another case's pseudonym.
CREATE UNIQUE INDEX cases_commitment ON cases (commitment);

-- The index of the document's `01` entry; NULL only for documents stored before the log.
ALTER TABLE documents ADD COLUMN log_index BIGINT;
CREATE UNIQUE INDEX documents_log_index ON documents (log_index);

-- `UPDATE log_head SET size = size + 1` takes this row's lock inside the appending
-- transaction: appenders on any number of servers queue on it, so the tree has one history.
CREATE TABLE log_head (
    id   SMALLINT PRIMARY KEY NOT NULL CHECK (id = 1),
    size BIGINT NOT NULL CHECK (size >= 0)
);
INSERT INTO log_head (id, size) VALUES (1, 0);

CREATE TABLE log_entries (
    idx        BIGINT PRIMARY KEY NOT NULL CHECK (idx >= 0),
    entry      BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- Level 0 holds the leaf hashes; level l, index i covers leaves [i·2^l, (i+1)·2^l).
CREATE TABLE log_nodes (
    level SMALLINT NOT NULL CHECK (level >= 0 AND level < 64),
    idx   BIGINT NOT NULL CHECK (idx >= 0),
    hash  BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE TABLE log_checkpoints (
    size       BIGINT PRIMARY KEY NOT NULL CHECK (size >= 0),
    note       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
