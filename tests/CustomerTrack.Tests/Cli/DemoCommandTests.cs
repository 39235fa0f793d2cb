using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_runs_every_stage_for_a_while_and_prints_a_summary_whose_example_commands_work()
    {
        using var tmp = new TempWorkspace();
        var lines = CliAssert.Succeeded(await CliRunner.RunAsync("demo", "--for", "6s", "-w", tmp.Dir));
        var text = string.Join('\n', lines);

        var summary = Regex.Match(text, @"^demo summary: (\d+) files generated, (\d+) loaded, (\d+) rows$", RegexOptions.Multiline);
        Assert.True(summary.Success, text);
        var generated = Number(summary.Groups[1]);
        Assert.InRange(generated, 3, 8);
        Assert.Equal(generated, Number(summary.Groups[2]));
        Assert.Equal(generated * 1000, Number(summary.Groups[3]));

        // The live line (not a terminal here: one every five seconds, and the final numbers once the drain is done) fits
        // an 80-column terminal, and its last one counts the files the summary counts.
        var live = lines.Where(l => Regex.IsMatch(l, @"^ +\d+s  files \d+/\d+  rows ")).ToList();
        Assert.NotEmpty(live);
        Assert.All(live, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        var last = Regex.Match(live[^1], @"files (\d+)/(\d+)  rows ");
        Assert.Equal(generated, Number(last.Groups[1]));
        Assert.Equal(generated, Number(last.Groups[2]));

        var ws = tmp.Open();
        var customers = Number(Regex.Match(text, @"^  customers:  (\d+) \(SCD1, table customer\)$", RegexOptions.Multiline).Groups[1]);
        var versions = Number(Regex.Match(text, @"^  versions:   (\d+) \(SCD2, table customer_history\)$", RegexOptions.Multiline).Groups[1]);
        Assert.True(customers > 0 && versions >= customers, text);
        Assert.Equal(customers, Db.Count(ws, "SELECT count(*) FROM customer"));
        Assert.Equal(versions, Db.Count(ws, "SELECT count(*) FROM customer_history"));
        Assert.Equal(generated * 1000, Db.Count(ws, "SELECT count(*) FROM customer_raw"));
        Assert.Matches(@"^  freshness:  landing to visible in both tables, p50 \d+ ms, p95 \d+ ms, max \d+ ms over \d+ files$",
            lines.Single(l => l.StartsWith("  freshness:", StringComparison.Ordinal)));

        // Three example commands follow "Try:", and each runs as printed.
        var examples = lines.SkipWhile(l => l != "Try:").Skip(1).ToList();
        Assert.Equal(3, examples.Count);
        Assert.All(examples, l => Assert.StartsWith("  ./customertrack ", l, StringComparison.Ordinal));
        var commands = examples.Select(l => Split(l.Trim())[1..]).ToList();
        Assert.Equal(["query", "history", "as-of"], commands.Select(c => c[0]));

        var query = CliAssert.Succeeded(await CliRunner.RunAsync(commands[0]));
        Assert.Matches(@"^\(\d rows?\)$", query[^1]);
        Assert.Matches(@"^state\s* \| customers$", query[0]);

        var busiest = commands[1][1];
        var history = CliAssert.Succeeded(await CliRunner.RunAsync(commands[1]));
        Assert.Equal(Db.Count(ws, $"SELECT count(*) FROM customer_history WHERE customer_id = {busiest}"), history.Length - 3);
        Assert.All(history[2..^1], l => Assert.Matches($@"^\s*{busiest} \|", l));

        Assert.Equal(busiest, commands[2][commands[2].IndexOf("--key") + 1]);
        var moment = commands[2][1];
        var asOf = CliAssert.Succeeded(await CliRunner.RunAsync(commands[2]));
        var expected = Db.Count(ws, $"""
            SELECT count(*) FROM customer_history
            WHERE customer_id = {busiest} AND start_time <= TIMESTAMP '{moment}' AND TIMESTAMP '{moment}' < end_time AND NOT is_deleted
            """);
        Assert.Equal(1, expected);
        Assert.Equal("(1 row)", asOf[^1]);
    }

    [Fact]
    public async Task Demo_refuses_a_workspace_holding_data_it_did_not_make()
    {
        using var tmp = new TempWorkspace();
        var mine = Path.Combine(tmp.Dir, "precious.csv");
        File.WriteAllText(mine, "customer_id\n1\n");

        CliAssert.OneLineError(await CliRunner.RunAsync("demo", "--for", "1s", "-w", tmp.Dir),
            $"{tmp.Dir} already holds data it did not make", "--workspace NEWDIR");
        Assert.Equal([mine], Directory.GetFileSystemEntries(tmp.Dir));
    }

    [Fact]
    public async Task Demo_starts_afresh_in_a_workspace_it_made_and_keeps_its_settings_file()
    {
        using var tmp = new TempWorkspace();
        CliAssert.Succeeded(await CliRunner.RunAsync("demo", "--for", "1500ms", "-w", tmp.Dir, "--keys", "100", "--rows-per-file", "10"));
        var settings = Path.Combine(tmp.Dir, "customertrack.json");
        File.WriteAllText(settings, """{ "Scd": { "DeleteMode": "tombstone-row" } }""");
        var extra = Path.Combine(tmp.Landing, "left-over.csv");
        File.WriteAllText(extra, "customer_id\n1\n");

        var lines = CliAssert.Succeeded(await CliRunner.RunAsync("demo", "--for", "1500ms", "-w", tmp.Dir, "--keys", "100", "--rows-per-file", "10"));
        var loaded = Number(Regex.Match(string.Join('\n', lines), @"^demo summary: \d+ files generated, (\d+) loaded", RegexOptions.Multiline).Groups[1]);
        Assert.True(File.Exists(settings));
        Assert.False(File.Exists(extra), "the earlier demo's folders are wiped");
        Assert.Equal(loaded, Db.Count(tmp.Open(), "SELECT count(*) FROM load_history"));
        Assert.Equal(loaded * 10, Db.Count(tmp.Open(), "SELECT count(*) FROM customer_raw"));
    }

    public static TheoryData<string, string, bool> Tables() => new()
    {
        // A composite string key, typed attributes and a mapped op column, in NDJSON.
        { "ndjson", """
            "Key": ["sku", "region"],
            "Columns": { "sku": "string", "region": "string", "name": "string", "price": "decimal(12,2)", "launched": "date", "stock": "int64" },
            "EventTime": "changed_at",
            "Op": { "Column": "kind", "Values": { "c": "INSERT", "u": "UPDATE", "d": "DELETE" } }
            """, false },

        // A one-column integer key, no event time and no op column, in Parquet.
        { "parquet", """
            "Key": ["id"], "Columns": { "id": "int64", "city": "string", "score": "double" }
            """, false },

        // A snapshot table partitioned by region, in CSV: an extract every second, in files of whole partitions.
        { "csv", """
            "Mode": "snapshot", "Key": ["sku"], "Snapshot": { "Partition": ["region"] },
            "Columns": { "sku": "string", "region": "string", "price": "decimal(12,2)" }, "EventTime": "changed_at"
            """, true },
    };

    [Theory]
    [MemberData(nameof(Tables))]
    public async Task Demo_with_a_table_runs_that_tables_feed_and_prints_examples_for_it_that_work(string format, string definition, bool snapshot)
    {
        using var tmp = new TempWorkspace();
        File.WriteAllText(Path.Combine(tmp.Dir, "customertrack.json"), $$"""{ "Tables": { "thing": { "Format": "{{format}}", {{definition}} } } }""");
        var lines = CliAssert.Succeeded(await CliRunner.RunAsync("demo", "--table", "thing", "--for", "3s", "-w", tmp.Dir, "--keys", "50", "--rows-per-file", "20"));
        var text = string.Join('\n', lines);
        Assert.StartsWith($"demo: workspace {tmp.Dir}, ", lines[0], StringComparison.Ordinal);
        Assert.Contains(
            $", table thing (landing/thing/, {format}), {(snapshot ? "an extract every second, 20 changes after the one before," : "a file of 20 changes every second")}",
            lines[0], StringComparison.Ordinal);

        var summary = Regex.Match(text, @"^demo summary: (\d+) files generated, (\d+) loaded, (\d+) rows$", RegexOptions.Multiline);
        Assert.True(summary.Success, text);
        var generated = Number(summary.Groups[1]);
        Assert.True(generated > 0, text);
        Assert.Equal(generated, Number(summary.Groups[2]));
        var ws = tmp.Open();

        // A change file holds 20 rows; an extract every live key, and its deletes by absence are ledger rows too.
        var rows = snapshot ? Db.Count(ws, "SELECT sum(rows_loaded) FROM load_history") + Db.Count(ws, "SELECT count(*) FROM thing_raw WHERE _line = 0") : generated * 20;
        Assert.Equal(rows, Number(summary.Groups[3]));
        var keys = Number(Regex.Match(text, @"^  keys:       (\d+) \(SCD1, table thing\)$", RegexOptions.Multiline).Groups[1]);
        var versions = Number(Regex.Match(text, @"^  versions:   (\d+) \(SCD2, table thing_history\)$", RegexOptions.Multiline).Groups[1]);
        Assert.Equal(keys, Db.Count(ws, "SELECT count(*) FROM thing"));
        Assert.Equal(versions, Db.Count(ws, "SELECT count(*) FROM thing_history"));
        Assert.Equal(rows, Db.Count(ws, "SELECT count(*) FROM thing_raw"));
        Assert.Equal(generated, Db.Count(ws, "SELECT count(*) FROM load_history WHERE table_name = 'thing' AND status = 'LOADED'"));
        Assert.Equal(0, Db.Count(ws, "SELECT count(*) FROM load_history WHERE table_name <> 'thing'"));

        var examples = lines.SkipWhile(l => l != "Try:").Skip(1).Select(l => Split(l.Trim())[1..]).ToList();
        Assert.Equal(["query", "history", "as-of"], examples.Select(c => c[0]));
        Assert.Matches(@"^\(\d+ rows?\)$", CliAssert.Succeeded(await CliRunner.RunAsync(examples[0]))[^1]);

        // The busiest key's history has every one of its versions; the as-of names the same key, at a moment it had one.
        var history = CliAssert.Succeeded(await CliRunner.RunAsync(examples[1]));
        Assert.Equal(["--table", "thing"], examples[1][1..3]);
        Assert.True(history.Length > 3, string.Join('\n', history));
        Assert.Equal(examples[1][3..], examples[2][2..][2..]);
        Assert.Equal("(1 row)", CliAssert.Succeeded(await CliRunner.RunAsync(examples[2]))[^1]);
    }

    [Fact]
    public async Task Demo_with_a_table_the_settings_do_not_define_names_the_tables_there_are()
    {
        using var tmp = new TempWorkspace();
        CliAssert.OneLineError(await CliRunner.RunAsync("demo", "--table", "nosuch", "--for", "1s", "-w", tmp.Dir), "no table 'nosuch'", "customer");
    }

    [Fact]
    public async Task Demo_refuses_a_duration_it_cannot_read()
    {
        using var tmp = new TempWorkspace();
        CliAssert.OneLineError(await CliRunner.RunAsync("demo", "--for", "5parsecs", "-w", tmp.Dir), "--for '5parsecs' is not a duration");
    }

    private static long Number(Group g) => long.Parse(g.Value, CultureInfo.InvariantCulture);

    /// <summary>Splits a command line as a POSIX shell does for words and double-quoted strings.</summary>
    private static string[] Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (c == ' ' && !quoted)
            {
                if (any)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    any = false;
                }
            }
            else
            {
                word.Append(c);
                any = true;
            }
        }

        Assert.False(quoted, "unbalanced quotes in: " + line);
        if (any)
        {
            words.Add(word.ToString());
        }

        return [.. words];
    }
}
