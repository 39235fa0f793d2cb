using System.Runtime.InteropServices;

namespace CustomerTrack.Lake;

/// <summary>
/// Makes a folder's entries durable: <c>fsync</c> of the folder itself, which is what makes a rename into it survive a
/// power cut (an fsync of the file makes its bytes durable, not its name). .NET opens no handle on a folder, so this
/// calls the C library; on Windows, where NTFS journals the rename, it does nothing.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;
    private const int Directory = 0x10000; // O_DIRECTORY on Linux (x64 and arm64)

    /// <summary>Syncs <paramref name="dir"/>; a failure is an <see cref="IOException"/>, as a failed write would be.</summary>
    public static void Flush(string dir)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(dir, ReadOnly | Directory);
        if (fd < 0)
        {
            throw new IOException($"cannot open the folder {dir} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"cannot sync the folder {dir} (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
