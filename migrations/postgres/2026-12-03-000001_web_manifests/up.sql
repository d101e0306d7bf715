-- The web page's manifests the root signed (docs/protocol.md, "The web page"): each is also
-- a 05 log entry, appended in the same transaction. The primary key on signed_at keeps them
-- strictly newer than the last one, so an old signature replayed cannot become "the latest".
CREATE TABLE web_manifests (
    signed_at   BIGINT PRIMARY KEY NOT NULL,
    sha256      BYTEA NOT NULL,
    signature   BYTEA NOT NULL,
    log_index   BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
