using System.Text.RegularExpressions;
using CustomerTrack.Scd;

namespace CustomerTrack.Warehouse.Postgres;

/// <summary>PostgreSQL's SQL: Npgsql's <c>@name</c> parameters (<c>$1</c>… in the reader's session), and a b-tree on each SCD1 key.</summary>
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

    /// <summary>
    /// Each <c>$name</c> of <paramref name="names"/> as <c>$N</c>, its place in the list from 1; any other <c>$</c> (a
    /// dollar-quoted string, <c>$1</c>) is left as it is. The names come from the program, never from a reader's text.
    /// </summary>
    public string ReaderParameters(string sql, IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return sql;
        }

        var position = names.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i + 1, StringComparer.Ordinal);
        return ReaderParameter().Replace(sql, m => position.TryGetValue(m.Groups[1].Value, out var n)
            ? "$" + n.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : m.Value);
    }

    public string TempTableLike(string name, string like) => $"CREATE TEMP TABLE {name} (LIKE {like}) ON COMMIT DROP";

    [GeneratedRegex(@"\$([a-z_]+)")]
    private static partial Regex Parameter();

    [GeneratedRegex(@"\$([a-z_][a-z0-9_]*)")]
    private static partial Regex ReaderParameter();
}
