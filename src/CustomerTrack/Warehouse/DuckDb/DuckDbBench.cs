using CustomerTrack.Configuration;
using CustomerTrack.Contract;
using DuckDB.NET.Data;

namespace CustomerTrack.Warehouse.DuckDb;

/// <summary>
/// The engine-specific parts of the benchmark (issue "Fast"): the physical limit (a plain COPY), the original
/// tutorial's MERGE approach on the same engine, and one SCD batch against a history of a chosen size.
/// Each method works on a database file of its own and returns the seconds of its timed section only.
/// </summary>
internal static class DuckDbBench
{
    private static string Attrs(string prefix = "") => string.Join(", ", Columns.Attributes.Select(a => prefix + a));

    private static string CsvColumns => "{'customer_id': 'BIGINT', " +
        string.Join(", ", Columns.Attributes.Select(a => $"'{a}': 'VARCHAR'")) + ", 'updated_at': 'TIMESTAMP', 'op': 'VARCHAR'}";

    private static string ReadCsv(string pathOrGlob) =>
        $"read_csv('{pathOrGlob.Replace("'", "''", StringComparison.Ordinal)}', header = true, columns = {CsvColumns})";

    public static string Version()
    {
        using var c = Open(":memory:");
        return Scalar(c, "SELECT version()")?.ToString() ?? "?";
    }

    /// <summary>COPY of every file into one plain table: no checks, no history, DuckDB's own parallel CSV reader.</summary>
    public static double RawCopy(string dbPath, string dataDir, TimeProvider time)
    {
        using var c = Open(dbPath);
        Execute(c, $"CREATE TABLE raw_copy (customer_id BIGINT, {string.Join(", ", Columns.Attributes.Select(a => a + " VARCHAR"))}, updated_at TIMESTAMP, op VARCHAR)");
        var started = time.GetTimestamp();
        Execute(c, $"COPY raw_copy FROM '{Path.Combine(dataDir, "*.csv").Replace("'", "''", StringComparison.Ordinal)}' (HEADER)");
        Execute(c, "CHECKPOINT");
        return time.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>
    /// What an engineer who needs a backfill writes by hand, from docs/semantics.md: COPY every file into a table, then
    /// both SCD tables in one set-based pass each, with window functions and no incremental machinery. Per key, changes
    /// are ordered by event time; of two with the same key and time the one loaded last (the later file, then the later
    /// line) wins; a version opens where the key starts, where a delete follows a live change or a live change a delete,
    /// or where an attribute differs from the change before; a version ends where the next one opens. The current table
    /// is each key's latest change, unless it is a delete. Every attribute is tracked (the bench's default settings).
    /// The honesty check for the pipeline: it does the same work, without crash safety, rejects or late-data handling
    /// beyond a full recompute.
    /// </summary>
    public static double Handwritten(string dbPath, string dataDir, TimeProvider time)
    {
        using var c = Open(dbPath);
        var attrDefs = string.Join(", ", Columns.Attributes.Select(a => a + " VARCHAR"));
        var differs = string.Join(" OR ", Columns.Attributes.Select(a => $"{a} IS DISTINCT FROM lag({a}) OVER w"));
        var glob = Path.Combine(dataDir, "*.csv").Replace("'", "''", StringComparison.Ordinal);
        var started = time.GetTimestamp();
        Execute(c, $"CREATE TABLE hw_raw (customer_id BIGINT, {attrDefs}, updated_at TIMESTAMP, op VARCHAR, file VARCHAR, line BIGINT)");
        Execute(c, $"""
            INSERT INTO hw_raw
            SELECT customer_id, {Attrs()}, updated_at, op, filename, row_number() OVER (PARTITION BY filename)
            FROM read_csv('{glob}', header = true, filename = true, columns = {CsvColumns})
            """);
        Execute(c, $"""
            CREATE TABLE hw_history AS
            WITH src AS (
                SELECT * FROM hw_raw
                QUALIFY row_number() OVER (PARTITION BY customer_id, updated_at ORDER BY file DESC, line DESC) = 1
            ),
            marked AS (
                SELECT *,
                       CASE WHEN lag(updated_at) OVER w IS NULL THEN true
                            WHEN op = 'DELETE' THEN lag(op) OVER w <> 'DELETE'
                            WHEN lag(op) OVER w = 'DELETE' THEN true
                            ELSE {differs} END AS opens
                FROM src
                WINDOW w AS (PARTITION BY customer_id ORDER BY updated_at)
            ),
            versions AS (
                SELECT customer_id, {Attrs()}, updated_at AS start_time, op = 'DELETE' AS is_deleted,
                       lead(updated_at) OVER (PARTITION BY customer_id ORDER BY updated_at) AS next_start
                FROM marked WHERE opens
            )
            SELECT customer_id, {Attrs()}, start_time, coalesce(next_start, TIMESTAMP '9999-12-31 00:00:00') AS end_time,
                   next_start IS NULL AS is_current, false AS is_deleted
            FROM versions WHERE NOT is_deleted
            """);
        Execute(c, $"""
            CREATE TABLE hw_customer AS
            SELECT customer_id, {Attrs()}, updated_at AS update_timestamp FROM hw_raw
            QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY updated_at DESC, file DESC, line DESC) = 1 AND op <> 'DELETE'
            """);
        Execute(c, "CHECKPOINT");
        return time.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>
    /// The original tutorial, file by file in processing order: COPY the file into the raw table, MERGE its rows into
    /// the current table (one arbitrary row per key, stamped with the processing time), then close the current
    /// version of every changed customer and append the new one. No event time, no deletes, no late-data splicing.
    /// </summary>
    public static double NaiveMerge(string dbPath, IReadOnlyList<string> files, TimeProvider time)
    {
        using var c = Open(dbPath);
        var attrDefs = string.Join(", ", Columns.Attributes.Select(a => a + " VARCHAR"));
        Execute(c, $"CREATE TABLE naive_raw (customer_id BIGINT, {attrDefs}, updated_at TIMESTAMP, op VARCHAR)");
        Execute(c, $"CREATE TABLE naive_customer (customer_id BIGINT PRIMARY KEY, {attrDefs}, update_timestamp TIMESTAMP)");
        Execute(c, $"CREATE TABLE naive_history (customer_id BIGINT, {attrDefs}, start_time TIMESTAMP, end_time TIMESTAMP, is_current BOOLEAN)");
        var set = string.Join(", ", Columns.Attributes.Select(a => $"{a} = s.{a}"));
        var differs = string.Join(" OR ", Columns.Attributes.Select(a => $"s.{a} IS DISTINCT FROM t.{a}"));
        var started = time.GetTimestamp();
        foreach (var file in files)
        {
            using var tx = c.BeginTransaction();
            Execute(c, $"CREATE OR REPLACE TEMP TABLE naive_stage AS SELECT * FROM {ReadCsv(file)}");
            Execute(c, "INSERT INTO naive_raw SELECT * FROM naive_stage");

            // The stream on the raw table: one row per key, whichever the engine meets first (the original's arbitrary winner).
            Execute(c, $"""
                CREATE OR REPLACE TEMP TABLE naive_changes AS
                SELECT s.customer_id, {Attrs("s.")}, now()::TIMESTAMP AS processed_at
                FROM (SELECT * FROM naive_stage QUALIFY row_number() OVER (PARTITION BY customer_id) = 1) s
                LEFT JOIN naive_customer t ON t.customer_id = s.customer_id
                WHERE t.customer_id IS NULL OR {differs}
                """);
            Execute(c, $"""
                MERGE INTO naive_customer t USING naive_changes s ON t.customer_id = s.customer_id
                WHEN MATCHED THEN UPDATE SET {set}, update_timestamp = s.processed_at
                WHEN NOT MATCHED THEN INSERT (customer_id, {Attrs()}, update_timestamp) VALUES (s.customer_id, {Attrs("s.")}, s.processed_at)
                """);
            Execute(c, """
                UPDATE naive_history h SET end_time = s.processed_at, is_current = false
                FROM naive_changes s WHERE h.customer_id = s.customer_id AND h.is_current
                """);
            Execute(c, $"""
                INSERT INTO naive_history SELECT customer_id, {Attrs()}, processed_at, TIMESTAMP '9999-12-31 00:00:00', true FROM naive_changes
                """);
            tx.Commit();
        }

        return time.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>
    /// Builds a warehouse whose ledger and history hold <paramref name="historyRows"/> rows (two versions for each of
    /// half as many customers, as the SCD step itself would have made them), appends a batch of
    /// <paramref name="batchRows"/> in-order updates of existing customers and returns the seconds of the one task run
    /// that applies it.
    /// </summary>
    public static async Task<double> HistoryBatchAsync(string dbPath, long historyRows, int batchRows, TimeProvider time)
    {
        using (DuckDbWarehouse.Open(dbPath, Path.GetFileName(dbPath), readOnly: false))
        {
            // Makes the schema.
        }

        var customers = historyRows / 2;
        using (var c = Open(dbPath))
        {
            // Generated directly, not derived: the ledger without a sort (the batch's zone-map skip needs only the batch to come
            // after it), the history and customer rows from the same formulas the SCD step turns that ledger into. On 10M
            // rows the setup took 77 s as ORDER BY and window queries over the ledger.
            string Value(string v) => string.Join(", ", Columns.Attributes.Select(a => $"'{a}_' || (id % 997)::VARCHAR || '_' || {v}"));
            string At(string v) => $"TIMESTAMP '2026-01-01' + to_seconds({v} * 3600 + id % 3600)";
            Execute(c, $"""
                INSERT INTO customer_raw
                SELECT (v * {customers} + id) AS _seq, 'bench' AS _file, id AS _line, TIMESTAMP '2026-01-01' AS _loaded_at,
                       id AS customer_id, {Value("v::VARCHAR")}, {At("v")} AS updated_at, 'UPSERT' AS op, true AS _event_time_given
                FROM range(0, 2) s(v), range(1, {customers} + 1) r(id)
                """);
            Execute(c, $"""
                INSERT INTO customer_history (customer_id, {Attrs()}, start_time, end_time, is_current, is_deleted)
                SELECT id, {Value("v::VARCHAR")}, {At("v")},
                       CASE WHEN v = 0 THEN {At("1")} ELSE TIMESTAMP '9999-12-31 00:00:00' END, v = 1, false
                FROM range(0, 2) s(v), range(1, {customers} + 1) r(id)
                """);
            Execute(c, $"INSERT INTO customer SELECT id, {Value("'1'")}, {At("1")} FROM range(1, {customers} + 1) r(id)");

            // The task's keyed state as the task would have left it (each key's current version and latest change): left
            // empty, the warehouse fills it when it opens (ScdPlan.FillState), after the checkpoint below, and the timed
            // batch's commit could then be the checkpoint of the setup's rows.
            Execute(c, $"INSERT INTO _customer_state SELECT id, {At("1")}, {At("1")}, false FROM range(1, {customers} + 1) r(id)");
            Execute(c, $"UPDATE stream_offset SET offset_seq = {customers * 2} WHERE stream_name = 'customer_raw_stream'");

            // The batch: updates of customers spread over the whole key range, after everything they have.
            var batchValue = string.Join(", ", Columns.Attributes.Select(a => $"'{a}_new_' || (i % 991)::VARCHAR"));
            Execute(c, $"""
                INSERT INTO customer_raw
                SELECT {customers * 2} + i, 'bench-batch', i, TIMESTAMP '2026-02-01',
                       1 + (i * 7919) % {customers}, {batchValue}, TIMESTAMP '2026-02-01' + to_microseconds(i),
                       'UPSERT', true
                FROM range(1, {batchRows} + 1) r(i)
                """);
            Execute(c, "CHECKPOINT");
        }

        using var warehouse = new TranslatedWarehouse(DuckDbWarehouse.Open(dbPath, Path.GetFileName(dbPath), readOnly: false, memoryLimit: new WarehouseSettings().MemoryLimit));
        var started = time.GetTimestamp();
        var run = await warehouse.RunTaskAsync(Tables.TableDefinition.Customer(Tables.ScdOptions.Default), int.MaxValue, time)
            ?? throw new CustomerTrackException("bench: the history batch found nothing to apply");
        _ = run;
        return time.GetElapsedTime(started).TotalSeconds;
    }

    private static DuckDBConnection Open(string path)
    {
        var c = new DuckDBConnection($"Data Source={path}");
        c.Open();
        Execute(c, "SET autoinstall_known_extensions = false");
        return c;
    }

    private static void Execute(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}
