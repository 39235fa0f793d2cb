using CustomerTrack.Contract;

namespace CustomerTrack.Warehouse;

/// <summary>The warehouse tables (DESIGN.md §4) and the pipeline's own metadata, in SQL both engines take.</summary>
internal static class Schema
{
    private static string AttributeColumns => string.Join(", ", Columns.Attributes.Select(a => $"{a} VARCHAR"));

    public static IEnumerable<string> Statements()
    {
        yield return $"""
            CREATE TABLE IF NOT EXISTS customer_raw (
                _seq BIGINT NOT NULL, _file VARCHAR NOT NULL, _line BIGINT NOT NULL, _loaded_at TIMESTAMP NOT NULL,
                customer_id BIGINT NOT NULL, {AttributeColumns},
                updated_at TIMESTAMP NOT NULL, op VARCHAR NOT NULL, _event_time_given BOOLEAN NOT NULL)
            """;
        yield return $"""
            CREATE TABLE IF NOT EXISTS customer (
                customer_id BIGINT PRIMARY KEY, {AttributeColumns}, update_timestamp TIMESTAMP NOT NULL)
            """;
        yield return $"""
            CREATE TABLE IF NOT EXISTS customer_history (
                customer_id BIGINT NOT NULL, {AttributeColumns},
                start_time TIMESTAMP NOT NULL, end_time TIMESTAMP NOT NULL,
                is_current BOOLEAN NOT NULL, is_deleted BOOLEAN NOT NULL DEFAULT false)
            """;
        yield return """
            CREATE TABLE IF NOT EXISTS load_history (
                file_key VARCHAR PRIMARY KEY, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, bytes BIGINT NOT NULL,
                status VARCHAR NOT NULL, rows_in_file BIGINT NOT NULL, rows_loaded BIGINT NOT NULL, rows_rejected BIGINT NOT NULL,
                first_seq BIGINT, last_seq BIGINT, unknown_columns VARCHAR, error VARCHAR,
                landed_at TIMESTAMP, loaded_at TIMESTAMP NOT NULL, load_ms DOUBLE PRECISION NOT NULL)
            """;
        yield return """
            CREATE TABLE IF NOT EXISTS load_rejects (
                file_key VARCHAR NOT NULL, line BIGINT NOT NULL, field VARCHAR NOT NULL, reason VARCHAR NOT NULL,
                raw VARCHAR, rejected_at TIMESTAMP NOT NULL)
            """;
        yield return """
            CREATE TABLE IF NOT EXISTS stream_offset (
                stream_name VARCHAR PRIMARY KEY, offset_seq BIGINT NOT NULL, advanced_at TIMESTAMP)
            """;
        yield return """
            INSERT INTO stream_offset SELECT 'customer_raw_stream', 0, NULL
            WHERE NOT EXISTS (SELECT 1 FROM stream_offset WHERE stream_name = 'customer_raw_stream')
            """;
        yield return """
            CREATE TABLE IF NOT EXISTS task_run (
                run_id BIGINT PRIMARY KEY, kind VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL,
                from_seq BIGINT NOT NULL, to_seq BIGINT NOT NULL, rows_read BIGINT NOT NULL, customers BIGINT NOT NULL,
                versions BIGINT NOT NULL, ties BIGINT NOT NULL, duration_ms DOUBLE PRECISION NOT NULL)
            """;
    }
}
