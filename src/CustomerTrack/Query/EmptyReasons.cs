using System.Globalization;
using CustomerTrack.Tables;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Query;

/// <summary>Why history or as-of found nothing: no such key, a moment before its first version, or a key deleted then.</summary>
internal static class EmptyReasons
{
    public static string History(TableDefinition table, KeyFilter key, DateTime? knownAt = null) =>
        $"no {key.Shown} in {table.HistoryTable}{(knownAt is { } k ? $" as known at {Moment(k)}" : "")}";

    /// <summary>
    /// Why as-of found nothing; with <paramref name="knownAt"/>, in the history as known then. <paramref name="args"/> are
    /// those of the as-of statement (the key's values among them); this statement binds what it needs of them.
    /// </summary>
    public static async Task<string> AsOfAsync(WarehouseReader reader, TableDefinition table, DateTime at, KeyFilter? key, QueryArgs args,
        CancellationToken ct, DateTime? knownAt = null)
    {
        var keyCondition = key?.Sql;
        var facts = await reader.QueryAsync($"""
            {TableReads.With(table, knownAt, keyCondition, args)}SELECT count(*) AS n, min(start_time) AS first, min(start_time) > {args.Timestamp(at, "at")} AS before
            FROM {TableReads.HistoryOf(table, knownAt)}{(keyCondition is null ? "" : " WHERE " + keyCondition)}
            """, args, ct);
        var moment = Moment(at);
        if (facts.Long(0, "n") == 0)
        {
            var known = knownAt is { } k ? $" as known at {Moment(k)}" : "";
            return key is null
                ? $"{table.HistoryTable} is empty{(knownAt is null ? ": no change has been applied yet" : known)}"
                : $"no {key.Shown} in {table.HistoryTable}{known}";
        }

        if (facts.Text(0, "before") == "true")
        {
            return $"{moment} is before the first version{(key is null ? $" in {table.HistoryTable}" : "")} ({facts.Text(0, "first")})";
        }

        return key is null ? $"no key had a version at {moment}: each was deleted then" : $"no version holds at {moment}: it was deleted then";
    }

    /// <summary>A moment for people: <c>2026-01-01 10:30:00</c>, with its fraction only when it has one.</summary>
    private static string Moment(DateTime at) => at.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture);
}
