using System.Text.Json;
using CustomerTrack.Dashboard;
using CustomerTrack.Query;
using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;
using static CustomerTrack.Tests.Support.Engine;

namespace CustomerTrack.Tests.Dashboard;

/// <summary>
/// A dashboard snapshot against <c>status --json</c> on the same warehouse, on both engines: its counts are status's,
/// the files no table took show under the table (whether their folder names no table or there is no default table for
/// landing/ itself), each table has its tile, and the charts come in 10-second buckets.
/// </summary>
public sealed class DashboardSnapshotTests
{
    /// <summary>product only, and not the default: a file in landing/ itself is unrouted (stored with table_name '').</summary>
    private const string ProductOnly = """
        {
          "Tables": {
            "product": {
              "Format": "csv",
              "Key": ["sku", "region"],
              "Columns": { "sku": "string", "region": "string", "name": "string", "price": "decimal(12,2)" },
              "EventTime": "changed_at",
              "Op": { "Column": "kind", "Values": { "c": "INSERT", "u": "UPDATE", "d": "DELETE" } }
            }
          }
        }
        """;

    [Theory]
    [InlineData(DuckDb, "nosuch")]
    [InlineData(Postgres, "nosuch")]
    [InlineData(DuckDb, "")]
    [InlineData(Postgres, "")]
    public async Task A_snapshot_counts_what_status_counts_and_shows_the_unrouted_file(Engine engine, string unroutedFolder)
    {
        using var tmp = new TempWorkspace(engine);
        string table;
        int withRows;
        if (unroutedFolder.Length == 0)
        {
            File.WriteAllText(Path.Combine(tmp.Dir, "customertrack.json"), ProductOnly);
            Land(Path.Combine(tmp.Landing, "product"), "products.csv", TwoTableDashboardRun.Products);
            table = "product";
            withRows = 1;
        }
        else
        {
            tmp.Land("first.csv", Samples.First);
            tmp.Land("bad.csv", DashboardRun.BadFile);
            table = "customer";
            withRows = 2;
        }

        Land(Path.Combine(tmp.Landing, unroutedFolder), "orphan.csv", DashboardRun.Orphan);
        var run = await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]);
        Assert.True(run.Code == 3, run.ToString()); // 3: some rows or files were rejected, as meant
        var answer = await CliRunner.RunAsync(["status", "--json", .. tmp.CliArgs()]);
        Assert.True(answer.Code == 0, answer.ToString());
        var status = JsonDocument.Parse(answer.Out).RootElement;

        var ws = tmp.Open();
        using var reader = WarehouseReader.Open(ws);
        using var data = new DashboardData(ws, (sql, parameters) => reader.QueryAsync(sql, parameters).GetAwaiter().GetResult(), TimeProvider.System,
            ws.Settings.Definitions.Single(t => t.Name == table));
        var snapshot = await data.SnapshotAsync(CancellationToken.None);

        // Every count as status --json gives it, in total and for the table.
        var s = snapshot.Status;
        Assert.Equal(
            [status.GetProperty("files_loaded").GetInt64(), status.GetProperty("files_failed").GetInt64(), status.GetProperty("rows_loaded").GetInt64(),
             status.GetProperty("rows_rejected").GetInt64(), status.GetProperty("versions").GetInt64(), status.GetProperty("task_runs").GetInt64()],
            [s.FilesLoaded, s.FilesFailed, s.RowsLoaded, s.RowsRejected, s.Versions, s.TaskRuns]);
        var mine = status.GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("table").GetString() == table);
        Assert.Equal(
            [mine.GetProperty("files_loaded").GetInt64(), mine.GetProperty("files_failed").GetInt64(), mine.GetProperty("current_rows").GetInt64(),
             mine.GetProperty("versions").GetInt64()],
            [snapshot.TableStatus.FilesLoaded, snapshot.TableStatus.FilesFailed, snapshot.TableStatus.CurrentRows, snapshot.TableStatus.Versions]);

        // The unrouted file is the one failed file, and the table's view shows it: its load history and its load box.
        Assert.Equal(1, s.FilesFailed);
        var loads = snapshot.Loads;
        var failed = Enumerable.Range(0, loads.Rows.Count).Where(i => loads.Text(i, "status") == "LOAD_FAILED").ToList();
        var orphan = Assert.Single(failed);
        Assert.StartsWith("orphan", loads.Text(orphan, "file_name"), StringComparison.Ordinal);
        Assert.StartsWith("unrouted: ", loads.Text(orphan, "first_error"), StringComparison.Ordinal);
        Assert.StartsWith($"{s.FilesFailed} file(s) LOAD_FAILED, ", snapshot.Nodes.Single(n => n.Id == "load").Note, StringComparison.Ordinal);

        // Its tile: updated by a task run, each file with rows visible within the last five minutes, measured against the 1 s target.
        var tile = Assert.Single(snapshot.Tiles);
        Assert.Equal((table, 1.0), (tile.Table, tile.TargetSeconds));
        Assert.NotNull(tile.UpdatedSecondsAgo);
        Assert.NotNull(tile.P95Seconds);
        Assert.Equal(withRows, tile.Files5m);
        Assert.Contains(tile.State, new[] { "fresh", "late" });

        // The charts' points are 10-second buckets, not minutes.
        foreach (var chart in new[] { snapshot.Freshness, snapshot.Throughput })
        {
            Assert.NotEmpty(chart.Rows);
            Assert.All(chart.Rows, r => Assert.Equal(0, long.Parse(r[0]!, System.Globalization.CultureInfo.InvariantCulture) % DashboardSql.BucketSeconds));
        }
    }

    private static void Land(string folder, string name, string content)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "." + name + ".tmp"), content);
        File.Move(Path.Combine(folder, "." + name + ".tmp"), Path.Combine(folder, name));
    }
}
