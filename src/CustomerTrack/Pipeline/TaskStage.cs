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

    /// <summary>What is failing now; a table whose task fails is recorded here.</summary>
    public StageHealth? Health { get; set; }

    // A table whose task failed for a reason no retry cures, and when to try it again: the other tables go on meanwhile.
    private readonly Dictionary<string, DateTime> _resting = new(StringComparer.Ordinal);

    /// <summary>
    /// Applies every table's stream until all are empty, a batch of each table in turn. A table whose task fails for a
    /// reason no retry cures (a statement the engine refuses, a bug of ours) is set aside for
    /// <see cref="PipelineRunner.PermanentRetry"/> and reported (<see cref="Health"/>, the log) while the others go on; a
    /// transient failure (a lock, a lost connection) still fails the whole pass, which the loop retries.
    /// </summary>
    public async Task<IReadOnlyList<TaskRunOutcome>> RunOnceAsync(CancellationToken ct)
    {
        var runs = new List<TaskRunOutcome>();
        var now = time.GetUtcNow().UtcDateTime;
        var pending = workspace.Settings.Definitions
            .Where(t => (OnlyTables?.Contains(t.Name) ?? true) && (!_resting.TryGetValue(t.Name, out var until) || until <= now)).ToList();
        while (pending.Count > 0 && !ct.IsCancellationRequested)
        {
            foreach (var table in pending.ToArray())
            {
                TaskRunOutcome? run;
                try
                {
                    run = await warehouse.RunTaskAsync(table, workspace.Settings.Tasks.MaxBatchRows, time);
                }
                catch (Exception e) when (Failures.IsPermanent(e))
                {
                    pending.Remove(table);
                    _resting[table.Name] = time.GetUtcNow().UtcDateTime + PipelineRunner.PermanentRetry;
                    var reason = Failures.Reason(e);
                    if (Health?.IsFailing("tasks", table.Name) != true)
                    {
                        LogFailed(logger, table.Name, Failures.IsBug(e) ? "internal error, please report it: " + reason : reason, PipelineRunner.PermanentRetry.TotalSeconds);
                    }

                    Health?.Failed("tasks", table.Name, reason, Failures.IsBug(e));
                    continue;
                }

                _resting.Remove(table.Name);
                Health?.Succeeded("tasks", table.Name);
                if (run is null)
                {
                    pending.Remove(table);
                    continue;
                }

                runs.Add(run);
                LogRun(logger, run.Table, run.RunId, run.FromSeq, run.ToSeq, run.Keys, run.Versions, run.Ties, run.Duration.TotalMilliseconds);
                Ran?.Invoke(run);
                Downstream?.Set();
            }
        }

        return runs;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "tasks: {Table}: {Error} (the other tables go on; this one is tried again every {Seconds:F0} s until it succeeds)")]
    private static partial void LogFailed(ILogger logger, string table, string error, double seconds);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "tasks: {Table} run {RunId} applied ledger ({From}, {To}]: {Keys} keys, {Versions} versions, {Ties} ties in {Ms:F0} ms")]
    private static partial void LogRun(ILogger logger, string table, long runId, long from, long to, long keys, long versions, long ties, double ms);
}
