using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>
/// The truncated-extract guard (docs/semantics.md, rule 16): a snapshot that would delete more than MaxDeleteShare of the
/// live keys is set aside, stays so on a plain reload, and applies as it is on reload --force.
/// </summary>
public sealed class SnapshotReloadTests
{
    private const string Settings = """
        { "Tables": { "stock": { "Default": true, "Mode": "snapshot", "Key": ["id"], "EventTime": "at",
          "Columns": { "id": "int64", "qty": "int64" } } } }
        """;

    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task A_truncated_snapshot_is_set_aside_until_reload_force(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        File.WriteAllText(Path.Combine(tmp.Dir, CustomerTrack.Configuration.SettingsLoader.FileName), Settings);
        tmp.Land("s1.csv", "id,qty,at\n1,5,2026-01-01T10:00:00Z\n2,6,2026-01-01T10:00:00Z\n3,7,2026-01-01T10:00:00Z\n");
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]));

        tmp.Land("s2.csv", "id,qty,at\n1,5,2026-01-01T11:00:00Z\n");
        var set = await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]);
        Assert.True(set.Code == 3, set.ToString());
        Assert.Equal("LOAD_FAILED|would delete 2 of the 3 live keys", await ErrorAsync(tmp));

        var again = await CliRunner.RunAsync(["reload", "s2.csv", .. tmp.CliArgs()]);
        Assert.True(again.Code == 3, again.ToString());
        Assert.Equal("1,2,3", await CsvAsync(tmp, "SELECT string_agg(CAST(id AS VARCHAR), ',' ORDER BY id) FROM stock"));

        CliAssert.Succeeded(await CliRunner.RunAsync(["reload", "s2.csv", "--force", .. tmp.CliArgs()]));
        Assert.Equal("LOADED|", await ErrorAsync(tmp));
        Assert.Equal("1", await CsvAsync(tmp, "SELECT string_agg(CAST(id AS VARCHAR), ',' ORDER BY id) FROM stock"));
        Assert.Equal("2026-01-01 11:00:00,2026-01-01 11:00:00",
            await CsvAsync(tmp, "SELECT string_agg(CAST(end_time AS VARCHAR), ',' ORDER BY id) FROM stock_history WHERE NOT is_current"));
    }

    private static async Task<string> ErrorAsync(TempWorkspace tmp)
    {
        var row = await CsvAsync(tmp, "SELECT status, coalesce(error, '') FROM load_history WHERE file_name = 's2.csv'");
        var (status, error) = (row[..row.IndexOf(',', StringComparison.Ordinal)], row[(row.IndexOf(',', StringComparison.Ordinal) + 1)..]);
        return status + "|" + (error.Contains("would delete 2 of the 3 live keys", StringComparison.Ordinal) ? "would delete 2 of the 3 live keys" : error);
    }

    private static async Task<string> CsvAsync(TempWorkspace tmp, string sql)
    {
        var result = await CliRunner.RunAsync(["query", sql, "--format", "csv", .. tmp.CliArgs()]);
        Assert.True(result.Code == 0, result.ToString());
        return string.Join('\n', CliAssert.Lines(result.Out).Skip(1)).Trim('"');
    }
}
