using CustomerTrack.Scd;
using CustomerTrack.Warehouse;
using Microsoft.Extensions.Logging;

namespace CustomerTrack.Pipeline;

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

    /// <summary>The tables this stage applies (<c>run --table</c>); null: every table.</summary>
    public IReadOnlySet<string>? OnlyTables { get; init; }

    /// <summary>Applies every table's stream until all are empty, a batch of each table in turn.</summary>
    public IReadOnlyList<TaskRunOutcome> RunOnce(CancellationToken ct)
    {
        var runs = new List<TaskRunOutcome>();
        var pending = workspace.Settings.Definitions.Where(t => OnlyTables?.Contains(t.Name) ?? true).ToList();
        while (pending.Count > 0 && !ct.IsCancellationRequested)
        {
            foreach (var table in pending.ToArray())
            {
                var run = warehouse.RunTask(table, workspace.Settings.Tasks.MaxBatchRows, time);
                if (run is null)
                {
                    pending.Remove(table);
                    continue;
                }

                runs.Add(run);
                LogRun(logger, run.Table, run.RunId, run.FromSeq, run.ToSeq, run.Customers, run.Versions, run.Ties, run.Duration.TotalMilliseconds);
                Ran?.Invoke(run);
                Downstream?.Set();
            }
        }

        return runs;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "tasks: {Table} run {RunId} applied ledger ({From}, {To}]: {Keys} keys, {Versions} versions, {Ties} ties in {Ms:F0} ms")]
    private static partial void LogRun(ILogger logger, string table, long runId, long from, long to, long keys, long versions, long ties, double ms);
}
