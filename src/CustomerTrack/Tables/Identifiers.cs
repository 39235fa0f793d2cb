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
            throw new CustomerTrackException($"{what} '{name}' is a reserved SQL word; {Fix(what, lower)}");
        }

        return lower;
    }

    /// <summary>
    /// What gets round a reserved word: a file's column is mapped to another name with <c>Rename</c>; a table (or any
    /// other name) is simply called something else, and a table's files then go into the folder of that name.
    /// </summary>
    private static string Fix(string what, string name) => what switch
    {
        "column" => $"name the column otherwise and map the file's column to it with Rename (\"Rename\": {{ \"{name}\": \"{name}_\" }})",
        "table" or "--table" => "give the table another name (its files then go into landing/<that name>/)",
        _ => "choose another name",
    };

    /// <summary>A validated name as a quoted identifier (DuckDB, PostgreSQL and Snowflake all take double quotes).</summary>
    public static string Quote(string validated) => '"' + validated + '"';
}
