using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using CustomerTrack.Warehouse.DuckDb;

namespace CustomerTrack.Bench;

/// <summary>The machine a result was measured on.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, double MemoryGb, string Os, string Dotnet, [property: JsonPropertyName("duckdb")] string DuckDb)
{
    public static MachineInfo Describe() => new(
        ProcField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Environment.ProcessorCount,
        Math.Round((ProcKb("/proc/meminfo", "MemTotal") ?? 0) / 1024.0 / 1024.0, 1),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        DuckDbBench.Version());

    internal static string? ProcField(string file, string name)
    {
        try
        {
            var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
            return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>A process's CPU time so far, user plus system (/proc/PID/stat, in the kernel's 100 ticks a second), or null.</summary>
    internal static double? CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>A "Name: 1234 kB" field of a /proc file, in kB.</summary>
    internal static long? ProcKb(string file, string name) =>
        ProcField(file, name + ":") is { } v && long.TryParse(v.Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb : null;
}

/// <summary>The freshness of a continuous run fed at one rate (a file every 200 ms).</summary>
internal sealed record FreshnessAtRate(int TargetChangesPerS, double ChangesPerS, long Files, long VisibleFiles,
    double? P50Ms, double? P95Ms, double? P99Ms, double? MaxMs)
{
    /// <summary>Whether this rate stays under the knee's bar: every file visible, p99 under 1 s, and the feed kept up (90% of the rate).</summary>
    public bool Holds => VisibleFiles == Files && P99Ms < 1000 && ChangesPerS >= 0.9 * TargetChangesPerS;
}

/// <summary>The pipeline on the same files with a number of <c>run --once</c> workers (postgres).</summary>
internal sealed record WorkersRun(int Workers, double PipelineS, double PipelineRowsPerS, double? LedgerLockShare, double LoadStageS, double LoadLockS,
    bool FinalSweep);

/// <summary>One benchmark run's figures; serialised with snake_case names (bench/results/*.json).</summary>
internal sealed record BenchResult
{
    public required string Mode { get; init; }
    public required string Engine { get; init; }
    public required DateTime MeasuredAt { get; init; }

    /// <summary>/proc/loadavg's 1-minute figure when the bench started and when it ended (the machine is shared).</summary>
    public required double LoadAverageStart { get; init; }
    public required double LoadAverageEnd { get; init; }
    public required long Rows { get; init; }
    public required int Files { get; init; }
    public required double RawCopyS { get; init; }
    public required double RawCopyRowsPerS { get; init; }
    public required double PipelineS { get; init; }
    public required double PipelineRowsPerS { get; init; }
    public required double PipelineLoadS { get; init; }
    public required double PipelineTasksS { get; init; }

    /// <summary>DuckDB only (the tutorial's MERGE and the history batch are measured on the embedded engine).</summary>
    public required double? NaiveMergeS { get; init; }
    public required double? NaiveMergeRowsPerS { get; init; }
    public required double FreshnessChangesPerS { get; init; }
    public required long FreshnessFiles { get; init; }
    public required double? FreshnessP50Ms { get; init; }
    public required double? FreshnessP95Ms { get; init; }
    public required double? FreshnessP99Ms { get; init; }
    public required double? FreshnessMaxMs { get; init; }

    /// <summary>The highest rate tried whose freshness p99 stayed under 1 s (and the rates above it were not tried or failed); null when none did.</summary>
    public required int? FreshnessKneeChangesPerS { get; init; }
    public required IReadOnlyList<FreshnessAtRate> FreshnessRates { get; init; }
    public required long? HistorySmallRows { get; init; }
    public required long? HistoryLargeRows { get; init; }
    public required int? HistoryBatchRows { get; init; }
    public required double? HistorySmallMs { get; init; }
    public required double? HistoryLargeMs { get; init; }
    public required double? HistoryGrowthRatio { get; init; }

    /// <summary>DuckDB only: the hand-written COPY + one-pass SCD script on the same files (the engineer's alternative).</summary>
    public required double? HandwrittenScdS { get; init; }
    public required double? HandwrittenScdRowsPerS { get; init; }

    /// <summary>DuckDB only: one task run of <see cref="BatchCostRows"/> in-order changes on a small and a large history.</summary>
    public required long? BatchCostSmallRows { get; init; }
    public required long? BatchCostLargeRows { get; init; }
    public required int? BatchCostRows { get; init; }
    public required double? BatchCostSmallMs { get; init; }
    public required double? BatchCostLargeMs { get; init; }
    public required double? BatchCostRatio { get; init; }
    public required double PeakRssMb { get; init; }

    /// <summary>Peak RSS of a pipeline run on the smaller and on the larger input: 1M and 5M rows in full mode, <see cref="PeakRssSizes"/> says what quick mode used.</summary>
    [JsonPropertyName("peak_rss_1m_mb")]
    public required double PeakRss1mMb { get; init; }

    [JsonPropertyName("peak_rss_5m_mb")]
    public required double PeakRss5mMb { get; init; }
    public required string PeakRssSizes { get; init; }

    /// <summary>postgres: the same files through 1, 2 and 3 workers; the share of load time the ledger lock was held (the one-worker run).</summary>
    public required IReadOnlyList<WorkersRun>? Workers { get; init; }
    public required double? LedgerLockShare { get; init; }
    public required MachineInfo Machine { get; init; }

    /// <summary>Each target of the issue, and whether this run meets it.</summary>
    public IReadOnlyDictionary<string, bool> Targets
    {
        get
        {
            var targets = new Dictionary<string, bool>
            {
                ["pipeline >= 0.5 x raw_copy"] = PipelineRowsPerS >= 0.5 * RawCopyRowsPerS,
                ["freshness knee >= 50,000 changes/s"] = FreshnessKneeChangesPerS >= 50_000,
                ["peak RSS < 1 GB"] = Math.Max(PeakRss1mMb, PeakRss5mMb) < 1024,
                ["peak RSS 5M <= 1.25 x 1M"] = PeakRss5mMb <= 1.25 * PeakRss1mMb,
            };
            if (NaiveMergeRowsPerS is { } naive)
            {
                targets["pipeline >= 0.8 x naive_merge"] = PipelineRowsPerS >= 0.8 * naive;
            }

            if (HandwrittenScdRowsPerS is { } handwritten)
            {
                targets["pipeline >= 1.0 x handwritten_scd"] = PipelineRowsPerS >= handwritten;
            }

            if (BatchCostRatio is { } cost && BatchCostLargeMs is { } large)
            {
                targets["batch on large history <= 1.5 x small, < 1 s"] = cost <= 1.5 && large < 1000;
            }

            if (HistoryGrowthRatio is { } growth)
            {
                targets["history growth ratio <= 1.5"] = growth <= 1.5;
            }

            if (LedgerLockShare is { } share)
            {
                targets["ledger lock held < 10% of load time"] = share < 0.1;
            }

            if (Workers is { Count: >= 2 } w)
            {
                targets["2 workers not slower than 1"] = w[1].PipelineRowsPerS >= w[0].PipelineRowsPerS;
            }

            return targets;
        }
    }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
