using System.Diagnostics;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>docs/architecture.md, "One writer": one process owns the DuckDB file; a second writer fails at once, readers ask the owner.</summary>
public sealed class OwnerProcessTests
{
    [Fact]
    public async Task A_running_owner_refuses_a_second_writer_and_answers_readers_until_it_exits()
    {
        using var tmp = new TempWorkspace();
        tmp.Land("first.csv", Samples.First);
        var ownerFile = Path.Combine(tmp.Dir, "owner.json");
        using var child = CliRunner.Start("run", "-w", tmp.Dir, "--for", "60s");
        // Drained on the thread pool: on Unix these reads can block their caller until the child exits.
        var childOut = Task.Run(() => child.StandardOutput.ReadToEndAsync());
        var childErr = Task.Run(() => child.StandardError.ReadToEndAsync());
        try
        {
            await CliRunner.WaitUntilAsync(() => File.Exists(ownerFile) || child.HasExited, "the child to write owner.json");
            if (child.HasExited)
            {
                Assert.Fail("the child run ended early: " + await childErr);
            }

            var pid = $"pid {child.Id}";

            // (a) A second writer fails at once, naming the owner.
            string[][] writers = [["run", "--once"], ["load", "--once"], ["tasks", "--once"], ["rebuild"], ["run", "--for", "5s"]];
            foreach (var writer in writers)
            {
                var watch = Stopwatch.StartNew();
                var refused = await CliRunner.RunAsync([.. writer, "-w", tmp.Dir]);
                CliAssert.OneLineError(refused, "is held by another process", $"customertrack run ({pid}, since ", "query, status, history and as-of");
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"{writer[0]} took {watch.Elapsed} to fail");
            }

            // (b) Readers answer through the owner's loopback endpoint.
            await CliAssert.PollAsync(
                () => CliRunner.RunAsync("query", "SELECT count(*) FROM customer", "-w", tmp.Dir, "--format", "csv"),
                r => r.Out.EndsWith("2" + Environment.NewLine, StringComparison.Ordinal), "first.csv to reach customer");
            var status = CliAssert.Succeeded(await CliRunner.RunAsync("status", "-w", tmp.Dir));
            Assert.StartsWith($"source       customertrack run ({pid}, since ", status[0], StringComparison.Ordinal);
            Assert.Contains("tables       2 customers, 3 versions", status);
            Assert.Equal(
                ["customer_id,city,is_current", "7,London,false", "7,Paris,true"],
                CliAssert.Succeeded(await CliRunner.RunAsync("history", "7", "-w", tmp.Dir, "--format", "csv"))
                    .Select(l => string.Join(',', l.Split(',').Where((_, i) => i is 0 or 5 or 10))));
            Assert.Equal(
                ["customer_id,first_name,last_name,email,street,city,state,country,valid_from", "7,Ada,Lovelace,ada@example.org,,London,,,2026-03-01 09:00:00"],
                CliAssert.Succeeded(await CliRunner.RunAsync("as-of", "2026-03-01T10:00:00Z", "-w", tmp.Dir, "--format", "csv")));
            Assert.Equal(
                ["customer_id,first_name,last_name,email,street,city,state,country,valid_from", "8,Alan,Turing,,,\"Wilmslow, Cheshire\",,,2026-03-01 12:00:00"],
                CliAssert.Succeeded(await CliRunner.RunAsync("as-of", "2026-03-01T13:00:00Z", "--key", "8", "-w", tmp.Dir, "--format", "csv")));

            // The owner applies the same rules as the file: no writes, one statement, SQL errors as one line.
            CliAssert.OneLineError(await CliRunner.RunAsync("query", "DELETE FROM customer", "-w", tmp.Dir), "query is read-only");
            CliAssert.OneLineError(await CliRunner.RunAsync("query", "SELECT 1; SELECT 2", "-w", tmp.Dir), "one SELECT statement at a time");
            CliAssert.OneLineError(await CliRunner.RunAsync("query", "SELECT nope FROM customer", "-w", tmp.Dir), "SQL error", "nope");

            // (c) Files landed while it runs, by hand or by generate in another process, reach customer within seconds.
            tmp.Land("second.csv", Samples.Second);
            var landed = Stopwatch.StartNew();
            await CliAssert.PollAsync(
                () => CliRunner.RunAsync("query", "SELECT city FROM customer WHERE customer_id = 7", "-w", tmp.Dir, "--format", "csv"),
                r => r.Out.Contains("Rome", StringComparison.Ordinal), "second.csv to reach customer", seconds: 5);
            Assert.True(landed.Elapsed < TimeSpan.FromSeconds(5));

            // Its changes are older than the samples', so customers 7 and 8 keep their March values.
            CliAssert.Succeeded(await CliRunner.RunAsync(
                "generate", "-w", tmp.Dir, "--files", "1", "--rows-per-file", "50", "--keys", "20", "--seed", "4", "--start", "2026-01-01T00:00:00Z"));
            await CliAssert.PollAsync(
                () => CliRunner.RunAsync("status", "--json", "-w", tmp.Dir),
                r => r.Out.Contains("\"ledger_rows\": 55,", StringComparison.Ordinal) && r.Out.Contains("\"stream_lag\": 0,", StringComparison.Ordinal),
                "the generated file to be loaded and applied", seconds: 5);
        }
        finally
        {
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
        }

        Assert.True(child.HasExited);
        await Task.WhenAll(childOut, childErr);

        // With the owner gone (killed, so its record stays behind), readers open the file themselves.
        var after = CliAssert.Succeeded(await CliRunner.RunAsync("status", "-w", tmp.Dir));
        Assert.Equal($"source       {tmp.Dir}/warehouse.duckdb", after[0]);
        Assert.Equal("ledger       55 rows in customer_raw", after[4]);
        var rows = CliAssert.Succeeded(await CliRunner.RunAsync("query", "SELECT customer_id, city FROM customer WHERE customer_id IN (7, 8) ORDER BY 1", "-w", tmp.Dir, "--format", "csv"));
        Assert.Equal(["customer_id,city", "7,Rome", "8,\"Wilmslow, Cheshire\""], rows);
    }
}
