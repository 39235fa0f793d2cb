using System.ComponentModel;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CustomerTrack.Configuration;

/// <summary>A duration written as people write it in settings and flags: <c>500ms</c>, <c>20s</c>, <c>5m</c>, <c>2h</c>.</summary>
[TypeConverter(typeof(DurationConverter))]
internal readonly partial record struct Duration(TimeSpan Value)
{
    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();

    public static Duration Parse(string text, string what = "duration")
    {
        var m = Pattern().Match(text ?? "");
        if (!m.Success)
        {
            throw new CustomerTrackException($"{what} '{text}' is not a duration; write it like 500ms, 20s, 5m or 2h");
        }

        var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return new Duration(m.Groups[2].Value.ToLowerInvariant() switch
        {
            "ms" => TimeSpan.FromMilliseconds(n),
            "s" => TimeSpan.FromSeconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromDays(n),
        });
    }

    public static implicit operator TimeSpan(Duration d) => d.Value;

    public override string ToString() => Value.TotalMilliseconds < 1000 || Value.TotalMilliseconds % 1000 != 0
        ? $"{Value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms"
        : Value.TotalSeconds % 60 != 0 ? $"{Value.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s"
        : $"{Value.TotalMinutes.ToString(CultureInfo.InvariantCulture)}m";
}

internal sealed class DurationConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) => sourceType == typeof(string);

    public override object ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        Duration.Parse((string)value);
}
