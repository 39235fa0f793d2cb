using System.Net.Sockets;

namespace CustomerTrack;

/// <summary>
/// The failure model (docs/architecture.md): which failures a retry can cure. Engines and the lake translate their own
/// errors at their boundaries (<see cref="WarehouseException"/>, the S3 lake's guard), so this only reads the verdict.
/// </summary>
internal static class Failures
{
    /// <summary>Whether trying the same work again later can succeed: a lost connection, a lock, a full disk, a store away.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        CustomerTrackException c => c.IsTransient,
        IOException or TimeoutException or SocketException or HttpRequestException or UnauthorizedAccessException => true,
        _ => false,
    };

    /// <summary>A failure the loop must not retry quickly: neither transient nor a cancellation nor the abort policy's stop.</summary>
    public static bool IsPermanent(Exception e) =>
        !IsTransient(e) && e is not OperationCanceledException and not InputRejectedException;

    /// <summary>
    /// Whether <paramref name="e"/> is a bug of ours rather than bad data or a refusal: an exception .NET throws for a
    /// program's own mistakes. Reported as an internal error, and work that met it is tried again (on the next start, once
    /// the program is fixed) rather than set aside for good.
    /// </summary>
    public static bool IsBug(Exception e) => e is NullReferenceException or IndexOutOfRangeException or ArgumentException
        or InvalidCastException or KeyNotFoundException or InvalidOperationException or NotImplementedException or NotSupportedException;

    /// <summary>One line saying what failed, for the log and for load_history.error.</summary>
    public static string Reason(Exception e) => e is CustomerTrackException
        ? e.Message
        : $"{e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}";
}
