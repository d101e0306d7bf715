DROP TABLE staff_actions;
ALTER TABLE sessions DROP COLUMN staff_key;
ALTER TABLE cases DROP COLUMN last_change;
ALTER TABLE cases DROP COLUMN updated_at;
ALTER TABLE cases DROP COLUMN updated_by;
