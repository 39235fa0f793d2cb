using System.Security.Cryptography;

namespace CustomerTrack.Load;

/// <summary>
/// Notices <c>customertrack.json</c> edited while the pipeline runs. A running process keeps the definitions it started
/// with (a table's columns, keys and types cannot change under a load safely), so an edit is said once, before the next
/// file is loaded: never a load with the old definition without a word. Content decides, not the time stamp: a file
/// touched, or edited back to what is in force, says nothing.
/// </summary>
internal sealed class SettingsEdits(string settingsFile)
{
    private readonly string? _inForce = Hash(settingsFile);
    private string? _told;
    private bool _toldAny;
    private (long Length, DateTime Mtime)? _seen = Stat(settingsFile);

    /// <summary>The line to say when the file now differs from what is in force and was not said yet; else null.</summary>
    public string? Check()
    {
        var stat = Stat(settingsFile);
        if (stat == _seen)
        {
            return null;
        }

        _seen = stat;
        var now = Hash(settingsFile);
        if (now == _inForce || (_toldAny && now == _told))
        {
            return null;
        }

        (_told, _toldAny) = (now, true);
        return now is null
            ? $"{Path.GetFileName(settingsFile)} was removed while running; this run keeps the settings it started with until it is restarted"
            : $"{Path.GetFileName(settingsFile)} changed while running; the change takes effect when the pipeline is restarted (files are loaded with the table definitions in force since it started)";
    }

    private static (long, DateTime)? Stat(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.Length, info.LastWriteTimeUtc) : null;
    }

    private static string? Hash(string path)
    {
        try
        {
            return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Being written or not readable just now: looked at again on the next cycle.
            return "unreadable";
        }
    }
}
