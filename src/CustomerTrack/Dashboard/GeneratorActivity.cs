namespace CustomerTrack.Dashboard;

/// <summary>
/// What a generator running in this process (<c>demo</c>) has written, so that the dashboard's generator box shows it
/// live; a process without one (<c>run</c>) leaves it idle and the box says where files come from instead.
/// </summary>
internal sealed class GeneratorActivity(TimeProvider time)
{
    private readonly Lock _lock = new();
    private int _files;
    private string? _last;
    private DateTime? _lastAt;
    private bool _running;

    /// <summary>The generator started.</summary>
    public void Started()
    {
        lock (_lock)
        {
            _running = true;
        }
    }

    /// <summary>The generator wrote <paramref name="file"/>.</summary>
    public void Wrote(string file)
    {
        lock (_lock)
        {
            _files++;
            _last = Path.GetFileName(file);
            _lastAt = time.GetUtcNow().UtcDateTime;
        }
    }

    /// <summary>The generator stopped.</summary>
    public void Stopped()
    {
        lock (_lock)
        {
            _running = false;
        }
    }

    /// <summary>Files written so far, and a line for the box; null when no generator ran in this process.</summary>
    public (int Files, string Note)? Read(DateTime now)
    {
        lock (_lock)
        {
            if (!_running && _files == 0)
            {
                return null;
            }

            var last = _lastAt is { } at ? $", the last {_last} {Math.Max(0, (now - at).TotalSeconds).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} s ago" : "";
            return (_files, (_running ? "running in this process: " : "stopped: ") + $"{_files} file(s) written{last}");
        }
    }
}
