using System.Diagnostics;
using System.Text;
using CsCheck;
using CustomerTrack.Query;
using CustomerTrack.Scd;
using CustomerTrack.Tests.Support;
using CustomerTrack.Warehouse;
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
        Verify(table, options, run.Ledger, run.Runs, run.Tables, rebuild ? () => run.Rebuild().Ties : null);
        stats.Add(plan, run.Ledger, run.Runs);
    }

    /// <summary>
    /// Writes the ledger a random feed's files give straight into a long-lived warehouse, drain by drain, runs the
    /// warehouse's own task (the real SCD plan) after each as the task stage does, and compares with the model.
    /// </summary>
    public static void RunLedger(LedgerWarehouses warehouses, Engine engine, FeedTable table, FeedPlan plan, ScdOptions options,
        bool rebuild, FeedStats stats)
    {
        var warehouse = warehouses.Take(engine, table);
        try
        {
            var t = warehouse.Definition(options);
            warehouse.Reset(t);
            var ledger = new List<LedgerRow>();
            var runs = new List<TaskRunOutcome>();
            var now = FeedGen.EventBase;
            foreach (var (at, rows) in FeedLedger.Drains(plan, table))
            {
                now = at;
                warehouse.Append(t, rows, now);
                ledger.AddRange(rows);
                runs.AddRange(warehouse.RunTasks(t, plan.MaxBatchRows > 0 ? plan.MaxBatchRows : new CustomerTrack.Configuration.TasksSettings().MaxBatchRows, now));
            }

            Verify(table, options, ledger, runs, () => new ScdTables(warehouse.Rows(table.CurrentSql), warehouse.Rows(table.HistorySql)),
                rebuild ? () => warehouse.Rebuild(t, now).Ties : null);
            stats.Add(plan, ledger, runs);
        }
        finally
        {
            warehouses.Return(warehouse);
        }
    }

    /// <summary>
    /// Writes a random feed's ledger drain by drain, each at its own load moment, applies every drain but the last (so
    /// the last is still in the stream), then asks for the history as known at each load moment and just before the
    /// first: each must be the model's history of the rows loaded by then, which is what a fresh pipeline fed only
    /// those files gives (docs/semantics.md, rule 17).
    /// </summary>
    public static void RunKnownAt(LedgerWarehouses warehouses, Engine engine, FeedTable table, FeedPlan plan, ScdOptions options, FeedStats stats)
    {
        var warehouse = warehouses.Take(engine, table);
        try
        {
            var t = warehouse.Definition(options);
            warehouse.Reset(t);
            var ledger = new List<LedgerRow>();
            var runs = new List<TaskRunOutcome>();
            var drains = FeedLedger.Drains(plan, table);
            var moments = new List<(DateTime At, int Rows)> { (FeedGen.EventBase, 0) };
            for (var i = 0; i < drains.Count; i++)
            {
                var (at, rows) = drains[i];
                warehouse.Append(t, rows, at);
                ledger.AddRange(rows);
                moments.Add((at, ledger.Count));
                if (i < drains.Count - 1)
                {
                    runs.AddRange(warehouse.RunTasks(t, plan.MaxBatchRows > 0 ? plan.MaxBatchRows : new CustomerTrack.Configuration.TasksSettings().MaxBatchRows, at));
                }
            }

            var fromHistory = $"FROM {t.HistoryTable} ";
            foreach (var (at, count) in moments)
            {
                var args = new QueryArgs();
                var sql = KnownAt.With(t, at, null, args) + table.HistorySql.Replace(fromHistory, $"FROM {KnownAt.History} ", StringComparison.Ordinal);
                Same($"{t.HistoryTable} as known at {at:yyyy-MM-dd HH:mm:ss} (the first {count} ledger rows)",
                    ScdModel.Apply(ledger.Take(count), options, table).History, warehouse.Rows(sql, args));
            }

            stats.Add(plan, ledger, runs);
        }
        finally
        {
            warehouses.Return(warehouse);
        }
    }

    /// <summary>
    /// The tables against the model, the task runs' chain and ties, and with <paramref name="rebuild"/> (which
    /// rebuilds and returns its ties) the rebuilt tables against the incremental ones.
    /// </summary>
    private static void Verify(FeedTable table, ScdOptions options, IReadOnlyList<LedgerRow> ledger, IReadOnlyList<TaskRunOutcome> runs,
        Func<ScdTables> tables, Func<long>? rebuild)
    {
        var t = table.Definition;
        var expected = ScdModel.Apply(ledger, options, table);
        var actual = tables();
        Same(t.CurrentTable, expected.Customer, actual.Customer);
        Same(t.HistoryTable, expected.History, actual.History);

        // The task runs chain over the whole ledger, and each reports the ties it saw.
        var last = 0L;
        foreach (var r in runs)
        {
            Assert.True(r.FromSeq == last, $"task run {r.RunId} starts at {r.FromSeq}, the previous ended at {last}");
            last = r.ToSeq;
        }

        Assert.Equal(ledger.Count, last);
        Same("task_run ties",
            runs.Select(r => $"({r.FromSeq}, {r.ToSeq}]: {ScdModel.Ties(ledger, r.FromSeq, r.ToSeq)}").ToList(),
            runs.Select(r => $"({r.FromSeq}, {r.ToSeq}]: {r.Ties}").ToList());

        if (rebuild is not null)
        {
            var ties = rebuild();
            var after = tables();
            Same($"{t.CurrentTable} after rebuild", actual.Customer, after.Customer);
            Same($"{t.HistoryTable} after rebuild", actual.History, after.History);
            Assert.Equal(ScdModel.Ties(ledger, 0, last), ties);
        }
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
/// Random feeds against the reference model, on two table definitions: customer (no Tables section) and product
/// (<see cref="FeedTable.Product"/>: a composite string key, typed attributes, a mapped op column), in two ways.
/// Through the real pipeline (landing/, ingest, lake, load, the warehouse, tasks): about fifty feeds per engine, which
/// check that the files give the ledger the model takes (formats, column orders, op forms, files without event time).
/// At the ledger: the ledger those feeds give, written straight into a long-lived warehouse and applied by its own
/// task (<see cref="LedgerWarehouse"/>): the SCD plan, every option and rebuild, on ten times the feeds in less time.
/// A failure prints CsCheck's seed ("Set seed: ...") and the shrunk feed: replay it with
/// <c>CsCheck_Seed=SEED dotnet test tests/CustomerTrack.Tests --filter "FullyQualifiedName~TEST_NAME"</c>.
/// </summary>
[Collection("scd-properties")]
public abstract class ScdPropertyTests(ITestOutputHelper output, LedgerWarehouses warehouses)
{
    /// <summary>The warehouse engine the feeds run on.</summary>
    protected abstract Engine Engine { get; }

    /// <summary>Feeds through the whole pipeline (on customer; a quarter on product).</summary>
    protected abstract int PipelineFeeds { get; }

    /// <summary>Ledger-level feeds with the default options, per table.</summary>
    protected abstract int DefaultFeeds { get; }

    /// <summary>Ledger-level feeds per other option combination, per table (twice this for rebuild).</summary>
    protected abstract int OptionFeeds { get; }

    /// <summary>Ledger-level feeds per table asked what was known at each of their load moments.</summary>
    protected abstract int KnownAtFeeds { get; }

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
        var feedTable = FeedTable.Named(table);
        var feeds = table == "customer" ? PipelineFeeds : Math.Max(2, PipelineFeeds / 4);
        var stats = new FeedStats();
        var watch = Stopwatch.StartNew();
        await FeedGen.Plan(feedTable).SampleAsync(plan => FeedCheck.RunAsync(feedTable, plan, ScdOptions.Default, rebuild: false, stats, Engine),
            writeLine: output.WriteLine, iter: feeds, print: plan => $"{table}\n{plan.ToString(feedTable)}");
        output.WriteLine($"{table} through the pipeline: {stats} in {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(stats.Feeds >= feeds, stats.ToString());
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public void Random_ledgers_split_and_applied_at_random_give_the_model_tables(string table)
    {
        var stats = Sample(FeedTable.Named(table), ScdOptions.Default, DefaultFeeds);
        Assert.True(stats.Feeds >= DefaultFeeds, stats.ToString());

        // The feeds explore what the rules are about: each situation comes up in at least 5% of them.
        Assert.Empty(stats.Rare(0.05));
    }

    [Theory]
    [MemberData(nameof(OptionCombinations))]
    public void Random_ledgers_give_the_model_tables_under_every_option(string table, string trackHistoryExcept, bool ignoreNullUpdates, string deleteMode)
    {
        var options = new ScdOptions(trackHistoryExcept.Split(',', StringSplitOptions.RemoveEmptyEntries), ignoreNullUpdates, deleteMode);
        var stats = Sample(FeedTable.Named(table), options, OptionFeeds);
        Assert.True(stats.Feeds >= OptionFeeds, stats.ToString());
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public void Rebuild_equals_incremental_on_random_ledgers(string table)
    {
        // The options are drawn too: rebuild must give the incremental tables under any of them.
        var feedTable = FeedTable.Named(table);
        var sets = ExceptSets[table].Select(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        var options = Gen.Select(Gen.Int[0, sets.Length - 1], Gen.Bool, Gen.Bool, (except, ignoreNulls, tombstones) =>
            new ScdOptions(sets[except], ignoreNulls, tombstones ? "tombstone-row" : "close"));
        var feeds = OptionFeeds * 2;
        var stats = new FeedStats();
        var watch = Stopwatch.StartNew();
        Gen.Select(FeedGen.Plan(feedTable), options).Sample(
            (plan, scd) => FeedCheck.RunLedger(warehouses, Engine, feedTable, plan, scd, rebuild: true, stats),
            writeLine: output.WriteLine, iter: feeds, print: t => $"{table} {t.Item2}\n{t.Item1.ToString(feedTable)}");
        output.WriteLine($"{table} rebuild: {stats} in {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(stats.Feeds >= feeds, stats.ToString());
    }

    [Theory]
    [MemberData(nameof(TableNames))]
    public void Known_at_any_load_moment_gives_the_history_of_the_rows_loaded_by_then(string table)
    {
        // Under every option: the recomputed keys go through the task's own version statement.
        var feedTable = FeedTable.Named(table);
        var sets = ExceptSets[table].Select(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        var options = Gen.Select(Gen.Int[0, sets.Length - 1], Gen.Bool, Gen.Bool, (except, ignoreNulls, tombstones) =>
            new ScdOptions(sets[except], ignoreNulls, tombstones ? "tombstone-row" : "close"));
        var stats = new FeedStats();
        var watch = Stopwatch.StartNew();
        Gen.Select(FeedGen.Plan(feedTable), options).Sample(
            (plan, scd) => FeedCheck.RunKnownAt(warehouses, Engine, feedTable, plan, scd, stats),
            writeLine: output.WriteLine, iter: KnownAtFeeds, print: t => $"{table} {t.Item2}\n{t.Item1.ToString(feedTable)}");
        output.WriteLine($"{table} known at: {stats} in {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(stats.Feeds >= KnownAtFeeds, stats.ToString());
    }

    private FeedStats Sample(FeedTable table, ScdOptions options, int iter)
    {
        var stats = new FeedStats();
        var watch = Stopwatch.StartNew();
        FeedGen.Plan(table).Sample(plan => FeedCheck.RunLedger(warehouses, Engine, table, plan, options, rebuild: false, stats),
            writeLine: output.WriteLine, iter: iter, print: plan => $"{table} {options}\n{plan.ToString(table)}");
        output.WriteLine($"{table} {options} at the ledger: {stats} in {watch.Elapsed.TotalSeconds:F1} s");
        return stats;
    }
}

/// <summary>
/// The properties on the embedded warehouse: 790 ledger-level feeds and 50 through the pipeline. The default options'
/// 200 feeds a table make the rarest situation of <see cref="FeedStats"/> (a change equal to the version before, about
/// one feed in five) come up some forty times, four times the 5% floor, so it does not fail by chance. Before the
/// ledger level, 637 feeds all through the pipeline took 13 of the 20 minutes CI may use on two cores.
/// </summary>
public sealed class ScdPropertyTestsOnDuckDb(ITestOutputHelper output, LedgerWarehouses warehouses)
    : ScdPropertyTests(output, warehouses), IClassFixture<LedgerWarehouses>
{
    protected override Engine Engine => Engine.DuckDb;
    protected override int PipelineFeeds => 40;
    protected override int DefaultFeeds => 200;
    protected override int OptionFeeds => 15;
    protected override int KnownAtFeeds => 25;
}

/// <summary>
/// The same properties on PostgreSQL, with fewer ledger-level feeds (about twice a DuckDB feed's cost): 396, and 50
/// through the pipeline. The default options' 120 feeds a table keep the rarest situation near twenty feeds, three
/// times the 5% floor (the floor once failed here over the 30 pipeline feeds product ran).
/// </summary>
public sealed class ScdPropertyTestsOnPostgres(ITestOutputHelper output, LedgerWarehouses warehouses)
    : ScdPropertyTests(output, warehouses), IClassFixture<LedgerWarehouses>
{
    protected override Engine Engine => Engine.Postgres;
    protected override int PipelineFeeds => 40;
    protected override int DefaultFeeds => 120;
    protected override int OptionFeeds => 6;
    protected override int KnownAtFeeds => 12;
}
