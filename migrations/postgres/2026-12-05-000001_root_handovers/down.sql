DROP TABLE root_handovers;
