using System.Diagnostics;
using System.Text;
using CsCheck;
using CustomerTrack.Scd;
using CustomerTrack.Tests.Support;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace CustomerTrack.Tests.Scd;

/// <summary>Counts what a property ran, across CsCheck's threads, and how often each rule's situation came up.</summary>
internal sealed class FeedStats
{
    private static readonly string[] Situations =
    [
        "late change", "exact duplicate", "tie", "delete", "re-creation after delete", "change equal to the version before",
        "change to or from NULL", "tutorial-format file", "several task runs",
        "one in-order change to a live key in a task run",
    ];

    private readonly long[] _seen = new long[Situations.Length];
    private int _feeds;
    private int _largest;
    private long _rows;

    public int Feeds => _feeds;
    public int Largest => _largest;
    public long Rows => Interlocked.Read(ref _rows);

    public void Add(FeedPlan plan, IReadOnlyList<LedgerRow> ledger, IReadOnlyList<TaskRunOutcome> runs)
    {
        Interlocked.Increment(ref _feeds);
        Interlocked.Add(ref _rows, plan.RowCount);
        int seen;
        while ((seen = _largest) < plan.RowCount && Interlocked.CompareExchange(ref _largest, plan.RowCount, seen) != seen)
        {
        }

        var sequences = ledger.GroupBy(r => r.KeyText).Select(g => ScdModel.Sequence(g)).ToList();
        bool[] found =
        [
            ledger.Any(r => ledger.Any(e => e.KeyText == r.KeyText && e.Seq < r.Seq && e.UpdatedAt > r.UpdatedAt)),
            ledger.GroupBy(r => (r.KeyText, r.UpdatedAt, r.Change)).Any(g => g.Count() > 1),
            ScdModel.Ties(ledger, 0, long.MaxValue) > 0,
            ledger.Any(r => r.IsDelete),
            sequences.Any(s => s.Zip(s.Skip(1)).Any(p => p.First.IsDelete && !p.Second.IsDelete)),
            sequences.Any(s => s.Zip(s.Skip(1)).Any(p => !p.First.IsDelete && p.First.Attributes.SequenceEqual(p.Second.Attributes) && !p.Second.IsDelete)),
            sequences.Any(s => s.Zip(s.Skip(1)).Any(p => !p.First.IsDelete && !p.Second.IsDelete
                && p.First.Attributes.Zip(p.Second.Attributes).Any(a => (a.First is null) != (a.Second is null)))),
            plan.Files.Any(f => f.Tutorial),
            runs.Count > 1,
            runs.Any(r => OneInOrderChange(ledger, r.FromSeq, r.ToSeq)),
        ];
        for (var i = 0; i < found.Length; i++)
        {
            if (found[i])
            {
                Interlocked.Increment(ref _seen[i]);
            }
        }
    }

    /// <summary>
    /// Whether a key of the task run (<paramref name="from"/>, <paramref name="to"/>] has one change in it, after every
    /// change it had before, and was live before it: a fast key of the SCD plan (<c>ct_fast</c>), the common case of a
    /// live feed, whose history is only extended.
    /// </summary>
    private static bool OneInOrderChange(IReadOnlyList<LedgerRow> ledger, long from, long to) =>
        ledger.Where(r => r.Seq > from && r.Seq <= to).GroupBy(r => r.KeyText).Any(batch =>
        {
            var change = batch.First();
            var before = ScdModel.Sequence(ledger.Where(r => r.KeyText == batch.Key && r.Seq <= from));
            return batch.All(r => r.UpdatedAt == change.UpdatedAt && r.Change == change.Change)
                && before.Count > 0 && !before[^1].IsDelete && before.All(r => r.UpdatedAt < change.UpdatedAt);
        });

    /// <summary>Situations that came up in fewer than <paramref name="share"/> of the feeds.</summary>
    public IEnumerable<string> Rare(double share) =>
        Situations.Where((_, i) => Interlocked.Read(ref _seen[i]) < share * Feeds);

    public override string ToString() =>
        $"{Feeds} feeds, {Rows} rows, largest {Largest} rows; feeds with: "
        + string.Join(", ", Situations.Select((s, i) => $"{s} {Interlocked.Read(ref _seen[i])}"));
}

