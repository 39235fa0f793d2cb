using System.Text;
using System.Text.RegularExpressions;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Scd;

/// <summary>
/// Runs every example of docs/semantics.md through the real pipeline and checks the tables it shows: file by file
/// (a batch each), then all files at once in one batch, then after a rebuild.
/// </summary>
public abstract partial class SemanticsDocTests
{
    /// <summary>The warehouse engine the examples run on.</summary>
    protected abstract Engine Engine { get; }

    private static readonly DateTime Clock = new(2026, 1, 2, 0, 0, 0, DateTimeKind.Utc);

    private static readonly Dictionary<string, string> OrderOf = new()
    {
        ["customer"] = "customer_id",
        ["customer_history"] = "customer_id, start_time",
        ["task_run"] = "run_id",
        ["load_history"] = "file_key",
    };

    internal sealed record Block(string Info, string Body);

    private const string LoadedInfo = "csv file loaded ";

    /// <summary>The commands whose answers an example may show.</summary>
    private static readonly string[] ReadingCommands = ["as-of", "history", "changes"];

    internal sealed record Example(string Title, List<Block> Blocks)
    {
        public IEnumerable<string> Files => Blocks.Where(b => b.Info.StartsWith("csv file", StringComparison.Ordinal)).Select(b => b.Body);

        /// <summary>Each file's load time, when the example sets it (<c>csv file loaded TIMESTAMP</c>).</summary>
        public IEnumerable<DateTime?> LoadedAt => Blocks.Where(b => b.Info.StartsWith("csv file", StringComparison.Ordinal))
            .Select(b => b.Info.StartsWith(LoadedInfo, StringComparison.Ordinal)
                ? DateTime.Parse(b.Info[LoadedInfo.Length..], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal)
                : (DateTime?)null);

        /// <summary>The reading commands the example runs (their arguments) with the answers it shows.</summary>
        public IEnumerable<(string Command, string Body)> Commands =>
            Blocks.Where(b => ReadingCommands.Any(c => b.Info.StartsWith(c + " ", StringComparison.Ordinal))).Select(b => (b.Info, b.Body));

        public string? Settings => Blocks.FirstOrDefault(b => b.Info == "json settings")?.Body;

        public IEnumerable<(string Table, string Body)> Tables =>
            Blocks.Where(b => b.Info.StartsWith("table ", StringComparison.Ordinal)).Select(b => (b.Info[6..].Trim(), b.Body));
    }

    [GeneratedRegex("^[a-z_]+$")]
    private static partial Regex Identifier();

    private static string DocPath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CustomerTrack.slnx")))
        {
            dir = dir.Parent;
        }

