-- Legal holds (docs/threat-model.md, "Deletion"): a case listed here is never deleted by the
-- retention rules. Who put it on, and when, is also a 04 staff action in the log.
CREATE TABLE legal_holds (
    case_id  TEXT PRIMARY KEY NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    staff_id TEXT NOT NULL,
    since    BIGINT NOT NULL
);
