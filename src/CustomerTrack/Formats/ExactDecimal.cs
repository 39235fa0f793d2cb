using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using CustomerTrack.Tables;

namespace CustomerTrack.Formats;

/// <summary>
/// A decimal value held exactly, as its unscaled digits and scale: what a <c>decimal(p,s)</c> column takes when the value
/// has more digits than .NET's <see cref="decimal"/> holds (about 28). DuckDB, PostgreSQL and Snowflake all store 38, so
/// a value is carried as its digits to the engine's own text-to-decimal cast and never through a rounding type.
/// </summary>
internal readonly record struct ExactDecimal(BigInteger Unscaled, int Scale) : IFormattable
{
    /// <summary>The value as a decimal literal both engines cast exactly: digits, and a point before the last <see cref="Scale"/>.</summary>
    public override string ToString()
    {
        var digits = BigInteger.Abs(Unscaled).ToString(CultureInfo.InvariantCulture);
        if (Scale > 0)
        {
            digits = digits.PadLeft(Scale + 1, '0');
            digits = digits[..^Scale] + "." + digits[^Scale..];
        }

        return Unscaled.Sign < 0 ? "-" + digits : digits;
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();
}

/// <summary>
/// Decimal text to a value of a <c>decimal(p,s)</c> column, exactly: the one place where a decimal's written digits are
/// read (CSV, JSON strings and numbers, Parquet's DECIMAL as text), so a locale's separators hook in here. A value with
/// more fractional digits than the scale is rejected, never rounded; one with more whole digits than <c>p - s</c> does
/// not fit.
/// </summary>
internal static partial class DecimalText
{
    [GeneratedRegex(@"^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Number();

    /// <summary>The largest value .NET's decimal holds exactly at any scale up to 28: 28 digits.</summary>
    private const int SystemDecimalDigits = 28;

    /// <summary>Reads <paramref name="text"/> (trimmed) for <paramref name="type"/>; returns the reason when it does not fit.</summary>
    public static string? Parse(ReadOnlySpan<char> text, ColumnType type, out object? value)
    {
        value = null;
        var m = Number().Match(text.ToString());
        if (!m.Success || m.Groups[2].Length + m.Groups[3].Length == 0)
        {
            return $"'{Values.Clip(text)}' is not a number ({type})";
        }

        var whole = m.Groups[2].Value;
        var fraction = m.Groups[3].Value;
        var exponent = m.Groups[4].Success ? int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture) : 0;

        // digits × 10^-scale, with the trailing zeros of the fraction not counted as places.
        var digits = (whole + fraction).TrimStart('0');
        var scale = fraction.Length - exponent;
        while (scale > 0 && digits.Length > 0 && digits[^1] == '0')
        {
            digits = digits[..^1];
            scale--;
        }

        if (digits.Length == 0)
        {
            value = Make(BigInteger.Zero, type.Scale);
            return null;
        }

        if (scale > type.Scale)
        {
            return $"'{Values.Clip(text)}' has more than {type.Scale} decimal places ({type})";
        }

        // The whole digits: the digits beyond the scale (a negative scale adds zeros).
        if (digits.Length - scale > type.Precision - type.Scale)
        {
            return $"'{Values.Clip(text)}' does not fit {type}";
        }

        var unscaled = BigInteger.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture) * BigInteger.Pow(10, type.Scale - scale);
        value = Make(m.Groups[1].Value == "-" ? -unscaled : unscaled, type.Scale);
        return null;
    }

    /// <summary>A .NET decimal when it holds the value exactly (the fast, common case), else an <see cref="ExactDecimal"/>.</summary>
    private static object Make(BigInteger unscaled, int scale)
    {
        if (scale <= SystemDecimalDigits && BigInteger.Abs(unscaled) < BigInteger.Pow(10, SystemDecimalDigits))
        {
            var abs = BigInteger.Abs(unscaled);
            var bytes = new byte[12];
            abs.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false);
            return new decimal(BitConverter.ToInt32(bytes, 0), BitConverter.ToInt32(bytes, 4), BitConverter.ToInt32(bytes, 8), unscaled.Sign < 0, (byte)scale);
        }

        return new ExactDecimal(unscaled, scale);
    }
}
