-- Version 2: the same answers as SQLite for the same queries.
-- Text compares and sorts by its bytes (SQLite's BINARY collation) whatever the database's
-- locale: lists, reports and change ids come out in the same order on both stores.
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT table_name, column_name FROM information_schema.columns
             WHERE table_schema = current_schema() AND data_type = 'text'
               AND table_name <> 'regwatch_schema'
    LOOP
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE text COLLATE "C"',
                       c.table_name, c.column_name);
    END LOOP;
END $$;
-- JSON is kept as text (as in SQLite); SQLite's json_array_length reads it as it is.
CREATE FUNCTION json_array_length(text) RETURNS integer
    LANGUAGE SQL IMMUTABLE STRICT PARALLEL SAFE
    AS 'SELECT json_array_length($1::json)';
