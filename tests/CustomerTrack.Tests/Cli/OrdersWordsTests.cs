using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>
/// A table of orders (composite key order_id, line_no) is spoken of in keys and rows, never customers: the task's
/// counts and columns, the flags, the help; export takes several tables; a file sent again opens no version.
/// </summary>
public sealed class OrdersWordsTests
{
    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task A_table_of_orders_counts_keys_and_the_versions_a_run_really_opened(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        OrdersFeed.WriteSettings(tmp);

        // run makes each table's landing folder, before any file came.
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", "--quiet", .. tmp.CliArgs()]));
        Assert.True(Directory.Exists(Path.Combine(tmp.Landing, "orders")) && Directory.Exists(Path.Combine(tmp.Landing, "stock")));

        OrdersFeed.Land(tmp, "orders", "clean.ndjson", OrdersFeed.Clean);
        var first = CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]));
        Assert.Contains(first, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^  task  orders  run \d+ +ledger \(\d+, \d+\]  2 rows  2 keys  2 versions  0 ties  \d+ ms$"));

        // The same changes again under another name: loaded, and nothing changes, which the task line says.
        OrdersFeed.Land(tmp, "orders", "clean-again.ndjson", OrdersFeed.Clean);
        var again = CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]));
        Assert.Contains(again, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^  task  orders  run \d+ +ledger \(\d+, \d+\]  2 rows  2 keys  0 versions  0 ties  \d+ ms$"));
        Assert.Equal("run --once: 1 file(s) ingested, 1 processed, 1 task run(s) applying 2 row(s)", again[^1]);

        // A warehouse made before calls task_run's count of keys customers: start-up renames it, on either engine.
        tmp.ExecuteOnWarehouse("ALTER TABLE task_run RENAME COLUMN keys TO customers");
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", "--quiet", .. tmp.CliArgs()]));
        var runs = CliAssert.Succeeded(await CliRunner.RunAsync(
            ["query", "SELECT keys, versions FROM task_run WHERE table_name = 'orders' ORDER BY run_id", "--format", "csv", .. tmp.CliArgs()]));
        Assert.Equal(["keys,versions", "2,2", "2,0"], runs);
        Assert.NotEqual(0, (await CliRunner.RunAsync(["query", "SELECT customers FROM task_run", .. tmp.CliArgs()])).Code);

        // as-of keeps a key with --key, a composite one column by column; --customer is gone.
        var asOf = CliAssert.Succeeded(await CliRunner.RunAsync(
            ["as-of", "2026-03-03T00:00:00Z", "--table", "orders", "--key", "order_id=B-2", "--key", "line_no=1", "--format", "csv", .. tmp.CliArgs()]));
        Assert.Equal(2, asOf.Length);
        Assert.StartsWith("B-2,1,Z,1,", asOf[1], StringComparison.Ordinal);
        Assert.Equal(2, (await CliRunner.RunAsync(["as-of", "2026-03-03T00:00:00Z", "--table", "orders", "--customer", "7", .. tmp.CliArgs()])).Code);
    }

    [Fact]
    public async Task Export_writes_each_table_named_to_a_file_of_its_own()
    {
        using var tmp = new TempWorkspace();
        OrdersFeed.WriteSettings(tmp);
        OrdersFeed.Land(tmp, "orders", "mixed.ndjson", OrdersFeed.Mixed);
        OrdersFeed.Land(tmp, "stock", "stock.csv", OrdersFeed.Stock);
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", "--quiet", .. tmp.CliArgs()]));

        var target = Path.Combine(tmp.Dir, "out", "{table}.parquet");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var lines = CliAssert.Succeeded(await CliRunner.RunAsync(["export", "--table", "orders", "--table", "orders_history", "--table", "stock", "--to", target, .. tmp.CliArgs()]));
        var ws = tmp.Open();
        string[] tables = ["orders", "orders_history", "stock"];
        Assert.Equal(tables.Select(t => $"exported {Db.Count(ws, $"SELECT count(*) FROM {t}")} row(s) of {t} to {target.Replace("{table}", t, StringComparison.Ordinal)} (parquet)"), lines);
        Assert.All(tables, t => Assert.True(File.Exists(target.Replace("{table}", t, StringComparison.Ordinal)), t));

        // Several tables into one file would overwrite each other: refused before anything is written.
        var one = Path.Combine(tmp.Dir, "one.parquet");
        var refused = await CliRunner.RunAsync(["export", "--table", "orders", "--table", "stock", "--to", one, .. tmp.CliArgs()]);
        Assert.Equal(2, refused.Code);
        CliAssert.OneLineError(refused, "names one file for 2 tables; write {table} in it");
        Assert.False(File.Exists(one));
    }

    /// <summary>
    /// Every line the commands print about a workspace of orders and stock names those tables and counts keys: no
    /// "customer" in it (the program's own name aside). Each command as a user meets it after a run.
    /// </summary>
    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task Text_about_a_table_that_is_not_the_customer_table_never_says_customer(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        var run = await OrdersFeed.LoadAsync(tmp, deletes: false);
        var said = new List<string> { run.Out, run.Err };
        string[][] commands =
        [
            ["status"], ["status", "--json"], ["status", "--files"], ["status", "--runs"], ["status", "--table", "orders"],
            ["rebuild"], ["tasks", "--once"], ["load", "--once"], ["reload", "--table", "orders", "--failed", "--allow-rejects"],
            ["provenance", "mixed.ndjson"], ["provenance", "--table", "orders", "--key", "order_id=A-1"],
            ["history", "--table", "orders", "--key", "order_id=Z-9"], ["as-of", "2020-01-01", "--table", "orders"],
            ["export", "--table", "orders", "--as-of", "2026-03-01", "--to", Path.Combine(tmp.Dir, "o.csv")],
            ["generate", "--table", "orders", "--files", "1", "--rows-per-file", "5", "--keys", "2"], ["run", "--once"], ["check"],
        ];
        foreach (var command in commands)
        {
            var result = await CliRunner.RunAsync([.. command, .. tmp.CliArgs()]);
            said.Add($"{string.Join(' ', command)}: {result.Out}{result.Err}");
        }

        var text = string.Join('\n', said);
        Assert.Contains("orders", text, StringComparison.Ordinal);
        var customer = System.Text.RegularExpressions.Regex.Matches(text, "(?i)customer(?!track)").Select(m => text[Math.Max(0, m.Index - 60)..Math.Min(text.Length, m.Index + 40)]);
        Assert.Empty(customer);
    }

    /// <summary>Nothing a user types or reads about the stages or the generator assumes the customer table.</summary>
    [Theory]
    [InlineData("load", "customer_raw")]
    [InlineData("tasks", "customer_history")]
    [InlineData("generate", "--customers")]
    [InlineData("demo", "--customers")]
    [InlineData("as-of", "--customer")]
    public async Task Help_says_keys_and_tables_not_customers(string command, string gone)
    {
        var help = string.Join('\n', CliAssert.Succeeded(await CliRunner.RunAsync(command, "--help")));
        Assert.DoesNotContain(gone, help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_takes_keys_for_a_table_of_orders()
    {
        using var tmp = new TempWorkspace();
        OrdersFeed.WriteSettings(tmp);
        CliAssert.Succeeded(await CliRunner.RunAsync(["generate", "--table", "orders", "--files", "1", "--rows-per-file", "30", "--keys", "4", "--seed", "3", .. tmp.CliArgs()]));
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", "--quiet", .. tmp.CliArgs()]));
        Assert.InRange(Db.Count(tmp.Open(), "SELECT count(*) FROM (SELECT DISTINCT order_id, line_no FROM orders_raw) AS k"), 1, 4);
        Assert.Equal(2, (await CliRunner.RunAsync(["generate", "--table", "orders", "--customers", "4", .. tmp.CliArgs()])).Code);
    }
}
