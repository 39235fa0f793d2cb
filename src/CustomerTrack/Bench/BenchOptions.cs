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

    /// <summary>The feed rates tried for the freshness knee, lowest first (changes/s, as a file every 200 ms); the first is the reported freshness.</summary>
    public IReadOnlyList<int> FreshnessRates { get; init; } = [10_000, 20_000, 50_000, 100_000];
    public TimeSpan FreshnessFor { get; init; }

    /// <summary>How long the freshness run goes on after the feed stops, for the last files to become visible.</summary>
    public TimeSpan FreshnessDrain { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The smaller of the two pipeline runs whose peak RSS is compared (the larger is the pipeline itself): a fifth of the files.</summary>
    public int SmallRunFiles => Math.Max(1, Files / 5);

    /// <summary>History sizes compared by the growth measurement, and the batch applied to each.</summary>
    public long HistorySmall { get; init; }
    public long HistoryLarge { get; init; }
    public int HistoryBatchRows { get; init; }

    /// <summary>
    /// The batch-cost pair: one task run of <see cref="BatchCostRows"/> in-order changes on a small and a large history;
    /// a run's cost should follow its batch, so the two should be close.
    /// </summary>
    public long BatchCostSmall { get; init; } = 20_000;
    public long BatchCostLarge { get; init; } = 2_000_000;
    public int BatchCostRows { get; init; } = 2_000;

    /// <summary>The engine measured: <c>duckdb</c> (a file per run) or <c>postgres</c> (a schema per run, the S3 lake).</summary>
    public string Engine { get; init; } = "duckdb";

    /// <summary>For postgres: the connection string (each run gets a schema of its own in that database), the lake and its endpoint.</summary>
    public string Connection { get; init; } = "";
    public string Lake { get; init; } = "";
    public string S3Endpoint { get; init; } = "";

    /// <summary>The <c>--set</c> values the bench was given, passed on to every child.</summary>
    public IReadOnlyList<string> Sets { get; init; } = [];

    /// <summary>Worker counts whose pipeline is timed on the same files (postgres only).</summary>
    public IReadOnlyList<int> WorkerCounts { get; init; } = [1, 2, 3];

    /// <summary>Makes the start info of a child <c>customertrack</c> process with the given arguments (the pipeline runs there, so its RSS is its own).</summary>
    public required Func<IReadOnlyList<string>, ProcessStartInfo> Cli { get; init; }

    public long Rows => (long)Files * RowsPerFile;

    public bool Postgres => Engine == "postgres";

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

    /// <summary>
    /// A smoke test: 100k rows; peak RSS compared on 20k and 100k rows (not 1M and 5M); the knee tried at 10k and 20k
    /// changes/s for 3 s each.
    /// </summary>
    public static BenchOptions Quick(Func<IReadOnlyList<string>, ProcessStartInfo> cli) => new()
    {
        Mode = "quick",
        Files = 20,
        RowsPerFile = 5_000,
        Customers = 20_000,
        FreshnessRates = [10_000, 20_000],
        FreshnessFor = TimeSpan.FromSeconds(3),
        FreshnessDrain = TimeSpan.FromSeconds(3),
        HistorySmall = 100_000,
        HistoryLarge = 1_000_000,
        HistoryBatchRows = 10_000,
        BatchCostLarge = 200_000,
        Cli = cli,
    };
}
