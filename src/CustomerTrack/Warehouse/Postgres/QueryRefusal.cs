using Npgsql;

namespace CustomerTrack.Warehouse.Postgres;

/// <summary>
/// Words for a query PostgreSQL refused, the same as the embedded warehouse's. The server does the refusing (a statement
/// in a subquery, one statement per message, a read-only session); this only reads the text to say why, so that a
/// write reads "query is read-only" and a second statement "one SELECT statement at a time" on both engines, rather
/// than a syntax error about the wrapper the user never wrote.
/// </summary>
internal static class QueryRefusal
{
    /// <summary>Written exactly as DuckDbWarehouse writes them.</summary>
    public const string ReadOnly = "query is read-only: only a single SELECT (or WITH … SELECT) statement is allowed";

    /// <summary>Written exactly as DuckDbWarehouse writes it.</summary>
    public const string OneStatement = "query takes one SELECT statement at a time";

    private static readonly HashSet<string> QueryWords = new(StringComparer.OrdinalIgnoreCase) { "SELECT", "WITH", "VALUES", "TABLE", "(" };

    /// <summary>The one-line message for <paramref name="sql"/>, which the server refused with <paramref name="e"/>.</summary>
    public static string Message(string sql, PostgresException e)
    {
        if (e.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction)
        {
            return ReadOnly;
        }

        if (e.SqlState == PostgresErrorCodes.SyntaxError)
        {
            var (first, statements) = Scan(sql);
            if (statements > 1)
            {
                return OneStatement;
            }

            if (first is not null && !QueryWords.Contains(first))
            {
                return ReadOnly;
            }
        }

        // One line, as every error is: the server may quote the text, wrapper and line breaks and all.
        // The server's hint ("Perhaps you meant to reference the column …") is the half that says what to fix.
        var hint = string.IsNullOrWhiteSpace(e.Hint) ? "" : $"; {e.Hint.ReplaceLineEndings(" ")}";
        return $"SQL error: {e.MessageText.ReplaceLineEndings(" ")}{hint} (query takes one SELECT statement)";
    }

    /// <summary>
    /// The text's first word (or "(") and how many statements its top-level semicolons separate, skipping comments,
    /// quoted strings and names, and dollar-quoted bodies.
    /// </summary>
    internal static (string? First, int Statements) Scan(string sql)
    {
        string? first = null;
        var statements = 0;
        var inStatement = false;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && At(sql, i, "--"))
            {
                i = sql.IndexOf('\n', i) is var end and >= 0 ? end + 1 : sql.Length;
            }
            else if (c == '/' && At(sql, i, "/*"))
            {
                i = SkipBlockComment(sql, i);
            }
            else if (c == ';')
            {
                inStatement = false;
                i++;
            }
            else
            {
                if (!inStatement)
                {
                    inStatement = true;
                    statements++;
                }

                if (c is '\'' or '"')
                {
                    i = sql.IndexOf(c, i + 1) is var end and >= 0 ? end + 1 : sql.Length;
                    first ??= "?";
                }
                else if (c == '$' && DollarTag(sql, i) is { } tag)
                {
                    i = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal) is var end and >= 0 ? end + tag.Length : sql.Length;
                    first ??= "?";
                }
                else if (char.IsLetter(c) || c == '_')
                {
                    var start = i;
                    while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] is '_' or '$'))
                    {
                        i++;
                    }

                    first ??= sql[start..i];
                }
                else
                {
                    first ??= c.ToString();
                    i++;
                }
            }
        }

        return (first, statements);
    }

    private static bool At(string sql, int i, string what) => string.CompareOrdinal(sql, i, what, 0, what.Length) == 0;

    /// <summary>Block comments nest in PostgreSQL.</summary>
    private static int SkipBlockComment(string sql, int i)
    {
        var depth = 0;
        while (i < sql.Length)
        {
            if (At(sql, i, "/*"))
            {
                depth++;
                i += 2;
            }
            else if (At(sql, i, "*/"))
            {
                i += 2;
                if (--depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        return i;
    }

    /// <summary>A <c>$tag$</c> (or <c>$$</c>) opening a dollar-quoted string at <paramref name="i"/>, or null (a parameter like <c>$1</c>).</summary>
    private static string? DollarTag(string sql, int i)
    {
        var j = i + 1;
        while (j < sql.Length && (char.IsLetterOrDigit(sql[j]) || sql[j] == '_'))
        {
            j++;
        }

        return j < sql.Length && sql[j] == '$' && (j == i + 1 || !char.IsDigit(sql[i + 1])) ? sql[i..(j + 1)] : null;
    }
}
