using System.Text.RegularExpressions;
using CustomerTrack.Scd;

namespace CustomerTrack.Warehouse.Postgres;

/// <summary>PostgreSQL's SQL: Npgsql's <c>@name</c> parameters, and a b-tree on each SCD1 key.</summary>
internal sealed partial class PostgresDialect : ISqlDialect
{
    public static readonly ISqlDialect Instance = new PostgresDialect();

    private PostgresDialect()
    {
    }

    public string Name => "PostgreSQL";

    /// <summary>The b-tree turns the task's delete by key into index lookups.</summary>
    public bool IndexesKeys => true;

    public string Parameters(string sql) => Parameter().Replace(sql, "@$1");

    public string TempTableLike(string name, string like) => $"CREATE TEMP TABLE {name} (LIKE {like}) ON COMMIT DROP";

    [GeneratedRegex(@"\$([a-z_]+)")]
    private static partial Regex Parameter();
}
