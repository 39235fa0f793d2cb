using CustomerTrack.Contract;
using Npgsql;

namespace CustomerTrack.Warehouse.Postgres;

/// <summary>
/// The server-engine parts of the benchmark: a schema of its own for each measured run, and the physical limit (a plain
/// COPY of the files, no checks, no history) on PostgreSQL.
/// </summary>
internal static class PostgresBench
{
    /// <summary>Drops and makes <paramref name="schema"/>; returns the connection string whose search path is that schema.</summary>
    public static string FreshSchema(string connectionString, string schema)
    {
        using (var conn = new NpgsqlConnection(connectionString))
        {
            conn.Open();
            using var cmd = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}", conn);
            cmd.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema }.ConnectionString;
    }

    /// <summary>COPY of every file, one after another on one session, into one plain table; returns the seconds of the copies.</summary>
    public static double RawCopy(string connectionString, string schema, IReadOnlyList<string> files, TimeProvider time)
    {
        using var conn = new NpgsqlConnection(FreshSchema(connectionString, schema));
        conn.Open();
        using (var create = new NpgsqlCommand(
            $"CREATE TABLE raw_copy (customer_id BIGINT, {string.Join(", ", Columns.Attributes.Select(a => a + " VARCHAR"))}, updated_at TIMESTAMP, op VARCHAR)", conn))
        {
            create.ExecuteNonQuery();
        }

        var started = time.GetTimestamp();
        foreach (var file in files)
        {
            using var copy = conn.BeginTextImport("COPY raw_copy FROM STDIN (FORMAT csv, HEADER true)");
            using var input = new StreamReader(file);
            var buffer = new char[1 << 16];
            int read;
            while ((read = input.Read(buffer, 0, buffer.Length)) > 0)
            {
                copy.Write(buffer, 0, read);
            }
        }

        return time.GetElapsedTime(started).TotalSeconds;
    }
}
