using System.Text;
using CsCheck;
using CustomerTrack.Contract;

namespace CustomerTrack.Tests.Scd;

/// <summary>A random feed: files in landing order, whether the pipeline drains after each, and the task batch size.</summary>
internal sealed record FeedPlan(IReadOnlyList<FeedFile> Files, IReadOnlyList<bool> DrainAfter, int MaxBatchRows)
{
    public int RowCount => Files.Sum(f => f.Rows.Count);

    public override string ToString() => ToString(FeedTable.Customer);

    /// <summary>The feed as <paramref name="table"/>'s files, for a failure's message.</summary>
    public string ToString(FeedTable table)
    {
        var text = new StringBuilder();
        text.Append($"{RowCount} rows in {Files.Count} file(s), Tasks:MaxBatchRows={(MaxBatchRows > 0 ? MaxBatchRows : "default")}\n");
        for (var i = 0; i < Files.Count; i++)
        {
            text.Append(Files[i].ToString(table)).Append(DrainAfter[i] ? "--- drain\n" : "");
        }

        return text.Append("--- drain (final)\n").ToString();
    }
}

/// <summary>
/// Random feeds with a small key space and few attribute values, so that what the rules are about happens often:
/// late changes, exact duplicates, ties, changes to and from NULL, changes equal to the version before, deletes and
/// re-creations, files without event time, and every split, landing order and task cadence.
/// </summary>
internal static class FeedGen
{
    public static readonly DateTime EventBase = new(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The test clock starts at the first event and moves 7 minutes per drain, so tutorial rows fall among event rows.</summary>
    public static readonly TimeSpan DrainStep = TimeSpan.FromMinutes(7);

    private static readonly string[] Ops = [ChangeOp.Upsert, ChangeOp.Insert, ChangeOp.Update, ChangeOp.Delete];

    /// <summary>How one row is made; interpreted against the rows made before it.</summary>
    private sealed record RowSpec(
        int Kind, int Customer, int Minute, bool Micro, int Op,
        int Ref, int AttrA, int ValueA, int AttrB, int ValueB,
        int[] Fresh, int File, int TimeForm, int OpForm);

    private const int Fresh = 0, Duplicate = 1, Tie = 2, Mutate = 3, Delete = 4;

    private static readonly Gen<RowSpec> Row = Gen.Select(
        Gen.Select(
            Gen.Frequency((5, Fresh), (1, Duplicate), (1, Tie), (4, Mutate), (1, Delete)),
            Gen.Int[0, 5],
            Gen.Int[0, 30],
            Gen.Frequency((8, false), (1, true)),
            Gen.Frequency((6, 0), (2, 1), (2, 2), (1, 3))),
        Gen.Select(Gen.Int[0, 99], Gen.Int[0, 6], Gen.Int[0, 3], Gen.Int[0, 9], Gen.Int[0, 3]),
        Gen.Select(Gen.Int[0, 3].Array[7], Gen.Int[0, 9], Gen.Int[0, 2], Gen.Int[0, 3]),
        (a, b, c) => new RowSpec(a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, b.Item1, b.Item2, b.Item3, b.Item4, b.Item5,
            c.Item1, c.Item2, c.Item3, c.Item4));

    /// <summary>Feeds of <paramref name="table"/>: attribute values are value numbers, 0 is NULL (see <see cref="FeedTable.Text"/>).</summary>
    public static Gen<FeedPlan> Plan(FeedTable table) =>
        from customers in Gen.Int[1, FeedTable.Keys]
        from specs in Row.Array[1, 24]
        from files in Gen.Select(Gen.Frequency((9, false), (1, true)), Gen.Int[0, 8], Gen.Int[0, 99], Gen.Bool).Array[1, 5]
        from batch in Gen.Int[0, 9]
        select Build(table.AttributeCount, customers, specs, files, batch <= 5 ? batch : 0);

    private static FeedPlan Build(int attributes, int customers, RowSpec[] specs, (bool Tutorial, int Rotation, int LandKey, bool Drain)[] files, int maxBatch)
    {
        var made = new List<(FeedRow Row, int File)>();
        foreach (var s in specs)
        {
            var at = EventBase.AddMinutes(s.Minute).AddTicks(s.Micro ? 2 * TimeSpan.TicksPerMicrosecond : 0);
            var id = 1 + (s.Customer % customers);
            var basis = made.Count == 0 ? null : made[s.Ref % made.Count].Row;
            var op = Ops[s.Op];
            var fresh = s.Fresh.Take(attributes).ToArray();
            var row = (s.Kind, basis) switch
            {
                (Duplicate, not null) => basis,
                (Tie, not null) => basis with { Op = op, Values = Mutated(basis.Values, s) },
                (Mutate, not null) => new FeedRow(basis.Key, at, s.Op == 3 ? ChangeOp.Upsert : op, Mutated(basis.Values, s)),
                (Delete, not null) => new FeedRow(basis.Key, at, ChangeOp.Delete, s.Ref % 3 == 0 ? basis.Values : new int[attributes]),
                _ => new FeedRow(id, at, op, op == ChangeOp.Delete && s.Ref % 3 != 0 ? new int[attributes] : fresh),
            };
            made.Add((row with { TimeForm = s.TimeForm, OpForm = s.OpForm }, s.File % files.Length));
        }

        // Files land in a random order, named by landing position; empty ones are not written.
        var landed = new List<FeedFile>();
        var drains = new List<bool>();
        foreach (var (f, i) in files.Select((f, i) => (f, i)).OrderBy(x => x.f.LandKey).ThenBy(x => x.i))
        {
            var rows = made.Where(m => m.File == i).Select(m => m.Row).ToList();
            if (rows.Count > 0)
            {
                landed.Add(new FeedFile($"f{landed.Count:D2}.csv", f.Tutorial, f.Rotation, rows));
                drains.Add(f.Drain);
            }
        }

        return new FeedPlan(landed, drains, maxBatch);
    }

    /// <summary>Changes up to two attributes (to NULL, from NULL, or to the value they already have).</summary>
    private static int[] Mutated(IReadOnlyList<int> attributes, RowSpec s)
    {
        var values = attributes.ToArray();
        values[s.AttrA % values.Length] = s.ValueA;
        if (s.AttrB < values.Length)
        {
            values[s.AttrB] = s.ValueB;
        }

        return values;
    }
}
