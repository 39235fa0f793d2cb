namespace CustomerTrack;

/// <summary>A stage failing now: for which table (null: the stage as a whole), why, since when, and whether it is a bug of ours.</summary>
internal sealed record StageFailure(string Stage, string? Table, string Reason, DateTime Since, bool Internal)
{
    /// <summary>One line for /health, the log and the run's last words.</summary>
    public string Described => $"{Stage}{(Table is null ? "" : $" of table {Table}")} failing since {Since:yyyy-MM-ddTHH:mm:ssZ}: "
        + (Internal ? "internal error, please report it: " : "") + Reason;
}

/// <summary>
/// What is failing now, per stage and table. A loop's failure is recorded when it happens and cleared by the next
/// success of the same work, so a table stuck for good stays visible: <c>/health</c> answers 503 naming it, the
/// <c>customertrack_stage_failing</c> gauge shows 1 for it, and a run that ends while it fails exits non-zero.
/// </summary>
internal sealed class StageHealth(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Stage, string Table), StageFailure> _failing = [];

    /// <summary>Records that <paramref name="stage"/> failed (for <paramref name="table"/>, when the failure is one table's).</summary>
    public void Failed(string stage, string? table, string reason, bool isInternal = false)
    {
        lock (_lock)
        {
            var since = _failing.TryGetValue((stage, table ?? ""), out var was) ? was.Since : time.GetUtcNow().UtcDateTime;
            _failing[(stage, table ?? "")] = new StageFailure(stage, table, reason, since, isInternal);
        }
    }

    /// <summary>Clears a failure of <paramref name="stage"/> for <paramref name="table"/> (null: the stage as a whole).</summary>
    public void Succeeded(string stage, string? table = null)
    {
        lock (_lock)
        {
            _failing.Remove((stage, table ?? ""));
        }
    }

    /// <summary>Whether <paramref name="stage"/> has a failure recorded for <paramref name="table"/>.</summary>
    public bool IsFailing(string stage, string? table)
    {
        lock (_lock)
        {
            return _failing.ContainsKey((stage, table ?? ""));
        }
    }

    /// <summary>Every failure now, by stage then table.</summary>
    public IReadOnlyList<StageFailure> Failing
    {
        get
        {
            lock (_lock)
            {
                return [.. _failing.Values.OrderBy(f => f.Stage, StringComparer.Ordinal).ThenBy(f => f.Table, StringComparer.Ordinal)];
            }
        }
    }
}
