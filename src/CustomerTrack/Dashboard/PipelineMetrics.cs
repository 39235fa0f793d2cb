using System.Diagnostics.Metrics;
using CustomerTrack.Scd;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Dashboard;

/// <summary>
/// The pipeline's metrics (System.Diagnostics.Metrics, exported on the dashboard's <c>/metrics</c> by OpenTelemetry's
/// Prometheus exporter as <c>customertrack_*</c>): files and rows per stage and outcome, task durations, freshness, and
/// from the dashboard's latest snapshot the queues' depth and oldest age and the stream's lag.
/// </summary>
internal sealed class PipelineMetrics : IDisposable
{
    public const string MeterName = "CustomerTrack";

    private static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    };

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _files;
    private readonly Counter<long> _rows;
    private readonly Histogram<double> _taskDuration;
    private readonly Histogram<double> _freshness;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Queue<(DateTime LoadedAt, DateTime LandedAt)> _awaitingTask = new();

    public PipelineMetrics(TimeProvider time)
    {
        _time = time;
        _files = _meter.CreateCounter<long>("customertrack.files", "{file}", "Files handled, per stage and outcome");
        _rows = _meter.CreateCounter<long>("customertrack.rows", "{row}", "Rows handled, per stage and outcome");
        _taskDuration = _meter.CreateHistogram("customertrack.task.duration", "s", "Duration of each task run", advice: Seconds);
        _freshness = _meter.CreateHistogram("customertrack.freshness", "s",
            "Per file, from landing until its rows are visible in both SCD tables", advice: Seconds);
        _meter.CreateObservableGauge("customertrack.queue.depth", () => Queues(q => q.Depth), "{item}",
            "Items waiting per table and stage: files in landing/, lake objects not loaded, ledger rows not applied");
        _meter.CreateObservableGauge("customertrack.queue.oldest_age", () => Queues(q => q.OldestAgeSeconds ?? 0), "s",
            "Age of the oldest waiting item per table and stage");
        _meter.CreateObservableGauge("customertrack.stream.lag", () => Tables().Select(t => new Measurement<long>(t.Snapshot.Status.StreamLag, Table(t.Table))),
            "{row}", "Ledger rows above each table's stream offset");
        _meter.CreateObservableGauge("customertrack.stage.failing", () => Failing(), "{failure}",
            "1 for each stage (and table) failing now: a failure recorded and not yet cleared by a success");
    }

    /// <summary>Each table's latest dashboard snapshot, when a dashboard is served (the per-table gauges read them).</summary>
    public Func<IEnumerable<(string Table, Dashboard.DashboardSnapshot? Snapshot)>>? Snapshots { get; set; }

    /// <summary>What is failing now (the stage_failing gauge reads it).</summary>
    public StageHealth? Health { get; init; }

    public void Ingested(int files)
    {
        if (files > 0)
        {
            _files.Add(files, new KeyValuePair<string, object?>("stage", "ingest"), new KeyValuePair<string, object?>("outcome", "ingested"));
        }
    }

    public void Loaded(LoadOutcome outcome)
    {
        var stage = new KeyValuePair<string, object?>("stage", "load");
        _files.Add(1, stage, new KeyValuePair<string, object?>("outcome", outcome.Status.Text()));
        _rows.Add(outcome.RowsLoaded, stage, new KeyValuePair<string, object?>("outcome", "loaded"));
        _rows.Add(outcome.RowsRejected, stage, new KeyValuePair<string, object?>("outcome", "rejected"));
        if (outcome.RowsLoaded > 0 && outcome.LandedAt is { } landed)
        {
            lock (_lock)
            {
                _awaitingTask.Enqueue((_time.GetUtcNow().UtcDateTime, landed));
            }
        }
    }

    public void TaskRan(TaskRunOutcome run)
    {
        _taskDuration.Record(run.Duration.TotalSeconds, Table(run.Table));
        _rows.Add(run.RowsRead, new KeyValuePair<string, object?>("stage", "tasks"), new KeyValuePair<string, object?>("outcome", "applied"), Table(run.Table));

        // Files loaded before this run started are visible once it committed.
        var now = _time.GetUtcNow().UtcDateTime;
        var started = now - run.Duration;
        lock (_lock)
        {
            while (_awaitingTask.TryPeek(out var file) && file.LoadedAt <= started)
            {
                _awaitingTask.Dequeue();
                _freshness.Record(Math.Max(0, (now - file.LandedAt).TotalSeconds));
            }
        }
    }

    private IEnumerable<(string Table, Dashboard.DashboardSnapshot Snapshot)> Tables() =>
        (Snapshots?.Invoke() ?? []).Where(t => t.Snapshot is not null).Select(t => (t.Table, t.Snapshot!));

    private static KeyValuePair<string, object?> Table(string table) => new("table", table);

    private IEnumerable<Measurement<T>> Queues<T>(Func<Dashboard.FlowQueue, T> value) where T : struct =>
        Tables().SelectMany(t => t.Snapshot.Queues.Select(q => new Measurement<T>(value(q), Table(t.Table), new KeyValuePair<string, object?>("stage", q.From))));

    private IEnumerable<Measurement<int>> Failing() =>
        (Health?.Failing ?? []).Select(f => new Measurement<int>(1, new KeyValuePair<string, object?>("stage", f.Stage), Table(f.Table ?? "")));

    public void Dispose() => _meter.Dispose();
}
