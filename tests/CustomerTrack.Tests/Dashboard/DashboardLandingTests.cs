using CustomerTrack.Dashboard;
using CustomerTrack.Query;
using CustomerTrack.Tests.Cli;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Dashboard;

/// <summary>The flow's landing node, per table: the files waiting for that table, where that table's files land.</summary>
public sealed class DashboardLandingTests
{
    [Fact]
    public async Task Each_tables_landing_node_counts_the_files_waiting_in_that_tables_folders()
    {
        using var tmp = new TempWorkspace();
        File.WriteAllText(Path.Combine(tmp.Dir, "customertrack.json"), TwoTableDashboardRun.Settings);
        CliAssert.Succeeded(await CliRunner.RunAsync("run", "--once", "-w", tmp.Dir));

        // The default table's files land in landing/ and in landing/customer/; product's in landing/product/ only.
        tmp.Land("first.csv", Samples.First);
        Write(Path.Combine(tmp.Landing, "customer"), "second.csv", Samples.Second);
        Write(Path.Combine(tmp.Landing, "product"), "products.csv", TwoTableDashboardRun.Products);
        Write(Path.Combine(tmp.Landing, "product"), ".half-written.csv.tmp", TwoTableDashboardRun.Products);

        var ws = tmp.Open();
        using var reader = WarehouseReader.Open(ws);
        foreach (var (name, waiting, folder) in new[] { ("customer", 2, "landing/ or landing/customer/"), ("product", 1, "landing/product/") })
        {
            using var data = new DashboardData(ws, (sql, parameters) => reader.QueryAsync(sql, parameters).GetAwaiter().GetResult(), TimeProvider.System,
                ws.Settings.Definitions.Single(t => t.Name == name));
            var nodes = (await data.SnapshotAsync(CancellationToken.None)).Nodes;
            Assert.Equal(waiting, nodes.Single(n => n.Id == "landing").Files);
            Assert.StartsWith($"change files into {folder} (", nodes.Single(n => n.Id == "generator").Note, StringComparison.Ordinal);
        }
    }

    private static void Write(string folder, string name, string content)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, name), content);
    }
}
