using CustomerTrack.Tables;

namespace CustomerTrack.Query;

/// <summary>Why history or as-of found nothing: no such key, a moment before its first version, or a key deleted then.</summary>
internal static class EmptyReasons
{
    public static Task<string> HistoryAsync(WarehouseReader reader, TableDefinition table, string keyCondition, CancellationToken ct,
        string? knownAt = null) =>
        Task.FromResult($"no {Shown(keyCondition)} in {table.HistoryTable}{(knownAt is null ? "" : $" as known at {Moment(knownAt)}")}");

    /// <summary>Why as-of found nothing; with <paramref name="knownAt"/>, in the history as known then.</summary>
    public static async Task<string> AsOfAsync(WarehouseReader reader, TableDefinition table, string sqlTimestamp, string? keyCondition, CancellationToken ct,
        string? knownAt = null)
    {
        var facts = await reader.QueryAsync($"""
            {(knownAt is null ? "" : KnownAt.With(table, knownAt, keyCondition))}SELECT count(*) AS n, min(start_time) AS first, min(start_time) > {sqlTimestamp} AS before
            FROM {TableReads.HistoryOf(table, knownAt)}{(keyCondition is null ? "" : " WHERE " + keyCondition)}
            """, ct);
        var at = Moment(sqlTimestamp);
        if (facts.Long(0, "n") == 0)
        {
            var known = knownAt is null ? "" : $" as known at {Moment(knownAt)}";
            return keyCondition is null
                ? $"{table.HistoryTable} is empty{(knownAt is null ? ": no change has been applied yet" : known)}"
                : $"no {Shown(keyCondition)} in {table.HistoryTable}{known}";
        }

        if (facts.Text(0, "before") == "true")
        {
            return $"{at} is before the first version{(keyCondition is null ? $" in {table.HistoryTable}" : "")} ({facts.Text(0, "first")})";
        }

        return keyCondition is null ? $"no key had a version at {at}: each was deleted then" : $"no version holds at {at}: it was deleted then";
    }

    /// <summary>A SQL timestamp for people: <c>2026-01-01 10:30:00</c>.</summary>
    private static string Moment(string sqlTimestamp)
    {
        var at = sqlTimestamp.Replace("TIMESTAMP ", "", StringComparison.Ordinal).Trim('\'');
        return at.Contains('.', StringComparison.Ordinal) ? at.TrimEnd('0').TrimEnd('.') : at;
    }

    /// <summary>The key condition for people: <c>customer_id = 404</c>.</summary>
    private static string Shown(string keyCondition) => keyCondition.Replace("\"", "", StringComparison.Ordinal);
}
