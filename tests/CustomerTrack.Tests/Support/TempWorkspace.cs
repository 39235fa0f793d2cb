namespace CustomerTrack.Tests.Support;

/// <summary>A fresh workspace folder per test, removed afterwards.</summary>
internal sealed class TempWorkspace : IDisposable
{
    private readonly PostgresSchema? _schema;

    /// <summary>A workspace whose warehouse is a DuckDB file in it, or with <see cref="Engine.Postgres"/> a schema of its own.</summary>
    public TempWorkspace(Engine engine = Engine.DuckDb)
    {
        Dir = Path.Combine(Path.GetTempPath(), "ct-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Dir);
        Engine = engine;
        _schema = engine == Engine.Postgres ? new PostgresSchema() : null;
    }

    public string Dir { get; }

    public Engine Engine { get; }

    /// <summary>Command-line arguments for the CLI on this workspace: <c>-w DIR</c> and, for PostgreSQL, the engine flags.</summary>
    public string[] CliArgs() => _schema is null
        ? ["-w", Dir]
        : ["-w", Dir, "--warehouse", "postgres", "--connection", _schema.ConnectionString];

    /// <summary>Flags that select this workspace's engine (none for DuckDB, the default).</summary>
    public Dictionary<string, string?> EngineFlags() => _schema?.Flags() ?? [];

    public string Landing => Path.Combine(Dir, "landing");

    /// <summary>Runs <paramref name="sql"/> on the warehouse directly, as a person with the database's own client would (no run may hold it).</summary>
    public void ExecuteOnWarehouse(string sql)
    {
        if (_schema is null)
        {
            using var duck = new DuckDB.NET.Data.DuckDBConnection($"Data Source={Path.Combine(Dir, "warehouse.duckdb")}");
            duck.Open();
            using var command = duck.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
            return;
        }

        using var pg = new Npgsql.NpgsqlConnection(_schema.ConnectionString);
        pg.Open();
        using var cmd = new Npgsql.NpgsqlCommand(sql, pg);
        cmd.ExecuteNonQuery();
    }

    public Workspace Open(IReadOnlyDictionary<string, string?>? flags = null)
    {
        var all = EngineFlags();
        foreach (var (key, value) in flags ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return Workspace.Open(Dir, create: true, all);
    }

    /// <summary>Writes a file into landing/ the way a careful writer does: a temporary name, then a rename.</summary>
    public string Land(string name, string content)
    {
        Directory.CreateDirectory(Landing);
        var temp = Path.Combine(Landing, "." + name + ".tmp");
        File.WriteAllText(temp, content);
        var final = Path.Combine(Landing, name);
        File.Move(temp, final);

        // Old enough for ingest's minimum file age at once.
        File.SetLastWriteTimeUtc(final, DateTime.UtcNow.AddSeconds(-5));
        return final;
    }

    /// <summary>Copies files into landing/, old enough for ingest's minimum file age at once.</summary>
    public void LandCopies(IEnumerable<string> files)
    {
        Directory.CreateDirectory(Landing);
        foreach (var f in files)
        {
            var target = Path.Combine(Landing, Path.GetFileName(f));
            File.Copy(f, target);
            File.SetLastWriteTimeUtc(target, DateTime.UtcNow.AddSeconds(-5));
        }
    }

    public void Dispose()
    {
        _schema?.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
