using System.Globalization;

namespace CustomerTrack.Contract;

/// <summary>
/// ISO 8601 timestamps of the input contract; no offset means UTC; stored as UTC with microsecond precision. Digits
/// past the seventh of a fraction (Go and Java write nine) are cut like those past the sixth, and <c>t</c> and <c>z</c>
/// may be lower case, as RFC 3339 allows. The one place where timestamp text is read, so a CSV locale's formats hook in here.
/// </summary>
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
        var trimmed = text.Trim();
        Span<char> buffer = stackalloc char[64];
        ReadOnlySpan<char> t = trimmed.Length <= buffer.Length ? Normalized(trimmed, buffer) : trimmed;
        if (DateTimeOffset.TryParseExact(t, Formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal, out var value))
        {
            utc = Truncate(value.UtcDateTime);
            return true;
        }

        utc = default;
        return false;
    }

    /// <summary>
    /// <paramref name="t"/> with <c>t</c>/<c>z</c> upper case and a fraction cut to the seven digits .NET reads
    /// (which the microsecond truncation cuts further): cut, never rounded, as docs/semantics.md says.
    /// </summary>
    private static Span<char> Normalized(ReadOnlySpan<char> t, Span<char> buffer)
    {
        var n = 0;
        var fraction = -1;
        for (var i = 0; i < t.Length; i++)
        {
            var c = t[i];
            if (fraction >= 0 && char.IsAsciiDigit(c))
            {
                if (fraction++ >= 7)
                {
                    continue;
                }
            }
            else
            {
                fraction = c == '.' && i >= 19 ? 0 : -1;
            }

            buffer[n++] = c is 't' or 'z' ? char.ToUpperInvariant(c) : c;
        }

        return buffer[..n];
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

/// <summary>
/// How a table's event-time column is written (the table setting <c>EventTimeFormat</c>): ISO 8601 (the default),
/// seconds or milliseconds since 1970-01-01 UTC, or a .NET custom date and time pattern (read in the invariant culture,
/// UTC unless the pattern has an offset).
/// </summary>
internal sealed record EventTimeFormat(string Name, string? Pattern = null)
{
    public static readonly EventTimeFormat Iso8601 = new("iso8601");
    public static readonly EventTimeFormat EpochSeconds = new("epoch_s");
    public static readonly EventTimeFormat EpochMillis = new("epoch_ms");

    private static readonly DateTime Epoch = DateTime.UnixEpoch;

    /// <summary>The format a setting names: <c>iso8601</c>, <c>epoch_s</c>, <c>epoch_ms</c>, or else a custom pattern; null when it is none.</summary>
    public static EventTimeFormat? Of(string? setting)
    {
        var s = setting?.Trim() ?? "";
        switch (s.ToLowerInvariant())
        {
            case "" or "iso8601" or "iso-8601":
                return Iso8601;
            case "epoch_s":
                return EpochSeconds;
            case "epoch_ms":
                return EpochMillis;
        }

        // A pattern must write a time and read it back: one that formats to something it cannot parse is no pattern.
        try
        {
            var probe = new DateTime(2026, 11, 27, 10, 15, 30, DateTimeKind.Utc);
            var written = probe.ToString(s, CultureInfo.InvariantCulture);
            return DateTimeOffset.TryParseExact(written, s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var back)
                && back.UtcDateTime.Date == probe.Date
                ? new EventTimeFormat("pattern", s)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Whether a JSON or Parquet number is the event time itself (an epoch), not a mistake.</summary>
    public bool IsEpoch => this == EpochSeconds || this == EpochMillis;

    public bool TryParse(ReadOnlySpan<char> text, out DateTime utc)
    {
        utc = default;
        var t = text.Trim();
        if (this == Iso8601)
        {
            return EventTime.TryParse(t, out utc);
        }

        if (IsEpoch)
        {
            // Seconds or milliseconds, a fraction allowed; digits below the microsecond are cut.
            if (!decimal.TryParse(t, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }

            var micros = decimal.Truncate(n * (this == EpochSeconds ? 1_000_000m : 1_000m));
            var max = (decimal)(DateTime.MaxValue.Ticks - Epoch.Ticks) / TimeSpan.TicksPerMicrosecond;
            var min = (decimal)(DateTime.MinValue.Ticks - Epoch.Ticks) / TimeSpan.TicksPerMicrosecond;
            if (micros > max || micros < min)
            {
                return false;
            }

            utc = Epoch.AddTicks((long)micros * TimeSpan.TicksPerMicrosecond);
            return true;
        }

        if (DateTimeOffset.TryParseExact(t, Pattern, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            utc = EventTime.Truncate(value.UtcDateTime);
            return true;
        }

        return false;
    }

    /// <summary>What a value must look like, for a reject's reason.</summary>
    public string Expected => Name switch
    {
        "iso8601" => "an ISO 8601 timestamp (like 2026-11-27T10:15:00Z)",
        "epoch_s" => "seconds since 1970-01-01 UTC (EventTimeFormat epoch_s, like 1795774500)",
        "epoch_ms" => "milliseconds since 1970-01-01 UTC (EventTimeFormat epoch_ms, like 1795774500000)",
        _ => $"a timestamp in the pattern '{Pattern}' (EventTimeFormat)",
    };

    public override string ToString() => Pattern ?? Name;
}
