-- Collaboration (issue 4): who last changed a case (so a stale writer can be told), the key a
-- staff session was opened with (so a re-keyed member's old sessions die even if publication
-- missed them), and the staff actions each case has seen, keyed by their `04` log entry.

-- Set together by every status or assignee change; NULL until the first one.
ALTER TABLE cases ADD COLUMN updated_by TEXT;
ALTER TABLE cases ADD COLUMN updated_at BIGINT;
-- What changed, machine-readable: `status:<status>` or `assignee:<staff id or empty>`.
ALTER TABLE cases ADD COLUMN last_change TEXT;

-- The verifying key a staff session was opened with; a session whose key is no longer the
-- member's key in the current keyring is refused. NULL for case sessions (and for staff
-- sessions from before this migration, which are refused: they are short-lived anyway).
ALTER TABLE sessions ADD COLUMN staff_key BLOB;

-- One row per staff action, keyed by the index of its `04` entry in the transparency log, so
-- the list and the log cannot disagree about order and every row names its proof.
CREATE TABLE staff_actions (
    log_index INTEGER PRIMARY KEY NOT NULL CHECK (log_index >= 0),
    case_id   TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    staff_id  TEXT NOT NULL,
    action    TEXT NOT NULL,
    at        BIGINT NOT NULL,
    detail    TEXT NOT NULL
);
CREATE INDEX staff_actions_case ON staff_actions (case_id, log_index);
