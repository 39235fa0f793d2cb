using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace CustomerTrack.Ingest;

/// <summary>A landing file this process may not read (permissions, a device error): the file's fault, not the stage's.</summary>
internal sealed class UnreadableFileException(Exception inner) : CustomerTrackException(inner.Message, inner, isTransient: true);

/// <summary>A landing file set aside, why, and when it is tried again.</summary>
internal sealed record UnreadableFile(string File, string Reason, int Attempts, DateTime NextTry);

/// <summary>
/// Landing files ingest may not read. One such file must not stop the others (it used to fail the whole pass, for ever):
/// it is skipped with one warning, tried again on an exponential back-off (1 s doubling to 5 min), and listed in
/// <c>DIR/logs/ingest-unreadable.json</c> so that <c>status</c>, in another process, can count it.
/// </summary>
internal sealed partial class UnreadableFiles(Workspace workspace, TimeProvider time, ILogger logger)
{
    public const string FileName = "ingest-unreadable.json";
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, UnreadableFile> _files = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Opens a landing file for reading, or says it is unreadable.</summary>
    public FileStream Open(FileInfo file)
    {
        try
        {
            return new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
        }
        catch (Exception e) when (e is UnauthorizedAccessException || (e is IOException && e is not FileNotFoundException and not DirectoryNotFoundException))
        {
            throw new UnreadableFileException(e);
        }
    }

    /// <summary>Reads from a landing file; a device error is the file's, not the stage's.</summary>
    public static async ValueTask<int> ReadAsync(Stream source, byte[] buffer, CancellationToken ct)
    {
        try
        {
            return await source.ReadAsync(buffer, ct);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new UnreadableFileException(e);
        }
    }

    /// <summary>Whether <paramref name="name"/> is set aside until later than <paramref name="now"/>.</summary>
    public bool Waiting(string name, DateTime now)
    {
        lock (_lock)
        {
            return _files.TryGetValue(name, out var f) && f.NextTry > now;
        }
    }

    public void Failed(string name, string reason)
    {
        UnreadableFile entry;
        bool first;
        lock (_lock)
        {
            first = !_files.TryGetValue(name, out var before) || before.Reason != reason;
            var attempts = (before?.Attempts ?? 0) + 1;
            var delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks << Math.Min(attempts - 1, 20)));
            entry = new UnreadableFile(name, reason, attempts, time.GetUtcNow().UtcDateTime + delay);
            _files[name] = entry;
            Save();
        }

        if (first)
        {
            LogUnreadable(logger, name, reason);
        }
    }

    public void Succeeded(string name)
    {
        lock (_lock)
        {
            if (_files.Remove(name))
            {
                Save();
            }
        }
    }

    /// <summary>Drops files no longer in landing/ (removed or renamed by whoever could not let us read them).</summary>
    public void Forget(IReadOnlySet<string> present)
    {
        lock (_lock)
        {
            var gone = _files.Keys.Where(k => !present.Contains(k)).ToList();
            foreach (var name in gone)
            {
                _files.Remove(name);
            }

            if (gone.Count > 0)
            {
                Save();
            }
        }
    }

    /// <summary>The files the running ingest has set aside, as it last recorded them (for status).</summary>
    public static IReadOnlyList<UnreadableFile> Read(Workspace workspace)
    {
        try
        {
            var files = JsonSerializer.Deserialize<List<UnreadableFile>>(File.ReadAllText(Path.Combine(workspace.Logs, FileName))) ?? [];
            return files.Where(f => File.Exists(Path.Combine(workspace.Landing, f.File))).ToList();
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private void Save()
    {
        var path = Path.Combine(workspace.Logs, FileName);
        try
        {
            if (_files.Count == 0)
            {
                File.Delete(path);
                return;
            }

            Directory.CreateDirectory(workspace.Logs);
            var temp = path + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(_files.Values.OrderBy(f => f.File, StringComparer.Ordinal)));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only status reads it; ingest goes on either way.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ingest: cannot read {File} ({Reason}); skipped, the other files go on, and it is tried again with back-off")]
    private static partial void LogUnreadable(ILogger logger, string file, string reason);
}
