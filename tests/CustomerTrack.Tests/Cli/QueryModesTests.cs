using System.Diagnostics;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>
/// query's output modes from the DuckDB shell (box, markdown, line), answers cut to the terminal's width, and SQL errors
/// that keep the engine's hint, on both engines.
/// </summary>
public sealed class QueryModesTests
{
    private const string Sql = "SELECT order_id, line_no, qty FROM orders ORDER BY 1, 2";

    public static TheoryData<Engine, string, string> Modes()
    {
        var data = new TheoryData<Engine, string, string>();
        foreach (var engine in (Engine[])[Engine.DuckDb, Engine.Postgres])
        {
            data.Add(engine, "box", """
                ┌──────────┬─────────┬─────┐
                │ order_id │ line_no │ qty │
                ├──────────┼─────────┼─────┤
                │ A-1      │       2 │   3 │
                │ A-10     │       1 │   5 │
                └──────────┴─────────┴─────┘
                (2 rows)
                """);
            data.Add(engine, "markdown", """
                | order_id | line_no | qty |
                |---|---:|---:|
                | A-1 | 2 | 3 |
                | A-10 | 1 | 5 |
                """);
            data.Add(engine, "line", """
                order_id = A-1
                 line_no = 2
                     qty = 3

                order_id = A-10
                 line_no = 1
                     qty = 5
                """);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Query_prints_in_the_duckdb_shell_modes(Engine engine, string format, string expected)
    {
        using var tmp = new TempWorkspace(engine);
        Assert.Equal(0, (await OrdersFeed.LoadAsync(tmp)).Code);
        var lines = CliAssert.Succeeded(await CliRunner.RunAsync(["query", Sql, "--format", format, .. tmp.CliArgs()]));
        Assert.Equal(CliAssert.Lines(expected), lines);
    }

    [Theory]
    [InlineData(Engine.DuckDb, "SELECT updated_at FROM orders", "update_timestamp")]
    [InlineData(Engine.DuckDb, "SELECT qtty FROM orders", "Candidate bindings: \"qty\"")]
    [InlineData(Engine.Postgres, "SELECT qtty FROM orders", "Perhaps you meant to reference the column \"orders.qty\"")]
    [InlineData(Engine.DuckDb, "SELECT * FROM order_history", "orders_history")]
    public async Task An_sql_error_keeps_the_engines_hint_on_its_one_line(Engine engine, string sql, string hint)
    {
        using var tmp = new TempWorkspace(engine);
        Assert.Equal(0, (await OrdersFeed.LoadAsync(tmp)).Code);
        CliAssert.OneLineError(await CliRunner.RunAsync(["query", sql, .. tmp.CliArgs()]), "SQL error", hint);
    }

    /// <summary>In a 40-column terminal (COLUMNS) table and box answers are cut, each cut cell ending in an ellipsis.</summary>
    [Theory]
    [InlineData("table")]
    [InlineData("box")]
    public async Task A_wide_answer_fits_the_terminal(string format)
    {
        using var tmp = new TempWorkspace();
        Assert.Equal(0, (await OrdersFeed.LoadAsync(tmp)).Code);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])[Path.Combine(AppContext.BaseDirectory, "CustomerTrack.Cli.dll"), "query",
                     "SELECT order_id, repeat(sku, 100) AS sku_repeated, qty FROM orders ORDER BY 1", "--format", format, .. tmp.CliArgs()])
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["COLUMNS"] = "40";
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, output + await process.StandardError.ReadToEndAsync());
        var lines = CliAssert.Lines(output);
        Assert.All(lines, l => Assert.True(l.Length <= 40, $"{l.Length} columns: {l}"));
        Assert.Contains(lines, l => l.Contains("ZZZ…", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("A-10", StringComparison.Ordinal));
    }
}
