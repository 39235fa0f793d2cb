namespace CustomerTrack.Warehouse;

/// <summary>
/// A ticket lock: waiters enter in the order they arrived. Load and tasks share the one writer connection, and an
/// unfair lock let a loader with a backlog of files re-take it file after file while the task waited, so nothing
/// became visible until the whole backlog was in. With turns taken in order, each loaded file is applied promptly.
/// </summary>
internal sealed class FairLock
{
    private readonly object _gate = new();
    private long _next;
    private long _serving;

    public Releaser Enter()
    {
        lock (_gate)
        {
            var ticket = _next++;
            while (ticket != _serving)
            {
                Monitor.Wait(_gate);
            }
        }

        return new Releaser(this);
    }

    private void Exit()
    {
        lock (_gate)
        {
            _serving++;
            Monitor.PulseAll(_gate);
        }
    }

    public readonly struct Releaser(FairLock owner) : IDisposable
    {
        public void Dispose() => owner.Exit();
    }
}
