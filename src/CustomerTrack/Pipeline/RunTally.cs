using CustomerTrack.Scd;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Pipeline;

/// <summary>
/// What one process did since it started: files loaded by outcome, rows loaded and rejected, task runs. The summary on
/// exit and the exit code come from it (a file that failed, lost rows or could not be read in this run makes the run's exit code 3).
/// </summary>
internal sealed class RunTally
{
    private readonly Lock _lock = new();
    private long _ingested, _files, _loadFailed, _partial, _skipped, _rowsLoaded, _rowsRejected, _taskRuns, _rowsApplied, _versions;

    public long FilesIngested { get { lock (_lock) { return _ingested; } } }
    public long Files { get { lock (_lock) { return _files; } } }
    public long FilesFailed { get { lock (_lock) { return _loadFailed; } } }
    public long FilesPartiallyLoaded { get { lock (_lock) { return _partial; } } }
    public long FilesSkipped { get { lock (_lock) { return _skipped; } } }
    public long RowsLoaded { get { lock (_lock) { return _rowsLoaded; } } }
    public long RowsRejected { get { lock (_lock) { return _rowsRejected; } } }
    public long TaskRuns { get { lock (_lock) { return _taskRuns; } } }
    public long RowsApplied { get { lock (_lock) { return _rowsApplied; } } }
    public long Versions { get { lock (_lock) { return _versions; } } }

    /// <summary>Landing files this run could not read (set aside on a back-off; <c>status</c> lists them).</summary>
    public long FilesUnreadable { get { lock (_lock) { return _unreadable.Count; } } }

    /// <summary>Whether a file of this run failed, had rows rejected or could not be read in landing/.</summary>
    public bool HadRejects { get { lock (_lock) { return _loadFailed > 0 || _rowsRejected > 0 || _unreadable.Count > 0; } } }

    private readonly HashSet<string> _unreadable = new(StringComparer.Ordinal);

    internal void AddUnreadable(string landingFile)
    {
        lock (_lock)
        {
            _unreadable.Add(landingFile);
        }
    }

    internal int AddIngested(int files)
    {
        lock (_lock)
        {
            _ingested += files;
        }

        return files;
    }

    internal void Add(LoadOutcome outcome)
    {
        lock (_lock)
        {
            _files++;
            _rowsLoaded += outcome.RowsLoaded;
            _rowsRejected += outcome.RowsRejected;
            switch (outcome.Status)
            {
                case LoadStatus.Failed: _loadFailed++; break;
                case LoadStatus.PartiallyLoaded: _partial++; break;
                case LoadStatus.Skipped: _skipped++; break;
            }
        }
    }

    internal void Add(TaskRunOutcome run)
    {
        lock (_lock)
        {
            _taskRuns++;
            _rowsApplied += run.RowsRead;
            _versions += run.Versions;
        }
    }
}
