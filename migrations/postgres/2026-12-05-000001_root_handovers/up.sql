-- Root rotation (docs/protocol.md, "Root rotation"): each handover, signed by the old and the
-- new root, is also a 06 log entry appended in the same transaction. The chain is linear:
-- one handover from each root, and no root is handed to twice (so it never loops).
CREATE TABLE root_handovers (
    log_index      BIGINT PRIMARY KEY NOT NULL,
    from_key       BYTEA NOT NULL UNIQUE,
    to_key         BYTEA NOT NULL UNIQUE,
    signed_at      BIGINT NOT NULL,
    from_signature BYTEA NOT NULL,
    to_signature   BYTEA NOT NULL,
    received_at    BIGINT NOT NULL
);
