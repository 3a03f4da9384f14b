-- Schema parity (test `sqlite_and_postgres_schemas_match`). The drift this number fixes was on
-- the SQLite side (timestamps and JSON declared TEXT, nullable TEXT/DATE primary keys; see
-- migrations/sqlite/0005_schema_parity.sql): the PostgreSQL schema already has the types and
-- NOT NULL it now matches. Nothing to change here; the file keeps both directories numbered
-- alike.
SELECT 1;
