using CustomerTrack.Scd;
using CustomerTrack.Tables;

namespace CustomerTrack.Warehouse;

/// <summary>
/// The warehouse tables (README, "Tables") of each table definition, and the pipeline's own metadata, in SQL both engines
/// take. Names come from validated definitions and are quoted.
/// </summary>
internal static class Schema
{
    /// <summary>Every statement that makes the warehouse for <paramref name="tables"/>; each is safe to run again.</summary>
    /// <param name="tables">The table definitions, each with its ledger, SCD1 and SCD2 table.</param>
    /// <param name="dialect">
    /// The engine's types, and whether the SCD1 and state tables' key is a PRIMARY KEY (<see cref="ISqlDialect.IndexesKeys"/>):
    /// on PostgreSQL it is, on DuckDB the task runs took about 14% longer with it (docs/benchmarks.md). The task's plan
    /// keeps one row a key by construction, and the SCD property suites check it against a model of the rules.
    /// </param>
    public static IEnumerable<string> Statements(IReadOnlyList<TableDefinition> tables, ISqlDialect dialect)
    {
        foreach (var table in tables)
        {
            foreach (var sql in TableStatements(table, dialect))
            {
                yield return sql;
            }
        }

        yield return """
            CREATE TABLE IF NOT EXISTS load_history (
                file_key VARCHAR PRIMARY KEY, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, bytes BIGINT NOT NULL,
                status VARCHAR NOT NULL, rows_in_file BIGINT NOT NULL, rows_loaded BIGINT NOT NULL, rows_rejected BIGINT NOT NULL,
                first_seq BIGINT, last_seq BIGINT, unknown_columns VARCHAR, error VARCHAR,
                landed_at TIMESTAMP, loaded_at TIMESTAMP NOT NULL, load_ms DOUBLE PRECISION NOT NULL, table_name VARCHAR)
            """;
        yield return """
            CREATE TABLE IF NOT EXISTS load_rejects (
                file_key VARCHAR NOT NULL, line BIGINT NOT NULL, field VARCHAR NOT NULL, reason VARCHAR NOT NULL,
                raw VARCHAR, rejected_at TIMESTAMP NOT NULL, table_name VARCHAR)
            """;
        yield return """
            CREATE TABLE IF NOT EXISTS stream_offset (
                stream_name VARCHAR PRIMARY KEY, offset_seq BIGINT NOT NULL, advanced_at TIMESTAMP, table_name VARCHAR)
            """;
        yield return """
            CREATE TABLE IF NOT EXISTS task_run (
                run_id BIGINT PRIMARY KEY, kind VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL,
                from_seq BIGINT NOT NULL, to_seq BIGINT NOT NULL, rows_read BIGINT NOT NULL, keys BIGINT NOT NULL,
                versions BIGINT NOT NULL, ties BIGINT NOT NULL, duration_ms DOUBLE PRECISION NOT NULL, table_name VARCHAR)
            """;
        yield return """
            CREATE TABLE IF NOT EXISTS schema_change (
                table_name VARCHAR NOT NULL, column_name VARCHAR NOT NULL, column_type VARCHAR NOT NULL, file_key VARCHAR,
                changed_at TIMESTAMP NOT NULL)
            """;

        foreach (var sql in LoadAttempts.Statements().Concat(Invocations.Statements()))
        {
            yield return sql;
        }

        // Warehouses made before tables were defined in settings hold only the customer table.
        foreach (var meta in (string[])["load_history", "load_rejects", "stream_offset", "task_run"])
        {
            yield return $"ALTER TABLE {meta} ADD COLUMN IF NOT EXISTS table_name VARCHAR";
            yield return $"UPDATE {meta} SET table_name = 'customer' WHERE table_name IS NULL";
        }

        foreach (var table in tables)
        {
            yield return $"""
                INSERT INTO stream_offset (stream_name, offset_seq, advanced_at, table_name) SELECT '{table.StreamName}', 0, NULL, '{table.Name}'
                WHERE NOT EXISTS (SELECT 1 FROM stream_offset WHERE stream_name = '{table.StreamName}')
                """;
        }
    }

    /// <summary>The ledger, the SCD1 table and the SCD2 table of one definition.</summary>
    public static IEnumerable<string> TableStatements(TableDefinition table, ISqlDialect dialect)
    {
        var keyIndex = dialect.IndexesKeys;
        var key = string.Join(", ", table.Key.Select(k => $"{k.Quoted} {dialect.Type(k.Type)} NOT NULL"));
        var attributes = string.Concat(table.Attributes.Select(a => $", {a.Quoted} {dialect.Type(a.Type)}"));
        yield return $"""
            CREATE TABLE IF NOT EXISTS {Q(table.RawTable)} (
                _seq BIGINT NOT NULL, _file VARCHAR NOT NULL, _line BIGINT NOT NULL, _loaded_at TIMESTAMP NOT NULL,
                {key}{attributes},
                {Q(table.SequenceColumn)} TIMESTAMP NOT NULL, {Q(table.OpColumn)} VARCHAR NOT NULL, _event_time_given BOOLEAN NOT NULL)
            """;
        yield return $"""
            CREATE TABLE IF NOT EXISTS {Q(table.CurrentTable)} (
                {key}{attributes}, update_timestamp TIMESTAMP NOT NULL{(keyIndex ? $", PRIMARY KEY ({string.Join(", ", table.Key.Select(k => k.Quoted))})" : "")})
            """;
        yield return $"""
            CREATE TABLE IF NOT EXISTS {Q(table.HistoryTable)} (
                {key}{attributes},
                start_time TIMESTAMP NOT NULL, end_time TIMESTAMP NOT NULL,
                is_current BOOLEAN NOT NULL, is_deleted BOOLEAN NOT NULL DEFAULT false)
            """;

        // The task's keyed state (ScdPlan): _start and _last are NULL only for a key marked deleted (see ScdPlan.FillState).
        yield return $"""
            CREATE TABLE IF NOT EXISTS {Q(table.StateTable)} (
                {key}, _start TIMESTAMP, _last TIMESTAMP, _deleted BOOLEAN NOT NULL{(keyIndex ? $", PRIMARY KEY ({string.Join(", ", table.Key.Select(k => k.Quoted))})" : "")})
            """;
    }

    /// <summary>The statements that add <paramref name="column"/> to a table's raw, current and history tables.</summary>
    public static IEnumerable<string> AddColumn(TableDefinition table, Column column, ISqlDialect dialect)
    {
        foreach (var t in (string[])[table.RawTable, table.CurrentTable, table.HistoryTable])
        {
            yield return $"ALTER TABLE {Q(t)} ADD COLUMN IF NOT EXISTS {column.Quoted} {dialect.Type(column.Type)}";
        }
    }

    private static string Q(string validated) => Identifiers.Quote(validated);
}
