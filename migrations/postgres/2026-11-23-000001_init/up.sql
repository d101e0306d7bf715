-- Amanat's server state: ciphertext references and the minimum of metadata (docs/protocol.md,
-- "What the server stores"). Ids are canonical UUID strings; times are Unix seconds.

CREATE TABLE keyrings (
    version     BIGINT PRIMARY KEY NOT NULL, -- the PK is what stops two publishers accepting one version
    root_key    BYTEA NOT NULL,
    body        BYTEA NOT NULL,
    signature   BYTEA NOT NULL,
    hash        BYTEA NOT NULL,
    received_at BIGINT NOT NULL
);

CREATE TABLE cases (
    id          TEXT PRIMARY KEY NOT NULL,
    auth_key    BYTEA NOT NULL UNIQUE,
    status      TEXT NOT NULL,
    version     BIGINT NOT NULL,
    assignee    TEXT,
    received_at BIGINT NOT NULL
);
CREATE INDEX cases_received_at ON cases (received_at);

CREATE TABLE grants (
    case_id    TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    staff_id   TEXT NOT NULL,
    ciphertext BYTEA NOT NULL,
    PRIMARY KEY (case_id, staff_id)
);
CREATE INDEX grants_staff_id ON grants (staff_id);

CREATE TABLE documents (
    id          TEXT PRIMARY KEY NOT NULL,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    sha256      BYTEA NOT NULL,
    length      BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX documents_case_id ON documents (case_id);

CREATE TABLE challenges (
    challenge  BYTEA PRIMARY KEY NOT NULL,
    public_key BYTEA NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX challenges_expires_at ON challenges (expires_at);

CREATE TABLE sessions (
    token_hash BYTEA PRIMARY KEY NOT NULL,
    case_id    TEXT REFERENCES cases (id) ON DELETE CASCADE,
    staff_id   TEXT,
    expires_at BIGINT NOT NULL,
    -- a session speaks for exactly one principal
    CHECK ((case_id IS NULL) <> (staff_id IS NULL))
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_staff_id ON sessions (staff_id);
