-- Witnesses' cosignatures (C2SP tlog-cosignature) on the log's checkpoints, one line per
-- witness per checkpoint size, appended to that checkpoint wherever it is served.
CREATE TABLE log_cosignatures (
    size    BIGINT NOT NULL,
    witness TEXT NOT NULL,
    line    TEXT NOT NULL,
    PRIMARY KEY (size, witness)
);
