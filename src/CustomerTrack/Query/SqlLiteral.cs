using System.Globalization;

namespace CustomerTrack.Query;

/// <summary>Values put into the SQL of readers (dashboard, status, file lists): only forms that cannot break out of a literal.</summary>
internal static class SqlLiteral
{
    public static string Timestamp(DateTime t) =>
        "TIMESTAMP '" + t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "'";

    public static string Text(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