/// <summary>Runs one random feed through the real pipeline and compares everything with the model.</summary>
internal static class FeedCheck
{
    public static async Task RunAsync(FeedTable table, FeedPlan plan, ScdOptions options, bool rebuild, FeedStats stats, Engine engine)
    {
        await using var run = await ScdRun.StartAsync(options, FeedGen.EventBase, FeedGen.DrainStep, plan.MaxBatchRows, engine: engine, table: table);
        for (var i = 0; i < plan.Files.Count; i++)
        {
            run.Land(plan.Files[i]);
            if (plan.DrainAfter[i])
            {
                await run.DrainAsync();
            }
        }

        await run.DrainAsync();

        var t = table.Definition;
        Same($"{t.RawTable} (the ledger the files must give)", run.Ledger.Select(r => r.Show()).ToList(), run.LedgerRows());
        var expected = ScdModel.Apply(run.Ledger, options, table);
        var actual = run.Tables();
        Same(t.CurrentTable, expected.Customer, actual.Customer);
        Same(t.HistoryTable, expected.History, actual.History);

        // The task runs chain over the whole ledger, and each reports the ties it saw.
        var last = 0L;
        foreach (var r in run.Runs)
        {
            Assert.True(r.FromSeq == last, $"task run {r.RunId} starts at {r.FromSeq}, the previous ended at {last}");
            last = r.ToSeq;
        }

        Assert.Equal(run.Ledger.Count, last);
        Same("task_run ties",
            run.Runs.Select(r => $"({r.FromSeq}, {r.ToSeq}]: {ScdModel.Ties(run.Ledger, r.FromSeq, r.ToSeq)}").ToList(),
            run.Runs.Select(r => $"({r.FromSeq}, {r.ToSeq}]: {r.Ties}").ToList());

        if (rebuild)
        {
            var rebuilt = run.Rebuild();
            var after = run.Tables();
            Same($"{t.CurrentTable} after rebuild", actual.Customer, after.Customer);
            Same($"{t.HistoryTable} after rebuild", actual.History, after.History);
            Assert.Equal(ScdModel.Ties(run.Ledger, 0, last), rebuilt.Ties);
        }

        stats.Add(plan, run.Ledger, run.Runs);
    }

    /// <summary>Fails with both tables in full when they differ.</summary>
    public static void Same(string table, IReadOnlyList<string> expected, IReadOnlyList<string> actual, string expectedFrom = "model")
    {
        if (expected.SequenceEqual(actual))
        {
            return;
        }

        var text = new StringBuilder($"{table} differs from the {expectedFrom}\n  expected ({expectedFrom}):\n");
        foreach (var row in expected)
        {
            text.Append(actual.Contains(row) ? "      " : "    - ").Append(row).Append('\n');
        }

        text.Append("  actual (pipeline):\n");
        foreach (var row in actual)
        {
            text.Append(expected.Contains(row) ? "      " : "    + ").Append(row).Append('\n');
        }

        throw new XunitException(text.ToString());
    }
}

/// <summary>
/// Random feeds through the real pipeline (landing/, ingest, lake, load, the warehouse, tasks) against the reference
/// model, on two table definitions: customer (no Tables section) and product (<see cref="FeedTable.Product"/>: a composite
/// string key, typed attributes, a mapped op column). Product runs a quarter of customer's feeds: the SCD plan is the same
/// generated code, what product adds is its types, key and op mapping, which every feed exercises.
/// A failure prints CsCheck's seed ("Set seed: ...") and the shrunk feed: replay it with
/// <c>CsCheck_Seed=SEED dotnet test tests/CustomerTrack.Tests --filter "FullyQualifiedName~TEST_NAME"</c>.
/// </summary>
[Collection("scd-properties")]
public abstract class ScdPropertyTests(ITestOutputHelper output)
{
    /// <summary>The warehouse engine the feeds run on.</summary>
    protected abstract Engine Engine { get; }

    /// <summary>At least this many feeds run with the default options (on customer; a quarter on product).</summary>
    protected abstract int DefaultFeeds { get; }

    /// <summary>Per other option combination (and for rebuild), on customer; a quarter on product.</summary>
    protected abstract int OptionFeeds { get; }

    private static int Share(string table, int feeds) => table == "customer" ? feeds : Math.Max(2, feeds / 4);

    /// <summary>Per table: TrackHistoryExcept of some attributes (product: stock, an int64) and of all of them.</summary>
    private static readonly Dictionary<string, string[]> ExceptSets = new()
    {
        ["customer"] = ["", "email,city", "first_name,last_name,email,street,city,state,country"],
        ["product"] = ["", "stock", "name,price,launched,stock,active"],
    };

    public static TheoryData<string> TableNames() => ["customer", "product"];

