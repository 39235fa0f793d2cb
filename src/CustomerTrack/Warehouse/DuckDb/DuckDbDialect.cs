using CustomerTrack.Scd;

namespace CustomerTrack.Warehouse.DuckDb;

/// <summary>DuckDB's SQL: the shared SQL as it is written (<c>$name</c> parameters), and no key index.</summary>
internal sealed class DuckDbDialect : ISqlDialect
{
    public static readonly ISqlDialect Instance = new DuckDbDialect();

    private DuckDbDialect()
    {
    }

    public string Name => "DuckDB";

    /// <summary>
    /// DuckDB joins the task's delete by hash either way, while its ART index made every insert several times slower
    /// and every checkpoint write the whole index again (duckdb/duckdb#24848).
    /// </summary>
    public bool IndexesKeys => false;

    /// <summary>DuckDB has no ON COMMIT DROP: the table is the session's, dropped by whoever made it.</summary>
    public string TempTableLike(string name, string like) => $"CREATE TEMP TABLE {name} AS SELECT * FROM {like} WHERE false";
}
