DROP TABLE sessions;
DROP TABLE challenges;
DROP TABLE documents;
DROP TABLE grants;
DROP TABLE cases;
DROP TABLE keyrings;
