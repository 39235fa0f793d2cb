using System.Text.Json;
using System.Text.RegularExpressions;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>
/// status, query, history and as-of on a PostgreSQL warehouse print what they print on DuckDB for the same files: the
/// same <see cref="Samples"/> loaded into a workspace of each engine, every command run on both, the outputs compared
/// line by line (only where the answer comes from and how long the last task run took may differ), and checked against
/// the known answers besides.
/// </summary>
public sealed partial class ReadCommandsOnPostgresTests
{
    private static async Task<string[]> Run(TempWorkspace tmp, params string[] command) =>
        CliAssert.Succeeded(await CliRunner.RunAsync([.. command, .. tmp.CliArgs()]));

    /// <summary>Runs the command on both workspaces and asserts the same output; returns PostgreSQL's.</summary>
    private static async Task<string[]> Same(TempWorkspace duck, TempWorkspace pg, params string[] command)
    {
        var expected = await Run(duck, command);
        var actual = await Run(pg, command);
        Assert.Equal(expected, actual);
        return actual;
    }

    [Fact]
    public async Task Query_history_and_as_of_print_the_same_on_postgresql_as_on_duckdb()
    {
        using var duck = new TempWorkspace(Engine.DuckDb);
        using var pg = new TempWorkspace(Engine.Postgres);
        await Samples.LoadBothAsync(duck);
        await Samples.LoadBothAsync(pg);

        // history, as csv and as the default table.
        Assert.Equal(
        [
            "customer_id,first_name,last_name,email,street,city,state,country,start_time,end_time,is_current,is_deleted",
            "7,Ada,Lovelace,ada@example.org,,London,,,2026-03-01 09:00:00,2026-03-02 09:00:00.5,false,false",
            "7,Ada,Lovelace,ada@example.org,,Paris,,,2026-03-02 09:00:00.5,2026-03-03 09:00:00,false,false",
            "7,Ada,King,ada.king@example.org,,Rome,,,2026-03-05 09:00:00,9999-12-31 00:00:00,true,false",
        ], await Same(duck, pg, "history", "7", "--format", "csv"));
        Assert.Equal(4, (await Same(duck, pg, "history", "8")).Length);
        Assert.Equal(["(0 rows)", "no customer_id = 404 in customer_history"], (await Same(duck, pg, "history", "404"))[^2..]);
        await Same(duck, pg, "history", "7", "--format", "json");

        // as-of, at moments on each side of every change, with and without an offset or a customer.
        const string Header = "customer_id,first_name,last_name,email,street,city,state,country,valid_from";
        Assert.Equal([Header], await Same(duck, pg, "as-of", "2026-02-28T23:59:59Z", "--format", "csv"));
        Assert.Equal([Header, "7,Ada,Lovelace,ada@example.org,,Paris,,,2026-03-02 09:00:00.5", "8,Alan,Turing,,,\"Wilmslow, Cheshire\",,,2026-03-01 12:00:00"],
            await Same(duck, pg, "as-of", "2026-03-02T09:00:00.5Z", "--format", "csv"));
        Assert.Equal([Header, "8,Alan,Turing,,,\"Wilmslow, Cheshire\",,,2026-03-01 12:00:00"],
            await Same(duck, pg, "as-of", "2026-03-03T09:00:00Z", "--format", "csv"));
        foreach (var moment in new[] { "2026-03-01 09:00:00", "2026-03-02T09:00:00.4Z", "2026-03-03T08:59:59.999999Z", "2026-03-03T10:30:00+02:00", "2026-03-05", "2030-01-01" })
        {
            await Same(duck, pg, "as-of", moment, "--format", "csv");
            await Same(duck, pg, "as-of", moment);
        }

        Assert.Equal([Header, "7,Ada,King,ada.king@example.org,,Rome,,,2026-03-05 09:00:00"],
            await Same(duck, pg, "as-of", "2026-03-06", "--key", "7", "--format", "csv"));

        // query, in each format, over the SCD tables, the ledger and the load history.
        string[] queries =
        [
            "SELECT customer_id, city, update_timestamp FROM customer ORDER BY customer_id",
            "SELECT customer_id, email, city, start_time, end_time, is_current, is_deleted FROM customer_history ORDER BY customer_id, start_time",
            "SELECT _seq, customer_id, op, updated_at, _event_time_given FROM customer_raw ORDER BY _seq",
            "SELECT file_name, status, rows_in_file, rows_loaded, rows_rejected, first_seq, last_seq FROM load_history ORDER BY file_name",
            "SELECT count(*) AS n, sum(customer_id) AS total, max(start_time) AS latest FROM customer_history",
            "SELECT customer_id FROM customer WHERE false",
        ];
        foreach (var sql in queries)
        {
            foreach (var format in new[] { "table", "csv", "json" })
            {
                await Same(duck, pg, "query", sql, "--format", format);
            }
        }

        Assert.Equal(["n", "-", "2", "(1 row)"], await Same(duck, pg, "query", "SELECT count(*) AS n FROM customer"));
    }

