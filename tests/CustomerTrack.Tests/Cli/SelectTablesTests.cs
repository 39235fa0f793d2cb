using System.Diagnostics;
using System.Text.Json;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>
/// dbt's --select: run, status and status --files take --table (repeatable); status --files also --failed, --since and
/// --limit, and its rows fit the terminal.
/// </summary>
public sealed class SelectTablesTests
{
    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task Run_and_status_work_on_the_tables_named(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        OrdersFeed.WriteSettings(tmp, deletes: false);
        OrdersFeed.Land(tmp, "orders", "mixed.ndjson", OrdersFeed.Mixed);
        OrdersFeed.Land(tmp, "orders", "clean.ndjson", OrdersFeed.Clean);
        OrdersFeed.Land(tmp, "orders", "deletes.ndjson", OrdersFeed.Deletes);
        OrdersFeed.Land(tmp, "stock", "stock.csv", OrdersFeed.Stock);

        // Only stock's file loads; the orders files wait in the lake, and a later run loads them.
        var stock = CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", "--table", "stock", .. tmp.CliArgs()]));
        Assert.Contains(stock, l => l.Contains("load  stock.csv  LOADED", StringComparison.Ordinal));
        Assert.DoesNotContain(stock, l => l.Contains("ndjson", StringComparison.Ordinal));
        Assert.Equal(["stock.csv"], await FileNamesAsync(tmp));
        Assert.Equal(3, (await CliRunner.RunAsync(["run", "--once", "--table", "orders", "--table", "stock", .. tmp.CliArgs()])).Code);
        Assert.Equal(["clean.ndjson", "deletes.ndjson", "mixed.ndjson", "stock.csv"], await FileNamesAsync(tmp));

        // status --table: that table's line and counts only.
        var status = CliAssert.Succeeded(await CliRunner.RunAsync(["status", "--table", "stock", .. tmp.CliArgs()]));
        Assert.Contains(status, l => l.StartsWith("table stock", StringComparison.Ordinal));
        Assert.DoesNotContain(status, l => l.StartsWith("table orders", StringComparison.Ordinal));
        Assert.Contains(status, l => l.StartsWith("load         1 file(s) loaded (0 failed): 2 rows in, 0 rejected", StringComparison.Ordinal));

        // status --json counts keys, whatever the table holds: no "customers" for a table of orders.
        var json = await CliRunner.RunAsync(["status", "--json", "--table", "orders", .. tmp.CliArgs()]);
        using (var doc = JsonDocument.Parse(json.Out))
        {
            Assert.Equal(4, doc.RootElement.GetProperty("keys").GetInt64());
            Assert.False(doc.RootElement.TryGetProperty("customers", out _));
        }

        // status --files chooses among files.
        Assert.Equal(["deletes.ndjson", "mixed.ndjson"], await FileNamesAsync(tmp, "--table", "orders", "--failed"));
        Assert.Equal(["stock.csv"], await FileNamesAsync(tmp, "--table", "stock", "--since", "1h"));
        Assert.Single(await FileNamesAsync(tmp, "--limit", "1"));
    }

    [Theory]
    [InlineData(new[] { "status", "--failed" }, "add --files")]
    [InlineData(new[] { "status", "--files", "--limit", "0" }, "--limit 0")]
    [InlineData(new[] { "status", "--files", "--since", "soon" }, "--since")]
    [InlineData(new[] { "status", "--table", "ordres" }, "no table 'ordres'")]
    [InlineData(new[] { "run", "--once", "--table", "ordres" }, "no table 'ordres'")]
    public async Task A_selection_it_cannot_take_is_one_line(string[] args, string fragment)
    {
        using var tmp = new TempWorkspace();
        Assert.Equal(0, (await OrdersFeed.LoadAsync(tmp, deletes: false)).Code);
        var result = await CliRunner.RunAsync([.. args, .. tmp.CliArgs()]);
        CliAssert.OneLineError(result, fragment);
    }

    /// <summary>In an 80-column terminal (COLUMNS, as a shell exports it) no row of status --files is wider, the bad value still shown.</summary>
    [Fact]
    public async Task Status_files_fits_an_80_column_terminal()
    {
        using var tmp = new TempWorkspace();
        OrdersFeed.WriteSettings(tmp, deletes: true);
        var longSku = new string('Q', 300);
        OrdersFeed.Land(tmp, "orders", "a-file-with-a-rather-long-name-as-exports-have.ndjson",
            """{"order_id":"A-1","line_no":"one","sku":"X","qty":2,"changed_at":"2026-03-01T09:00:00Z","kind":"c"}""" + "\n"
            + $$"""{"order_id":"A-1","line_no":3,"sku":"{{longSku}}","qty":2,"changed_at":"2026-03-01T09:00:00Z","kind":"c"}""" + "\n"
            + """{"order_id":"A-1","line_no":2,"sku":"Y","qty":"three-and-a-half-units-of-something-long","changed_at":"2026-03-01T09:00:00Z","kind":"c"}""" + "\n");
        await OrdersFeed.LoadAsync(tmp);

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "CustomerTrack.Cli.dll"), "status", "--files", .. tmp.CliArgs()])
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["COLUMNS"] = "80";
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, output + await process.StandardError.ReadToEndAsync());
        var rows = CliAssert.Lines(output).SkipWhile(l => !l.StartsWith("file ", StringComparison.Ordinal)).ToList();
        Assert.True(rows.Count > 3, output);
        Assert.All(rows, r => Assert.True(r.Length <= 80, $"{r.Length} columns: {r}"));
        Assert.Contains(rows, r => r.Contains("PARTIALLY_LOADED", StringComparison.Ordinal) && r.Contains("line_no: 'one'", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains('…', StringComparison.Ordinal));
    }

    private static async Task<List<string>> FileNamesAsync(TempWorkspace tmp, params string[] args)
    {
        var json = await CliRunner.RunAsync(["status", "--files", "--json", .. args, .. tmp.CliArgs()]);
        Assert.True(json.Code == 0, json.ToString());
        using var doc = JsonDocument.Parse(json.Out);
        return doc.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("file_name").GetString()!)
            .Order(StringComparer.Ordinal).ToList();
    }
}
