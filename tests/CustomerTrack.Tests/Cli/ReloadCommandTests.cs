using System.Text.Json;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>
/// reload: after the orders definition is fixed (the op value d mapped), the failed and partially loaded files load
/// again as new attempts, their earlier attempts and rejects kept in load_attempt and load_attempt_rejects; a file
/// loaded whole needs --force, and its second load changes no version.
/// </summary>
public sealed class ReloadCommandTests
{
    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task Reload_loads_the_failed_files_of_a_table_again_after_its_definition_is_fixed(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        var first = await OrdersFeed.LoadAsync(tmp, deletes: false);
        Assert.True(first.Code == 0, first.ToString());
        Assert.Equal(
            [("clean.ndjson", "LOADED", 2L, 0L), ("deletes.ndjson", "LOAD_FAILED", 0L, 1L), ("mixed.ndjson", "PARTIALLY_LOADED", 3L, 1L)],
            await FilesAsync(tmp));

        // Nothing to reload until the definition changes what the files mean; the reload then takes both files.
        OrdersFeed.WriteSettings(tmp, deletes: true);
        var reload = await CliRunner.RunAsync(["reload", "--table", "orders", "--failed", .. tmp.CliArgs()]);
        var lines = CliAssert.Succeeded(reload);
        Assert.Contains(lines, l => l.Contains("load  deletes.ndjson  LOADED  1 rows  0 rejects", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("load  mixed.ndjson  LOADED  4 rows  0 rejects", StringComparison.Ordinal));
        Assert.True(lines[^1].StartsWith("reload: 0 file(s) ingested, 2 processed, 1 task run(s) applying", StringComparison.Ordinal), reload.Out);
        Assert.Equal(
            [("clean.ndjson", "LOADED", 2L, 0L), ("deletes.ndjson", "LOADED", 1L, 0L), ("mixed.ndjson", "LOADED", 4L, 0L)],
            await FilesAsync(tmp));

        // The attempts replaced, and their rejects, are kept; load_rejects holds the last attempt's only.
        Assert.Equal("deletes.ndjson,1,LOAD_FAILED,1\nmixed.ndjson,1,PARTIALLY_LOADED,1",
            await CsvAsync(tmp, "SELECT file_name, attempt, status, (SELECT count(*) FROM load_attempt_rejects r WHERE r.file_key = a.file_key AND r.attempt = a.attempt) FROM load_attempt a ORDER BY file_name"));
        Assert.Equal("0", await CsvAsync(tmp, "SELECT count(*) FROM load_rejects"));

        // The deletes now apply: line 1 of A-1 and B-2 are gone from the current table, closed in history.
        Assert.Equal("A-1,2,3\nA-10,1,5", await CsvAsync(tmp, "SELECT order_id, line_no, qty FROM orders ORDER BY 1, 2"));

        // Nothing left to reload; a file loaded whole is refused without --force.
        Assert.Contains("no LOAD_FAILED or PARTIALLY_LOADED file of table orders",
            CliAssert.Succeeded(await CliRunner.RunAsync(["reload", "--table", "orders", "--failed", .. tmp.CliArgs()]))[^1], StringComparison.Ordinal);
        CliAssert.OneLineError(await CliRunner.RunAsync(["reload", "clean.ndjson", .. tmp.CliArgs()]), "is LOADED", "--force");

        // Forced, its rows are a real second load (two more ledger rows: 5 first, 5 reloaded, 2 forced) that the SCD rules take as duplicates.
        var before = await CsvAsync(tmp, OrdersFeed.Tables);
        var forced = CliAssert.Succeeded(await CliRunner.RunAsync(["reload", "clean.ndjson", "--force", .. tmp.CliArgs()]));
        Assert.Contains(forced, l => l.Contains("load  clean.ndjson  LOADED  2 rows  0 rejects", StringComparison.Ordinal));
        Assert.Equal(before, await CsvAsync(tmp, OrdersFeed.Tables));
        Assert.Equal("12", await CsvAsync(tmp, "SELECT count(*) FROM orders_raw"));
        Assert.Equal("clean.ndjson,1,LOADED", await CsvAsync(tmp, "SELECT file_name, attempt, status FROM load_attempt WHERE file_name = 'clean.ndjson'"));

        // The same file landed again is LOAD_SKIPPED under a key of its own; reload takes that key without --force, as a
        // real second load again (two more ledger rows) that changes no version.
        OrdersFeed.Land(tmp, "orders", "clean.ndjson", OrdersFeed.Clean);
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]));
        var skipped = await CsvAsync(tmp, "SELECT file_key FROM load_history WHERE status = 'LOAD_SKIPPED'");
        Assert.False(string.IsNullOrEmpty(skipped) || skipped.Contains('\n', StringComparison.Ordinal), skipped);
        var again = CliAssert.Succeeded(await CliRunner.RunAsync(["reload", skipped, .. tmp.CliArgs()]));
        Assert.Contains(again, l => l.Contains("load  clean.ndjson  LOADED  2 rows  0 rejects", StringComparison.Ordinal));
        Assert.Equal(before, await CsvAsync(tmp, OrdersFeed.Tables));
        Assert.Equal("14", await CsvAsync(tmp, "SELECT count(*) FROM orders_raw"));
    }

    [Theory]
    [InlineData(new[] { "reload" }, 2, "name a FILE or KEY")]
    [InlineData(new[] { "reload", "nothing.ndjson" }, 1, "no file 'nothing.ndjson' in the load history")]
    [InlineData(new[] { "reload", "--failed", "--table", "ordres" }, 1, "no table 'ordres'")]
    public async Task Reload_refuses_what_it_cannot_do_in_one_line(string[] args, int code, string fragment)
    {
        using var tmp = new TempWorkspace();
        Assert.Equal(0, (await OrdersFeed.LoadAsync(tmp)).Code);
        var result = await CliRunner.RunAsync([.. args, .. tmp.CliArgs()]);
        Assert.Equal(code, result.Code);
        CliAssert.OneLineError(result, fragment);
    }

    private static async Task<List<(string, string, long, long)>> FilesAsync(TempWorkspace tmp)
    {
        var json = await CliRunner.RunAsync(["status", "--files", "--json", .. tmp.CliArgs()]);
        Assert.True(json.Code == 0, json.ToString());
        using var doc = JsonDocument.Parse(json.Out);
        return doc.RootElement.GetProperty("files").EnumerateArray()
            .Where(f => f.GetProperty("table_name").GetString() == "orders")
            .Select(f => (f.GetProperty("file_name").GetString()!, f.GetProperty("status").GetString()!,
                f.GetProperty("rows_loaded").GetInt64(), f.GetProperty("rows_rejected").GetInt64()))
            .OrderBy(f => f.Item1, StringComparer.Ordinal).ToList();
    }

    private static async Task<string> CsvAsync(TempWorkspace tmp, string sql)
    {
        var result = await CliRunner.RunAsync(["query", sql, "--format", "csv", .. tmp.CliArgs()]);
        Assert.True(result.Code == 0, result.ToString());
        return string.Join('\n', CliAssert.Lines(result.Out).Skip(1));
    }
}
