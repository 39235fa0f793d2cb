using System.Text.Json;
using CustomerTrack.Configuration;
using CustomerTrack.Ingest;
using CustomerTrack.Load;
using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Support;
using CustomerTrack.Warehouse;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Ingest;

/// <summary>
/// Nothing landed is ignored without a word (issue 23): files in sub-folders of landing/ are picked up for their table;
/// a file landed again with content already loaded is recorded LOAD_SKIPPED with the key it was loaded as; columns the
/// table does not define are named, per file, in the run line and by status; an edited settings file is said once. On
/// both engines: load_history is the warehouse's record.
/// </summary>
public abstract class LandingVisibilityTests
{
    protected abstract Engine Engine { get; }

    private static readonly DateTime Now = new(2031, 2, 3, 12, 0, 0, DateTimeKind.Utc);

    private const string Settings = """
        {
          "Tables": {
            "orders": { "Format": "csv", "Key": ["id"], "Columns": { "id": "int64", "item": "string" } },
            "stock": { "Format": "csv", "Default": true, "Key": ["id"], "Columns": { "id": "int64", "qty": "int32" } }
          }
        }
        """;

    private static Workspace Open(TempWorkspace tmp)
    {
        File.WriteAllText(Path.Combine(tmp.Dir, SettingsLoader.FileName), Settings);
        return tmp.Open();
    }

    private static void Land(TempWorkspace tmp, string relative, string content, DateTime? mtime = null)
    {
        var path = Path.Combine(tmp.Landing, relative.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, mtime ?? Now.AddSeconds(-5));
    }

    /// <summary>Ingest and load, with every file outcome the run line is made of.</summary>
    private static async Task<List<LoadOutcome>> DrainAsync(Workspace ws, TimeProvider time)
    {
        var outcomes = new List<LoadOutcome>();
        await using var runner = await PipelineRunner.StartAsync(ws, time, NullLoggerFactory.Instance, Stages.Ingest | Stages.Load, "test",
            CancellationToken.None, serveReaders: false);
        runner.FileLoaded += o => { lock (outcomes) { outcomes.Add(o); } };
        await runner.DrainAsync(CancellationToken.None);
        return outcomes;
    }

    public static TheoryData<string, string, string> SubFolders() => new()
    {
        // Where the file lands below landing/, the table it loads into, the row it holds.
        { "orders/2026/01/x.csv", "orders", "id,item\n1,lamp\n" },
        { "orders/x.csv", "orders", "id,item\n1,lamp\n" },
        { "2026/01/x.csv", "stock", "id,qty\n1,5\n" },
        { "dt=2026-01-01/x.csv", "stock", "id,qty\n1,5\n" },
        { "x.csv", "stock", "id,qty\n1,5\n" },
    };

    [Theory]
    [MemberData(nameof(SubFolders))]
    public async Task A_file_in_a_sub_folder_of_landing_is_counted_waiting_and_loaded_for_its_table_keeping_its_path_in_provenance(
        string relative, string table, string content)
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = Open(tmp);
        Land(tmp, relative, content);

        // What status counts as waiting, and which table the listing gives it to.
        var listed = Assert.Single(IngestStage.LandingFiles(tmp.Landing));
        Assert.Equal(table == "stock" ? null : table, listed.Table);

        await DrainAsync(ws, new FakeTimeProvider(Now));

