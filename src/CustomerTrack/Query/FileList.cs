using System.Text.RegularExpressions;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Query;

/// <summary>Which files <c>status --files</c> lists: some tables, failed ones only, those loaded since a moment, the last N.</summary>
internal sealed record FileSelection(IReadOnlyList<string> Tables, bool FailedOnly, DateTime? Since, int? Limit)
{
    public static readonly FileSelection All = new([], false, null, null);
}

/// <summary>
/// Per file: what it held, what loaded, what was rejected and why, and its attempt (a reload's count). Reasons that
/// differ only in their quoted value count together, each shown with the first such value (by line), shortened.
/// rows_in_file = rows_loaded + rows_rejected for every file.
/// </summary>
internal static partial class FileList
{
    /// <summary>A quoted bad value is cut after this many characters.</summary>
    public const int ValueChars = 24;

    /// <summary>
    /// SQL both engines take: a named subquery, GROUP BY by position (PostgreSQL's GROUP BY reason would mean the column,
    /// not the alias), the first reason of a group by its line through array_agg (both index lists from 1). The tables
    /// and the moment are parameters, added to <paramref name="args"/>.
    /// </summary>
    public static string Sql(FileSelection selection, QueryArgs args)
    {
        var where = new List<string>();
        if (selection.Tables.Count > 0)
        {
            where.Add($"l.table_name = ANY({args.TextList(selection.Tables, "tables")})");
        }

        if (selection.FailedOnly)
        {
            where.Add("l.status IN ('LOAD_FAILED', 'PARTIALLY_LOADED')");
        }

        if (selection.Since is { } since)
        {
            where.Add($"l.loaded_at >= {args.Timestamp(since, "since")}");
        }

        if (selection.Limit is { } limit)
        {
            // The last N loaded among those chosen, listed oldest first like the rest.
            where.Add($"l.file_key IN (SELECT l.file_key FROM load_history l {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} "
                + $"ORDER BY l.loaded_at DESC, l.file_key DESC LIMIT {args.BigInt(limit, "limit")})");
        }

        return $"""
            SELECT l.file_key, l.file_name, l.table_name, l.status,
                   1 + (SELECT count(*) FROM load_attempt a WHERE a.file_key = l.file_key) AS attempt,
                   l.rows_in_file, l.rows_loaded, l.rows_rejected, l.unknown_columns AS dropped_columns,
                   (SELECT string_agg(field || ': ' || example || ' (' || n || ')', '; ' ORDER BY n DESC, field, reason)
                    FROM (SELECT field, regexp_replace(reason, '''[^'']*''', '''…''', 'g') AS reason,
                                 (array_agg(reason ORDER BY line))[1] AS example, count(*) AS n
                          FROM load_rejects j WHERE j.file_key = l.file_key GROUP BY 1, 2) AS r) AS reject_reasons,
                   l.error
            FROM load_history l
            {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")}
            ORDER BY l.loaded_at, l.file_key
            """;
    }

    /// <summary>The answer with each quoted value in reject_reasons and error cut to <see cref="ValueChars"/> characters.</summary>
    public static QueryResult Shorten(QueryResult files)
    {
        var columns = Enumerable.Range(0, files.Columns.Count).Where(i => files.Columns[i].Name is "reject_reasons" or "error").ToArray();
        var rows = files.Rows.Select(r =>
        {
            var copy = (string?[])r.Clone();
            foreach (var i in columns)
            {
                copy[i] = copy[i] is { } text ? Quoted().Replace(text, m => m.Value.Length - 2 > ValueChars ? "'" + m.Value[1..(ValueChars + 1)] + "…'" : m.Value) : null;
            }

            return copy;
        }).ToList();
        return files with { Rows = rows };
    }

    [GeneratedRegex("'[^']*'")]
    private static partial Regex Quoted();
}
