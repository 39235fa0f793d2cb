using CustomerTrack.Configuration;
using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Support;
using CustomerTrack.Warehouse;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Load;

/// <summary>
/// docs/semantics.md rule 15's fine points, on both engines: files landed together load in the order of their own
/// names (never of the lake key's hash suffix), and rows without an event time in files loaded together are sequenced
/// by load time and line number, each file after the one loaded before it.
/// </summary>
public abstract class LoadOrderTests
{
    protected abstract Engine Engine { get; }

    private static readonly DateTime Now = new(2031, 2, 3, 12, 0, 0, DateTimeKind.Utc);

    private static void Land(TempWorkspace tmp, string name, string content)
    {
        Directory.CreateDirectory(tmp.Landing);
        var path = Path.Combine(tmp.Landing, name);
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, Now.AddSeconds(-5));
    }

    public static TheoryData<string[]> Names() => new()
    {
        // Landed in this order; loaded in name order: part1 < part10 < part2, a < a-b < a_b, x.csv < x1.csv.
        new[] { "part10.csv", "part2.csv", "part1.csv" },
        new[] { "a_b.csv", "a-b.csv", "a.csv" },
        new[] { "x1.csv", "x.csv" },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Files_landed_together_load_in_the_order_of_their_names_and_the_last_named_wins_a_tie(string[] names)
    {
        using var tmp = new TempWorkspace(Engine);
        foreach (var name in names)
        {
            Land(tmp, name, $"customer_id,first_name,city,updated_at,op\n1,Ann,{name},2026-01-01T10:00:00Z,UPSERT\n");
        }

        var ws = tmp.Open();
        await Pipelines.DrainAsync(ws, new FakeTimeProvider(Now), Stages.Ingest | Stages.Load | Stages.Tasks);

        var ordered = names.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(ordered, Db.Rows(ws, "SELECT file_name FROM load_history ORDER BY first_seq"));
        Assert.Equal([ordered[^1]], Db.Rows(ws, "SELECT city FROM customer"));
    }

    [Fact]
    public async Task Rows_without_an_event_time_in_files_loaded_together_run_on_from_the_file_before()
    {
        using var tmp = new TempWorkspace(Engine);
        const string Header = "customer_id,first_name,last_name,email,street,city,state,country\n";
        Land(tmp, "a.csv", Header + "1,Ann,Lee,a@x.org,1 Main St,Oslo,Oslo,NO\n1,Ann,Lee,a@x.org,1 Main St,Rome,Lazio,IT\n");
        Land(tmp, "b.csv", Header + "2,Bob,Lee,b@x.org,2 Main St,Oslo,Oslo,NO\n2,Bob,Lee,b@x.org,2 Main St,Bern,Bern,CH\n");
        var ws = tmp.Open();
        await Pipelines.DrainAsync(ws, new FakeTimeProvider(Now), Stages.Ingest | Stages.Load);

        // a.csv: load time + line (2, 3) µs; b.csv starts after a.csv's last (…03 µs): + line (2, 3) µs.
        Assert.Equal(
            [
                "a.csv|2|2031-02-03 12:00:00.000002",
                "a.csv|3|2031-02-03 12:00:00.000003",
                "b.csv|2|2031-02-03 12:00:00.000005",
                "b.csv|3|2031-02-03 12:00:00.000006",
            ],
            Db.Rows(ws, "SELECT h.file_name, r._line, CAST(r.updated_at AS VARCHAR) FROM customer_raw r JOIN load_history h ON h.file_key = r._file ORDER BY r._seq"));
    }
}

public sealed class LoadOrderTestsOnDuckDb : LoadOrderTests
{
    protected override Engine Engine => Engine.DuckDb;
}

public sealed class LoadOrderTestsOnPostgres : LoadOrderTests
{
    protected override Engine Engine => Engine.Postgres;
}

/// <summary>Definitions and connections that cannot work are refused at start-up, naming the setting (issue 23).</summary>
public sealed class ValueSettingsTests
{
    public static TheoryData<string, string, string> Refused() => new()
    {
        { """{ "Column": "kind", "Values": { "": "DELETE", "d": "DELETE" } }""", "Tables:t:Op:Values", "maps an empty value to DELETE" },
        { """{ "Column": "kind", "Values": { " ": "UPDATE" } }""", "Tables:t:Op:Values", "maps an empty value to UPDATE" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void An_op_mapping_for_the_empty_value_is_refused_at_start_up(string op, string setting, string message)
    {
        using var tmp = new TempWorkspace();
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName),
            $$"""{ "Tables": { "t": { "Key": ["id"], "Columns": { "id": "int64" }, "Op": {{op}} } } }""");
        var e = Assert.Throws<SettingsException>(() => tmp.Open());
        Assert.Contains(setting, e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"EventTime\": \"at\", \"EventTimeFormat\": \"epoch_minutes\"", "is not allowed; use iso8601, epoch_s, epoch_ms")]
    [InlineData("\"EventTime\": \"at\", \"EventTimeFormat\": \"%\"", "is not allowed")]
    [InlineData("\"EventTimeFormat\": \"epoch_s\"", "the table has no EventTime column")]
    public void An_event_time_format_that_cannot_read_a_time_is_refused_at_start_up(string settings, string message)
    {
        using var tmp = new TempWorkspace();
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName),
            $$"""{ "Tables": { "t": { "Key": ["id"], "Columns": { "id": "int64" }, {{settings}} } } }""");
        var e = Assert.Throws<SettingsException>(() => tmp.Open());
        Assert.Contains("Tables:t:EventTimeFormat", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_postgres_search_path_naming_no_schema_is_a_settings_error_naming_the_setting(bool readOnly)
    {
        using var tmp = new TempWorkspace();
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(TestServers.Postgres) { SearchPath = "ct_no_such_schema" }.ConnectionString;
        var ws = tmp.Open(new Dictionary<string, string?> { ["Warehouse:Engine"] = "postgres", ["Warehouse:ConnectionString"] = connection });
        var e = Assert.Throws<SettingsException>(() => Warehouses.Open(ws, readOnly).Dispose());
        Assert.Contains("Warehouse:ConnectionString", e.Message, StringComparison.Ordinal);
        Assert.Contains("Search Path 'ct_no_such_schema' names no schema that exists", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run", "--once")]
    [InlineData("status", null)]
    [InlineData("query", "SELECT 1")]
    public async Task A_command_on_a_postgres_search_path_naming_no_schema_exits_2_with_one_line_naming_the_setting(string command, string? argument)
    {
        using var tmp = new TempWorkspace();
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(TestServers.Postgres) { SearchPath = "ct_no_such_schema" }.ConnectionString;
        string[] args = [command, .. argument is null ? [] : new[] { argument }, "-w", tmp.Dir, "--warehouse", "postgres", "--connection", connection];
        var result = await CliRunner.RunAsync(args);
        Assert.Equal(2, result.Code);
        Cli.CliAssert.FailedRun(result, "Warehouse:ConnectionString", "Search Path 'ct_no_such_schema' names no schema that exists");
    }
}
