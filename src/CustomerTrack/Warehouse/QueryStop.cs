using CustomerTrack.Configuration;

namespace CustomerTrack.Warehouse;

/// <summary>Why a reader's query was stopped, in the same words on both engines.</summary>
internal static class QueryStop
{
    /// <summary>Its reader went away (<paramref name="readerToken"/> cancelled), or it ran past <c>Query:Timeout</c>.</summary>
    public static CustomerTrackException Because(CancellationToken readerToken, QuerySettings limits, Exception inner) =>
        readerToken.IsCancellationRequested
            ? new CustomerTrackException("query cancelled: its reader went away", inner)
            : new CustomerTrackException($"query ran longer than Query:Timeout ({limits.Timeout}) and was cancelled; narrow it, or raise the setting", inner);
}
