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

    /// <summary>A "Name: 1234 kB" field of a /proc file, in kB.</summary>
    internal static long? ProcKb(string file, string name) =>
        ProcField(file, name + ":") is { } v && long.TryParse(v.Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb : null;
}

/// <summary>One benchmark run's figures; serialised with snake_case names (bench/results/*.json).</summary>
internal sealed record BenchResult
{
    public required string Mode { get; init; }
    public required DateTime MeasuredAt { get; init; }
    public required long Rows { get; init; }
    public required int Files { get; init; }
    public required double RawCopyS { get; init; }
    public required double RawCopyRowsPerS { get; init; }
    public required double PipelineS { get; init; }
    public required double PipelineRowsPerS { get; init; }
    public required double PipelineLoadS { get; init; }
    public required double PipelineTasksS { get; init; }
    public required double NaiveMergeS { get; init; }
    public required double NaiveMergeRowsPerS { get; init; }
    public required double FreshnessChangesPerS { get; init; }
    public required long FreshnessFiles { get; init; }
    public required double FreshnessP50Ms { get; init; }
    public required double FreshnessP95Ms { get; init; }
    public required double FreshnessP99Ms { get; init; }
    public required double FreshnessMaxMs { get; init; }
    public required long HistorySmallRows { get; init; }
    public required long HistoryLargeRows { get; init; }
    public required int HistoryBatchRows { get; init; }
    public required double HistorySmallMs { get; init; }
    public required double HistoryLargeMs { get; init; }
    public required double HistoryGrowthRatio { get; init; }
    public required double PeakRssMb { get; init; }
    public required MachineInfo Machine { get; init; }

    /// <summary>Each target of the issue, and whether this run meets it.</summary>
    public IReadOnlyDictionary<string, bool> Targets => new Dictionary<string, bool>
    {
        ["pipeline >= 0.5 x raw_copy"] = PipelineRowsPerS >= 0.5 * RawCopyRowsPerS,
        ["pipeline >= 0.8 x naive_merge"] = PipelineRowsPerS >= 0.8 * NaiveMergeRowsPerS,
        ["freshness p99 < 1000 ms"] = FreshnessP99Ms < 1000,
        ["history growth ratio <= 1.5"] = HistoryGrowthRatio <= 1.5,
        ["peak RSS < 500 MB"] = PeakRssMb < 500,
    };

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
