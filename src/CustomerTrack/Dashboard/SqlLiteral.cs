using System.Globalization;

namespace CustomerTrack.Dashboard;

/// <summary>Values put into the dashboard's SQL: only forms that cannot break out of a literal.</summary>
internal static class SqlLiteral
{
    public static string Timestamp(DateTime t) =>
        "TIMESTAMP '" + t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "'";

    public static string Text(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
