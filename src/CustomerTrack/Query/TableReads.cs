using System.Globalization;
using CustomerTrack.Formats;
using CustomerTrack.Tables;

namespace CustomerTrack.Query;

/// <summary>
/// The reading queries of one table (history, as-of) in SQL both engines take. Key values come from the command line:
/// each is parsed as its column's type first, so only a checked value ever becomes a SQL literal.
/// </summary>
internal static class TableReads
{
    /// <summary>
    /// The key condition for <paramref name="values"/> (<c>column=value</c>, or one bare value for a one-column key),
    /// or an error that names the key's columns.
    /// </summary>
    public static string KeyCondition(TableDefinition table, IReadOnlyList<string> values, bool partial = false)
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

        return string.Join(" AND ", table.Key.Where(k => pairs.ContainsKey(k.Name)).Select(k => $"{k.Quoted} = {Literal(k, pairs[k.Name])}"));
    }

    private static string Describe(TableDefinition table) =>
        string.Join(", ", table.Key.Select(k => $"{k.Name} ({k.Type})"));

    /// <summary>A checked value of <paramref name="column"/>'s type as a SQL literal.</summary>
    private static string Literal(Column column, string text)
    {
        object? value = null;
        var error = text.Length == 0 ? "is empty" : Values.FromText(text, column.Type, out value);
        if (error is not null || value is null)
        {
            throw new CustomerTrackException($"{column.Name}: {error ?? "is empty"}");
        }

        return value switch
        {
            string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
            bool b => b ? "true" : "false",
            DateOnly d => $"DATE '{d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}'",
            DateTime t => $"TIMESTAMP '{t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}'",
            decimal m => m.ToString(CultureInfo.InvariantCulture),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => throw new CustomerTrackException($"{column.Name}: no literal for {value.GetType().Name}"),
        };
    }

    private static string Columns(TableDefinition table) => string.Join(", ", table.Columns.Select(c => c.Quoted));

    private static string Order(TableDefinition table) => string.Join(", ", table.Key.Select(k => k.Quoted));

    /// <summary>
    /// Every version of the keys <paramref name="keyCondition"/> selects (one, or all with part of a composite key), key by
    /// key, oldest first; as known at <paramref name="knownAt"/> (a SQL timestamp) when given (<see cref="KnownAt"/>).
    /// </summary>
    public static string History(TableDefinition table, string keyCondition, string? knownAt = null) => $"""
        {With(table, knownAt, keyCondition)}SELECT {Columns(table)}, start_time, end_time, is_current, is_deleted
        FROM {HistoryOf(table, knownAt)} WHERE {keyCondition} ORDER BY {Order(table)}, start_time
        """;

    /// <summary>The table as it stood at <paramref name="sqlTimestamp"/>, from history (optionally one key; as known at <paramref name="knownAt"/> when given).</summary>
    public static string AsOf(TableDefinition table, string sqlTimestamp, string? keyCondition, string? knownAt = null) => $"""
        {With(table, knownAt, keyCondition)}SELECT {Columns(table)}, start_time AS valid_from
        FROM {HistoryOf(table, knownAt)}
        WHERE start_time <= {sqlTimestamp} AND {sqlTimestamp} < end_time AND NOT is_deleted{(keyCondition is null ? "" : " AND " + keyCondition)}
        ORDER BY {Order(table)}
        """;

    private static string With(TableDefinition table, string? knownAt, string? keyCondition) =>
        knownAt is null ? "" : KnownAt.With(table, knownAt, keyCondition);

    /// <summary>The history table, or the history as known at <paramref name="knownAt"/>.</summary>
    public static string HistoryOf(TableDefinition table, string? knownAt) =>
        knownAt is null ? Identifiers.Quote(table.HistoryTable) : KnownAt.History;
}
