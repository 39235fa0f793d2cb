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

    /// <summary>Edits of <see cref="OrdersFeed.Settings"/>: what is replaced, by what.</summary>
    public static TheoryData<string[], string[]> EveryProblemOfEveryTable => new()
    {
        // Four problems in one table, each its own line, in the order start-up meets them.
        {
            ["\"Key\": [\"order_id\", \"line_no\"]", "\"Key\": [\"order_id\", \"line\"]",
             "\"EventTime\": \"changed_at\"", "\"EventTime\": \"sku\"",
             "\"u\": \"UPDATE\"", "\"u\": \"CHANGE\"",
             "\"Format\": \"ndjson\"", "\"Format\": \"jsonx\""],
            ["setting Tables:orders:Format: 'jsonx' is not allowed; use one of csv, ndjson, parquet",
             "setting Tables:orders:Key: 'line' is not one of the table's Columns (order_id, line_no, sku, qty, changed_at)",
             "setting Tables:orders:EventTime: 'sku' is a string column; the event time is a timestamp (leave it out of Columns, or type it timestamp)",
             "setting Tables:orders:Op:Values:u: 'CHANGE' is not allowed; use one of INSERT, UPDATE, UPSERT, DELETE"]
        },
        // Two problems in each of two tables; a column of an unknown type is one problem, not also the key's.
        {
            ["\"line_no\": \"int64\"", "\"line_no\": \"integer\"",
             "\"d\": \"DELETE\"", "\"\": \"DELETE\"",
             "\"on_hand\": \"int64\"", "\"on_hand\": \"number\"",
             "\"EventTime\": \"updated_at\"", "\"EventTime\": \"updated_at\", \"Delimiter\": \";;\", \"SchemaEvolution\": \"grow\""],
            ["setting Tables:orders:Columns:line_no: 'integer' is not a type; use one of " + CustomerTrack.Tables.ColumnType.Allowed,
             "setting Tables:orders:Op:Values: maps an empty value to DELETE; an empty or missing op is always an UPSERT, so map the values the files write",
             "setting Tables:stock:Columns:on_hand: 'number' is not a type; use one of " + CustomerTrack.Tables.ColumnType.Allowed,
             "setting Tables:stock:Delimiter: ';;' is not one character (write a tab as \\t)",
             "setting Tables:stock:SchemaEvolution: 'grow' is not allowed; use one of ignore, add"]
        },
    };

    [Theory]
    [MemberData(nameof(EveryProblemOfEveryTable))]
    public async Task Check_reports_every_problem_of_every_table(string[] edits, string[] expected)
    {
        using var tmp = new TempWorkspace();
        var settings = OrdersFeed.Settings();
        for (var i = 0; i < edits.Length; i += 2)
        {
            Assert.Contains(edits[i], settings, StringComparison.Ordinal);
            settings = settings.Replace(edits[i], edits[i + 1], StringComparison.Ordinal);
        }

        File.WriteAllText(Path.Combine(tmp.Dir, "customertrack.json"), settings);
        var result = await CliRunner.RunAsync(["check", .. tmp.CliArgs()]);
        Assert.True(result.Code == 2, result.ToString());
        Assert.Equal([.. expected, $"check: {expected.Length} problem(s) in customertrack.json, the environment or flags"], CliAssert.Lines(result.Out));

        // Start-up still stops at the first.
        CliAssert.OneLineError(await CliRunner.RunAsync(["status", .. tmp.CliArgs()]), expected[0]);
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
