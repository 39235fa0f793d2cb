using CsCheck;
using CustomerTrack.Contract;
using CustomerTrack.Tests.Support;
using Xunit.Abstractions;

namespace CustomerTrack.Tests.Scd;

/// <summary>A snapshot: its moment and its rows (one per key it holds), the keys' partitions being the rows' own.</summary>
internal sealed record Snapshot(DateTime Moment, IReadOnlyList<FeedRow> Rows);

/// <summary>Snapshots, the order they are delivered in (copies of some delivered again) and where the pipeline drains.</summary>
internal sealed record SnapshotFeed(IReadOnlyList<Snapshot> Snapshots, IReadOnlyList<int> Delivery, IReadOnlyList<bool> DrainAfter, ScdOptions Options)
{
    public override string ToString() =>
        $"{Options}\ndelivered: {string.Join(" ", Delivery.Select((s, i) => $"{Snapshots[s].Moment:HH:mm}{(DrainAfter[i] ? " |" : "")}"))}\n"
        + string.Join("\n", Snapshots.Select(s => $"--- {s.Moment:HH:mm}: " + string.Join(" ", s.Rows.Select(r => $"{r.Key}={string.Join(",", r.Values)}"))));
}

/// <summary>
/// Snapshot feeds (docs/semantics.md, rule 16) through the real pipeline: random snapshots of the product table, whole
/// or partitioned by region, delivered in random order (some twice) and drained at random, must give the tables the
/// model gives for the changes the snapshots make applied in moment order: each snapshot's rows upserted at its moment,
/// and each key of a partition's snapshot that the partition's next snapshot lacks deleted at that one's moment.
/// </summary>
public abstract class SnapshotPropertyTests(ITestOutputHelper output)
{
    /// <summary>Feeds per table: each runs the whole pipeline (a few seconds), and rebuilds once.</summary>
    private const int Feeds = 5;

    protected abstract Engine Engine { get; }

    private static Gen<SnapshotFeed> Feed(FeedTable table) =>
        from count in Gen.Int[2, 5]
        from hours in Gen.Int[0, 9].Array[count].Where(h => h.Distinct().Count() == count)
        from snapshots in Gen.Int[0, 3].Array[table.AttributeCount].Array[FeedTable.Keys].Select(Gen.Bool.Array[FeedTable.Keys])
            .Where(s => s.Item2.Any(b => b)).Array[count]
        from order in Gen.Shuffle(Enumerable.Range(0, count).ToArray())
        from again in Gen.Int[0, count - 1].Array[0, 2]
        from drains in Gen.Bool.Array[count + 2]
        from tombstones in Gen.Bool
        select new SnapshotFeed(
            snapshots.Select((s, i) => new Snapshot(FeedGen.EventBase.AddHours(hours[i]),
                Enumerable.Range(0, FeedTable.Keys).Where(k => s.Item2[k])
                    .Select(k => new FeedRow(k + 1, FeedGen.EventBase.AddHours(hours[i]), ChangeOp.Upsert, s.Item1[k])).ToList())).ToList(),
            [.. order, .. again],
            drains,
            ScdOptions.Default with { DeleteMode = tombstones ? "tombstone-row" : "close" });

    /// <summary>The changes the snapshots make, applied in moment order, as ledger rows for the model.</summary>
    private static List<LedgerRow> Changes(SnapshotFeed feed, FeedTable table, bool partitioned)
    {
        string Partition(int key) => partitioned ? table.Key(key)[1] : "";
        var rows = new List<LedgerRow>();
        var seq = 0L;
        var previous = new Dictionary<string, HashSet<int>>();
        foreach (var snapshot in feed.Snapshots.OrderBy(s => s.Moment))
        {
            foreach (var part in snapshot.Rows.GroupBy(r => Partition(r.Key)))
            {
                var present = part.Select(r => r.Key).ToHashSet();
                foreach (var gone in previous.GetValueOrDefault(part.Key, []).Except(present))
                {
                    rows.Add(new LedgerRow(++seq, table.Key(gone), snapshot.Moment, ChangeOp.Delete, new string?[table.AttributeCount]));
                }

                previous[part.Key] = present;
            }

            rows.AddRange(snapshot.Rows.Select(r => new LedgerRow(++seq, table.Key(r.Key), r.UpdatedAt, r.Op, r.Shown(table))));
        }

        return rows;
    }

    private async Task RunAsync(SnapshotFeed feed, bool partitioned)
    {
        var table = FeedTable.SnapshotProduct(partitioned);
        await using var run = await ScdRun.StartAsync(feed.Options, FeedGen.EventBase, FeedGen.DrainStep, engine: Engine, table: table);
        for (var i = 0; i < feed.Delivery.Count; i++)
        {
            var snapshot = feed.Snapshots[feed.Delivery[i]];
            run.LandCsv($"s{i:D2}.csv", new FeedFile($"s{i:D2}.csv", false, i, snapshot.Rows).Csv(table));
            if (feed.DrainAfter[i])
            {
                await run.DrainAsync();
            }
        }

        await run.DrainAsync();
        Assert.Equal(["0"], run.Rows("SELECT count(*) FROM load_history WHERE status <> 'LOADED'"));
        var expected = ScdModel.Apply(Changes(feed, table, partitioned), feed.Options, table);
        var actual = run.Tables();
        FeedCheck.Same("product", expected.Customer, actual.Customer);
        FeedCheck.Same("product_history", expected.History, actual.History);

        run.Rebuild();
        FeedCheck.Same("product_history after rebuild", expected.History, run.Tables().History);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Snapshots_in_any_order_give_the_tables_of_the_snapshots_in_moment_order(bool partitioned)
    {
        var table = FeedTable.SnapshotProduct(partitioned);
        var ran = 0;
        await Feed(table).SampleAsync(async feed =>
            {
                await RunAsync(feed, partitioned);
                Interlocked.Increment(ref ran);
            },
            writeLine: output.WriteLine, iter: Feeds, threads: 1, print: feed => $"partitioned={partitioned} {feed}");
        Assert.Equal(Feeds, ran);
    }
}

/// <summary>The snapshot feeds on the embedded warehouse.</summary>
public sealed class SnapshotPropertyTestsOnDuckDb(ITestOutputHelper output) : SnapshotPropertyTests(output)
{
    protected override Engine Engine => Engine.DuckDb;
}

/// <summary>The snapshot feeds on the server warehouse.</summary>
public sealed class SnapshotPropertyTestsOnPostgres(ITestOutputHelper output) : SnapshotPropertyTests(output)
{
    protected override Engine Engine => Engine.Postgres;
}
