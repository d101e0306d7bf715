DROP TABLE log_checkpoints;
DROP TABLE log_nodes;
DROP TABLE log_entries;
DROP TABLE log_head;
DROP INDEX documents_log_index;
ALTER TABLE documents DROP COLUMN log_index;
DROP INDEX cases_commitment;
ALTER TABLE cases DROP COLUMN commitment;
