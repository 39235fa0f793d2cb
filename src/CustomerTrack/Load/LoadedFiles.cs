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
internal sealed class LoadedFiles(IWarehouse warehouse)
{
    /// <summary>How far before the last mark keys are read again: workers' clocks may differ by this much.</summary>
    private static readonly TimeSpan ClockMargin = TimeSpan.FromMinutes(10);

    private HashSet<string>? _keys;
    private (long Count, DateTime? Latest) _mark;

    /// <summary>The keys loaded so far, brought up to date with the warehouse.</summary>
    public IReadOnlySet<string> Current()
    {
        var mark = warehouse.LoadHistoryMark();
        if (_keys is not null && mark == _mark)
        {
            return _keys;
        }

        if (_keys is not null && mark.Count > _mark.Count && _mark.Latest is { } latest)
        {
            _keys.UnionWith(warehouse.LoadedKeys(latest - ClockMargin));
        }

        if (_keys is null || _keys.Count != mark.Count)
        {
            _keys = warehouse.LoadedKeys();
        }

        _mark = mark;
        return _keys;
    }
}