        Assert.Equal([$"{table}|x.csv|LOADED|1"], Db.Rows(ws, "SELECT table_name, file_name, status, rows_loaded FROM load_history"));
        Assert.Equal(1, Db.Count(ws, $"SELECT count(*) FROM {table}_raw"));
        var provenance = JsonSerializer.Deserialize<ProvenanceRecord>(Assert.Single(File.ReadAllLines(ws.ProvenanceFile)))!;
        Assert.Equal(relative, provenance.File);
        Assert.Empty(Directory.EnumerateFiles(tmp.Landing, "*", SearchOption.AllDirectories));
    }

    public static TheoryData<string, int, string[]> Relandings() => new()
    {
        // The second landing: its content, how many days after the first, and load_history's rows (status|rows|error start).
        { "id,item\n1,lamp\n", 0, ["LOADED|1|∅", "LOAD_SKIPPED|0|already loaded as {first} (same name and content)"] },
        { "id,item\n1,lamp\n", 1, ["LOADED|1|∅", "LOAD_SKIPPED|0|already loaded as {first} (same name and content)"] },
        { "id,item\n1,desk\n", 0, ["LOADED|1|∅", "LOADED|1|∅"] },
    };

    [Theory]
    [MemberData(nameof(Relandings))]
    public async Task A_file_landed_again_with_content_already_loaded_is_recorded_LOAD_SKIPPED_naming_the_key_it_was_loaded_as(
        string again, int days, string[] expected)
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = Open(tmp);
        var time = new FakeTimeProvider(Now);
        Land(tmp, "orders/x.csv", "id,item\n1,lamp\n");
        await DrainAsync(ws, time);
        var first = Assert.Single(Db.Rows(ws, "SELECT file_key FROM load_history"));

        time.Advance(TimeSpan.FromDays(days) + TimeSpan.FromMinutes(1));
        Land(tmp, "orders/x.csv", again, time.GetUtcNow().UtcDateTime.AddSeconds(-5));
        var outcomes = await DrainAsync(ws, time);

        var rows = Db.Rows(ws, "SELECT status, rows_loaded, error FROM load_history ORDER BY loaded_at, file_key");
        Assert.Equal(expected.Select(e => e.Replace("{first}", first, StringComparison.Ordinal)), rows);
        var outcome = Assert.Single(outcomes);
        if (outcome.Status == LoadStatus.Skipped)
        {
            // One row of its own, keyed apart from the first (the lake key of this landing), which a reload can name.
            Assert.NotEqual(first, outcome.Key);
            Assert.Equal(2, Db.Count(ws, "SELECT count(DISTINCT file_key) FROM load_history"));
            Assert.Equal($"  load  x.csv  LOAD_SKIPPED  already loaded as {first} (same name and content)", CustomerTrack.Cli.Output.RunProgress.FileLine(outcome));
        }
    }

    [Fact]
    public async Task The_same_landing_taken_again_after_a_crash_keeps_its_key_and_records_nothing_twice()
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = Open(tmp);
        var time = new FakeTimeProvider(Now);
        var landed = Now.AddSeconds(-5);
        Land(tmp, "orders/x.csv", "id,item\n1,lamp\n", landed);
        await DrainAsync(ws, time);

        // A crash after the lake held it and before landing/ let it go: the same file, the same landing time, is there again.
        time.Advance(TimeSpan.FromMinutes(1));
        Land(tmp, "orders/x.csv", "id,item\n1,lamp\n", landed);
        Assert.Empty(await DrainAsync(ws, time));

        Assert.Equal(["LOADED|1"], Db.Rows(ws, "SELECT status, rows_loaded FROM load_history"));
    }

    [Fact]
    public async Task Columns_the_table_does_not_define_are_named_per_file_in_the_run_line_and_by_status()
    {
        using var tmp = new TempWorkspace(Engine);
        var ws = Open(tmp);
        Land(tmp, "orders/extra.csv", "id,item,colour,size\n1,lamp,red,L\n");
        Land(tmp, "orders/plain.csv", "id,item\n2,desk\n");
        var outcomes = await DrainAsync(ws, new FakeTimeProvider(Now));

        var extra = outcomes.Single(o => o.Key.Contains("extra", StringComparison.Ordinal));
        Assert.Equal(["colour", "size"], extra.DroppedColumns);
        Assert.EndsWith("  dropped columns colour, size (the table does not define them)", CustomerTrack.Cli.Output.RunProgress.FileLine(extra), StringComparison.Ordinal);
        Assert.Empty(outcomes.Single(o => o.Key.Contains("plain", StringComparison.Ordinal)).DroppedColumns);

        Assert.Equal([$"{extra.Key}|orders|colour,size"], Db.Rows(ws, Query.StatusReport.DroppedSql));
    }
}

public sealed class LandingVisibilityTestsOnDuckDb : LandingVisibilityTests
{
    protected override Engine Engine => Engine.DuckDb;
}

public sealed class LandingVisibilityTestsOnPostgres : LandingVisibilityTests
{
    protected override Engine Engine => Engine.Postgres;
}

/// <summary>customertrack.json edited while run runs is said once per change (content decides, not the time stamp).</summary>
public sealed class SettingsEditsTests
{
    private const string Settings = """
        { "Tables": { "orders": { "Format": "csv", "Key": ["id"], "Columns": { "id": "int64", "item": "string" } } } }
        """;

    public static TheoryData<string, string[], int> SettingsEditsCases() => new()
    {
        // What happens to the settings file between checks, and how many lines are said.
        { "touched", ["touch"], 0 },
        { "edited", ["edit"], 1 },
        { "edited, then checked again", ["edit", "none"], 1 },
        { "edited twice", ["edit", "edit2"], 2 },
        { "edited and put back", ["edit", "restore"], 1 },
        { "removed", ["remove"], 1 },
    };

    [Theory]
    [MemberData(nameof(SettingsEditsCases))]
    public void An_edit_of_the_settings_file_while_running_is_said_once_per_change(string what, string[] steps, int lines)
    {
        _ = what;
        using var tmp = new TempWorkspace();
        var file = Path.Combine(tmp.Dir, SettingsLoader.FileName);
        File.WriteAllText(file, Settings);
        var original = File.GetLastWriteTimeUtc(file);
        var edits = new SettingsEdits(file);
        var said = new List<string>();
        var n = 0;
        foreach (var step in steps)
        {
            n++;
            switch (step)
            {
                case "touch": File.SetLastWriteTimeUtc(file, original.AddSeconds(n)); break;
                case "edit": File.WriteAllText(file, Settings.Replace("\"item\": \"string\"", "\"item\": \"string\", \"price\": \"double\"", StringComparison.Ordinal)); break;
                case "edit2": File.WriteAllText(file, Settings.Replace("\"item\": \"string\"", "\"item\": \"string\", \"size\": \"int32\"", StringComparison.Ordinal)); break;
                case "restore": File.WriteAllText(file, Settings); break;
                case "remove": File.Delete(file); break;
            }

            if (File.Exists(file))
            {
                // Each step a time stamp of its own, as a later write has.
                File.SetLastWriteTimeUtc(file, original.AddSeconds(n));
            }

            if (edits.Check() is { } line)
            {
                said.Add(line);
            }
        }

        Assert.Equal(lines, said.Count);
        Assert.All(said, l => Assert.Matches("^customertrack.json (changed|was removed) while running; .*restarted", l));
    }
}
