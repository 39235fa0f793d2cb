using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>check: every settings problem at once, and a sample read through a table's definition without a warehouse.</summary>
public sealed class CheckCommandTests
{
    [Fact]
    public async Task Check_reports_every_problem_of_the_settings_one_line_each_and_exits_with_the_usage_code()
    {
        using var tmp = new TempWorkspace();
        var broken = OrdersFeed.Settings()
            .Replace("\"Key\": [\"order_id\", \"line_no\"]", "\"Key\": [\"order_id\", \"line\"]", StringComparison.Ordinal)
            .Replace("\"Format\": \"csv\"", "\"Format\": \"xml\"", StringComparison.Ordinal)
            .Replace("{ \"Tables\"", "{ \"Load\": { \"OnError\": \"later\" }, \"Ingest\": { \"MaxInFlight\": 0 }, \"Tables\"", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(tmp.Dir, "customertrack.json"), broken);

        var result = await CliRunner.RunAsync(["check", .. tmp.CliArgs()]);
        Assert.True(result.Code == 2, result.ToString());
        Assert.Equal(
        [
            "setting Load:OnError: 'later' is not allowed; use one of continue, skip_file, abort",
            "setting Tables:orders:Key: 'line' is not one of the table's Columns (order_id, line_no, sku, qty, changed_at)",
            "setting Tables:stock:Format: 'xml' is not allowed; use one of csv, ndjson, parquet",
            "setting Ingest:MaxInFlight: 0 must be a positive number",
            "check: 4 problem(s) in customertrack.json, the environment or flags",
        ], CliAssert.Lines(result.Out));

        // Start-up still stops at the first.
        CliAssert.OneLineError(await CliRunner.RunAsync(["status", .. tmp.CliArgs()]), "setting Load:OnError");
    }

    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task Check_sample_reads_a_file_through_the_table_without_opening_a_warehouse(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        OrdersFeed.WriteSettings(tmp, deletes: false);
        Assert.Equal(["check: the settings are clean; tables orders (order_id, line_no), stock (sku)"],
            CliAssert.Succeeded(await CliRunner.RunAsync(["check", .. tmp.CliArgs()])));

        var sample = Path.Combine(tmp.Dir, "mixed.ndjson");
        File.WriteAllText(sample, OrdersFeed.Mixed);
        var result = await CliRunner.RunAsync(["check", "--sample", sample, "--table", "orders", .. tmp.CliArgs()]);
        Assert.True(result.Code == 3, result.ToString());
        var lines = CliAssert.Lines(result.Out);
        Assert.Equal("check: mixed.ndjson through table orders: 3 row(s) would load, 1 rejected", lines[0]);
        Assert.StartsWith("  mixed.ndjson line 4, field kind: ", lines[1], StringComparison.Ordinal);
        Assert.Equal(2, lines.Length);
        Assert.False(File.Exists(Path.Combine(tmp.Dir, "warehouse.duckdb")), "check opened a warehouse");
        Assert.False(Directory.Exists(tmp.Landing), "check made the workspace's folders");

        var clean = Path.Combine(tmp.Dir, "stock.csv");
        File.WriteAllText(clean, OrdersFeed.Stock);
        Assert.Equal(["check: stock.csv through table stock: 2 row(s) would load, 0 rejected"],
            CliAssert.Succeeded(await CliRunner.RunAsync(["check", "--sample", clean, "--table", "stock", .. tmp.CliArgs()])));
    }
}
