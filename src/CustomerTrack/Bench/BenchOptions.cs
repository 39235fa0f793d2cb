using System.Diagnostics;

namespace CustomerTrack.Bench;

/// <summary>What <c>bench</c> measures and how big; <see cref="Full"/> is the recorded run, <see cref="Quick"/> a smoke test.</summary>
internal sealed record BenchOptions
{
    public required string Mode { get; init; }

    /// <summary>Rows generated for raw_copy, pipeline and naive_merge (the same files for all three).</summary>
    public int Files { get; init; }
    public int RowsPerFile { get; init; }
    public int Customers { get; init; }

    /// <summary>The generator's rate and run time during the freshness measurement.</summary>
    public int ChangesPerSecond { get; init; } = 10_000;
    public TimeSpan FreshnessFor { get; init; }

    /// <summary>History sizes compared by the growth measurement, and the batch applied to each.</summary>
    public long HistorySmall { get; init; }
    public long HistoryLarge { get; init; }
    public int HistoryBatchRows { get; init; }

    /// <summary>Makes the start info of a child <c>customertrack</c> process with the given arguments (the pipeline runs there, so its RSS is its own).</summary>
    public required Func<IReadOnlyList<string>, ProcessStartInfo> Cli { get; init; }

    public long Rows => (long)Files * RowsPerFile;

    public static BenchOptions Full(Func<IReadOnlyList<string>, ProcessStartInfo> cli) => new()
    {
        Mode = "full",
        Files = 500,
        RowsPerFile = 10_000,
        Customers = 1_000_000,
        FreshnessFor = TimeSpan.FromSeconds(30),
        HistorySmall = 1_000_000,
        HistoryLarge = 10_000_000,
        HistoryBatchRows = 100_000,
        Cli = cli,
    };

    public static BenchOptions Quick(Func<IReadOnlyList<string>, ProcessStartInfo> cli) => new()
    {
        Mode = "quick",
        Files = 20,
        RowsPerFile = 5_000,
        Customers = 20_000,
        FreshnessFor = TimeSpan.FromSeconds(4),
        HistorySmall = 100_000,
        HistoryLarge = 1_000_000,
        HistoryBatchRows = 10_000,
        Cli = cli,
    };
}
