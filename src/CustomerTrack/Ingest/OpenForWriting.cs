using System.Globalization;

namespace CustomerTrack.Ingest;

/// <summary>
/// Which files in a folder some process holds open for writing (Linux: /proc/PID/fd and fdinfo flags). A writer that
/// does not rename may pause for longer than Ingest:MinFileAge with its file open; taking the file then would cut it
/// short, and its later rows would go to a deleted file. Processes this user may not inspect are not seen, so the age
/// and change checks stay the first line; this one catches the writer that pauses.
/// </summary>
internal static class OpenForWriting
{
    private const int WriteModes = 0b11; // O_WRONLY (1) or O_RDWR (2) in the flags' low bits

    public static HashSet<string> In(string folder)
    {
        var open = new HashSet<string>(StringComparer.Ordinal);
        if (!OperatingSystem.IsLinux() || !Directory.Exists("/proc"))
        {
            return open;
        }

        var prefix = Path.GetFullPath(folder).TrimEnd('/') + "/";
        foreach (var process in SafeDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                continue;
            }

            foreach (var fd in SafeFiles(Path.Combine(process, "fd")))
            {
                try
                {
                    if (new FileInfo(fd).LinkTarget is not { } target || !target.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var flags = File.ReadLines(Path.Combine(process, "fdinfo", Path.GetFileName(fd)))
                        .FirstOrDefault(l => l.StartsWith("flags:", StringComparison.Ordinal));
                    if (flags is not null && (Convert.ToInt32(flags[6..].Trim(), 8) & WriteModes) != 0)
                    {
                        open.Add(target);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
                {
                    // The process ended or closed it meanwhile, or is not ours to inspect.
                }
            }
        }

        return open;
    }

    private static IEnumerable<string> SafeDirectories(string dir)
    {
        try
        {
            return Directory.GetDirectories(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static IEnumerable<string> SafeFiles(string dir)
    {
        try
        {
            return Directory.GetFiles(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