    [Fact]
    public async Task Status_prints_the_same_on_postgresql_as_on_duckdb_at_each_stage()
    {
        using var duck = new TempWorkspace(Engine.DuckDb);
        using var pg = new TempWorkspace(Engine.Postgres);
        const string WithOneBadRow = """
            customer_id,first_name,last_name,city,updated_at,op
            7,Ada,Lovelace,London,2026-03-01T09:00:00Z,INSERT
            8,Alan,Turing,Wilmslow,2026-03-01T12:00:00Z,INSERT
            x9,Bad,Key,Nowhere,2026-03-01T13:00:00Z,INSERT
            7,Ada,Lovelace,Paris,2026-03-02T09:00:00Z,UPDATE

            """;
        foreach (var tmp in new[] { duck, pg })
        {
            tmp.Land("first.csv", WithOneBadRow);
            tmp.Land("empty.csv", "");
            await Run(tmp, "run", "--once", "--allow-rejects");
            tmp.Land("second.csv", Samples.Second);
        }

        var lines = await SameStatus(duck, pg);
        var server = new Npgsql.NpgsqlConnectionStringBuilder(TestServers.Postgres);
        Assert.Equal($"source       PostgreSQL {server.Host}:{server.Port}/{server.Database}", lines.Pg[0]);
        Assert.Equal(
        [
            "ingest       1 file(s) waiting in landing/",
            "lake         2 object(s), 0 not yet loaded",
            "load         2 file(s) loaded (1 failed): 3 rows in, 1 rejected",
            "ledger       3 rows in customer_raw",
            "stream       offset 3, lag 0 row(s)",
            "tables       2 customers, 3 versions",
            "tasks        1 run(s), 0 tie(s); last at (time) UTC: 3 rows in (ms) ms",
        ], lines.Pg[1..]);

        // Ingested, then loaded and not yet applied: the lake holds it, then the stream lags by its rows.
        foreach (var tmp in new[] { duck, pg })
        {
            await Run(tmp, "ingest", "--once");
        }

        Assert.Equal("lake         3 object(s), 1 not yet loaded", (await SameStatus(duck, pg)).Pg[2]);
        foreach (var tmp in new[] { duck, pg })
        {
            await Run(tmp, "load", "--once");
        }

        lines = await SameStatus(duck, pg);
        Assert.Equal("stream       offset 3, lag 2 row(s)", lines.Pg[5]);

        // status --files: every file accounted for, its rejects grouped by reason.
        var files = await Run(pg, "status", "--files");
        Assert.Equal(Normalise(await Run(duck, "status", "--files"))[8..], Normalise(files)[8..]);
        Assert.Contains(files, l => l.Contains("customer_id: '", StringComparison.Ordinal) && l.Contains("' is not a 64-bit integer (1)", StringComparison.Ordinal));
        Assert.Contains(files, l => l.Contains("the file is empty (no header row)", StringComparison.Ordinal));

        // status --json: the same numbers.
        using var duckJson = JsonDocument.Parse(string.Join("\n", await Run(duck, "status", "--json", "--files")));
        using var pgJson = JsonDocument.Parse(string.Join("\n", await Run(pg, "status", "--json", "--files")));
        foreach (var p in duckJson.RootElement.EnumerateObject().Where(p => p.Name is not ("source" or "last_task_run_at" or "last_task_run_ms")))
        {
            Assert.Equal(p.Value.GetRawText(), pgJson.RootElement.GetProperty(p.Name).GetRawText());
        }

        Assert.Equal(5, pgJson.RootElement.GetProperty("ledger_rows").GetInt64());
        Assert.Equal(3, pgJson.RootElement.GetProperty("files").GetArrayLength());

        // Freshness (the demo's and the bench's): only first.csv is visible in the tables yet, on both engines.
        foreach (var tmp in new[] { duck, pg })
        {
            var ws = tmp.Open();
            var perFile = Db.Rows(ws, $"SELECT f.file_key, f.freshness_ms >= 5000 FROM ({CustomerTrack.Query.Freshness.PerFileSql}) AS f");
            Assert.Equal([Db.Rows(ws, "SELECT file_key FROM load_history WHERE file_name = 'first.csv'")[0] + "|true"], perFile);
            var summary = Db.Query(ws, CustomerTrack.Query.Freshness.SummarySql);
            Assert.Equal("1", summary.Text(0, "files"));
            var p50 = double.Parse(summary.Text(0, "p50_ms")!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(p50, double.Parse(summary.Text(0, "max_ms")!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.InRange(p50, 5000, 600_000);
        }
    }

    /// <summary>status on both, equal but for the source line and the last task run's time and duration.</summary>
    private static async Task<(string[] Duck, string[] Pg)> SameStatus(TempWorkspace duck, TempWorkspace pg)
    {
        var d = Normalise(await Run(duck, "status"));
        var p = Normalise(await Run(pg, "status"));
        Assert.Equal(8, p.Length);
        Assert.StartsWith("source       ", p[0], StringComparison.Ordinal);
        Assert.Equal(d[1..], p[1..]);
        return (d, p);
    }

    private static string[] Normalise(string[] lines) =>
        [.. lines.Select(l => TaskRunTimes().Replace(l, "last at (time) UTC: $1 rows in (ms) ms"))];

    [GeneratedRegex(@"last at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? UTC: (\d+) rows in \d+ ms")]
    private static partial Regex TaskRunTimes();
}
