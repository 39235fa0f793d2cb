using System.Text.RegularExpressions;
using CustomerTrack.Query;
using CustomerTrack.Tables;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Cli.Commands;

/// <summary>
/// What a demo runs on: the customer feed (the demo as it always was), or with <c>--table</c> a table the settings
/// define. Its SQL is built from validated names only (<see cref="Identifiers"/>).
/// </summary>
internal sealed partial class DemoSubject(TableDefinition? table)
{
    private readonly TableDefinition _names = table ?? TableDefinition.Customer(ScdOptions.Default);

    /// <summary>The table whose feed the generator writes; null: the customer feed into landing/.</summary>
    public TableDefinition? Table => table;

    public string Current => _names.CurrentTable;

    public string History => _names.HistoryTable;

    /// <summary>What the SCD1 table counts, for people.</summary>
    public string Keys => TableDefinition.KeysWord(_names.Name);

    /// <summary>Said after the workspace on the demo's first line.</summary>
    public string Intro => table is null ? "" : $", table {table.Name} (landing/{table.Name}/, {table.Format.ToString().ToLowerInvariant()})";

    public string SnapshotSql => $"""
        SELECT (SELECT count(*) FROM load_history WHERE table_name = $table) AS files,
               (SELECT count(*) FROM {Q(_names.RawTable)}) AS rows_loaded,
               (SELECT count(*) FROM {Q(Current)}) AS keys,
               (SELECT count(*) FROM {Q(History)}) AS versions,
               (SELECT coalesce(max(_seq), 0) FROM {Q(_names.RawTable)})
                 - (SELECT offset_seq FROM stream_offset WHERE stream_name = $stream) AS lag_rows
        """;

    /// <summary>The values <see cref="SnapshotSql"/> binds.</summary>
    public IReadOnlyList<QueryParameter> SnapshotParameters => [QueryParameter.Text("table", _names.Name), QueryParameter.Text("stream", _names.StreamName)];

    /// <summary>The key with the most versions.</summary>
    public string BusiestSql
    {
        get
        {
            var key = string.Join(", ", _names.Key.Select(k => k.Quoted));
            return $"SELECT {key} FROM {Q(History)} GROUP BY {key} ORDER BY count(*) DESC, {key} LIMIT 1";
        }
    }

    /// <summary>
    /// The as-of example's moment: the start of the busiest key's next-to-last live version (its only one if it has
    /// one), so that the example shows a version the key had then, one history has since replaced. The key's values are
    /// parameters added to <paramref name="args"/>.
    /// </summary>
    public string? MomentSql(QueryResult busiest, QueryArgs args)
    {
        if (busiest.Rows.Count == 0)
        {
            return null;
        }

        var key = TableReads.KeyCondition(_names, _names.Key.Select((k, i) => $"{k.Name}={busiest.Rows[0][i]}").ToList(), args);
        return $"SELECT start_time FROM {Q(History)} WHERE NOT is_deleted AND start_time < end_time AND {key.Sql} ORDER BY start_time DESC LIMIT 2";
    }

    /// <summary>Three commands to try after the demo, each runnable as printed: a query, a history and an as-of.</summary>
    public IEnumerable<string> Examples(QueryResult busiest, string moment)
    {
        var values = busiest.Rows.Count > 0 ? busiest.Rows[0] : null;
        if (table is null)
        {
            var id = values?[0] ?? "1";
            yield return "query \"SELECT state, count(*) AS customers FROM customer GROUP BY state ORDER BY customers DESC LIMIT 5\"";
            yield return $"history {id}";
            yield return $"as-of \"{moment}\" --key {id}";
            yield break;
        }

        // Validated names need no quotes in SQL, which keeps the command line free of escaped ones.
        yield return table.Attributes.Count > 0
            ? $"query \"SELECT {table.Attributes[0].Name}, count(*) AS keys FROM {table.Name} GROUP BY {table.Attributes[0].Name} ORDER BY keys DESC LIMIT 5\""
            : $"query \"SELECT count(*) AS keys FROM {table.Name}\"";
        var key = string.Join(" ", table.Key.Select((k, i) => $"--key {Shell($"{k.Name}={values?[i] ?? "…"}")}"));
        yield return $"history --table {table.Name} {key}";
        yield return $"as-of \"{moment}\" --table {table.Name} {key}";
    }

    /// <summary>A word as a POSIX shell reads it back: bare when it can be, else double-quoted.</summary>
    private static string Shell(string word) => Bare().IsMatch(word)
        ? word
        : "\"" + word.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("$", "\\$", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + "\"";

    [GeneratedRegex(@"^[A-Za-z0-9_.,:@+=/-]+$")]
    private static partial Regex Bare();

    private static string Q(string name) => Identifiers.Quote(name);
}
