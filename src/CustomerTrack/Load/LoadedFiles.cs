using CustomerTrack.Warehouse;

namespace CustomerTrack.Load;

/// <summary>
/// The lake keys the load history holds, kept by the loader between cycles so that a cycle asks the warehouse what is
/// new instead of reading every key ever loaded. Each cycle reads the history's mark (its row count and latest
/// <c>loaded_at</c>, one aggregate): unchanged, nothing is read; grown, only keys loaded since the last mark (less a
/// margin for other workers' clocks) are read; and whenever the set then does not count what the history counts (a
/// row removed by <c>reload</c>, a worker whose clock is far behind), every key is read again. The history's key is
/// unique, so the count check makes the set exact whatever happened in between.
/// </summary>
internal sealed class LoadedFiles(IWarehouse warehouse, TimeProvider time)
{
    /// <summary>How far before the last mark keys are read again: workers' clocks may differ by this much.</summary>
    private static readonly TimeSpan ClockMargin = TimeSpan.FromMinutes(10);

    private HashSet<string>? _keys;
    private (long Count, DateTime? Latest) _mark;

    /// <summary>The keys loaded so far, brought up to date with the warehouse.</summary>
    public IReadOnlySet<string> Current()
    {
        var mark = Mark();
        if (_keys is not null && mark == _mark)
        {
            return _keys;
        }

        if (_keys is not null && mark.Count > _mark.Count && _mark.Latest is { } latest)
        {
            _keys.UnionWith(Keys(latest - ClockMargin));
        }

        if (_keys is null || _keys.Count != mark.Count)
        {
            _keys = Keys(null);
        }

        _mark = mark;
        return _keys;
    }

    /// <summary>The load history's row count and latest <c>loaded_at</c>: keys are read only when they moved.</summary>
    private (long Count, DateTime? Latest) Mark()
    {
        var row = Read("SELECT count(*), max(loaded_at) FROM load_history")[0];
        return (Convert.ToInt64(row[0], System.Globalization.CultureInfo.InvariantCulture), row[1] as DateTime?);
    }

    /// <summary>Keys in the load history; with <paramref name="since"/>, only those loaded at or after it.</summary>
    private HashSet<string> Keys(DateTime? since) =>
        Read(since is null ? "SELECT file_key FROM load_history" : "SELECT file_key FROM load_history WHERE loaded_at >= $since",
                since is null ? [] : [("since", since.Value)])
            .Select(row => (string)row[0]!).ToHashSet(StringComparer.Ordinal);

    private IReadOnlyList<object?[]> Read(string sql, params (string Name, object? Value)[] args) =>
        warehouse.InLoadTransactionAsync(time, tx => Task.FromResult(tx.Rows(sql, args))).GetAwaiter().GetResult();
}
