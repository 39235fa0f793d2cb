using System.Text;
using CustomerTrack.Tables;

namespace CustomerTrack.Init;

/// <summary>
/// A sample file's names made into names CustomerTrack takes (<see cref="Identifiers"/>): lower case, runs of other
/// characters as one underscore, a letter first, and a reserved word or a column the warehouse adds given a trailing
/// underscore. Clashes get _2, _3, ….
/// </summary>
internal static class SampleNames
{
    public static string Sanitise(string name, string fallback)
    {
        var text = new StringBuilder();
        foreach (var c in Transliterate(name.Trim().ToLowerInvariant()))
        {
            if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
            {
                text.Append(c);
            }
            else if (text.Length > 0 && text[^1] != '_')
            {
                text.Append('_');
            }
        }

        var s = text.ToString().Trim('_');
        if (s.Length == 0)
        {
            s = fallback;
        }
        else if (!char.IsAsciiLetterLower(s[0]))
        {
            s = fallback[0] + "_" + s;
        }

        if (s.Length > 62)
        {
            s = s[..62].TrimEnd('_');
        }

        return IsValid(s) && !TableDefinition.ReservedColumns.Contains(s) ? s : s + "_";
    }

    // Letters whose plain-Latin spelling is more than their base letter (German umlauts, ß, ligatures, Nordic letters).
    private static readonly Dictionary<char, string> Spelled = new()
    {
        ['ä'] = "ae",
        ['ö'] = "oe",
        ['ü'] = "ue",
        ['ß'] = "ss",
        ['æ'] = "ae",
        ['œ'] = "oe",
        ['ø'] = "oe",
        ['å'] = "aa",
        ['þ'] = "th",
        ['ð'] = "d",
        ['ł'] = "l",
        ['đ'] = "d",
        ['ı'] = "i",
    };

    /// <summary>
    /// A name in plain Latin letters, readably: <c>stückpreis</c> becomes <c>stueckpreis</c>, <c>größe</c>
    /// <c>groesse</c>, and other accents are dropped (<c>café</c>, <c>cafe</c>) by DuckDB's <c>strip_accents</c> (the
    /// process runs without ICU, so .NET's own Unicode decomposition is not at hand).
    /// </summary>
    public static string Transliterate(string lower)
    {
        if (System.Text.Ascii.IsValid(lower))
        {
            return lower;
        }

        var spelled = new StringBuilder(lower.Length);
        foreach (var c in lower)
        {
            spelled.Append(Spelled.TryGetValue(c, out var s) ? s : c.ToString());
        }

        return Warehouse.DuckDb.DuckDbFiles.StripAccents(spelled.ToString());
    }

    /// <summary>Sanitised names for every one of <paramref name="names"/>, distinct, in order.</summary>
    public static IReadOnlyList<string> SanitiseAll(IEnumerable<string> names)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var name in names)
        {
            var s = Sanitise(name, "column");
            var unique = s;
            for (var n = 2; !taken.Add(unique); n++)
            {
                unique = $"{s}_{n}";
            }

            result.Add(unique);
        }

        return result;
    }

    /// <summary>The table name a sample file suggests: its name without extensions, sanitised.</summary>
    public static string TableFromFile(string path)
    {
        var name = Path.GetFileName(path);
        var dot = name.IndexOf('.', 1);
        return Sanitise(dot > 0 ? name[..dot] : name, "table");
    }

    public static bool IsValid(string name)
    {
        try
        {
            Identifiers.Validate(name, "name");
            return true;
        }
        catch (CustomerTrackException)
        {
            return false;
        }
    }
}
