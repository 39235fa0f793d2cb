using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace CustomerTrack.Dashboard;

/// <summary>
/// One snapshot a second at most, built only while someone listens and shared by every listener. A listener waits for
/// the next snapshot, never for a queue: a slow or paused tab skips snapshots and never holds up the pipeline.
/// </summary>
internal sealed partial class DashboardFeed : IAsyncDisposable
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(1);

    private readonly DashboardData _data;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly SemaphoreSlim _wake = new(0);
    private DashboardSnapshot? _latest;
    private DateTime _latestAt;
    private long _version;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _listeners;

    public DashboardFeed(DashboardData data, TimeProvider time, ILogger logger)
    {
        _data = data;
        _time = time;
        _logger = logger;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The latest snapshot built, if any (the metrics' gauges read it).</summary>
    public DashboardSnapshot? Latest
    {
        get
        {
            lock (_lock)
            {
                return _latest;
            }
        }
    }

    /// <summary>The latest snapshot, built now when the one held is more than a second old.</summary>
    public async Task<DashboardSnapshot> CurrentAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            if (_latest is not null && _time.GetUtcNow().UtcDateTime - _latestAt < Every)
            {
                return _latest;
            }
        }

        var snapshot = await _data.SnapshotAsync(ct);
        Publish(snapshot);
        return snapshot;
    }

    /// <summary>Server-Sent Events: the latest snapshot at once, then each new one.</summary>
    public async IAsyncEnumerable<SseItem<DashboardSnapshot>> StreamAsync([EnumeratorCancellation] CancellationToken ct)
    {
        Interlocked.Increment(ref _listeners);
        _wake.Release();
        try
        {
            long seen = -1;
            while (!ct.IsCancellationRequested)
            {
                DashboardSnapshot? snapshot;
                long version;
                Task changed;
                lock (_lock)
                {
                    (snapshot, version, changed) = (_latest, _version, _changed.Task);
                }

                if (snapshot is not null && version != seen)
                {
                    seen = version;
                    yield return new SseItem<DashboardSnapshot>(snapshot, "snapshot");
                }

                await changed.WaitAsync(ct);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _listeners);
        }
    }

    private void Publish(DashboardSnapshot snapshot)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _latest = snapshot;
            _latestAt = _time.GetUtcNow().UtcDateTime;
            _version++;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private async Task LoopAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (Volatile.Read(ref _listeners) == 0)
                {
                    await _wake.WaitAsync(ct);
                    continue;
                }

                // A snapshot a second, counted from start to start: a slow read does not stretch the interval.
                var started = _time.GetTimestamp();
                Publish(await _data.SnapshotAsync(ct));
                var rest = Every - _time.GetElapsedTime(started);
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest, _time, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A warehouse busy or away: the page keeps its last snapshot and the next one is tried a second later.
                LogSnapshotFailed(_logger, e.Message);
                await Task.Delay(Every, _time, CancellationToken.None);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _wake.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "dashboard: snapshot failed, trying again in a second: {Error}")]
    private static partial void LogSnapshotFailed(ILogger logger, string error);
}
