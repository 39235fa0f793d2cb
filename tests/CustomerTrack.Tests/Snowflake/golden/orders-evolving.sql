-- CustomerTrack on Snowflake: table orders, generated from its definition by 'customertrack snowflake plan'.
-- Idempotent: run it again after a change. Deploy order: integration, file format, stage, tables, stream,
-- procedure, task (resumed), pipe, views. See docs/snowflake.md.

-- Database and schema.
CREATE DATABASE IF NOT EXISTS "ANALYTICS";

CREATE SCHEMA IF NOT EXISTS "ANALYTICS"."ORDERS_CT";

-- Storage integration: how Snowflake reads the bucket. IF NOT EXISTS, never OR REPLACE: a new integration gets a new
-- external id and breaks the IAM trust policy. Needs ACCOUNTADMIN (or CREATE INTEGRATION). After it is made, once:
--   DESC INTEGRATION <name>;  -- copy STORAGE_AWS_IAM_USER_ARN and STORAGE_AWS_EXTERNAL_ID
-- and put them in the trust policy of the AWS role (docs/snowflake.md, step 3).
CREATE STORAGE INTEGRATION IF NOT EXISTS "CUSTOMERTRACK_S3"
  TYPE = EXTERNAL_STAGE
  STORAGE_PROVIDER = 'S3'
  ENABLED = TRUE
  STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/ct-snowflake'
  STORAGE_ALLOWED_LOCATIONS = ('s3://example-bucket/feeds/');

-- File format: CSV matched by header name (PARSE_HEADER), so column order does not matter; an empty field is NULL,
-- a quoted "" stays an empty string. A missing column loads as NULL (ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE).
CREATE FILE FORMAT IF NOT EXISTS "ANALYTICS"."ORDERS_CT"."ORDERS_FORMAT"
  TYPE = CSV
  PARSE_HEADER = TRUE
  FIELD_DELIMITER = ';'
  FIELD_OPTIONALLY_ENCLOSED_BY = '"'
  EMPTY_FIELD_AS_NULL = TRUE
  NULL_IF = ()
  ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE
  ENCODING = 'UTF8';

-- The table's folder: producers write the files of orders under s3://example-bucket/feeds/orders/ (sortable names, never reused).
CREATE STAGE IF NOT EXISTS "ANALYTICS"."ORDERS_CT"."ORDERS_STAGE"
  URL = 's3://example-bucket/feeds/orders/'
  STORAGE_INTEGRATION = "CUSTOMERTRACK_S3"
  FILE_FORMAT = (FORMAT_NAME = '"ANALYTICS"."ORDERS_CT"."ORDERS_FORMAT"');

-- The raw ledger: every row as loaded, business columns as text (one bad value never loses a file), with the file,
-- row number and scan time Snowpipe loaded it at. Never truncated: rebuilds and late changes read it.
CREATE TABLE IF NOT EXISTS "ANALYTICS"."ORDERS_CT"."ORDERS_RAW" (
  "REGION" VARCHAR,
  "ORDER_NO" VARCHAR,
  "CHANGED_AT" VARCHAR,
  "ACTION" VARCHAR,
  "AMOUNT" VARCHAR,
  "ORDERED_ON" VARCHAR,
  "PAID" VARCHAR,
  "QUANTITY" VARCHAR,
  "_FILE" VARCHAR,
  "_ROW" NUMBER(19,0),
  "_SCAN_TIME" TIMESTAMP_LTZ
);

-- The typed ledger: the raw rows that passed the definition's types, as the SCD step reads them.
CREATE TABLE IF NOT EXISTS "ANALYTICS"."ORDERS_CT"."ORDERS_LEDGER" (
  "REGION" VARCHAR,
  "ORDER_NO" VARCHAR,
  "_TS" TIMESTAMP_NTZ,
  "_IS_DEL" BOOLEAN,
  "AMOUNT" NUMBER(12,2),
  "ORDERED_ON" DATE,
  "PAID" BOOLEAN,
  "QUANTITY" NUMBER(10,0),
  "_EVOLVED" VARCHAR,
  "_SCAN_TIME" TIMESTAMP_NTZ,
  "_FILE" VARCHAR,
  "_ROW" NUMBER(19,0)
);

-- Working tables of the procedure, made here because DDL inside its transaction would commit it.
CREATE TABLE IF NOT EXISTS "ANALYTICS"."ORDERS_CT"."ORDERS_CT_NEW" (
  "REGION" VARCHAR,
  "ORDER_NO" VARCHAR,
  "_TS" TIMESTAMP_NTZ,
  "_IS_DEL" BOOLEAN,
  "AMOUNT" NUMBER(12,2),
  "ORDERED_ON" DATE,
  "PAID" BOOLEAN,
  "QUANTITY" NUMBER(10,0),
  "_EVOLVED" VARCHAR,
  "_SCAN_TIME" TIMESTAMP_NTZ,
  "_FILE" VARCHAR,
  "_ROW" NUMBER(19,0)
);

