namespace CustomerTrack.Lake;

/// <summary>An object in the lake.</summary>
internal sealed record LakeEntry(string Key, long Bytes, DateTime LandedAt);

/// <summary>A lake object's bytes in a local file for the loader; disposing it removes a downloaded copy.</summary>
internal sealed class LakeCopy(string path, DateTime? landedAt, bool temporary) : IDisposable
{
    public string Path { get; } = path;

    /// <summary>When the file landed, as ingest recorded it (null when the object did not say).</summary>
    public DateTime? LandedAt { get; } = landedAt;

    public void Dispose()
    {
        if (temporary)
        {
            File.Delete(Path);
        }
    }
}

/// <summary>
/// The data lake: a folder (embedded default) or an S3 bucket. Objects are written once under content-addressed keys
/// (<see cref="LakeKey"/>), listed, and read; correctness never depends on conditional writes.
/// </summary>
internal interface ILake
{
    /// <summary>Where the lake is, for people (never with credentials).</summary>
    string Describe { get; }

    /// <summary>A fresh local path to stage an object's bytes in before <see cref="CommitAsync"/>.</summary>
    string NewTempPath();

    /// <summary>
    /// Stores the staged file under <paramref name="key"/> (durable when it returns) and removes the staged file.
    /// An object already under the key has the same content: keys are content-addressed.
    /// </summary>
    Task CommitAsync(string tempPath, string key, DateTime landedAt, CancellationToken ct);

    /// <summary>Every object, in key order.</summary>
    Task<IReadOnlyList<LakeEntry>> ListAsync(CancellationToken ct);

    /// <summary>
    /// The objects whose key sorts at or after the day <paramref name="day"/> (<c>yyyy/MM/dd</c>, the ingest date keys
    /// begin with), in key order: a listing that reads only the days since, however many files the lake holds. A key
    /// that does not begin with a date may be listed too.
    /// </summary>
    Task<IReadOnlyList<LakeEntry>> ListFromAsync(string day, CancellationToken ct);

    /// <summary>The object's bytes as a local file, or null when it is gone.</summary>
    Task<LakeCopy?> CopyAsync(string key, CancellationToken ct);
}
