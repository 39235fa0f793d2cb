using CustomerTrack.Tables;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Query;

/// <summary>One key whose state differs between two moments: its key values, how it changed, and the columns that differ.</summary>
internal sealed record KeyChange(string?[] Key, string Change, IReadOnlyList<ColumnChange> Columns);

/// <summary>A column whose value differs between the two moments, each in its display form.</summary>
internal sealed record ColumnChange(ResultColumn Column, string? Before, string? After);

/// <summary>
/// What changed between two moments (docs/semantics.md, rule 18): the table as of one moment against the table as of the
/// other, in one statement, as a full join of the two states on the key. The engine decides which keys and which
/// columns differ (<c>IS DISTINCT FROM</c>, so a change to or from NULL counts); this only lays its answer out.
/// </summary>
internal static class TableChanges
{
    /// <summary>
    /// The statement: per differing key, its key columns, <c>change</c> (<c>inserted</c>, <c>deleted</c>, <c>changed</c>),
    /// and per attribute its value before, after, and whether they differ; in key order. With <paramref name="knownAt"/>,
    /// both moments are read from the history as known then. The moments are parameters added to <paramref name="args"/>.
    /// </summary>
    public static string Sql(TableDefinition table, DateTime from, DateTime to, string? keyCondition, DateTime? knownAt, QueryArgs args)
    {
        var columns = string.Join(", ", table.Columns.Select(c => c.Quoted));
        var history = TableReads.HistoryOf(table, knownAt);
        var only = keyCondition is null ? "" : " AND " + keyCondition;
        string State(string at) =>
            $"SELECT {columns} FROM {history} WHERE start_time <= {at} AND {at} < end_time AND NOT is_deleted{only}";

        var with = knownAt is { } known ? KnownAt.With(table, known, keyCondition, args).TrimEnd() + ",\n" : "WITH ";
        var first = table.Key[0].Quoted;
        var differ = table.Attributes.Select(a => $"b.{a.Quoted} IS DISTINCT FROM a.{a.Quoted}").ToArray();
        var perAttribute = string.Concat(table.Attributes.Select((a, i) =>
            $", b.{a.Quoted} AS _before_{i}, a.{a.Quoted} AS _after_{i}, {differ[i]} AS _differs_{i}"));
        return $"""
            {with}_ch_before AS ({State(args.Timestamp(from, "from"))}),
            _ch_after AS ({State(args.Timestamp(to, "to"))})
            SELECT {string.Join(", ", table.Key.Select(k => $"coalesce(b.{k.Quoted}, a.{k.Quoted}) AS {k.Quoted}"))},
                   CASE WHEN b.{first} IS NULL THEN 'inserted' WHEN a.{first} IS NULL THEN 'deleted' ELSE 'changed' END AS change{perAttribute}
            FROM _ch_before b FULL JOIN _ch_after a ON {string.Join(" AND ", table.Key.Select(k => $"b.{k.Quoted} = a.{k.Quoted}"))}
            WHERE b.{first} IS NULL OR a.{first} IS NULL{string.Concat(differ.Select(d => " OR " + d))}
            ORDER BY {string.Join(", ", table.Key.Select((_, i) => (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)))}
            """;
    }

    /// <summary>The statement's answer, key by key, with the columns that differ (in the table's column order).</summary>
    public static IReadOnlyList<KeyChange> Read(TableDefinition table, QueryResult answer)
    {
        var keys = table.Key.Count;
        var changes = new List<KeyChange>(answer.Rows.Count);
        foreach (var row in answer.Rows)
        {
            var columns = new List<ColumnChange>();
            for (var i = 0; i < table.Attributes.Count; i++)
            {
                var at = keys + 1 + 3 * i;
                if (row[at + 2] == "true")
                {
                    columns.Add(new ColumnChange(new ResultColumn(table.Attributes[i].Name, answer.Columns[at].Kind), row[at], row[at + 1]));
                }
            }

            changes.Add(new KeyChange(row[..keys], row[keys]!, columns));
        }

        return changes;
    }

    /// <summary>
    /// The changes as a table: one row per differing column (key, <c>change</c>, <c>column</c>, <c>before</c>,
    /// <c>after</c>); a key with no differing column (it came or went with every value NULL) gets one row without a column.
    /// </summary>
    public static QueryResult Long(TableDefinition table, QueryResult answer, IReadOnlyList<KeyChange> changes)
    {
        var columns = answer.Columns.Take(table.Key.Count)
            .Concat(new[] { "change", "column", "before", "after" }.Select(n => new ResultColumn(n, CellKind.Text))).ToList();
        var rows = changes.SelectMany(c => c.Columns.Count == 0
            ? [(string?[])[.. c.Key, c.Change, null, null, null]]
            : c.Columns.Select(d => (string?[])[.. c.Key, c.Change, d.Column.Name, d.Before, d.After])).ToList();
        return new QueryResult(columns, rows) { CutAt = answer.CutAt };
    }
}
