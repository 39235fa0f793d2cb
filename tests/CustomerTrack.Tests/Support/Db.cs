using CustomerTrack.Pipeline;
using CustomerTrack.Query;

namespace CustomerTrack.Tests.Support;

/// <summary>Read-only queries on a test workspace's warehouse, as rows of strings.</summary>
public static class Db
{
    public static QueryResult Query(Workspace ws, string sql)
    {
        using var reader = WarehouseReader.Open(ws);
        return reader.QueryAsync(sql).GetAwaiter().GetResult();
    }

    public static long Count(Workspace ws, string sql) => long.Parse(Query(ws, sql).Scalar ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Rows as "a|b|c" strings (NULL shown as ∅), in the query's order.</summary>
    public static List<string> Rows(Workspace ws, string sql) =>
        Query(ws, sql).Rows.Select(r => string.Join("|", r.Select(v => v ?? "∅"))).ToList();
}
