DROP TABLE leases;
DROP TABLE spent_puzzles;
ALTER TABLE uploads DROP COLUMN staging;
ALTER TABLE uploads DROP COLUMN next_part;
ALTER TABLE uploads DROP COLUMN staged;