        Assert.True(dir is not null, $"no CustomerTrack.slnx above {AppContext.BaseDirectory}");
        return Path.Combine(dir.FullName, "docs", "semantics.md");
    }

    internal static List<Example> Parse()
    {
        var examples = new List<Example>();
        Example? current = null;
        string? info = null;
        var body = new StringBuilder();
        foreach (var line in File.ReadAllLines(DocPath()))
        {
            if (info is null && line.StartsWith("### Example:", StringComparison.Ordinal))
            {
                current = new Example(line["### Example:".Length..].Trim(), []);
                examples.Add(current);
            }
            else if (info is null && line.StartsWith("## ", StringComparison.Ordinal))
            {
                current = null;
            }
            else if (line.StartsWith("```", StringComparison.Ordinal))
            {
                if (info is null)
                {
                    info = line[3..].Trim();
                    body.Clear();
                }
                else
                {
                    current?.Blocks.Add(new Block(info, body.ToString()));
                    info = null;
                }
            }
            else if (info is not null)
            {
                body.Append(line).Append('\n');
            }
        }

        return examples;
    }

    /// <summary>
    /// Every example on customer, and on product (translated, <see cref="FeedTranslation"/>) where every column it
    /// uses has a product column.
    /// </summary>
    public static TheoryData<string, string> Examples()
    {
        var data = new TheoryData<string, string>();
        foreach (var e in Parse())
        {
            data.Add("customer", e.Title);
            // The commands' answers are the customer table's own (product's columns are named otherwise).
            if (!e.Commands.Any() && e.Blocks.All(b => FeedTranslation.Translatable(b.Info + "\n" + b.Body)))
            {
                data.Add("product", e.Title);
            }
        }

        return data;
    }

    [Fact]
    public void Every_rule_has_a_runnable_example()
    {
        var examples = Parse();
        Assert.True(examples.Count >= 15, $"{examples.Count} examples in {DocPath()}");
        Assert.All(examples, e =>
        {
            Assert.NotEmpty(e.Files);
            Assert.True(e.Tables.Any() || e.Commands.Any(), $"\"{e.Title}\" shows no table and no command's answer");
            Assert.All(e.Tables, t => Assert.Contains(t.Table, OrderOf.Keys));
        });
        Assert.Equal(examples.Count, examples.Select(e => e.Title).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Example_gives_the_tables_shown(string tableName, string title)
    {
        var on = FeedTable.Named(tableName);
        var example = Parse().Single(e => e.Title == title);
        var files = example.Files.ToList();
        var loaded = example.LoadedAt.ToList();
        var clock = loaded.Min() is { } first ? first - TimeSpan.FromMinutes(2) : Clock;

        // File by file, a batch each; the commands ask the running pipeline (its owner endpoint, on DuckDB).
        await using (var run = await ScdRun.StartAsync(null, clock, TimeSpan.FromMinutes(1), settingsJson: example.Settings, engine: Engine, table: on,
            customerFeed: true, serveReaders: example.Commands.Any()))
        {
            for (var i = 0; i < files.Count; i++)
            {
                run.LandCsv($"f{i:D2}.csv", files[i]);
                await (loaded[i] is { } at ? run.DrainAtAsync(at) : run.DrainAsync());
            }

            await CheckCommandsAsync(run, example, "file by file");

            Assert.Equal(["0"], run.Rows("SELECT count(*) FROM load_rejects"));
            foreach (var (table, body) in example.Tables)
            {
                Check(run, title, table, body, "file by file");
            }

            run.Rebuild();
            foreach (var (table, body) in example.Tables.Where(t => t.Table != "task_run"))
            {
                Check(run, title, table, body, "after rebuild");
            }

            await CheckCommandsAsync(run, example, "after rebuild");
        }

        // All at once, one batch: the same tables (files without updated_at are sequenced by load time, so not for them,
        // and files loaded at given moments are loaded one at a time).
        if (loaded.All(l => l is null) && files.All(f => f[..f.IndexOf('\n', StringComparison.Ordinal)].Contains("updated_at", StringComparison.Ordinal)))
        {
            await using var run = await ScdRun.StartAsync(null, Clock, TimeSpan.FromMinutes(1), settingsJson: example.Settings, engine: Engine, table: on, customerFeed: true);
            for (var i = 0; i < files.Count; i++)
            {
                run.LandCsv($"f{i:D2}.csv", files[i]);
            }

            await run.DrainAsync();
            foreach (var (table, body) in example.Tables.Where(t => t.Table != "task_run"))
            {
                Check(run, title, table, body, "all files in one batch");
            }
        }
    }

    private static void Check(ScdRun run, string title, string table, string body, string how)
    {
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var columns = Cells(lines[0]);
        Assert.All(columns, c => Assert.Matches(Identifier(), c));
        var expected = lines.Skip(1).Select(l => string.Join("|", Cells(l))).ToList();
        var actual = run.Rows($"SELECT {string.Join(", ", columns)} FROM {table} ORDER BY {OrderOf[table]}", "NULL");
        FeedCheck.Same($"docs/semantics.md, \"{title}\" ({how}): {table}", expected, actual, "document");
    }

    /// <summary>Runs each command the example shows through the real command line, with --format csv, and checks its answer.</summary>
    private static async Task CheckCommandsAsync(ScdRun run, Example example, string how)
    {
        foreach (var (command, body) in example.Commands)
        {
            var result = await CliRunner.RunAsync(run.Cli([.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--format", "csv"]));
            Assert.True(result.Code == 0, $"docs/semantics.md, \"{example.Title}\": {command}\n{result}");
            var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var columns = Cells(lines[0]);
            var expected = lines.Skip(1).Select(l => string.Join("|", Cells(l))).ToList();
            var printed = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(',')).ToList();
            var header = printed.Count > 0 ? printed[0].ToList() : [];
            Assert.All(columns, c => Assert.Contains(c, header));
            var actual = printed.Skip(1).Select(r => string.Join("|", columns.Select(c => r[header.IndexOf(c)] is { Length: > 0 } v ? v : "NULL"))).ToList();
            FeedCheck.Same($"docs/semantics.md, \"{example.Title}\" ({how}): {command}", expected, actual, "document");
        }
    }

    private static string[] Cells(string line) => line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
}

/// <summary>The examples on the embedded warehouse.</summary>
public sealed class SemanticsDocTestsOnDuckDb : SemanticsDocTests
{
    protected override Engine Engine => Engine.DuckDb;
}

/// <summary>The examples on the server warehouse.</summary>
public sealed class SemanticsDocTestsOnPostgres : SemanticsDocTests
{
    protected override Engine Engine => Engine.Postgres;
}
