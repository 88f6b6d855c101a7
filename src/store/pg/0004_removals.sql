-- Version 4 (SQLite's migration 18): the removed parties, indexed apart: after every check
-- that changed something, those whose listing is not known are looked for (every entry was
-- read to find the few).
CREATE INDEX entry_removals ON entry (regime, code) WHERE removal = 1;
