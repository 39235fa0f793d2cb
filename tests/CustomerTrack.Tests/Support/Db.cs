using CustomerTrack.Query;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Tests.Support;

/// <summary>Read-only queries on a test workspace's warehouse, as rows of strings.</summary>
internal static class Db
{
    /// <summary>One string that changes when any row of customer or customer_history does: compare two runs' tables.</summary>
    public const string TablesFingerprint = """
        SELECT (SELECT md5(coalesce(string_agg(c::VARCHAR, chr(10) ORDER BY c::VARCHAR), '')) FROM customer c)
            || (SELECT md5(coalesce(string_agg(h::VARCHAR, chr(10) ORDER BY h::VARCHAR), '')) FROM customer_history h)
        """;

    /// <summary>Ledger rows per loaded file name ("name|count"): nothing lost, nothing loaded twice.</summary>
    public const string RowsPerFile = """
        SELECT l.file_name, count(r._seq) FROM load_history l LEFT JOIN customer_raw r ON r._file = l.file_key
        WHERE l.status NOT IN ('SKIPPED', 'LOAD_SKIPPED') GROUP BY l.file_name ORDER BY l.file_name
        """;

    public static QueryResult Query(Workspace ws, string sql, IReadOnlyList<QueryParameter>? parameters = null)
    {
        using var reader = WarehouseReader.Open(ws);
        return reader.QueryAsync(sql, parameters ?? []).GetAwaiter().GetResult();
    }

    public static long Count(Workspace ws, string sql) => long.Parse(Query(ws, sql).Scalar ?? "0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Rows as "a|b|c" strings (NULL shown as ∅), in the query's order.</summary>
    public static List<string> Rows(Workspace ws, string sql) =>
        Query(ws, sql).Rows.Select(r => string.Join("|", r.Select(v => v ?? "∅"))).ToList();
}