    public static TheoryData<string, string, bool, string> OptionCombinations()
    {
        var data = new TheoryData<string, string, bool, string>();
        foreach (var (table, exceptSets) in ExceptSets)
        {
            foreach (var except in exceptSets)
            {
                foreach (var ignoreNulls in new[] { false, true })
                {
                    foreach (var mode in new[] { "close", "tombstone-row" })
                    {
                        if (except.Length > 0 || ignoreNulls || mode != "close")
                        {
                            data.Add(table, except, ignoreNulls, mode);
                        }
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task Random_feeds_split_reordered_and_drained_at_random_give_the_model_tables(string table)
    {
        var feeds = Share(table, DefaultFeeds);
        var stats = await SampleAsync(FeedTable.Named(table), ScdOptions.Default, rebuild: false, feeds);
        Assert.True(stats.Feeds >= feeds, stats.ToString());

        // The feeds explore what the rules are about: each situation comes up in at least 5% of them.
        Assert.Empty(stats.Rare(0.05));
    }

    [Theory]
    [MemberData(nameof(OptionCombinations))]
    public async Task Random_feeds_give_the_model_tables_under_every_option(string table, string trackHistoryExcept, bool ignoreNullUpdates, string deleteMode)
    {
        var options = new ScdOptions(trackHistoryExcept.Split(',', StringSplitOptions.RemoveEmptyEntries), ignoreNullUpdates, deleteMode);
        var feeds = Share(table, OptionFeeds);
        var stats = await SampleAsync(FeedTable.Named(table), options, rebuild: false, feeds);
        Assert.True(stats.Feeds >= feeds, stats.ToString());
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public async Task Rebuild_equals_incremental_on_random_feeds(string table)
    {
        // The options are drawn too: rebuild must give the incremental tables under any of them.
        var feedTable = FeedTable.Named(table);
        var sets = ExceptSets[table].Select(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        var options = Gen.Select(Gen.Int[0, sets.Length - 1], Gen.Bool, Gen.Bool, (except, ignoreNulls, tombstones) =>
            new ScdOptions(sets[except], ignoreNulls, tombstones ? "tombstone-row" : "close"));
        var feeds = Share(table, OptionFeeds * 2);
        var stats = new FeedStats();
        var watch = Stopwatch.StartNew();
        await Gen.Select(FeedGen.Plan(feedTable), options).SampleAsync(
            (plan, scd) => FeedCheck.RunAsync(feedTable, plan, scd, rebuild: true, stats, Engine),
            writeLine: output.WriteLine, iter: feeds, print: t => $"{table} {t.Item2}\n{t.Item1.ToString(feedTable)}");
        output.WriteLine($"{table} rebuild: {stats} in {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(stats.Feeds >= feeds, stats.ToString());
    }

    private async Task<FeedStats> SampleAsync(FeedTable table, ScdOptions options, bool rebuild, int iter)
    {
        var stats = new FeedStats();
        var watch = Stopwatch.StartNew();
        await FeedGen.Plan(table).SampleAsync(plan => FeedCheck.RunAsync(table, plan, options, rebuild, stats, Engine),
            writeLine: output.WriteLine, iter: iter, print: plan => $"{table} {options}\n{plan.ToString(table)}");
        output.WriteLine($"{table} {options}: {stats} in {watch.Elapsed.TotalSeconds:F1} s");
        return stats;
    }
}

/// <summary>
/// The properties on the embedded warehouse: the full count of feeds. 250 default feeds (62 on product) make every
/// situation of <see cref="FeedStats"/> come up dozens of times; a thousand cost five CI minutes and found nothing more,
/// and 400 (with 30 per option) took 13 of the 20 minutes CI may use on two cores.
/// </summary>
public sealed class ScdPropertyTestsOnDuckDb(ITestOutputHelper output) : ScdPropertyTests(output)
{
    protected override Engine Engine => Engine.DuckDb;
    protected override int DefaultFeeds => 250;
    protected override int OptionFeeds => 20;
}

/// <summary>
/// The same properties on PostgreSQL, with fewer feeds: each feed makes a schema and its tables on the server, several
/// times the cost of a DuckDB file, and the statements are the same ones the DuckDB run exercises hundreds of times.
/// </summary>
public sealed class ScdPropertyTestsOnPostgres(ITestOutputHelper output) : ScdPropertyTests(output)
{
    protected override Engine Engine => Engine.Postgres;
    protected override int DefaultFeeds => 120;
    protected override int OptionFeeds => 8;
}
