using CustomerTrack.Pipeline;
using CustomerTrack.Warehouse;
using Microsoft.Extensions.Logging;

namespace CustomerTrack.Tasks;

/// <summary>
/// Streams and Tasks: applies the ledger rows above the stream offset to customer and customer_history,
/// advancing the offset in the same transaction, until the stream is empty.
/// </summary>
internal sealed partial class TaskStage(Workspace workspace, IWarehouse warehouse, TimeProvider time, ILogger logger)
{
    /// <summary>Set after every applied batch (the progress view listens).</summary>
    public Signal? Downstream { get; set; }

    /// <summary>Told of every task run as it commits (progress lines, the run's tally, metrics).</summary>
    public Action<TaskRunOutcome>? Ran { get; set; }

    public IReadOnlyList<TaskRunOutcome> RunOnce(CancellationToken ct)
    {
        var runs = new List<TaskRunOutcome>();
        while (!ct.IsCancellationRequested)
        {
            var run = warehouse.RunTask(workspace.Settings.Scd, workspace.Settings.Tasks.MaxBatchRows, time.GetUtcNow().UtcDateTime);
            if (run is null)
            {
                break;
            }

            runs.Add(run);
            LogRun(logger, run.RunId, run.FromSeq, run.ToSeq, run.Customers, run.Versions, run.Ties, run.Duration.TotalMilliseconds);
            Ran?.Invoke(run);
            Downstream?.Set();
        }

        return runs;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "tasks: run {RunId} applied ledger ({From}, {To}]: {Customers} customers, {Versions} versions, {Ties} ties in {Ms:F0} ms")]
    private static partial void LogRun(ILogger logger, long runId, long from, long to, long customers, long versions, long ties, double ms);
}
