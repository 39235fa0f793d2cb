using CustomerTrack.Tables;

namespace CustomerTrack.Query;

/// <summary>Why history or as-of found nothing: no such key, a moment before its first version, or a key deleted then.</summary>
internal static class EmptyReasons
{
    public static Task<string> HistoryAsync(WarehouseReader reader, TableDefinition table, string keyCondition, CancellationToken ct) =>
        Task.FromResult($"no {Shown(keyCondition)} in {table.HistoryTable}");

    public static async Task<string> AsOfAsync(WarehouseReader reader, TableDefinition table, string sqlTimestamp, string? keyCondition, CancellationToken ct)
    {
        var facts = await reader.QueryAsync($"""
            SELECT count(*) AS n, min(start_time) AS first, min(start_time) > {sqlTimestamp} AS before
            FROM {Identifiers.Quote(table.HistoryTable)}{(keyCondition is null ? "" : " WHERE " + keyCondition)}
            """, ct);
        var at = sqlTimestamp.Replace("TIMESTAMP ", "", StringComparison.Ordinal).Trim('\'');
        at = at.Contains('.', StringComparison.Ordinal) ? at.TrimEnd('0').TrimEnd('.') : at;
        if (facts.Long(0, "n") == 0)
        {
            return keyCondition is null ? $"{table.HistoryTable} is empty: no change has been applied yet" : $"no {Shown(keyCondition)} in {table.HistoryTable}";
        }

        if (facts.Text(0, "before") == "true")
        {
            return $"{at} is before the first version{(keyCondition is null ? $" in {table.HistoryTable}" : "")} ({facts.Text(0, "first")})";
        }

        return keyCondition is null ? $"no key had a version at {at}: each was deleted then" : $"no version holds at {at}: it was deleted then";
    }

    /// <summary>The key condition for people: <c>customer_id = 404</c>.</summary>
    private static string Shown(string keyCondition) => keyCondition.Replace("\"", "", StringComparison.Ordinal);
}
