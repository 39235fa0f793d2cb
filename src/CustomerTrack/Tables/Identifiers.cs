using System.Text.RegularExpressions;

namespace CustomerTrack.Tables;

/// <summary>
/// Names that come from a table definition become SQL identifiers only through here: letters, digits and underscore,
/// starting with a letter, not a reserved word of DuckDB, PostgreSQL or Snowflake; always lower case and always quoted.
/// </summary>
internal static partial class Identifiers
{
    [GeneratedRegex("^[a-z][a-z0-9_]{0,62}$")]
    private static partial Regex Pattern();

    // Reserved (not merely non-reserved) key words of PostgreSQL 15, DuckDB and Snowflake, lower case.
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "between", "binary",
        "both", "case", "cast", "check", "collate", "collation", "column", "concurrently", "connect", "connection", "constraint",
        "create", "cross", "current", "current_catalog", "current_date", "current_role", "current_schema", "current_time",
        "current_timestamp", "current_user", "default", "deferrable", "delete", "desc", "describe", "distinct", "do", "drop",
        "else", "end", "except", "exists", "false", "fetch", "following", "for", "foreign", "freeze", "from", "full", "gscluster",
        "grant", "group", "having", "ilike", "in", "increment", "initially", "inner", "insert", "intersect", "into", "is",
        "isnull", "issue", "join", "lateral", "leading", "left", "like", "limit", "localtime", "localtimestamp", "minus",
        "natural", "not", "notnull", "null", "of", "offset", "on", "only", "or", "order", "outer", "overlaps", "pivot",
        "pivot_longer", "pivot_wider", "placing", "primary", "qualify", "references", "regexp", "returning", "revoke",
        "right", "rlike", "row", "rows", "sample", "select", "session_user", "set", "similar", "some", "start", "summarize",
        "symmetric", "table", "tablesample", "then", "to", "trailing", "trigger", "true", "try_cast", "union", "unique",
        "unpivot", "update", "user", "using", "values", "variadic", "verbose", "when", "whenever", "where", "window", "with",
    };

    /// <summary>The identifier for <paramref name="name"/> (lower case), or an error naming <paramref name="what"/> and the rule.</summary>
    public static string Validate(string? name, string what)
    {
        var lower = (name ?? "").Trim().ToLowerInvariant();
        if (!Pattern().IsMatch(lower))
        {
            throw new CustomerTrackException(
                $"{what} '{name}' is not a name CustomerTrack takes: use letters, digits and underscore, starting with a letter (at most 63)");
        }

        if (Reserved.Contains(lower))
        {
            throw new CustomerTrackException($"{what} '{name}' is a reserved SQL word; choose another name (or map it with Rename)");
        }

        return lower;
    }

    /// <summary>A validated name as a quoted identifier (DuckDB, PostgreSQL and Snowflake all take double quotes).</summary>
    public static string Quote(string validated) => '"' + validated + '"';
}
