using CsCheck;
using CustomerTrack.Contract;
using CustomerTrack.Tests.Support;
using Xunit.Abstractions;

namespace CustomerTrack.Tests.Scd;

/// <summary>A snapshot: its moment and its rows (one per key it holds), the keys' partitions being the rows' own.</summary>
internal sealed record Snapshot(DateTime Moment, IReadOnlyList<FeedRow> Rows);

/// <summary>
/// Snapshots, the order they are delivered in (copies of some delivered again), where the pipeline drains, and, for a table
/// partitioned by an attribute, whether each delivery writes its partitions' files in descending order.
/// </summary>
internal sealed record SnapshotFeed(IReadOnlyList<Snapshot> Snapshots, IReadOnlyList<int> Delivery, IReadOnlyList<bool> DrainAfter, ScdOptions Options,
    IReadOnlyList<bool> Descending)
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
/// Partitioned by an attribute (<c>active</c>), a snapshot is one file per partition, delivered in either order and drained
/// between, the snapshots in moment order (some again later), and keys move between partitions: a key in partition A at one moment and in B at the next, A's snapshot then
/// lacking it, is changed, not deleted (rule 16), whichever file loads first. The model says so by writing the delete A's
/// absence makes before the snapshot's rows at the same moment, which then win it as the later change of a tie (rule 8).
/// </summary>
public abstract class SnapshotPropertyTests(ITestOutputHelper output)
{
    /// <summary>Feeds per table: each runs the whole pipeline (a few seconds), and rebuilds once.</summary>
    private const int Feeds = 5;

    protected abstract Engine Engine { get; }

    /// <summary>
    /// Random snapshot feeds; with <paramref name="momentOrder"/> the snapshots come in moment order (then some again):
    /// a late snapshot of the partition a key left is the one case rule 16 leaves order-dependent.
    /// </summary>
    private static Gen<SnapshotFeed> Feed(FeedTable table, bool momentOrder) =>
        from count in Gen.Int[2, 5]
        from hours in Gen.Int[0, 9].Array[count].Where(h => h.Distinct().Count() == count)
        from snapshots in Gen.Int[0, 3].Array[table.AttributeCount].Array[FeedTable.Keys].Select(Gen.Bool.Array[FeedTable.Keys])
            .Where(s => s.Item2.Any(b => b)).Array[count]
        from order in Gen.Shuffle(Enumerable.Range(0, count).ToArray())
        from again in Gen.Int[0, count - 1].Array[0, 2]
        from drains in Gen.Bool.Array[count + 2]
        from tombstones in Gen.Bool
        from reversed in Gen.Bool.Array[count + 2]
        select new SnapshotFeed(
            snapshots.Select((s, i) => new Snapshot(FeedGen.EventBase.AddHours(hours[i]),
                Enumerable.Range(0, FeedTable.Keys).Where(k => s.Item2[k])
                    .Select(k => new FeedRow(k + 1, FeedGen.EventBase.AddHours(hours[i]), ChangeOp.Upsert, s.Item1[k])).ToList())).ToList(),
            [.. momentOrder ? [.. Enumerable.Range(0, count).OrderBy(i => hours[i])] : order, .. again],
            drains,
            ScdOptions.Default with { DeleteMode = tombstones ? "tombstone-row" : "close" },
            reversed);

    /// <summary>The changes the snapshots make, applied in moment order, as ledger rows for the model.</summary>
    private static List<LedgerRow> Changes(SnapshotFeed feed, FeedTable table, string partition)
    {
        var rows = new List<LedgerRow>();
        var seq = 0L;
        var previous = new Dictionary<string, HashSet<int>>();
        foreach (var snapshot in feed.Snapshots.OrderBy(s => s.Moment))
        {
            foreach (var part in snapshot.Rows.GroupBy(r => Partition(table, partition, r)))
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

    /// <summary>The partition of a snapshot row, as the warehouse shows its value ("" when the table is whole; NULL a partition too).</summary>
    private static string Partition(FeedTable table, string partition, FeedRow row) => partition switch
    {
        "" => "",
        "region" => table.Key(row.Key)[1],
        _ => table.Shown(table.AttributeNames.ToList().IndexOf(partition), row.Values[table.AttributeNames.ToList().IndexOf(partition)]) ?? "NULL",
    };

    private async Task RunAsync(SnapshotFeed feed, string partition)
    {
        var table = FeedTable.SnapshotProduct(partition);
        await using var run = await ScdRun.StartAsync(feed.Options, FeedGen.EventBase, FeedGen.DrainStep, engine: Engine, table: table);
        for (var i = 0; i < feed.Delivery.Count; i++)
        {
            var snapshot = feed.Snapshots[feed.Delivery[i]];
            if (partition == "active")
            {
                // One file per partition, in either order, drained between: a key moving partitions meets its old
                // partition's snapshot before or after its new one's, in one task run or two.
                var parts = snapshot.Rows.GroupBy(r => Partition(table, partition, r)).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
                if (feed.Descending[i])
                {
                    parts.Reverse();
                }

                for (var p = 0; p < parts.Count; p++)
                {
                    run.LandCsv($"s{i:D2}_{p}.csv", new FeedFile($"s{i:D2}_{p}.csv", false, i, [.. parts[p]]).Csv(table));
                    if (feed.DrainAfter[i])
                    {
                        await run.DrainAsync();
                    }
                }

                continue;
            }

            run.LandCsv($"s{i:D2}.csv", new FeedFile($"s{i:D2}.csv", false, i, snapshot.Rows).Csv(table));
            if (feed.DrainAfter[i])
            {
                await run.DrainAsync();
            }
        }

        await run.DrainAsync();
        Assert.Equal(["0"], run.Rows("SELECT count(*) FROM load_history WHERE status <> 'LOADED'"));
        var expected = ScdModel.Apply(Changes(feed, table, partition), feed.Options, table);
        var actual = run.Tables();
        FeedCheck.Same("product", expected.Customer, actual.Customer);
        FeedCheck.Same("product_history", expected.History, actual.History);

        run.Rebuild();
        FeedCheck.Same("product_history after rebuild", expected.History, run.Tables().History);
    }

    // The partition column: none, a key column (keys stay), an attribute (keys move between partitions).
    [Theory]
    [InlineData("")]
    [InlineData("region")]
    [InlineData("active")]
    public async Task Snapshots_in_any_order_give_the_tables_of_the_snapshots_in_moment_order(string partition)
    {
        var table = FeedTable.SnapshotProduct(partition);
        var ran = 0;
        await Feed(table, momentOrder: partition == "active").SampleAsync(async feed =>
            {
                await RunAsync(feed, partition);
                Interlocked.Increment(ref ran);
            },
            writeLine: output.WriteLine, iter: Feeds, threads: 1, print: feed => $"partition={partition} {feed}");
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
