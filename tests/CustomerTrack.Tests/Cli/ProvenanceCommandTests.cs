using System.Text.Json;
using System.Text.RegularExpressions;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>provenance: a file's landing, lake, loads and task runs with their run ids; the files that touched a key.</summary>
public sealed partial class ProvenanceCommandTests
{
    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task A_file_shows_every_stage_with_the_run_ids_of_status_runs_and_a_reloaded_file_both_attempts(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        var first = RunId(await OrdersFeed.LoadAsync(tmp, deletes: false));
        var runs = CliAssert.Succeeded(await CliRunner.RunAsync(["status", "--runs", .. tmp.CliArgs()]));
        Assert.StartsWith(first + " ", runs[2], StringComparison.Ordinal);

        // Loaded (one row rejected) and applied: the four stages, each with the run that did it.
        var mixed = await ChainAsync(tmp, "mixed.ndjson");
        Assert.Equal(
            [
                "landing orders/mixed.ndjson LANDED run= rows=",
                $"lake {Key(mixed)} STORED run={first} rows=",
                $"load mixed.ndjson PARTIALLY_LOADED run={first} rows=3 attempt=1",
                $"task task run N stream run={first} rows=3 attempt=1",
            ],
            mixed.Select(Show));
        Covers(mixed[3], mixed[2]);
        Assert.Matches(@"^2026/\d\d/\d\d/orders/mixed_[0-9a-f]{16}\.ndjson$", Key(mixed));

        // The lake key names it too, and the table format says where it stands.
        var text = CliAssert.Succeeded(await CliRunner.RunAsync(["provenance", Key(mixed), .. tmp.CliArgs()]));
        Assert.Equal($"orders/mixed.ndjson: table orders, lake key {Key(mixed)}; loaded and applied", text[0]);
        Assert.Contains(text, l => Regex.IsMatch(l, $@"^task +\| task run \d+ +\| stream +\| +3 \| +\| \d+-\d+ \| {first} \| \d\d:\d\d:\d\d$"));

        // The definition fixed, a second run reloads the failed file: both attempts, the task run only after the second.
        OrdersFeed.WriteSettings(tmp);
        var second = RunId(await CliRunner.RunAsync(["reload", "deletes.ndjson", .. tmp.CliArgs()]));
        var deletes = await ChainAsync(tmp, "orders/deletes.ndjson");
        Assert.Equal(
            [
                "landing orders/deletes.ndjson LANDED run= rows=",
                $"lake {Key(deletes)} STORED run={first} rows=",
                $"load deletes.ndjson LOAD_FAILED run={first} rows=0 attempt=1",
                $"load deletes.ndjson LOADED run={second} rows=1 attempt=2",
                $"task task run N stream run={second} rows=1 attempt=2",
            ],
            deletes.Select(Show));
        Assert.Equal(JsonValueKind.Null, deletes[2].GetProperty("first_seq").ValueKind);
        Covers(deletes[4], deletes[3]);
        Assert.Contains(CliAssert.Succeeded(await CliRunner.RunAsync(["status", "--runs", .. tmp.CliArgs()])), l => l.StartsWith(second + " ", StringComparison.Ordinal));

        CliAssert.OneLineError(await CliRunner.RunAsync(["provenance", "nope.ndjson", .. tmp.CliArgs()]), "no file 'nope.ndjson'");
    }

    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task A_key_shows_the_files_that_touched_it_oldest_first(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        RunId(await OrdersFeed.LoadAsync(tmp));
        OrdersFeed.Land(tmp, "orders", "later.ndjson", OrdersFeed.Deletes.Replace("12:00", "13:00", StringComparison.Ordinal));
        RunId(await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]));

        // Part of the composite key: every line of order B-2; the whole key the same here; order A-1 one file.
        string[] twoFiles = ["clean.ndjson", "deletes.ndjson", "later.ndjson"];
        foreach (var (keys, files) in new[]
        {
            ((string[])["--key", "order_id=B-2"], twoFiles),
            (["--key", "order_id=B-2", "--key", "line_no=1"], twoFiles),
            (["--key", "order_id=A-1"], ["mixed.ndjson"]),
        })
        {
            var rows = await JsonAsync(tmp, ["provenance", "--table", "orders", .. keys]);
            Assert.Equal(files, rows.Where(r => r.GetProperty("stage").GetString() == "load").Select(r => r.GetProperty("item").GetString()));
            Assert.All(rows.Where(r => r.GetProperty("stage").GetString() == "task"), r => Assert.Equal("orders", r.GetProperty("table").GetString()));
        }

        var none = CliAssert.Succeeded(await CliRunner.RunAsync(["provenance", "--table", "orders", "--key", "order_id=Z-9", .. tmp.CliArgs()]));
        Assert.Equal(["provenance: no file loaded a row of order_id=Z-9 of table orders"], none);
        CliAssert.OneLineError(await CliRunner.RunAsync(["provenance", "--table", "orders", "--key", "sku=Z", .. tmp.CliArgs()]), "'sku' is not a key column of table orders");
    }

    [Theory]
    [InlineData(Engine.DuckDb)]
    [InlineData(Engine.Postgres)]
    public async Task A_file_not_loaded_yet_shows_where_it_stands(Engine engine)
    {
        using var tmp = new TempWorkspace(engine);
        OrdersFeed.WriteSettings(tmp);
        OrdersFeed.Land(tmp, "stock", "stock.csv", OrdersFeed.Stock);
        Assert.Equal(0, (await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()])).Code);
        OrdersFeed.Land(tmp, "orders", "clean.ndjson", OrdersFeed.Clean);
        string[] stages = ["ingest", "load", "tasks"];
        string[] stands = ["in landing/, not ingested yet", "in the lake, not loaded yet", "loaded, 2 row(s) not applied yet", "loaded and applied"];
        for (var i = 0; i < stands.Length; i++)
        {
            var text = CliAssert.Succeeded(await CliRunner.RunAsync(["provenance", "clean.ndjson", .. tmp.CliArgs()]));
            Assert.EndsWith("; " + stands[i], text[0], StringComparison.Ordinal);
            if (i < stages.Length)
            {
                Assert.Equal(0, (await CliRunner.RunAsync([stages[i], "--once", .. tmp.CliArgs()])).Code);
            }
        }

        // Another file of the same name landed since: the loaded one, then the new one still in landing/.
        OrdersFeed.Land(tmp, "orders", "clean.ndjson", OrdersFeed.Deletes);
        var both = CliAssert.Succeeded(await CliRunner.RunAsync(["provenance", "clean.ndjson", .. tmp.CliArgs()]));
        Assert.Equal(["; loaded and applied", "; in landing/, not ingested yet"],
            both.Where(l => l.StartsWith("orders/clean.ndjson: table orders", StringComparison.Ordinal)).Select(l => l[l.LastIndexOf(';')..]));
    }

    [Fact]
    public async Task It_answers_before_the_warehouse_is_made_and_through_the_owner_while_run_holds_it()
    {
        using var tmp = new TempWorkspace();
        OrdersFeed.WriteSettings(tmp);
        OrdersFeed.Land(tmp, "orders", "clean.ndjson", OrdersFeed.Clean);

        // Before any run made the warehouse, a landed file is where it stands.
        Assert.EndsWith("; in landing/, not ingested yet", CliAssert.Succeeded(await CliRunner.RunAsync("provenance", "clean.ndjson", "-w", tmp.Dir))[0], StringComparison.Ordinal);
        using var child = CliRunner.Start("run", "-w", tmp.Dir, "--for", "60s");
        var childOut = Task.Run(() => child.StandardOutput.ReadToEndAsync());
        var childErr = Task.Run(() => child.StandardError.ReadToEndAsync());
        try
        {
            var answer = await CliAssert.PollAsync(() => CliRunner.RunAsync("provenance", "clean.ndjson", "-w", tmp.Dir),
                r => r.Code == 0 && r.Out.Contains("; loaded and applied", StringComparison.Ordinal), "clean.ndjson to be applied", seconds: 30);
            Assert.True(File.Exists(Path.Combine(tmp.Dir, "owner.json")), answer.ToString());
        }
        finally
        {
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
        }

        await Task.WhenAll(childOut, childErr);
    }

    /// <summary>A file's rows as JSON.</summary>
    private static Task<List<JsonElement>> ChainAsync(TempWorkspace tmp, string file) => JsonAsync(tmp, ["provenance", file]);

    private static async Task<List<JsonElement>> JsonAsync(TempWorkspace tmp, string[] args)
    {
        var lines = CliAssert.Succeeded(await CliRunner.RunAsync([.. args, "--format", "json", .. tmp.CliArgs()]));
        using var doc = JsonDocument.Parse(string.Join('\n', lines));
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static string Key(List<JsonElement> rows) => rows[0].GetProperty("file_key").GetString()!;

    /// <summary>One row in a line: stage, item (a task run's number as N), status, run, rows, and the attempt of load and task rows.</summary>
    private static string Show(JsonElement r)
    {
        string S(string c) => r.GetProperty(c).ValueKind == JsonValueKind.Null ? "" : r.GetProperty(c).ToString();
        var attempt = S("attempt") is { Length: > 0 } a ? $" attempt={a}" : "";
        return $"{S("stage")} {Regex.Replace(S("item"), @"^task run \d+$", "task run N")} {S("status")} run={S("run")} rows={S("rows")}{attempt}";
    }

    /// <summary>The task run's ledger range holds every row the load appended.</summary>
    private static void Covers(JsonElement task, JsonElement load)
    {
        long L(JsonElement r, string c) => r.GetProperty(c).GetInt64();
        Assert.True(L(task, "first_seq") <= L(load, "first_seq") && L(load, "last_seq") <= L(task, "last_seq")
            && L(load, "last_seq") - L(load, "first_seq") + 1 == L(load, "rows"), $"{task} does not cover {load}");
    }

    /// <summary>The run id a stage command printed at its start.</summary>
    private static string RunId(CliResult result)
    {
        Assert.True(result.Code is 0 or 3, result.ToString());
        return StartLine().Match(CliAssert.Lines(result.Out)[0]) is { Success: true } m ? m.Groups[1].Value
            : throw new Xunit.Sdk.XunitException("no run id in the start line: " + result);
    }

    [GeneratedRegex(@"^customertrack [a-z]+(?: --once)?: run (\d{8}-\d{6}-[0-9a-f]{4}), workspace ")]
    private static partial Regex StartLine();
}
