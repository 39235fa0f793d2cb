using CustomerTrack.Query;
using CustomerTrack.Tests.Support;
using CustomerTrack.Warehouse;
using DuckDB.NET.Data;

namespace CustomerTrack.Tests.Cli;

/// <summary>
/// export writes a warehouse table to Parquet or CSV while run holds the warehouse (through the owner on DuckDB, straight
/// from the server on PostgreSQL) and after it stops; each file, read back by DuckDB, holds exactly the table's rows.
/// </summary>
public sealed class ExportCommandTests
{
    /// <summary>What each export is compared with: the same rows, asked of the warehouse as a query.</summary>
    private static readonly (string Table, string? AsOf, string Sql)[] Exports =
    [
        ("customer_history", null, "SELECT * FROM customer_history ORDER BY 1, start_time"),
        ("customer_history", "2026-03-02T10:00:00Z",
            "SELECT * FROM customer_history WHERE start_time <= TIMESTAMP '2026-03-02 10:00:00' AND TIMESTAMP '2026-03-02 10:00:00' < end_time AND NOT is_deleted ORDER BY 1"),
        ("customer", null, "SELECT * FROM customer ORDER BY 1"),
        ("load_history", null, "SELECT * FROM load_history ORDER BY 1"),
    ];

    [Theory]
    [InlineData(Engine.DuckDb, "parquet")]
    [InlineData(Engine.DuckDb, "csv")]
    [InlineData(Engine.Postgres, "parquet")]
    [InlineData(Engine.Postgres, "csv")]
    public async Task Export_during_a_run_and_after_it_reads_back_as_the_table(Engine engine, string format)
    {
        using var tmp = new TempWorkspace(engine);
        tmp.Land("first.csv", Samples.First);
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", "--quiet", .. tmp.CliArgs()]));
        using var run = CliRunner.StartWatched(["run", "--for", "90s", "--set", "Dashboard:Enabled=false", .. tmp.CliArgs()]);
        try
        {
            // A file landed while it runs: the export sees the run's work, not only what was there before.
            tmp.Land("second.csv", Samples.Second);
            await CliAssert.PollAsync(
                () => CliRunner.RunAsync(["query", "SELECT city FROM customer WHERE customer_id = 7", "--format", "csv", .. tmp.CliArgs()]),
                r => r.Out.Contains("Rome", StringComparison.Ordinal), "second.csv to reach customer", seconds: 30);
            if (engine == Engine.DuckDb)
            {
                Assert.NotNull(OwnerRecord.Read(tmp.Open()));
            }

            await ExportAndCompareAsync(tmp, format, "during");

            // Export opened no door for queries: the owner's readers still cannot reach the file it wrote.
            var path = Path.Combine(tmp.Dir, $"during-0.{format}");
            var refused = await CliRunner.RunAsync(["query", $"SELECT * FROM read_{format}('{path}')", .. tmp.CliArgs()]);
            Assert.NotEqual(0, refused.Code);
        }
        finally
        {
            run.Process.Kill(entireProcessTree: true);
            await run.Process.WaitForExitAsync();
        }

        await ExportAndCompareAsync(tmp, format, "after");
    }

    private static async Task ExportAndCompareAsync(TempWorkspace tmp, string format, string when)
    {
        using var reader = WarehouseReader.Open(tmp.Open());
        for (var i = 0; i < Exports.Length; i++)
        {
            var (table, asOf, sql) = Exports[i];
            var path = Path.Combine(tmp.Dir, $"{when}-{i}.{format}");
            string[] args = ["export", "--table", table, "--to", path, .. asOf is null ? Array.Empty<string>() : ["--as-of", asOf], .. tmp.CliArgs()];
            var expected = await reader.QueryAsync(sql);
            var printed = CliAssert.Succeeded(await CliRunner.RunAsync(args));
            Assert.Equal([$"exported {expected.Rows.Count} row(s) of {table} to {path} ({format})"], printed);
            Assert.True(expected.Rows.Count > 0, $"{table}: nothing to compare");

            var actual = ReadBack(path, format);
            Assert.Equal(expected.Columns.Select(c => c.Name), actual.Columns.Select(c => c.Name));
            Assert.Equal(expected.Rows, actual.Rows);
        }
    }

    /// <summary>The file as DuckDB reads it (read_parquet, or read_csv with its type detection), in display form.</summary>
    private static QueryResult ReadBack(string path, string format)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = $"SELECT * FROM read_{format}({DuckFiles.Literal(path)})";
        using var rows = cmd.ExecuteReader();
        return QueryResult.Read(rows);
    }

    [Theory]
    [InlineData("nope", "out.csv", null, 1, "no table 'nope' in the warehouse; the tables are customer, customer_history")]
    [InlineData("customer", "out.txt", null, 2, "export writes .parquet or .csv files, not '.txt'")]
    [InlineData("customer", "out.csv", "2026-03-02", 1, "--as-of takes a history table")]
    [InlineData("customer_history", "out.csv", "yesterday", 2, "--as-of 'yesterday' is not an ISO 8601 timestamp")]
    [InlineData("customer", "missing/out.csv", null, 1, "does not exist")]
    public async Task Export_refuses_what_it_cannot_do_in_one_line(string table, string to, string? asOf, int code, string message)
    {
        using var tmp = new TempWorkspace();
        tmp.Land("first.csv", Samples.First);
        CliAssert.Succeeded(await CliRunner.RunAsync(["run", "--once", "--quiet", .. tmp.CliArgs()]));
        string[] args = ["export", "--table", table, "--to", Path.Combine(tmp.Dir, to), .. asOf is null ? Array.Empty<string>() : ["--as-of", asOf], .. tmp.CliArgs()];
        var result = await CliRunner.RunAsync(args);
        CliAssert.OneLineError(result, message);
        Assert.Equal(code, result.Code);
        Assert.Empty(Directory.GetFiles(tmp.Dir, "out.*"));
    }
}
