using System.Globalization;

namespace CustomerTrack.Contract;

/// <summary>ISO 8601 timestamps of the input contract; no offset means UTC; stored as UTC with microsecond precision.</summary>
public static class EventTime
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd HH:mmK",
        "yyyy-MM-dd",
    ];

    public static bool TryParse(ReadOnlySpan<char> text, out DateTime utc)
    {
        if (DateTimeOffset.TryParseExact(text.Trim(), Formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var value))
        {
            utc = Truncate(value.UtcDateTime);
            return true;
        }

        utc = default;
        return false;
    }

    /// <summary>Drops what a warehouse TIMESTAMP cannot hold (below a microsecond).</summary>
    public static DateTime Truncate(DateTime t) =>
        new(t.Ticks - (t.Ticks % TimeSpan.TicksPerMicrosecond), DateTimeKind.Utc);

    /// <summary>How timestamps are shown to people and in CSV: fraction only when non-zero.</summary>
    public static string Format(DateTime t) => t.Ticks % TimeSpan.TicksPerSecond == 0
        ? t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
        : t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture).TrimEnd('0');
}
