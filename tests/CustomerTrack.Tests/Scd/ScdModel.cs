using CustomerTrack.Contract;

namespace CustomerTrack.Tests.Scd;

/// <summary>The SCD options a run honours: the test-side twin of <c>ScdSettings</c>.</summary>
internal sealed record ScdOptions(IReadOnlyList<string> TrackHistoryExcept, bool IgnoreNullUpdates, string DeleteMode)
{
    public static readonly ScdOptions Default = new([], false, "close");

    public bool TombstoneRows => DeleteMode == "tombstone-row";

    /// <summary>The options as settings flags for <c>Workspace.Open</c>.</summary>
    public Dictionary<string, string?> Flags()
    {
        var flags = new Dictionary<string, string?>
        {
            ["Scd:IgnoreNullUpdates"] = IgnoreNullUpdates ? "true" : "false",
            ["Scd:DeleteMode"] = DeleteMode,
        };
        for (var i = 0; i < TrackHistoryExcept.Count; i++)
        {
            flags[$"Scd:TrackHistoryExcept:{i}"] = TrackHistoryExcept[i];
        }

        return flags;
    }

    public override string ToString() =>
        $"TrackHistoryExcept=[{string.Join(",", TrackHistoryExcept)}] IgnoreNullUpdates={IgnoreNullUpdates} DeleteMode={DeleteMode}";
}

/// <summary>One row of a table's ledger as the model sees it: load order, key values, sequence, op and the attributes (as the warehouse shows them).</summary>
internal sealed record LedgerRow(long Seq, IReadOnlyList<string> Key, DateTime UpdatedAt, string Op, IReadOnlyList<string?> Attributes)
{
    public bool IsDelete => Op == ChangeOp.Delete;

    /// <summary>The key as one value, for grouping.</summary>
    public string KeyText => string.Join("\u0001", Key);

    /// <summary>
    /// What the row does, which makes two rows of one key and sequence the same change or different ones (a tie): a
    /// delete (whatever attributes it carries), or an upsert (INSERT, UPDATE, UPSERT alike) of these values, NULL included.
    /// </summary>
    public string Change => IsDelete ? "delete" : "upsert\u0001" + string.Join("\u0001", Attributes.Select(a => a is null ? "\u0002" : a));

    /// <summary>As the ledger query in <see cref="ScdRun.LedgerRows"/> shows it.</summary>
    public string Show() =>
        string.Join("|", [Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), .. Key,
            EventTime.Format(UpdatedAt), Op, .. Attributes.Select(ScdModel.Cell)]);
}

/// <summary>The tables the model expects, as rows of "a|b|c" strings (NULL shown as ∅), in key order.</summary>
internal sealed record ScdTables(IReadOnlyList<string> Customer, IReadOnlyList<string> History);

/// <summary>
/// The reference model of docs/semantics.md: small, in memory, and written as the rules read. It takes every ledger row,
/// puts each key's changes in sequence (event time, then load order), and applies them one by one. It knows of a table
/// only its attribute names (for TrackHistoryExcept) and how its keys sort.
/// </summary>
internal static class ScdModel
{
    public const string CustomerColumns = "customer_id, first_name, last_name, email, street, city, state, country, update_timestamp";

    public const string HistoryColumns =
        "customer_id, first_name, last_name, email, street, city, state, country, start_time, end_time, is_current, is_deleted";

    public static string Cell(string? value) => value ?? "∅";

    public static ScdTables Apply(IEnumerable<LedgerRow> ledger, ScdOptions options, FeedTable table)
    {
        var customer = new List<string>();
        var history = new List<string>();
        var keys = Comparer<IReadOnlyList<string>>.Create(table.CompareKeys);
        foreach (var rows in ledger.GroupBy(r => r.KeyText).OrderBy(g => g.First().Key, keys))
        {
            var id = rows.First().Key;
            var (shown, shownAt, versions) = ApplyOne(rows.ToList(), options, table.AttributeNames);
            if (shown is not null)
            {
                customer.Add(string.Join("|", [.. id, .. shown.Select(Cell), EventTime.Format(shownAt)]));
            }

            foreach (var v in versions)
            {
                var current = v.End == Columns.OpenEnd;
                history.Add(string.Join("|", [.. id, .. v.Attributes.Select(Cell), EventTime.Format(v.Start), EventTime.Format(v.End),
                    current ? "true" : "false", v.IsDeleted ? "true" : "false"]));
            }
        }

        return new ScdTables(customer, history);
    }

