using System.Globalization;
using System.Text;

namespace CustomerTrack.Lake;

/// <summary>
/// Lake keys: <c>yyyy/MM/dd/name_sha16.ext</c> for a file landed in landing/ (the default table's), and
/// <c>yyyy/MM/dd/table/name_sha16.ext</c> for one landed in landing/table/: the ingest date (so listings can start from
/// a date), the table the file was landed for, a safe form of the file name and its content hash. The same file sent
/// twice gets the same key; no key can leave the lake (no <c>..</c>, no absolute path).
/// </summary>
internal static class LakeKey
{
    public const int HashChars = 16;

    public static string For(DateTime ingestedUtc, string fileName, string sha256Hex, string? table = null)
    {
        var stem = Safe(Path.GetFileNameWithoutExtension(fileName));
        var ext = Path.GetExtension(fileName).TrimStart('.');
        var date = ingestedUtc.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture);
        var folder = table is null ? "" : Safe(table) + "/";
        return $"{date}/{folder}{stem}_{sha256Hex[..HashChars]}.{(ext.Length == 0 ? "csv" : Safe(ext))}";
    }

    /// <summary>
    /// The key of the <paramref name="n"/>th landing of the same file on the same day (<c>name_sha16.r2.ext</c>): the
    /// same name, hash and table to <see cref="Parse"/> and <see cref="TableOf"/>, under a key of its own, so that the load
    /// history can record it (LOAD_SKIPPED) beside the first.
    /// </summary>
    public static string Relanding(string key, int n)
    {
        var (name, _) = Parse(key);
        var cut = key.LastIndexOf('/') + 1;
        var last = key[cut..];
        var ext = Path.GetExtension(name);
        var stem = last[..(last.Length - Path.GetExtension(last).Length)];
        var dot = stem.LastIndexOf(".r", StringComparison.Ordinal);
        if (IsRelanding(stem, dot))
        {
            stem = stem[..dot];
        }

        return string.Create(CultureInfo.InvariantCulture, $"{key[..cut]}{stem}.r{n}{(ext.Length == 0 ? Path.GetExtension(last) : ext)}");
    }

    /// <summary>Whether <paramref name="stem"/> ends in a re-landing's <c>_sha16.rN</c> at <paramref name="at"/>.</summary>
    private static bool IsRelanding(string stem, int at) =>
        at > HashChars && stem.Length > at + 2 && stem[(at + 2)..].All(char.IsAsciiDigit)
        && stem[at - HashChars - 1] == '_' && stem[(at - HashChars)..at].All(char.IsAsciiHexDigitLower);

    /// <summary>The table folder a key names (<c>yyyy/MM/dd/table/…</c>), or null for the default table's keys.</summary>
    public static string? TableOf(string key)
    {
        var parts = key.Split('/');
        return parts.Length == 5 ? parts[3] : null;
    }

    /// <summary>The file name a key was made from, and the hash prefix it carries (null for keys made elsewhere).</summary>
    public static (string FileName, string? HashPrefix) Parse(string key)
    {
        var name = key[(key.LastIndexOf('/') + 1)..];
        var ext = Path.GetExtension(name);
        var stem = Path.GetFileNameWithoutExtension(name);

        // A re-landing's key (name_sha16.r2.ext) names the same file.
        var again = stem.LastIndexOf(".r", StringComparison.Ordinal);
        if (IsRelanding(stem, again))
        {
            stem = stem[..again];
        }

        var cut = stem.LastIndexOf('_');
        if (cut > 0 && stem.Length - cut - 1 == HashChars && stem[(cut + 1)..].All(char.IsAsciiHexDigitLower))
        {
            return (stem[..cut] + ext, stem[(cut + 1)..]);
        }

        return (name, null);
    }

    /// <summary>
    /// The load order of keys (docs/semantics.md rule 15): by folder (ingest date, then table), then by the file's own
    /// name as landed, then by key. Ordinal order of whole keys would let the hash suffix decide: <c>part10_…</c> sorts
    /// before <c>part1_…</c> ('0' before '_'), while <c>part1.csv</c> sorts before <c>part10.csv</c>.
    /// </summary>
    public static int Compare(string a, string b)
    {
        var cutA = a.LastIndexOf('/');
        var cutB = b.LastIndexOf('/');
        var byFolder = string.CompareOrdinal(a[..(cutA + 1)], b[..(cutB + 1)]);
        if (byFolder != 0)
        {
            return byFolder;
        }

        var byName = string.CompareOrdinal(Parse(a).FileName, Parse(b).FileName);
        return byName != 0 ? byName : string.CompareOrdinal(a, b);
    }

    /// <summary>Whether <paramref name="key"/> is a relative path of safe segments.</summary>
    public static bool IsSafe(string key) =>
        key.Length > 0 && !key.StartsWith('/') && key.Split('/').All(s => s.Length > 0 && s != "." && s != ".." && s.All(IsSafeChar));

    private static string Safe(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            sb.Append(IsSafeChar(c) ? c : '-');
        }

        var s = sb.ToString().Trim('.', '-');
        return s.Length == 0 ? "file" : s.Length > 100 ? s[..100] : s;
    }

    private static bool IsSafeChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';
}
