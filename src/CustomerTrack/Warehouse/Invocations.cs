using System.Globalization;
using System.Security.Cryptography;

namespace CustomerTrack.Warehouse;

/// <summary>
/// A process's run id (dbt's invocation id): each <c>run</c>, <c>load</c>, <c>tasks</c>, <c>demo</c> (and <c>reload</c>,
/// <c>rebuild</c>) process gets one, prints it at start, and stamps it on the load_history, load_attempt and task_run rows
/// it writes, in the column <c>invocation_id</c> (task_run's <c>run_id</c> already numbers its task runs). So "what did
/// last night's run do" is one <c>WHERE invocation_id = …</c>.
/// </summary>
internal static class Invocations
{
    /// <summary>
    /// A new id: the UTC start second, then 4 random hex digits so that workers started in the same second differ;
    /// ids sort by start time as text (<c>20260301-020000-3fa2</c>).
    /// </summary>
    public static string New(TimeProvider time) =>
        time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-"
        + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));

    /// <summary>The column on each table that records the process that wrote the row; older warehouses get it at start-up.</summary>
    public static IEnumerable<string> Statements()
    {
        foreach (var table in (string[])["load_history", "load_attempt", "task_run"])
        {
            yield return $"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS invocation_id VARCHAR";
        }
    }
}