CREATE TABLE IF NOT EXISTS "ANALYTICS"."ORDERS_CT"."ORDERS_CT_KEYS" (
  "REGION" VARCHAR,
  "ORDER_NO" VARCHAR
);

CREATE TABLE IF NOT EXISTS "ANALYTICS"."ORDERS_CT"."ORDERS_CT_VERSIONS" (
  "REGION" VARCHAR,
  "ORDER_NO" VARCHAR,
  "AMOUNT" NUMBER(12,2),
  "ORDERED_ON" DATE,
  "PAID" BOOLEAN,
  "QUANTITY" NUMBER(10,0),
  "_EVOLVED" VARCHAR,
  "START_TIME" TIMESTAMP_NTZ,
  "END_TIME" TIMESTAMP_NTZ,
  "IS_CURRENT" BOOLEAN,
  "IS_DELETED" BOOLEAN,
  "LAST_TS" TIMESTAMP_NTZ
);

-- SCD1: one row per live key, its latest change (update_timestamp = that change's changed_at).
CREATE TABLE IF NOT EXISTS "ANALYTICS"."ORDERS_CT"."ORDERS" (
  "REGION" VARCHAR,
  "ORDER_NO" VARCHAR,
  "AMOUNT" NUMBER(12,2),
  "ORDERED_ON" DATE,
  "PAID" BOOLEAN,
  "QUANTITY" NUMBER(10,0),
  "_EVOLVED" VARCHAR,
  "UPDATE_TIMESTAMP" TIMESTAMP_NTZ
);

-- SCD2: every version, valid for start_time <= t < end_time (half-open); the open one ends 9999-12-31.
CREATE TABLE IF NOT EXISTS "ANALYTICS"."ORDERS_CT"."ORDERS_HISTORY" (
  "REGION" VARCHAR,
  "ORDER_NO" VARCHAR,
  "AMOUNT" NUMBER(12,2),
  "ORDERED_ON" DATE,
  "PAID" BOOLEAN,
  "QUANTITY" NUMBER(10,0),
  "_EVOLVED" VARCHAR,
  "START_TIME" TIMESTAMP_NTZ,
  "END_TIME" TIMESTAMP_NTZ,
  "IS_CURRENT" BOOLEAN,
  "IS_DELETED" BOOLEAN
);

-- SchemaEvolution add: Snowflake adds a column a file brings to the raw table as it loads the file (the pipe matches
-- columns by name). The pipe's owner needs OWNERSHIP of the raw table (the deploying role has it) or
-- GRANT EVOLVE SCHEMA ON TABLE <raw> TO ROLE <the pipe's owner>. Snowflake adds at most 100 columns per COPY.
ALTER TABLE "ANALYTICS"."ORDERS_CT"."ORDERS_RAW" SET ENABLE_SCHEMA_EVOLUTION = TRUE;

-- Every column a file added, with the file Snowflake names for it (one table for the schema, as schema_change in our warehouse).
CREATE TABLE IF NOT EXISTS "ANALYTICS"."ORDERS_CT"."SCHEMA_CHANGE" (
  "TABLE_NAME" VARCHAR,
  "COLUMN_NAME" VARCHAR,
  "COLUMN_TYPE" VARCHAR,
  "FILE_KEY" VARCHAR,
  "CHANGED_AT" TIMESTAMP_NTZ
);

-- The evolved values as one JSON text column, for tables made before the table was add (a no-op otherwise).
ALTER TABLE "ANALYTICS"."ORDERS_CT"."ORDERS_LEDGER" ADD COLUMN IF NOT EXISTS "_EVOLVED" VARCHAR;

ALTER TABLE "ANALYTICS"."ORDERS_CT"."ORDERS_CT_NEW" ADD COLUMN IF NOT EXISTS "_EVOLVED" VARCHAR;

ALTER TABLE "ANALYTICS"."ORDERS_CT"."ORDERS_CT_VERSIONS" ADD COLUMN IF NOT EXISTS "_EVOLVED" VARCHAR;

ALTER TABLE "ANALYTICS"."ORDERS_CT"."ORDERS" ADD COLUMN IF NOT EXISTS "_EVOLVED" VARCHAR;

ALTER TABLE "ANALYTICS"."ORDERS_CT"."ORDERS_HISTORY" ADD COLUMN IF NOT EXISTS "_EVOLVED" VARCHAR;

-- The stream the task consumes; made before the pipe, so it sees every loaded row. Never OR REPLACE (it would lose its offset).
CREATE STREAM IF NOT EXISTS "ANALYTICS"."ORDERS_CT"."ORDERS_RAW_STREAM" ON TABLE "ANALYTICS"."ORDERS_CT"."ORDERS_RAW" APPEND_ONLY = TRUE;

-- Applies the stream in one transaction, with the semantics of docs/semantics.md. No DDL after BEGIN TRANSACTION
-- (DDL commits). The stream's offset moves only at COMMIT; on any error everything is rolled back and re-raised,
-- so the rows are applied by the next run.
CREATE OR REPLACE PROCEDURE "ANALYTICS"."ORDERS_CT"."ORDERS_APPLY"()
  RETURNS VARCHAR
  LANGUAGE SQL
  EXECUTE AS OWNER
AS
$$
DECLARE
    col VARCHAR;
    evolved_name VARCHAR;
    stmt VARCHAR;
    evolved CURSOR FOR
        SELECT c."COLUMN_NAME", c."SCHEMA_EVOLUTION_RECORD" FROM "ANALYTICS".INFORMATION_SCHEMA.COLUMNS AS c
        WHERE c."TABLE_SCHEMA" = 'ORDERS_CT' AND c."TABLE_NAME" = 'ORDERS_RAW'
          AND c."COLUMN_NAME" NOT IN ('REGION', 'ORDER_NO', 'CHANGED_AT', 'ACTION', 'AMOUNT', 'ORDERED_ON', 'PAID', 'QUANTITY', '_FILE', '_ROW', '_SCAN_TIME')
        ORDER BY c."ORDINAL_POSITION";
    carried CURSOR FOR
        SELECT c."COLUMN_NAME" FROM "ANALYTICS".INFORMATION_SCHEMA.COLUMNS AS c
        WHERE c."TABLE_SCHEMA" = 'ORDERS_CT' AND c."TABLE_NAME" = 'ORDERS'
          AND c."COLUMN_NAME" NOT IN ('REGION', 'ORDER_NO', 'AMOUNT', 'ORDERED_ON', 'PAID', 'QUANTITY', '_EVOLVED', 'UPDATE_TIMESTAMP')
        ORDER BY c."ORDINAL_POSITION";
BEGIN
        FOR c IN evolved DO
            col := '"' || REPLACE(c.COLUMN_NAME, '"', '""') || '"';
            stmt := 'ALTER TABLE "ANALYTICS"."ORDERS_CT"."ORDERS" ADD COLUMN IF NOT EXISTS ' || col || ' VARCHAR';
            EXECUTE IMMEDIATE :stmt;
            stmt := 'ALTER TABLE "ANALYTICS"."ORDERS_CT"."ORDERS_HISTORY" ADD COLUMN IF NOT EXISTS ' || col || ' VARCHAR';
            EXECUTE IMMEDIATE :stmt;
        END FOR;
        INSERT INTO "ANALYTICS"."ORDERS_CT"."SCHEMA_CHANGE" ("TABLE_NAME", "COLUMN_NAME", "COLUMN_TYPE", "FILE_KEY", "CHANGED_AT")
        SELECT 'orders', e."COLUMN_NAME", 'string', PARSE_JSON(e."SCHEMA_EVOLUTION_RECORD"):FileName::VARCHAR,
               CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())::TIMESTAMP_NTZ
        FROM (SELECT r."COLUMN_NAME", r."SCHEMA_EVOLUTION_RECORD" FROM "ANALYTICS".INFORMATION_SCHEMA.COLUMNS AS r
            WHERE r."TABLE_SCHEMA" = 'ORDERS_CT' AND r."TABLE_NAME" = 'ORDERS_RAW'
              AND r."COLUMN_NAME" NOT IN ('REGION', 'ORDER_NO', 'CHANGED_AT', 'ACTION', 'AMOUNT', 'ORDERED_ON', 'PAID', 'QUANTITY', '_FILE', '_ROW', '_SCAN_TIME')) AS e
        WHERE NOT EXISTS (SELECT 1 FROM "ANALYTICS"."ORDERS_CT"."SCHEMA_CHANGE" AS s
                          WHERE s."TABLE_NAME" = 'orders' AND s."COLUMN_NAME" = e."COLUMN_NAME");
        BEGIN TRANSACTION;
        DELETE FROM "ANALYTICS"."ORDERS_CT"."ORDERS_CT_NEW";
        INSERT INTO "ANALYTICS"."ORDERS_CT"."ORDERS_CT_NEW" ("REGION", "ORDER_NO", "_TS", "_IS_DEL", "AMOUNT", "ORDERED_ON", "PAID", "QUANTITY", "_EVOLVED", "_SCAN_TIME", "_FILE", "_ROW")
        SELECT r."REGION",
               r."ORDER_NO",
               coalesce(CONVERT_TIMEZONE('UTC', TRY_TO_TIMESTAMP_TZ(TRIM(r."CHANGED_AT")))::TIMESTAMP_NTZ, DATEADD(MICROSECOND, r."_ROW" + 1, CONVERT_TIMEZONE('UTC', r."_SCAN_TIME")::TIMESTAMP_NTZ)),
               coalesce(UPPER(TRIM(r."ACTION")) IN ('DEL'), FALSE),
               TRY_TO_NUMBER(TRIM(r."AMOUNT"), 12, 2),
               TRY_TO_DATE(TRIM(r."ORDERED_ON")),
               TRY_TO_BOOLEAN(TRIM(r."PAID")),
               CASE WHEN TRIM(r."QUANTITY") RLIKE '[+-]?[0-9]+' THEN TRY_TO_NUMBER(TRIM(r."QUANTITY"), 10, 0) END,
               NULLIF(TO_VARCHAR(OBJECT_DELETE(OBJECT_CONSTRUCT(*), 'REGION', 'ORDER_NO', 'CHANGED_AT', 'ACTION', 'AMOUNT', 'ORDERED_ON', 'PAID', 'QUANTITY', '_FILE', '_ROW', '_SCAN_TIME', 'METADATA$ACTION', 'METADATA$ISUPDATE', 'METADATA$ROW_ID')), '{}'),
               CONVERT_TIMEZONE('UTC', r."_SCAN_TIME")::TIMESTAMP_NTZ,
               r."_FILE",
               r."_ROW"
        FROM "ANALYTICS"."ORDERS_CT"."ORDERS_RAW_STREAM" AS r
        WHERE r.METADATA$ACTION = 'INSERT'
          AND r."REGION" IS NOT NULL
          AND r."ORDER_NO" IS NOT NULL
          AND (r."CHANGED_AT" IS NULL OR CONVERT_TIMEZONE('UTC', TRY_TO_TIMESTAMP_TZ(TRIM(r."CHANGED_AT")))::TIMESTAMP_NTZ IS NOT NULL)
          AND (r."ACTION" IS NULL OR TRIM(r."ACTION") = '' OR UPPER(TRIM(r."ACTION")) IN ('CHG', 'DEL', 'NEW'))
          AND (r."AMOUNT" IS NULL OR TRY_TO_NUMBER(TRIM(r."AMOUNT"), 12, 2) IS NOT NULL)
          AND (r."ORDERED_ON" IS NULL OR TRY_TO_DATE(TRIM(r."ORDERED_ON")) IS NOT NULL)
          AND (r."PAID" IS NULL OR TRY_TO_BOOLEAN(TRIM(r."PAID")) IS NOT NULL)
          AND (r."QUANTITY" IS NULL OR CASE WHEN TRIM(r."QUANTITY") RLIKE '[+-]?[0-9]+' THEN TRY_TO_NUMBER(TRIM(r."QUANTITY"), 10, 0) END IS NOT NULL);
        -- ct:scd begin
        INSERT INTO "ANALYTICS"."ORDERS_CT"."ORDERS_LEDGER" ("REGION", "ORDER_NO", "_TS", "_IS_DEL", "AMOUNT", "ORDERED_ON", "PAID", "QUANTITY", "_EVOLVED", "_SCAN_TIME", "_FILE", "_ROW") SELECT "REGION", "ORDER_NO", "_TS", "_IS_DEL", "AMOUNT", "ORDERED_ON", "PAID", "QUANTITY", "_EVOLVED", "_SCAN_TIME", "_FILE", "_ROW" FROM "ANALYTICS"."ORDERS_CT"."ORDERS_CT_NEW";
        DELETE FROM "ANALYTICS"."ORDERS_CT"."ORDERS_CT_KEYS";
        INSERT INTO "ANALYTICS"."ORDERS_CT"."ORDERS_CT_KEYS" ("REGION", "ORDER_NO") SELECT DISTINCT "REGION", "ORDER_NO" FROM "ANALYTICS"."ORDERS_CT"."ORDERS_CT_NEW";
        DELETE FROM "ANALYTICS"."ORDERS_CT"."ORDERS_CT_VERSIONS";
        INSERT INTO "ANALYTICS"."ORDERS_CT"."ORDERS_CT_VERSIONS" ("REGION", "ORDER_NO", "AMOUNT", "ORDERED_ON", "PAID", "QUANTITY", "_EVOLVED", "START_TIME", "END_TIME", "IS_CURRENT", "IS_DELETED", "LAST_TS")
        WITH loaded AS (
            SELECT l.*, row_number() OVER (ORDER BY l."_SCAN_TIME", l."_FILE", l."_ROW") AS "_SEQ"
            FROM "ANALYTICS"."ORDERS_CT"."ORDERS_LEDGER" AS l JOIN "ANALYTICS"."ORDERS_CT"."ORDERS_CT_KEYS" AS k ON l."REGION" = k."REGION" AND l."ORDER_NO" = k."ORDER_NO"
        ),
        changes AS (
            -- A change is what a row does: upsert these values (INSERT, UPDATE, UPSERT alike) or delete; loaded twice, it counts from its first load.
            SELECT "REGION", "ORDER_NO", "_TS", "_IS_DEL", CASE WHEN "_IS_DEL" THEN NULL ELSE "AMOUNT" END AS "AMOUNT", CASE WHEN "_IS_DEL" THEN NULL ELSE "ORDERED_ON" END AS "ORDERED_ON", CASE WHEN "_IS_DEL" THEN NULL ELSE "PAID" END AS "PAID", CASE WHEN "_IS_DEL" THEN NULL ELSE "QUANTITY" END AS "QUANTITY", CASE WHEN "_IS_DEL" THEN NULL ELSE "_EVOLVED" END AS "_EVOLVED", min("_SEQ") AS "_FIRST_SEQ"
            FROM loaded
            GROUP BY "REGION", "ORDER_NO", "_TS", "_IS_DEL", CASE WHEN "_IS_DEL" THEN NULL ELSE "AMOUNT" END, CASE WHEN "_IS_DEL" THEN NULL ELSE "ORDERED_ON" END, CASE WHEN "_IS_DEL" THEN NULL ELSE "PAID" END, CASE WHEN "_IS_DEL" THEN NULL ELSE "QUANTITY" END, CASE WHEN "_IS_DEL" THEN NULL ELSE "_EVOLVED" END
        ),
        src AS (
            -- Two different changes with one key and event time (a tie): the one loaded last wins.
            SELECT "REGION", "ORDER_NO", "_TS", "_IS_DEL", "AMOUNT", "ORDERED_ON", "PAID", "QUANTITY", "_EVOLVED"
            FROM (SELECT c.*, row_number() OVER (PARTITION BY "REGION", "ORDER_NO", "_TS" ORDER BY "_FIRST_SEQ" DESC) AS "_TIE_RANK" FROM changes AS c) AS ranked
            WHERE "_TIE_RANK" = 1
        ),
        lived AS (
            SELECT src.*, sum(CASE WHEN "_IS_DEL" THEN 1 ELSE 0 END) OVER (PARTITION BY "REGION", "ORDER_NO" ORDER BY "_TS" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_LIFE"
            FROM src
        ),
        counted AS (
            SELECT lived.*
            FROM lived
        ),
        filled AS (
            SELECT "REGION", "ORDER_NO", "_TS", "_IS_DEL", "AMOUNT", "ORDERED_ON", "PAID", "QUANTITY", "_EVOLVED"
            FROM counted
        ),
        flagged AS (
            SELECT filled.*,
                   CASE
                       WHEN lag("_TS") OVER (PARTITION BY "REGION", "ORDER_NO" ORDER BY "_TS") IS NULL THEN TRUE
                       WHEN "_IS_DEL" THEN NOT lag("_IS_DEL") OVER (PARTITION BY "REGION", "ORDER_NO" ORDER BY "_TS")
                       WHEN lag("_IS_DEL") OVER (PARTITION BY "REGION", "ORDER_NO" ORDER BY "_TS") THEN TRUE
                       ELSE "AMOUNT" IS DISTINCT FROM lag("AMOUNT") OVER (PARTITION BY "REGION", "ORDER_NO" ORDER BY "_TS") OR "ORDERED_ON" IS DISTINCT FROM lag("ORDERED_ON") OVER (PARTITION BY "REGION", "ORDER_NO" ORDER BY "_TS") OR "PAID" IS DISTINCT FROM lag("PAID") OVER (PARTITION BY "REGION", "ORDER_NO" ORDER BY "_TS") OR "_EVOLVED" IS DISTINCT FROM lag("_EVOLVED") OVER (PARTITION BY "REGION", "ORDER_NO" ORDER BY "_TS")
                   END AS "_IS_NEW"
            FROM filled
        ),
        grouped AS (
            SELECT flagged.*, sum(CASE WHEN "_IS_NEW" THEN 1 ELSE 0 END) OVER (PARTITION BY "REGION", "ORDER_NO" ORDER BY "_TS" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "_GRP"
            FROM flagged
        ),
        stamped AS (
            SELECT "REGION", "ORDER_NO", "_GRP",
                   row_number() OVER (PARTITION BY "REGION", "ORDER_NO", "_GRP" ORDER BY "_TS") AS "_RN",
                   min("_TS") OVER (PARTITION BY "REGION", "ORDER_NO", "_GRP") AS "START_TIME",
                   max("_TS") OVER (PARTITION BY "REGION", "ORDER_NO", "_GRP") AS "LAST_TS",
                   max(CASE WHEN "_IS_DEL" THEN 1 ELSE 0 END) OVER (PARTITION BY "REGION", "ORDER_NO", "_GRP") AS "_DEL",
                   "AMOUNT",
                   "ORDERED_ON",
                   "PAID",
                   last_value("QUANTITY") OVER (PARTITION BY "REGION", "ORDER_NO", "_GRP" ORDER BY "_TS" ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS "QUANTITY",
                   "_EVOLVED"
            FROM grouped
        ),
        versions AS (
            SELECT * FROM stamped WHERE "_RN" = 1
        )
        SELECT "REGION", "ORDER_NO", "AMOUNT", "ORDERED_ON", "PAID", "QUANTITY", "_EVOLVED", "START_TIME",
               coalesce(lead("START_TIME") OVER (PARTITION BY "REGION", "ORDER_NO" ORDER BY "START_TIME"), CAST('9999-12-31 00:00:00' AS TIMESTAMP)) AS "END_TIME",
               lead("START_TIME") OVER (PARTITION BY "REGION", "ORDER_NO" ORDER BY "START_TIME") IS NULL AS "IS_CURRENT",
               "_DEL" = 1 AS "IS_DELETED",
               "LAST_TS"
        FROM versions;
        DELETE FROM "ANALYTICS"."ORDERS_CT"."ORDERS_HISTORY" AS h USING "ANALYTICS"."ORDERS_CT"."ORDERS_CT_KEYS" AS k WHERE h."REGION" = k."REGION" AND h."ORDER_NO" = k."ORDER_NO";
        INSERT INTO "ANALYTICS"."ORDERS_CT"."ORDERS_HISTORY" ("REGION", "ORDER_NO", "AMOUNT", "ORDERED_ON", "PAID", "QUANTITY", "_EVOLVED", "START_TIME", "END_TIME", "IS_CURRENT", "IS_DELETED")
        SELECT "REGION", "ORDER_NO", "AMOUNT", "ORDERED_ON", "PAID", "QUANTITY", "_EVOLVED", "START_TIME", "END_TIME", "IS_CURRENT", "IS_DELETED" FROM "ANALYTICS"."ORDERS_CT"."ORDERS_CT_VERSIONS";
        MERGE INTO "ANALYTICS"."ORDERS_CT"."ORDERS" AS c
        USING (
        SELECT k."REGION", k."ORDER_NO", v."AMOUNT", v."ORDERED_ON", v."PAID", v."QUANTITY", v."_EVOLVED", v."LAST_TS", v."LAST_TS" IS NULL AS "_GONE"
        FROM "ANALYTICS"."ORDERS_CT"."ORDERS_CT_KEYS" AS k LEFT JOIN "ANALYTICS"."ORDERS_CT"."ORDERS_CT_VERSIONS" AS v ON v."REGION" = k."REGION" AND v."ORDER_NO" = k."ORDER_NO" AND v."IS_CURRENT" AND NOT v."IS_DELETED"
        ) AS s
        ON c."REGION" = s."REGION" AND c."ORDER_NO" = s."ORDER_NO"
        WHEN MATCHED AND s."_GONE" THEN DELETE
        WHEN MATCHED THEN UPDATE SET "AMOUNT" = s."AMOUNT", "ORDERED_ON" = s."ORDERED_ON", "PAID" = s."PAID", "QUANTITY" = s."QUANTITY", "_EVOLVED" = s."_EVOLVED", "UPDATE_TIMESTAMP" = s."LAST_TS"
        WHEN NOT MATCHED AND NOT s."_GONE" THEN INSERT ("REGION", "ORDER_NO", "AMOUNT", "ORDERED_ON", "PAID", "QUANTITY", "_EVOLVED", "UPDATE_TIMESTAMP") VALUES (s."REGION", s."ORDER_NO", s."AMOUNT", s."ORDERED_ON", s."PAID", s."QUANTITY", s."_EVOLVED", s."LAST_TS");
        -- ct:scd end
        FOR c IN carried DO
            evolved_name := c.COLUMN_NAME;
            col := '"' || REPLACE(evolved_name, '"', '""') || '"';
            stmt := 'UPDATE "ANALYTICS"."ORDERS_CT"."ORDERS" AS t SET ' || col || ' = GET(PARSE_JSON(t."_EVOLVED"), ?)::VARCHAR FROM "ANALYTICS"."ORDERS_CT"."ORDERS_CT_KEYS" AS k WHERE t."REGION" = k."REGION" AND t."ORDER_NO" = k."ORDER_NO"';
            EXECUTE IMMEDIATE :stmt USING (evolved_name);
            stmt := 'UPDATE "ANALYTICS"."ORDERS_CT"."ORDERS_HISTORY" AS t SET ' || col || ' = GET(PARSE_JSON(t."_EVOLVED"), ?)::VARCHAR FROM "ANALYTICS"."ORDERS_CT"."ORDERS_CT_KEYS" AS k WHERE t."REGION" = k."REGION" AND t."ORDER_NO" = k."ORDER_NO"';
            EXECUTE IMMEDIATE :stmt USING (evolved_name);
        END FOR;
        COMMIT;
        RETURN 'applied';
EXCEPTION
    WHEN OTHER THEN
        ROLLBACK;
        RAISE;
END;
$$;

-- The task is suspended while it is changed (and made if missing), then resumed: tasks are created suspended.
ALTER TASK IF EXISTS "ANALYTICS"."ORDERS_CT"."ORDERS_TASK" SUSPEND;

-- A serverless triggered task: runs when the stream has rows (at most every 30 s by default), billed per second of
-- compute; TARGET_COMPLETION_INTERVAL is required for a serverless triggered task. Times without an offset are UTC.
-- After 10 failures in a row Snowflake suspends the task: 'snowflake status' shows it.
CREATE OR ALTER TASK "ANALYTICS"."ORDERS_CT"."ORDERS_TASK"
  TARGET_COMPLETION_INTERVAL = '5 MINUTES'
  USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL'
  TIMEZONE = 'UTC'
  SUSPEND_TASK_AFTER_NUM_FAILURES = 10
  WHEN SYSTEM$STREAM_HAS_DATA('ANALYTICS.ORDERS_CT.ORDERS_RAW_STREAM')
  AS CALL "ANALYTICS"."ORDERS_CT"."ORDERS_APPLY"();

ALTER TASK "ANALYTICS"."ORDERS_CT"."ORDERS_TASK" RESUME;

-- The pipe: loads each file S3 announces, matching columns by name and recording file, row and scan time. Never OR
-- REPLACE: a new pipe forgets which files it loaded and loads them again. It does not promise staging order; the
-- procedure does not need it.
CREATE PIPE IF NOT EXISTS "ANALYTICS"."ORDERS_CT"."ORDERS_PIPE"
  AUTO_INGEST = TRUE
  AS
  COPY INTO "ANALYTICS"."ORDERS_CT"."ORDERS_RAW"
  FROM @"ANALYTICS"."ORDERS_CT"."ORDERS_STAGE"
  FILE_FORMAT = (FORMAT_NAME = '"ANALYTICS"."ORDERS_CT"."ORDERS_FORMAT"')
  MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE
  INCLUDE_METADATA = ("_FILE" = METADATA$FILENAME, "_ROW" = METADATA$FILE_ROW_NUMBER, "_SCAN_TIME" = METADATA$START_SCAN_TIME)
  ON_ERROR = CONTINUE;

-- load_history as CustomerTrack shows it, from COPY_HISTORY (the last 14 days).
CREATE OR REPLACE VIEW "ANALYTICS"."ORDERS_CT"."ORDERS_LOAD_HISTORY" AS
SELECT "FILE_NAME" AS "FILE_KEY", "FILE_NAME", CAST(NULL AS VARCHAR) AS "SHA256", "FILE_SIZE" AS "BYTES", "STATUS",
       "ROW_PARSED" AS "ROWS_IN_FILE", "ROW_COUNT" AS "ROWS_LOADED", "ERROR_COUNT" AS "ROWS_REJECTED",
       CAST(NULL AS NUMBER) AS "FIRST_SEQ", CAST(NULL AS NUMBER) AS "LAST_SEQ", CAST(NULL AS VARCHAR) AS "UNKNOWN_COLUMNS",
       "FIRST_ERROR_MESSAGE" AS "ERROR", "PIPE_RECEIVED_TIME" AS "LANDED_AT", "LAST_LOAD_TIME" AS "LOADED_AT",
       CAST(NULL AS FLOAT) AS "LOAD_MS"
FROM TABLE("ANALYTICS".INFORMATION_SCHEMA.COPY_HISTORY(
    TABLE_NAME => 'ANALYTICS.ORDERS_CT.ORDERS_RAW',
    START_TIME => DATEADD(DAY, -14, CURRENT_TIMESTAMP())));

-- load_rejects as CustomerTrack shows it: raw rows whose values are not of the definition's types (kept in the raw
-- table, left out of the SCD tables), and the rows Snowpipe itself rejected (VALIDATE_PIPE_LOAD, the last 14 days).
CREATE OR REPLACE VIEW "ANALYTICS"."ORDERS_CT"."ORDERS_LOAD_REJECTS" AS
SELECT r."_FILE" AS "FILE_KEY", r."_ROW" + 1 AS "LINE",
       CASE WHEN NOT r."REGION" IS NOT NULL THEN 'region' WHEN NOT r."ORDER_NO" IS NOT NULL THEN 'order_no' WHEN NOT (r."CHANGED_AT" IS NULL OR CONVERT_TIMEZONE('UTC', TRY_TO_TIMESTAMP_TZ(TRIM(r."CHANGED_AT")))::TIMESTAMP_NTZ IS NOT NULL) THEN 'changed_at' WHEN NOT (r."ACTION" IS NULL OR TRIM(r."ACTION") = '' OR UPPER(TRIM(r."ACTION")) IN ('CHG', 'DEL', 'NEW')) THEN 'action' WHEN NOT (r."AMOUNT" IS NULL OR TRY_TO_NUMBER(TRIM(r."AMOUNT"), 12, 2) IS NOT NULL) THEN 'amount' WHEN NOT (r."ORDERED_ON" IS NULL OR TRY_TO_DATE(TRIM(r."ORDERED_ON")) IS NOT NULL) THEN 'ordered_on' WHEN NOT (r."PAID" IS NULL OR TRY_TO_BOOLEAN(TRIM(r."PAID")) IS NOT NULL) THEN 'paid' WHEN NOT (r."QUANTITY" IS NULL OR CASE WHEN TRIM(r."QUANTITY") RLIKE '[+-]?[0-9]+' THEN TRY_TO_NUMBER(TRIM(r."QUANTITY"), 10, 0) END IS NOT NULL) THEN 'quantity' END AS "FIELD",
       CASE WHEN NOT r."REGION" IS NOT NULL THEN CASE WHEN r."REGION" IS NULL THEN 'is empty; the key is required' ELSE 'is not of type string' END WHEN NOT r."ORDER_NO" IS NOT NULL THEN CASE WHEN r."ORDER_NO" IS NULL THEN 'is empty; the key is required' ELSE 'is not of type string' END WHEN NOT (r."CHANGED_AT" IS NULL OR CONVERT_TIMEZONE('UTC', TRY_TO_TIMESTAMP_TZ(TRIM(r."CHANGED_AT")))::TIMESTAMP_NTZ IS NOT NULL) THEN 'is not an ISO 8601 timestamp' WHEN NOT (r."ACTION" IS NULL OR TRIM(r."ACTION") = '' OR UPPER(TRIM(r."ACTION")) IN ('CHG', 'DEL', 'NEW')) THEN 'is not one of chg, del, new' WHEN NOT (r."AMOUNT" IS NULL OR TRY_TO_NUMBER(TRIM(r."AMOUNT"), 12, 2) IS NOT NULL) THEN 'is not of type decimal(12,2)' WHEN NOT (r."ORDERED_ON" IS NULL OR TRY_TO_DATE(TRIM(r."ORDERED_ON")) IS NOT NULL) THEN 'is not of type date' WHEN NOT (r."PAID" IS NULL OR TRY_TO_BOOLEAN(TRIM(r."PAID")) IS NOT NULL) THEN 'is not of type bool' WHEN NOT (r."QUANTITY" IS NULL OR CASE WHEN TRIM(r."QUANTITY") RLIKE '[+-]?[0-9]+' THEN TRY_TO_NUMBER(TRIM(r."QUANTITY"), 10, 0) END IS NOT NULL) THEN 'is not of type int32' END AS "REASON",
       CASE WHEN NOT r."REGION" IS NOT NULL THEN r."REGION" WHEN NOT r."ORDER_NO" IS NOT NULL THEN r."ORDER_NO" WHEN NOT (r."CHANGED_AT" IS NULL OR CONVERT_TIMEZONE('UTC', TRY_TO_TIMESTAMP_TZ(TRIM(r."CHANGED_AT")))::TIMESTAMP_NTZ IS NOT NULL) THEN r."CHANGED_AT" WHEN NOT (r."ACTION" IS NULL OR TRIM(r."ACTION") = '' OR UPPER(TRIM(r."ACTION")) IN ('CHG', 'DEL', 'NEW')) THEN r."ACTION" WHEN NOT (r."AMOUNT" IS NULL OR TRY_TO_NUMBER(TRIM(r."AMOUNT"), 12, 2) IS NOT NULL) THEN r."AMOUNT" WHEN NOT (r."ORDERED_ON" IS NULL OR TRY_TO_DATE(TRIM(r."ORDERED_ON")) IS NOT NULL) THEN r."ORDERED_ON" WHEN NOT (r."PAID" IS NULL OR TRY_TO_BOOLEAN(TRIM(r."PAID")) IS NOT NULL) THEN r."PAID" WHEN NOT (r."QUANTITY" IS NULL OR CASE WHEN TRIM(r."QUANTITY") RLIKE '[+-]?[0-9]+' THEN TRY_TO_NUMBER(TRIM(r."QUANTITY"), 10, 0) END IS NOT NULL) THEN r."QUANTITY" END AS "RAW",
       r."_SCAN_TIME" AS "REJECTED_AT"
FROM "ANALYTICS"."ORDERS_CT"."ORDERS_RAW" AS r
WHERE NOT (r."REGION" IS NOT NULL
     AND r."ORDER_NO" IS NOT NULL
     AND (r."CHANGED_AT" IS NULL OR CONVERT_TIMEZONE('UTC', TRY_TO_TIMESTAMP_TZ(TRIM(r."CHANGED_AT")))::TIMESTAMP_NTZ IS NOT NULL)
     AND (r."ACTION" IS NULL OR TRIM(r."ACTION") = '' OR UPPER(TRIM(r."ACTION")) IN ('CHG', 'DEL', 'NEW'))
     AND (r."AMOUNT" IS NULL OR TRY_TO_NUMBER(TRIM(r."AMOUNT"), 12, 2) IS NOT NULL)
     AND (r."ORDERED_ON" IS NULL OR TRY_TO_DATE(TRIM(r."ORDERED_ON")) IS NOT NULL)
     AND (r."PAID" IS NULL OR TRY_TO_BOOLEAN(TRIM(r."PAID")) IS NOT NULL)
     AND (r."QUANTITY" IS NULL OR CASE WHEN TRIM(r."QUANTITY") RLIKE '[+-]?[0-9]+' THEN TRY_TO_NUMBER(TRIM(r."QUANTITY"), 10, 0) END IS NOT NULL))
UNION ALL
SELECT "FILE", "LINE", "COLUMN_NAME", "ERROR", "REJECTED_RECORD", CURRENT_TIMESTAMP()
FROM TABLE("ANALYTICS".INFORMATION_SCHEMA.VALIDATE_PIPE_LOAD(
    PIPE_NAME => 'ANALYTICS.ORDERS_CT.ORDERS_PIPE',
    START_TIME => DATEADD(DAY, -14, CURRENT_TIMESTAMP())));

-- After the deploy:
--   SHOW PIPES LIKE 'ORDERS_PIPE' IN SCHEMA "ANALYTICS"."ORDERS_CT";
--     point the bucket's S3 event notification (prefix orders/) at its notification_channel (an SQS ARN);
--   ALTER PIPE "ANALYTICS"."ORDERS_CT"."ORDERS_PIPE" REFRESH;  -- optional: loads files staged in the last 7 days before the notification existed.
