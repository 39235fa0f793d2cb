namespace CustomerTrack;

/// <summary>
/// A wake-up call between stages: set by the stage upstream when it hands work on, awaited with a poll
/// interval so that work left by another process or before a crash is found too.
/// </summary>
internal sealed class Signal(TimeProvider time)
{
    private readonly SemaphoreSlim _set = new(0, 1);

    public void Set()
    {
        try
        {
            _set.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already set: one wake-up covers any number of hand-offs.
        }
    }

    /// <summary>Waits until set or until <paramref name="timeout"/> passes on the injected clock.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var delay = Task.Delay(timeout, time, linked.Token);
        var set = _set.WaitAsync(linked.Token);
        await Task.WhenAny(delay, set);
        linked.Cancel();
        try
        {
            await set;
        }
        catch (OperationCanceledException)
        {
        }

        ct.ThrowIfCancellationRequested();
    }
}
