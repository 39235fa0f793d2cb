using System.Globalization;
using System.Text.RegularExpressions;
using CustomerTrack.Ingest;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Bench;

/// <summary>One stage of a file's way from landing/ to the SCD tables, and its spread over a freshness run's files.</summary>
internal sealed record StageTimes(string Stage, double P50Ms, double P95Ms, double P99Ms, double MaxMs, double SlowestMeanMs);

/// <summary>
/// Where a freshness run's time went, per file: the provenance log (when ingest took the file and when the lake held it),
/// load_history (when its load began and how long it took, before the commit), the log line written after its load's
/// commit, and the first task run covering its last ledger row (when it had the warehouse, when it finished, and its log
/// line after the commit). A development view (<c>bench --freshness</c>): a file's stages up to "total" add up to its
/// freshness (the log's milliseconds aside); the slowest-mean column is each stage's mean over the 5% slowest files. The
/// task's commit comes after finished_at, so freshness does not count it; the next files wait for it.
/// </summary>
internal static class FreshnessStages
{
    public static readonly string[] Names =
    [
        "landed -> taken by ingest", "ingest copy", "in lake -> its load starts", "its load (before commit)",
        "rest of its load transaction + commit", "load committed -> task has the warehouse", "task run (before commit)", "total",
        "task commit (after finished_at)",
    ];

    // The log lines written after each commit (Common.Logs' file format: UTC, milliseconds).
    private static readonly Regex Loaded = new(@"^(\S+ \S+) \S+ \[\d+\] CustomerTrack\.Load: load: (\S+) ", RegexOptions.Compiled);
    private static readonly Regex Ran = new(@"^(\S+ \S+) \S+ \[\d+\] CustomerTrack\.Tasks: tasks: \S+ run (\d+) applied", RegexOptions.Compiled);

    private const string PerFileSql = """
        SELECT l.file_key, l.landed_at, l.loaded_at, l.load_ms, t.started_at, t.finished_at, t.run_id
        FROM load_history l
        JOIN task_run t ON t.run_id = (SELECT min(run_id) FROM task_run u WHERE u.kind = 'stream' AND u.to_seq >= l.last_seq)
        WHERE l.last_seq IS NOT NULL AND l.landed_at IS NOT NULL
        """;

    public static IReadOnlyList<StageTimes> Read(IWarehouse warehouse, string provenanceFile, string logFile)
    {
        var committed = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        var runCommitted = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        foreach (var line in File.Exists(logFile) ? File.ReadLines(logFile) : [])
        {
            if (Loaded.Match(line) is { Success: true } load)
            {
                committed[load.Groups[2].Value] = Time(load.Groups[1].Value);
            }
            else if (Ran.Match(line) is { Success: true } run)
            {
                runCommitted[run.Groups[2].Value] = Time(run.Groups[1].Value);
            }
        }

        var provenance = new Dictionary<string, ProvenanceRecord>(StringComparer.Ordinal);
        foreach (var record in ProvenanceLog.Read(provenanceFile))
        {
            provenance[record.Key] = record;
        }

        var files = new List<double[]>();
        foreach (var row in warehouse.Query(PerFileSql).Rows)
        {
            if (!provenance.TryGetValue(row[0]!, out var p) || !committed.TryGetValue(row[0]!, out var loadCommitted)
                || !runCommitted.TryGetValue(row[6]!, out var taskCommitted))
            {
                continue;
            }

            var landed = Time(row[1]);
            var loadStart = Time(row[2]);
            var loadEnd = loadStart.AddMilliseconds(Number(row[3]));
            var (taskStart, taskEnd) = (Time(row[4]), Time(row[5]));
            files.Add([
                Ms(p.ReceivedAt - landed), Ms(p.StoredAt - p.ReceivedAt), Ms(loadStart - p.StoredAt), Ms(loadEnd - loadStart),
                Ms(loadCommitted - loadEnd), Ms(taskStart - loadCommitted), Ms(taskEnd - taskStart), Ms(taskEnd - landed),
                Ms(taskCommitted - taskEnd),
            ]);
        }

        if (files.Count == 0)
        {
            // No file became visible (a machine too busy for the feed): every stage, with nothing measured.
            return Names.Select(name => new StageTimes(name, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN)).ToList();
        }

        var slowest = files.OrderByDescending(f => f[Total]).Take(Math.Max(1, files.Count / 20)).ToList();
        return Names.Select((name, i) =>
        {
            var sorted = files.Select(f => f[i]).Order().ToArray();
            return new StageTimes(name, Percentile(sorted, 0.5), Percentile(sorted, 0.95), Percentile(sorted, 0.99), sorted[^1],
                Math.Round(slowest.Average(f => f[i])));
        }).ToList();
    }

    private const int Total = 7;

    private static double Ms(TimeSpan span) => span.TotalMilliseconds;

    private static DateTime Time(string? text) =>
        Contract.EventTime.TryParse(text, out var t) ? t : throw new FormatException($"bench: '{text}' is not a timestamp");

    private static double Number(string? text) => double.Parse(text!, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Linear interpolation between closest ranks, as percentile_cont.</summary>
    private static double Percentile(double[] sorted, double p)
    {
        var rank = p * (sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return Math.Round(sorted[lo] + ((rank - lo) * (sorted[hi] - sorted[lo])));
    }
}
