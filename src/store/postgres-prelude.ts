// What a PostgreSQL world database holds before the migrations run: the few SQLite behaviours
// the translated statements (store/sql-dialect.ts) lean on, as functions, and the schema version
// (SQLite's PRAGMA user_version). Idempotent: it runs at every open.
export const POSTGRES_PRELUDE = `
CREATE TABLE IF NOT EXISTS agora_schema (id INT PRIMARY KEY CHECK (id = 1), user_version INT NOT NULL);
INSERT INTO agora_schema (id, user_version) VALUES (1, 0) ON CONFLICT DO NOTHING;

-- SQLite's rowid alias: a NULL key takes MAX + 1 (a sequence would keep numbers rolled back).
CREATE OR REPLACE FUNCTION agora_rowid() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE next_id bigint;
BEGIN
  IF to_jsonb(NEW) ->> TG_ARGV[0] IS NULL THEN
    EXECUTE format('SELECT COALESCE(MAX(%I), 0) + 1 FROM %I.%I', TG_ARGV[0], TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO next_id;
    NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0], next_id));
  END IF;
  RETURN NEW;
END $f$;

-- SQLite's RAISE(ABORT, message) in a trigger.
CREATE OR REPLACE FUNCTION agora_abort() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0];
END $f$;

-- SUM over a comparison: SQLite's comparisons are integers (NULL over no rows, as SQLite's SUM).
CREATE OR REPLACE FUNCTION agora_sum_bool(total bigint, v boolean) RETURNS bigint LANGUAGE sql IMMUTABLE AS $f$
  SELECT CASE WHEN v IS NULL THEN total ELSE COALESCE(total, 0) + v::int END
$f$;
CREATE OR REPLACE AGGREGATE sum(boolean) (SFUNC = agora_sum_bool, STYPE = bigint);

-- SQLite's JSON functions over TEXT, as far as Agora's reads use them ('$.key' paths).
CREATE OR REPLACE FUNCTION json_extract(doc text, path text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
  SELECT doc::jsonb #>> string_to_array(substr(path, 3), '.')
$f$;
CREATE OR REPLACE FUNCTION json_each(doc text) RETURNS TABLE (value text) LANGUAGE sql IMMUTABLE AS $f$
  SELECT jsonb_array_elements_text(doc::jsonb)
$f$;
`;
