-- Version 3 (SQLite's migration 17): several workers share the sources: a lease per source
-- (who checks it, until when, and the scheduled time it last checked it for), and who checked
-- each source last.
CREATE TABLE source_lease (
    source   TEXT COLLATE "C" PRIMARY KEY,
    worker   TEXT COLLATE "C",
    until    TEXT COLLATE "C",
    done_for TEXT COLLATE "C"
);
ALTER TABLE source_status ADD COLUMN worker TEXT COLLATE "C";
