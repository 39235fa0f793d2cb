using System.Text;

namespace CustomerTrack.Snowflake;

/// <summary>
/// Splits a script into statements at the semicolons Snowflake would split it at: not inside quotes, quoted
/// identifiers, <c>$$</c> bodies (a procedure's body holds its own semicolons) or comments. Comment-only pieces are dropped.
/// </summary>
internal static class SqlScript
{
    public static IReadOnlyList<string> Split(string script)
    {
        var statements = new List<string>();
        var current = new StringBuilder();
        var i = 0;
        while (i < script.Length)
        {
            var c = script[i];
            var next = i + 1 < script.Length ? script[i + 1] : '\0';
            if (c == '$' && next == '$')
            {
                var end = script.IndexOf("$$", i + 2, StringComparison.Ordinal);
                end = end < 0 ? script.Length : end + 2;
                current.Append(script, i, end - i);
                i = end;
            }
            else if (c is '\'' or '"')
            {
                var end = i + 1;
                while (end < script.Length)
                {
                    if (script[end] == '\\' && c == '\'' && end + 1 < script.Length)
                    {
                        end += 2;
                        continue;
                    }

                    if (script[end] == c)
                    {
                        if (end + 1 < script.Length && script[end + 1] == c)
                        {
                            end += 2;
                            continue;
                        }

                        break;
                    }

                    end++;
                }

                end = Math.Min(end + 1, script.Length);
                current.Append(script, i, end - i);
                i = end;
            }
            else if (c == '-' && next == '-')
            {
                var end = script.IndexOf('\n', i);
                end = end < 0 ? script.Length : end;
                current.Append(script, i, end - i);
                i = end;
            }
            else if (c == '/' && next == '*')
            {
                var end = script.IndexOf("*/", i + 2, StringComparison.Ordinal);
                end = end < 0 ? script.Length : end + 2;
                current.Append(script, i, end - i);
                i = end;
            }
            else if (c == ';')
            {
                Add(statements, current);
                i++;
            }
            else
            {
                current.Append(c);
                i++;
            }
        }

        Add(statements, current);
        return statements;
    }

    private static void Add(List<string> statements, StringBuilder current)
    {
        var text = current.ToString().Trim();
        current.Clear();
        if (!string.IsNullOrEmpty(StripComments(text).Trim()))
        {
            statements.Add(text);
        }
    }

    /// <summary>
    /// The statement without any comment (<c>--</c> to the line's end, <c>/* … */</c>), inside a <c>$$</c> body too; text
    /// in quotes is kept as it is. Lines a comment leaves blank are dropped.
    /// </summary>
    public static string WithoutComments(string statement)
    {
        var text = new StringBuilder();
        var i = 0;
        while (i < statement.Length)
        {
            var c = statement[i];
            var next = i + 1 < statement.Length ? statement[i + 1] : '\0';
            if (c is '\'' or '"')
            {
                var end = i + 1;
                while (end < statement.Length && statement[end] != c)
                {
                    end += statement[end] == '\\' && c == '\'' ? 2 : 1;
                }

                end = Math.Min(end + 1, statement.Length);
                text.Append(statement, i, end - i);
                i = end;
            }
            else if (c == '-' && next == '-')
            {
                var end = statement.IndexOf('\n', i);
                i = end < 0 ? statement.Length : end;
            }
            else if (c == '/' && next == '*')
            {
                var end = statement.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? statement.Length : end + 2;
            }
            else
            {
                text.Append(c);
                i++;
            }
        }

        return string.Join('\n', text.ToString().Split('\n').Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => l.TrimEnd())).Trim();
    }

    /// <summary>The statement without its leading comment lines (what it does, for messages and checks).</summary>
    public static string StripComments(string statement)
    {
        var lines = statement.Split('\n').SkipWhile(l => l.TrimStart().StartsWith("--", StringComparison.Ordinal) || string.IsNullOrWhiteSpace(l));
        return string.Join('\n', lines).Trim();
    }
}
