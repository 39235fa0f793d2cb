using System.Globalization;

namespace CustomerTrack.Contract;

/// <summary>ISO 8601 timestamps of the input contract; no offset means UTC; stored as UTC with microsecond precision.</summary>
internal static class EventTime
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

    /// <summary>
    /// Why a well-formed event time cannot be a change's time, or null when it can: history's versions are half-open
    /// [start, end) and the open one ends at <see cref="Columns.OpenEnd"/> (9999-12-31 00:00:00), so a change at or after
    /// it would start a version after its end; before 0001-01-01 no TIMESTAMP can hold it.
    /// </summary>
    public static string? OutOfRange(ReadOnlySpan<char> text, DateTime? parsed)
    {
        if (parsed is { } utc && utc >= Columns.OpenEnd)
        {
            return $"'{text.Trim()}' is at or after 9999-12-31 00:00:00, the open end of history (end_time of every current version); event times must be earlier";
        }

        var t = text.Trim();
        t = t.Length > 40 ? t[..40] : t;
        return parsed is null && (t.StartsWith("-") || t.StartsWith("0000") || t.StartsWith("0001-01-01"))
            ? $"'{t}' is before 0001-01-01 00:00:00 UTC, the earliest event time"
            : null;
    }

    /// <summary>Drops what a warehouse TIMESTAMP cannot hold (below a microsecond).</summary>
    public static DateTime Truncate(DateTime t) =>
        new(t.Ticks - (t.Ticks % TimeSpan.TicksPerMicrosecond), DateTimeKind.Utc);

    /// <summary>How timestamps are shown to people and in CSV: fraction only when non-zero.</summary>
    public static string Format(DateTime t) => t.Ticks % TimeSpan.TicksPerSecond == 0
        ? t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
        : t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture).TrimEnd('0');
}
