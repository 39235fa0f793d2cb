using System.Globalization;
using CustomerTrack.Lake;

namespace CustomerTrack.Load;

/// <summary>
/// The lake objects waiting for a load cycle, listed incrementally, as <see cref="LoadedFiles"/> keeps the load history:
/// the first listing reads every object; a later one starts at the earlier of the day before the previous listing (keys
/// begin with their ingest date; a day allows for an ingest clock behind the loader's) and the day of the oldest object
/// that listing found waiting (a file whose load failed, or one another worker claimed, is listed until it is loaded).
/// A lake of many days' files is then listed by its last days only. A key not beginning with a date makes the next
/// listing whole again.
/// </summary>
internal sealed class LakeListing(ILake lake, TimeProvider time)
{
    private const int DayLength = 10;

    private string? _from;

    /// <summary>The objects <paramref name="waiting"/> takes, in key order.</summary>
    public IReadOnlyList<LakeEntry> Waiting(Func<LakeEntry, bool> waiting, CancellationToken ct)
    {
        var started = time.GetUtcNow().UtcDateTime;

        // The loader runs on a thread of its own (PipelineRunner); waiting on the lake here blocks nothing else.
        var listed = (_from is null ? lake.ListAsync(ct) : lake.ListFromAsync(_from, ct)).GetAwaiter().GetResult();
        var found = listed.Where(waiting).ToList();
        var from = started.AddDays(-1).ToString("yyyy/MM/dd", CultureInfo.InvariantCulture);
        foreach (var entry in found)
        {
            if (!IsDay(entry.Key))
            {
                _from = null;
                return found;
            }

            if (string.CompareOrdinal(entry.Key, 0, from, 0, DayLength) < 0)
            {
                from = entry.Key[..DayLength];
            }
        }

        _from = from;
        return found;
    }

    /// <summary>Whether <paramref name="key"/> begins with a day folder, <c>yyyy/MM/dd/</c>.</summary>
    private static bool IsDay(string key) =>
        key.Length > DayLength && key[DayLength] == '/'
        && DateTime.TryParseExact(key.AsSpan(0, DayLength), "yyyy/MM/dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
}
