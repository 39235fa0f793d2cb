using System.Globalization;
using CustomerTrack.Formats;
using CustomerTrack.Tables;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Query;

/// <summary>A key condition: its SQL (the values parameters of the statement's args) and, for people, <c>customer_id = 404</c>.</summary>
internal sealed record KeyFilter(string Sql, string Shown);

/// <summary>
/// The reading queries of one table (history, as-of) in SQL both engines take. Key values come from the command line:
/// each is parsed as its column's type first, and is bound as a parameter, never written into the text.
/// </summary>
internal static class TableReads
{
    /// <summary>
    /// The key condition for <paramref name="values"/> (<c>column=value</c>, or one bare value for a one-column key),
    /// its values added to <paramref name="args"/>; or an error that names the key's columns.
    /// </summary>
    public static KeyFilter KeyCondition(TableDefinition table, IReadOnlyList<string> values, QueryArgs args, bool partial = false)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var eq = value.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0 && values.Count == 1 && table.Key.Count == 1)
            {
                pairs[table.Key[0].Name] = value;
                continue;
            }

            if (eq <= 0)
            {
                throw new CustomerTrackException($"'{value}' is not column=value; table {table.Name}'s key is {Describe(table)}");
            }

            var column = value[..eq].Trim().ToLowerInvariant();
            if (table.Key.All(k => k.Name != column))
            {
                throw new CustomerTrackException($"'{column}' is not a key column of table {table.Name}; its key is {Describe(table)}");
            }

            pairs[column] = value[(eq + 1)..];
        }

        // With part of a composite key (history, as-of: every line of one order), the columns given select every key that has them.
        var missing = table.Key.Where(k => !pairs.ContainsKey(k.Name)).Select(k => k.Name).ToArray();
        if (missing.Length > 0 && !(partial && pairs.Count > 0))
        {
            throw new CustomerTrackException($"table {table.Name}'s key is {Describe(table)}; give {string.Join(", ", missing.Select(m => $"--key {m}=…"))}");
        }

        var given = table.Key.Where(k => pairs.ContainsKey(k.Name)).Select(k => (Column: k, Value: Checked(k, pairs[k.Name]))).ToList();
        return new KeyFilter(
            string.Join(" AND ", given.Select(g => $"{g.Column.Quoted} = {Parameter(g.Column, g.Value, args)}")),
            string.Join(" AND ", given.Select(g => $"{g.Column.Name} = {(g.Value is string s ? $"'{s}'" : Text(g.Value))}")));
    }

    private static string Describe(TableDefinition table) =>
        string.Join(", ", table.Key.Select(k => $"{k.Name} ({k.Type})"));

    /// <summary>The value of <paramref name="column"/>'s type that <paramref name="text"/> holds, or an error naming the column.</summary>
    private static object Checked(Column column, string text)
    {
        object? value = null;
        var error = text.Length == 0 ? "is empty" : Values.FromText(text, column.Type, out value);
        return error is null && value is not null ? value : throw new CustomerTrackException($"{column.Name}: {error ?? "is empty"}");
    }

    /// <summary>
    /// A checked value as a parameter: text, a moment and an integer as themselves; a number, a boolean or a date as
    /// its invariant text, cast to the column's type by the engine (exact for a decimal of any precision).
    /// </summary>
    private static string Parameter(Column column, object value, QueryArgs args) => value switch
    {
        string s => args.Text(s, "key"),
        long l => args.BigInt(l, "key"),
        int n => args.BigInt(n, "key"),
        DateTime t => args.Timestamp(t, "key"),
        _ => $"CAST({args.Text(Text(value), "key")} AS {column.Type.Sql})",
    };

    private static string Text(object value) => value switch
    {
        bool b => b ? "true" : "false",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Columns(TableDefinition table) => string.Join(", ", table.Columns.Select(c => c.Quoted));

    private static string Order(TableDefinition table) => string.Join(", ", table.Key.Select(k => k.Quoted));

    /// <summary>
    /// Every version of the keys <paramref name="keyCondition"/> selects (one, or all with part of a composite key), key by
    /// key, oldest first; as known at <paramref name="knownAt"/> when given (<see cref="KnownAt"/>). The moment is a
    /// parameter added to <paramref name="args"/>, which holds the condition's already.
    /// </summary>
    public static string History(TableDefinition table, string keyCondition, DateTime? knownAt, QueryArgs args) => $"""
        {With(table, knownAt, keyCondition, args)}SELECT {Columns(table)}, start_time, end_time, is_current, is_deleted
        FROM {HistoryOf(table, knownAt)} WHERE {keyCondition} ORDER BY {Order(table)}, start_time
        """;

    /// <summary>The table as it stood at <paramref name="at"/>, from history (optionally one key; as known at <paramref name="knownAt"/> when given).</summary>
    public static string AsOf(TableDefinition table, DateTime at, string? keyCondition, DateTime? knownAt, QueryArgs args)
    {
        var moment = args.Timestamp(at, "at");
        return $"""
            {With(table, knownAt, keyCondition, args)}SELECT {Columns(table)}, start_time AS valid_from
            FROM {HistoryOf(table, knownAt)}
            WHERE start_time <= {moment} AND {moment} < end_time AND NOT is_deleted{(keyCondition is null ? "" : " AND " + keyCondition)}
            ORDER BY {Order(table)}
            """;
    }

    /// <summary>The <c>WITH</c> clause of the history as known at <paramref name="knownAt"/>, or nothing.</summary>
    public static string With(TableDefinition table, DateTime? knownAt, string? keyCondition, QueryArgs args) =>
        knownAt is { } at ? KnownAt.With(table, at, keyCondition, args) : "";

    /// <summary>The history table, or the history as known at <paramref name="knownAt"/>.</summary>
    public static string HistoryOf(TableDefinition table, DateTime? knownAt) =>
        knownAt is null ? Identifiers.Quote(table.HistoryTable) : KnownAt.History;
}
