using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using CustomerTrack.Lake;
using Microsoft.Extensions.Logging;

namespace CustomerTrack.Ingest;

/// <summary>
/// One provenance record: what ingest received and where it stored it (NiFi's provenance event), and the run id of the
/// process that did (records written before run ids have none).
/// </summary>
internal sealed record ProvenanceRecord(
    string File, string Key, long Bytes, string Sha256, DateTime LandedAt, DateTime ReceivedAt, DateTime StoredAt, double CopyMs,
    string? RunId = null);

/// <summary>
/// NiFi's role: picks up complete files from landing/, stores each in the lake under a content-addressed key,
/// and removes it from landing/ only once the lake holds it. A crash in between sends the same key again.
/// </summary>
internal sealed partial class IngestStage(Workspace workspace, ILake lake, TimeProvider time, ILogger logger)
{
    private static readonly string[] TemporarySuffixes = [".tmp", ".part", ".partial", ".crdownload", ".swp", ".filepart"];
    private static readonly Lock ProvenanceLock = new();

    /// <summary>Set when a file reached the lake.</summary>
    public Signal? Downstream { get; set; }

    /// <summary>The run id of this process, written into each provenance record.</summary>
    public string? RunId { get; init; }

    /// <summary>Told of each landing file set aside as unreadable (the run's tally and exit code count it).</summary>
    public Action<string>? SetAside { get; set; }

    /// <summary>The earliest moment a file now too young becomes old enough, if any.</summary>
    public DateTime? NextDue { get; private set; }

    // When this process first saw each landing file as it is now (its length and mtime): the minimum age counts from
    // the earlier of that and the file's mtime, so a clock that wrote a future mtime cannot hold a file back.
    private readonly ConcurrentDictionary<string, Sighting> _seen = new(StringComparer.Ordinal);

    // Files a writer renamed into landing/ from a name ingest never takes (a dot-file, a .tmp): the rename is the writer's
    // "done", so they need not wait out the minimum age, which is for writers that do not rename. Each with the length and
    // mtime it had when renamed: a file written to since is aged as any other.
    private readonly ConcurrentDictionary<string, (long Length, DateTime Mtime)> _renamedIn = new(StringComparer.Ordinal);

    /// <summary>Files this process may not read, set aside until their back-off passes (see <see cref="UnreadableFiles"/>).</summary>
    private readonly UnreadableFiles _unreadable = new(workspace, time, logger);

