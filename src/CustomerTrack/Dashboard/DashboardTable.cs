using System.Globalization;
using System.Text.RegularExpressions;

namespace CustomerTrack.Dashboard;

/// <summary>
/// The table a dashboard shows: its name (the warehouse holds <c>&lt;name&gt;_raw</c>, <c>&lt;name&gt;</c> and
/// <c>&lt;name&gt;_history</c>) and its key column. Only identifiers pass, so they can be put into SQL as they are.
/// </summary>
internal sealed partial record DashboardTable
{
    public static readonly DashboardTable Customer = new("customer", "customer_id");

    public DashboardTable(string name, string key)
    {
        if (!Identifier().IsMatch(name) || !Identifier().IsMatch(key))
        {
            throw new CustomerTrackException($"dashboard table '{name}' with key '{key}': names are letters, digits and _");
        }

        Name = name;
        Key = key;
    }

    public string Name { get; }
    public string Key { get; }
    public string Raw => Name + "_raw";
    public string History => Name + "_history";
    public string Stream => Name + "_raw_stream";

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex Identifier();
}

/// <summary>Values put into the dashboard's SQL: only forms that cannot break out of a literal.</summary>
internal static class SqlLiteral
{
    public static string Timestamp(DateTime t) =>
        "TIMESTAMP '" + t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "'";

    public static string Text(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A key as the user typed it: a whole number stays a number, anything else is a quoted string.</summary>
    public static string Key(string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n.ToString(CultureInfo.InvariantCulture)
            : Text(value);
}
