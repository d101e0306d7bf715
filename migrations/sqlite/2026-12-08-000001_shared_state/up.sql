-- What several servers on one database share (docs/deploy.md, "Several servers"): a
-- resumable upload's staged state on an S3 blob store, the spent proof-of-work seeds, and
-- the lease that lets one collector run at a time.

-- On an S3 blob store the chunks of an upload are parts of one multipart upload; the row
-- holds how many bytes are acknowledged, the next part number to hand out, and the parts
-- with the hash state (JSON). A folder store keeps these at their defaults.
ALTER TABLE uploads ADD COLUMN staged BIGINT NOT NULL DEFAULT 0;
ALTER TABLE uploads ADD COLUMN next_part BIGINT NOT NULL DEFAULT 1;
ALTER TABLE uploads ADD COLUMN staging TEXT;

-- A solved puzzle's random part, kept until the puzzle expires, so a solution works once
-- on any server.
CREATE TABLE spent_puzzles (
    seed       BLOB PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX spent_puzzles_expiry ON spent_puzzles (expires_at);

CREATE TABLE leases (
    name   TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    until  BIGINT NOT NULL
);
