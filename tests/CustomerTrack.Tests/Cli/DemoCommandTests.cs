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

        Assert.Equal(busiest, commands[2][commands[2].IndexOf("--customer") + 1]);
        var moment = commands[2][1];
        var asOf = CliAssert.Succeeded(await CliRunner.RunAsync(commands[2]));
        var expected = Db.Count(ws, $"""
            SELECT count(*) FROM customer_history
            WHERE customer_id = {busiest} AND start_time <= TIMESTAMP '{moment}' AND TIMESTAMP '{moment}' < end_time AND NOT is_deleted
            """);
        Assert.Equal(expected == 1 ? "(1 row)" : $"({expected} rows)", asOf[^1]);
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
        CliAssert.Succeeded(await CliRunner.RunAsync("demo", "--for", "1500ms", "-w", tmp.Dir, "--customers", "100", "--rows-per-file", "10"));
        var settings = Path.Combine(tmp.Dir, "customertrack.json");
        File.WriteAllText(settings, """{ "Scd": { "DeleteMode": "tombstone-row" } }""");
        var extra = Path.Combine(tmp.Landing, "left-over.csv");
        File.WriteAllText(extra, "customer_id\n1\n");

        var lines = CliAssert.Succeeded(await CliRunner.RunAsync("demo", "--for", "1500ms", "-w", tmp.Dir, "--customers", "100", "--rows-per-file", "10"));
        var loaded = Number(Regex.Match(string.Join('\n', lines), @"^demo summary: \d+ files generated, (\d+) loaded", RegexOptions.Multiline).Groups[1]);
        Assert.True(File.Exists(settings));
        Assert.False(File.Exists(extra), "the earlier demo's folders are wiped");
        Assert.Equal(loaded, Db.Count(tmp.Open(), "SELECT count(*) FROM load_history"));
        Assert.Equal(loaded * 10, Db.Count(tmp.Open(), "SELECT count(*) FROM customer_raw"));
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
