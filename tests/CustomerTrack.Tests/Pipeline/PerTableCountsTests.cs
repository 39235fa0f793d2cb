using CustomerTrack.Configuration;
using CustomerTrack.Dashboard;
using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Pipeline;

/// <summary>
/// Counts shown per table are that table's, though one <c>_seq</c> numbers every ledger and one lake holds every table's
/// files: a task run's <c>rows_read</c>, and the dashboard's lake depth.
/// </summary>
public sealed class PerTableCountsTests
{
    private const string Tables = """
        { "Tables": {
            "a": { "Key": ["id"], "Columns": { "id": "int64", "v": "string" } },
            "b": { "Key": ["id"], "Columns": { "id": "int64", "v": "string" } } } }
        """;

    /// <summary>A file of <paramref name="rows"/> rows for <paramref name="table"/> in landing/&lt;table&gt;/.</summary>
    private static void Land(TempWorkspace tmp, string table, string name, int rows)
    {
        var path = Path.Combine(tmp.Landing, table, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "id,v\n" + string.Concat(Enumerable.Range(1, rows).Select(i => $"{i},{name}{i}\n")));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(-5));
    }

    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task A_task_run_reads_its_own_tables_rows_and_the_dashboard_counts_its_own_lake_files(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Tables);
        Land(tmp, "a", "first.csv", 2);
        Land(tmp, "b", "first.csv", 3);
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]));
        var ws = tmp.Open();
        Assert.Equal(["a|2", "b|3"], Db.Rows(ws, "SELECT table_name, sum(rows_read) FROM task_run GROUP BY table_name ORDER BY table_name"));

        // Ingested, not loaded: a has one file waiting in the lake, b two.
        Land(tmp, "a", "second.csv", 1);
        Land(tmp, "b", "second.csv", 1);
        Land(tmp, "b", "third.csv", 1);
        CliAssert.Succeeded(await CliRunner.RunAsync(["ingest", "--once", .. tmp.CliArgs()]));
        foreach (var (table, waiting) in (ValueTuple<string, long>[])[("a", 1), ("b", 2)])
        {
            using var data = new DashboardData(ws, (sql, parameters) => Db.Query(ws, sql, parameters), TimeProvider.System, ws.Settings.Definitions.Single(t => t.Name == table));
            var snapshot = await data.SnapshotAsync(CancellationToken.None);
            Assert.Equal(waiting, snapshot.Queues.Single(q => q.From == "lake").Depth);
            Assert.Contains($"{waiting} not yet loaded", snapshot.Nodes.Single(n => n.Id == "lake").Note, StringComparison.Ordinal);
        }
    }
}