    /// <summary>Moves every complete file now in landing/ to the lake; returns how many.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var ready = Candidates();
        var moved = 0;
        await Parallel.ForEachAsync(ready, new ParallelOptions
        {
            MaxDegreeOfParallelism = workspace.Settings.Ingest.MaxInFlight,
            CancellationToken = ct,
        }, async (candidate, token) =>
        {
            if (await IngestFileAsync(candidate.File, candidate.Table, token))
            {
                Interlocked.Increment(ref moved);
                Downstream?.Set();
            }
        });
        return moved;
    }

    /// <summary>
    /// Told by the landing folder's watcher that <paramref name="oldPath"/> was renamed to <paramref name="newPath"/>. A
    /// file renamed from a name ingest never takes to one it takes is complete: it is taken without waiting for
    /// <c>Ingest:MinFileAge</c> and without looking for a process that holds it open (both are for writers that do not
    /// rename). Written to after the rename, it is aged as any other file.
    /// </summary>
    public void Renamed(string oldPath, string newPath)
    {
        try
        {
            if (Takeable(oldPath) || !Takeable(newPath))
            {
                return;
            }

            var info = new FileInfo(newPath);
            if (info.Exists && info.LinkTarget is null)
            {
                _renamedIn[Id(info)] = (info.Length, info.LastWriteTimeUtc);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone or unreadable already: the listing meets it (or not) as any other file.
        }
    }

    /// <summary>Whether a path is one the listing takes: under landing/, in no dot-folder, with a candidate name.</summary>
    private bool Takeable(string path)
    {
        var relative = Path.GetRelativePath(workspace.Landing, path);
        var parts = relative.Split(Path.DirectorySeparatorChar);
        return !Path.IsPathRooted(relative) && parts[0] != ".." && parts.Length <= MaxDepth + 1
            && parts.Take(parts.Length - 1).All(folder => !folder.StartsWith('.')) && IsCandidateName(parts[^1]);
    }

    /// <summary>How deep below landing/ files are looked for (partition folders such as 2026/01/ are two).</summary>
    private const int MaxDepth = 16;

    /// <summary>
    /// The files in landing/ and in every folder below it, each with the table it is for: a first-level folder named like
    /// a table (landing/&lt;table&gt;/, and its sub-folders such as landing/orders/2026/01/) is that table's; files directly
    /// in landing/ and in folders that cannot be a table's name (landing/2026/01/, landing/dt=2026-01-01/) are the
    /// default table's (null). Dot-folders and linked folders are never entered.
    /// </summary>
    internal static IEnumerable<(FileInfo File, string? Table)> LandingFiles(string landingFolder)
    {
        var landing = new DirectoryInfo(landingFolder);
        foreach (var file in landing.EnumerateFiles())
        {
            yield return (file, null);
        }

        foreach (var folder in Folders(landing))
        {
            var table = TableFolder().IsMatch(folder.Name) ? folder.Name : null;
            foreach (var file in Below(folder, 1))
            {
                yield return (file, table);
            }
        }
    }

    /// <summary>The path of a landing file below landing/, with / between folders: its name in provenance and logs.</summary>
    internal static string Relative(string landingFolder, FileInfo file) =>
        Path.GetRelativePath(landingFolder, file.FullName).Replace(Path.DirectorySeparatorChar, '/');

    private static IEnumerable<DirectoryInfo> Folders(DirectoryInfo dir) =>
        dir.EnumerateDirectories().Where(f => !f.Name.StartsWith('.') && f.LinkTarget is null);

    private static IEnumerable<FileInfo> Below(DirectoryInfo folder, int depth)
    {
        IEnumerable<FileInfo> files;
        IEnumerable<DirectoryInfo> folders;
        try
        {
            files = folder.EnumerateFiles().ToList();
            folders = depth < MaxDepth ? Folders(folder).ToList() : [];
        }
        catch (Exception e) when (e is DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            // Gone since it was listed, or not ours to read: the next pass meets it again.
            yield break;
        }

        foreach (var file in files)
        {
            yield return file;
        }

        foreach (var sub in folders)
        {
            foreach (var file in Below(sub, depth + 1))
            {
                yield return file;
            }
        }
    }

    /// <summary>A folder name that can be a table's (a letter, then letters, digits and underscores).</summary>
    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,62}$")]
    private static partial System.Text.RegularExpressions.Regex TableFolder();

    private List<(FileInfo File, string? Table)> Candidates()
    {
        NextDue = null;
        if (!Directory.Exists(workspace.Landing))
        {
            return [];
        }

        var now = time.GetUtcNow().UtcDateTime;
        var minAge = workspace.Settings.Ingest.MinFileAge.Value;
        var ready = new List<(FileInfo File, string? Table)>();
        var present = new HashSet<string>(StringComparer.Ordinal);
        var writing = new Lazy<HashSet<string>>(() => OpenForWriting.In(workspace.Landing)); // only when a file is there
        foreach (var (info, table) in LandingFiles(workspace.Landing))
        {
            present.Add(Id(info));
            if (!IsCandidateName(info.Name))
            {
                continue;
            }

            if (info.LinkTarget is not null)
            {
                LogSymlinkIgnored(logger, info.Name);
                continue;
            }

            if (_unreadable.Waiting(Id(info), now))
            {
                continue;
            }

            // Renamed in when done: neither aged nor looked for among open files (scanning every process's descriptors was
            // a sixth of a continuous run's CPU, profiled at 10k changes/s).
            if (_renamedIn.TryGetValue(Id(info), out var renamed) && renamed.Length == info.Length && renamed.Mtime == info.LastWriteTimeUtc)
            {
                ready.Add((info, table));
                continue;
            }

            if (writing.Value.Contains(info.FullName))
            {
                // Still open for writing: its age counts from when it is closed.
                _seen.TryRemove(Id(info), out _);
                var later = now + minAge;
                NextDue = NextDue is null || later < NextDue ? later : NextDue;
                continue;
            }

            var seen = _seen.AddOrUpdate(Id(info), _ => new Sighting(now, info.Length, info.LastWriteTimeUtc),
                (_, s) => s.Length == info.Length && s.Mtime == info.LastWriteTimeUtc ? s : new Sighting(now, info.Length, info.LastWriteTimeUtc));
            var due = (info.LastWriteTimeUtc < seen.FirstSeen ? info.LastWriteTimeUtc : seen.FirstSeen) + minAge;
            if (due > now)
            {
                NextDue = NextDue is null || due < NextDue ? due : NextDue;
                continue;
            }

            ready.Add((info, table));
        }

        foreach (var gone in _seen.Keys.Where(k => !present.Contains(k)))
        {
            _seen.TryRemove(gone, out _);
        }

        foreach (var gone in _renamedIn.Keys.Where(k => !present.Contains(k)))
        {
            _renamedIn.TryRemove(gone, out _);
        }

        _unreadable.Forget(present);
        ready.Sort((a, b) => a.File.LastWriteTimeUtc.CompareTo(b.File.LastWriteTimeUtc));
        return ready;
    }

    /// <summary>A landing file's name relative to landing/ (a table's folder included): its identity while it waits.</summary>
    private string Id(FileInfo file) => Path.GetRelativePath(workspace.Landing, file.FullName);

    /// <summary>A landing file as first seen in this state.</summary>
    private sealed record Sighting(DateTime FirstSeen, long Length, DateTime Mtime);

    /// <summary>Whether the file at <paramref name="path"/> is no longer what was listed (<paramref name="length"/>, <paramref name="mtime"/>).</summary>
    private static bool Changed(string path, long length, DateTime mtime)
    {
        var now = new FileInfo(path);
        return now.Exists && (now.Length != length || now.LastWriteTimeUtc != mtime);
    }

    /// <summary>Dot-files and the temporary names of writers that rename when done are never picked up.</summary>
    internal static bool IsCandidateName(string name) =>
        !name.StartsWith('.') && !TemporarySuffixes.Any(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase));

    private async Task<bool> IngestFileAsync(FileInfo file, string? table, CancellationToken ct)
    {
        var received = time.GetUtcNow().UtcDateTime;
        var started = time.GetTimestamp();
        var temp = lake.NewTempPath();
        string sha;
        long bytes;
        DateTime landed;
        try
        {
            // A future mtime (a skewed clock) is not when it landed: at the latest, it landed when it was received.
            landed = file.LastWriteTimeUtc < received ? file.LastWriteTimeUtc : received;

            // Named pipes, sockets and devices report no length, and opening a pipe waits for a writer for ever: an entry
            // of length 0 is never opened (an empty file has nothing to copy anyway).
            await using (var source = file.Length == 0 ? Stream.Null : _unreadable.Open(file))
            await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[1 << 16];
                int n;
                while ((n = await UnreadableFiles.ReadAsync(source, buffer, ct)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    await target.WriteAsync(buffer.AsMemory(0, n), ct);
                }

                // Durable before the landing copy goes: the lake write must survive a power cut.
                target.Flush(flushToDisk: true);
                sha = Convert.ToHexStringLower(hash.GetHashAndReset());
                bytes = target.Length;
            }

            if (bytes != file.Length || Changed(file.FullName, file.Length, file.LastWriteTimeUtc))
            {
                // Written to while we copied (a writer that does not rename): not complete after all. Its age counts
                // again from now, so it is taken once it has stayed still for Ingest:MinFileAge.
                File.Delete(temp);
                _seen.TryRemove(Id(file), out _);
                LogStillWritten(logger, file.Name);
                return false;
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            LogVanished(logger, file.Name);
            TryDelete(temp);
            return false;
        }
        catch (UnreadableFileException e)
        {
            // Not ours to read (permissions, a bad block): the others go on; this one is tried again on a back-off.
            TryDelete(temp);
            _unreadable.Failed(Id(file), e.InnerException?.Message ?? e.Message);
            SetAside?.Invoke(Id(file));
            return false;
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        var key = Relanded(LakeKey.For(received, file.Name, sha, table), landed);
        try
        {
            await lake.CommitAsync(temp, key, landed, ct);
        }
        catch
        {
            // The landing file stays for the next pass; the copy must not pile up in the lake on every retry.
            TryDelete(temp);
            throw;
        }

        var stored = time.GetUtcNow().UtcDateTime;
        AppendProvenance(new ProvenanceRecord(Relative(workspace.Landing, file), key, bytes, sha, landed, received, stored,
            time.GetElapsedTime(started).TotalMilliseconds, RunId));
        if (workspace.Settings.Debug.StepDelay.Value is { } pause && pause > TimeSpan.Zero)
        {
            LogPausing(logger, file.Name, pause.TotalMilliseconds);
            await Task.Delay(pause, time, ct);
        }

        _unreadable.Succeeded(Id(file));
        if (Changed(file.FullName, file.Length, file.LastWriteTimeUtc))
        {
            // Appended to after the copy: the lake holds only what was there then. The landing file stays, and its
            // new content is taken as a new file once it is still; deleting it would lose the rows written since.
            _seen.TryRemove(Id(file), out _);
            LogChangedAfterStore(logger, file.Name, key);
            return true;
        }

        TryDelete(file.FullName);
        LogStored(logger, file.Name, key, bytes);
        return true;
    }

    /// <summary>
    /// The key for a file landed now: <paramref name="key"/>, unless provenance shows that key stored before for a landing
    /// of another time (the same file landed again the same day, after it was loaded): then the next free re-landing key
    /// (<see cref="LakeKey.Relanding"/>), so that the loader meets it and records it as LOAD_SKIPPED, never drops it
    /// without a word. The same landing taken again after a crash (same landing time) keeps its key.
    /// </summary>
    private string Relanded(string key, DateTime landed)
    {
        lock (ProvenanceLock)
        {
            _stored ??= StoredKeys();
            for (var n = 2; _stored.TryGetValue(key, out var at) && at != landed; n++)
            {
                key = LakeKey.Relanding(key, n);
            }

            return key;
        }
    }

    // Each key ingest stored, with the landing time it was stored for (from provenance, read once).
    private Dictionary<string, DateTime>? _stored;

    private Dictionary<string, DateTime> StoredKeys()
    {
        // A line cut short by a crash is left out: the file it was for is taken again (same key) if still in landing.
        var stored = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        foreach (var record in ProvenanceLog.Read(workspace.ProvenanceFile))
        {
            stored[record.Key] = record.LandedAt;
        }

        return stored;
    }

    private void AppendProvenance(ProvenanceRecord record)
    {
        var line = JsonSerializer.Serialize(record) + "\n";
        lock (ProvenanceLock)
        {
            _stored?[record.Key] = record.LandedAt;
            Directory.CreateDirectory(Path.GetDirectoryName(workspace.ProvenanceFile)!);
            File.AppendAllText(workspace.ProvenanceFile, line);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ingest: stored {File} as {Key} ({Bytes} bytes)")]
    private static partial void LogStored(ILogger logger, string file, string key, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "ingest: pausing before removing {File} from landing ({Ms} ms, Debug:StepDelay)")]
    private static partial void LogPausing(ILogger logger, string file, double ms);

    [LoggerMessage(Level = LogLevel.Information, Message = "ingest: {File} changed while it was copied (still being written); waiting until it is still for Ingest:MinFileAge")]
    private static partial void LogStillWritten(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ingest: {File} changed after it was stored as {Key}; left in landing, its new content is taken later as a new file")]
    private static partial void LogChangedAfterStore(ILogger logger, string file, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ingest: {File} vanished while being read; skipped")]
    private static partial void LogVanished(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ingest: {File} is a symbolic link; links are never followed")]
    private static partial void LogSymlinkIgnored(ILogger logger, string file);
}
