using Npgsql;

namespace CustomerTrack.Tests.Support;

/// <summary>The warehouse engines the shared suites run against.</summary>
public enum Engine
{
    DuckDb,
    Postgres,
}

/// <summary>
/// A PostgreSQL warehouse of a test's own: a fresh schema on the test server (CT_TEST_PG), reached through the
/// connection string's search path, dropped afterwards.
/// </summary>
internal sealed class PostgresSchema : IDisposable
{
    public PostgresSchema()
    {
        Name = "ct_" + Guid.NewGuid().ToString("N")[..12];
        Run($"CREATE SCHEMA {Name}");
        ConnectionString = new NpgsqlConnectionStringBuilder(TestServers.Postgres) { SearchPath = Name }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    /// <summary>The settings that point a workspace at this schema.</summary>
    public Dictionary<string, string?> Flags() => new()
    {
        ["Warehouse:Engine"] = "postgres",
        ["Warehouse:ConnectionString"] = ConnectionString,
    };

    private static void Run(string sql)
    {
        using var conn = new NpgsqlConnection(TestServers.Postgres);
        conn.Open();
        using var cmd = new NpgsqlCommand(sql, conn);
        cmd.ExecuteNonQuery();
    }

    private static string Database()
    {
        using var conn = new NpgsqlConnection(TestServers.Postgres);
        conn.Open();
        using var cmd = new NpgsqlCommand("SELECT current_database()", conn);
        return (string)cmd.ExecuteScalar()!;
    }

    public void Dispose()
    {
        try
        {
            Run($"DROP SCHEMA IF EXISTS {Name} CASCADE");

            // The reader role the pipeline made for the schema belongs to the whole server: dropped with it.
            var role = CustomerTrack.Warehouse.Postgres.ReaderRole.Name(Database(), Name);
            Run($"DO $$BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN DROP OWNED BY \"{role}\"; DROP ROLE \"{role}\"; END IF; END$$");
        }
        catch (NpgsqlException)
        {
            // A server gone at the end of a run leaves nothing to clean.
        }
    }
}