    /// <summary>
    /// One customer's changes in sequence: the same row loaded twice is one change, loaded when first seen; of the
    /// different changes with one updated_at (a tie), the one loaded last wins.
    /// </summary>
    public static List<LedgerRow> Sequence(IEnumerable<LedgerRow> rows) =>
        rows.GroupBy(r => (r.UpdatedAt, r.Change)).Select(same => same.MinBy(r => r.Seq)!)
            .GroupBy(r => r.UpdatedAt).Select(tie => tie.MaxBy(r => r.Seq)!)
            .OrderBy(r => r.UpdatedAt)
            .ToList();

    /// <summary>
    /// The ties a task run over ledger rows (<paramref name="from"/>, <paramref name="to"/>] reports: key-and-updated_at
    /// groups holding two different changes, at least one of which the run saw for the first time.
    /// </summary>
    public static long Ties(IEnumerable<LedgerRow> ledger, long from, long to) =>
        ledger.Where(r => r.Seq <= to)
            .GroupBy(r => (r.KeyText, r.UpdatedAt))
            .Count(g =>
            {
                var firstSeen = g.GroupBy(r => r.Change).Select(c => c.Min(r => r.Seq)).ToList();
                return firstSeen.Count > 1 && firstSeen.Max() > from;
            });

    private sealed class Version(string?[] attributes, DateTime start, bool isDeleted)
    {
        public string?[] Attributes { get; set; } = attributes;
        public DateTime Start { get; } = start;
        public DateTime End { get; set; } = Columns.OpenEnd;
        public bool IsDeleted { get; } = isDeleted;
    }

    private static (string?[]? Shown, DateTime ShownAt, List<Version> Versions) ApplyOne(List<LedgerRow> rows, ScdOptions options,
        IReadOnlyList<string> attributes)
    {
        var tracked = Enumerable.Range(0, attributes.Count)
            .Where(i => !options.TrackHistoryExcept.Contains(attributes[i]))
            .ToArray();
        var versions = new List<Version>();

        // What the current table shows: null while the key does not exist (never seen, or deleted).
        string?[]? shown = null;
        var shownAt = default(DateTime);
        foreach (var change in Sequence(rows))
        {
            var open = versions.Count > 0 && versions[^1].End == Columns.OpenEnd ? versions[^1] : null;
            if (change.IsDelete)
            {
                if (shown is not null)
                {
                    // A DELETE closes the current version at its sequence and removes the customer row.
                    open!.End = change.UpdatedAt;
                    open = null;
                    shown = null;
                }

                // tombstone-row: a final, deleted version (one, however many deletes follow).
                if (options.TombstoneRows && open is null)
                {
                    versions.Add(new Version(new string?[attributes.Count], change.UpdatedAt, isDeleted: true));
                }

                continue;
            }

            var values = change.Attributes.ToArray();
            if (options.IgnoreNullUpdates && shown is not null)
            {
                // A NULL means "unchanged"; after a delete there is nothing to keep.
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] ??= shown[i];
                }
            }

            if (shown is not null && tracked.All(i => values[i] == shown[i]))
            {
                // No tracked attribute changed: no new version; untracked ones take this (later) change's values.
                open!.Attributes = values;
            }
            else
            {
                if (open is not null)
                {
                    open.End = change.UpdatedAt;
                }

                versions.Add(new Version(values, change.UpdatedAt, isDeleted: false));
            }

            shown = values;
            shownAt = change.UpdatedAt;
        }

        return (shown, shownAt, versions);
    }
}
