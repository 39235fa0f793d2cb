using System.IO.Enumeration;

namespace CustomerTrack.Lake;

/// <summary>
/// The embedded lake: a folder. A put is durable when it returns: the bytes are flushed to disk under a temporary
/// name, then renamed to the key, so a reader never sees half an object.
/// </summary>
internal sealed class FolderLake(string root) : ILake
{
    private const string Incoming = ".incoming";

    public string Root { get; } = root;

    public string Describe => Root;

    public Task CommitAsync(string tempPath, string key, DateTime landedAt, CancellationToken ct)
    {
        Commit(tempPath, key, landedAt);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<LakeEntry>> ListAsync(CancellationToken ct) => Task.FromResult(List());

    public Task<LakeCopy?> CopyAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        return Task.FromResult(File.Exists(path) ? new LakeCopy(path, File.GetLastWriteTimeUtc(path), temporary: false) : null);
    }

    /// <summary>
    /// Moves a fully written temporary file to <paramref name="key"/>; an object already there with that key is the same
    /// content. Durable when it returns: the folder holding the new name is synced, and so is each folder this made on
    /// the way (their names live in their parents), so a power cut after ingest removes the landing file cannot undo it.
    /// </summary>
    public void Commit(string tempPath, string key, DateTime landedAt)
    {
        var target = PathOf(key);
        var dir = Path.GetDirectoryName(target)!;
        var made = new List<string>();
        for (var d = dir; !Directory.Exists(d) && d.Length > Root.Length; d = Path.GetDirectoryName(d)!)
        {
            made.Add(d);
        }

        Directory.CreateDirectory(dir);
        File.SetLastWriteTimeUtc(tempPath, landedAt);
        File.Move(tempPath, target, overwrite: true);
        DirectorySync.Flush(dir);
        foreach (var parent in made.Select(d => Path.GetDirectoryName(d)!))
        {
            DirectorySync.Flush(parent);
        }
    }

    /// <summary>A fresh temporary path inside the lake (same file system, so the final rename is atomic).</summary>
    public string NewTempPath()
    {
        var dir = Path.Combine(Root, Incoming);
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, $"{Guid.NewGuid():N}.tmp");
    }

    public Task<IReadOnlyList<LakeEntry>> ListFromAsync(string day, CancellationToken ct) => Task.FromResult(List(day));

    /// <summary>
    /// Every object, or with <paramref name="fromDay"/> those in the date folders (<c>yyyy/MM/dd</c>) from that day on
    /// and those outside date folders: the folders of earlier days are not walked at all.
    /// </summary>
    public IReadOnlyList<LakeEntry> List(string? fromDay = null)
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }

        var entries = new List<LakeEntry>();
        // Links are never followed, to files or to folders: a folder linked into the lake would bring in files whose
        // content does not match their keys (now set aside as LOAD_FAILED), or files that are not the lake's at all.
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = false };
        var files = new FileSystemEnumerable<string>(Root, (ref FileSystemEntry e) => e.ToFullPath(), options)
        {
            ShouldIncludePredicate = (ref FileSystemEntry e) => !e.IsDirectory,
            ShouldRecursePredicate = (ref FileSystemEntry e) => fromDay is null || !BeforeDay(Path.GetRelativePath(Root, e.ToFullPath()), fromDay),
        };
        foreach (var path in files)
        {
            var key = Path.GetRelativePath(Root, path).Replace(Path.DirectorySeparatorChar, '/');
            if (key.StartsWith(Incoming + "/", StringComparison.Ordinal) || !LakeKey.IsSafe(key))
            {
                continue;
            }

            var info = new FileInfo(path);
            if (info.LinkTarget is not null)
            {
                continue;
            }

            entries.Add(new LakeEntry(key, info.Length, info.LastWriteTimeUtc));
        }

        entries.Sort((a, b) => LakeKey.Compare(a.Key, b.Key));
        return entries;
    }

    /// <summary>
    /// Whether the folder <paramref name="relative"/> is a date folder, or a year or month of one, wholly before
    /// <paramref name="day"/>: <c>2026</c>, <c>2026/03</c> and <c>2026/03/01</c> are compared with as much of the day.
    /// </summary>
    private static bool BeforeDay(string relative, string day)
    {
        var folder = relative.Replace(Path.DirectorySeparatorChar, '/');
        var date = folder.Length is 4 or 7 or 10 && folder.Length <= day.Length
            && folder.Select((c, i) => i is 4 or 7 ? c == '/' : char.IsAsciiDigit(c)).All(ok => ok);
        return date && string.CompareOrdinal(folder, day[..folder.Length]) < 0;
    }

    public string PathOf(string key)
    {
        if (!LakeKey.IsSafe(key))
        {
            throw new CustomerTrackException($"lake key '{key}' is not a safe relative key");
        }

        return Path.Combine(Root, key.Replace('/', Path.DirectorySeparatorChar));
    }

    /// <summary>Removes temporary files a crash left behind; young ones may belong to another ingest process.</summary>
    public void SweepIncoming(DateTime now)
    {
        var dir = Path.Combine(Root, Incoming);
        if (Directory.Exists(dir))
        {
            foreach (var f in Directory.EnumerateFiles(dir, "*.tmp"))
            {
                if (now - File.GetLastWriteTimeUtc(f) > TimeSpan.FromHours(1))
                {
                    File.Delete(f);
                }
            }
        }
    }
}
