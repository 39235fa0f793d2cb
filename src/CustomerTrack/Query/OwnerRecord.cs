using System.Diagnostics;
using System.Text.Json;

namespace CustomerTrack.Query;

/// <summary>
/// Who holds the warehouse for writing, recorded in the workspace so that readers in other terminals can
/// ask it over loopback instead of opening a file DuckDB will not share.
/// </summary>
internal sealed record OwnerRecord(int Pid, string Url, string Token, string Command, DateTime StartedAt)
{
    /// <summary>The live dashboard's URL, when the owner serves one.</summary>
    public string? Dashboard { get; init; }

    public static OwnerRecord? Read(Workspace workspace)
    {
        try
        {
            var record = JsonSerializer.Deserialize<OwnerRecord>(File.ReadAllText(workspace.OwnerFile));
            return record is not null && IsAlive(record.Pid) ? record : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes the record readable by its owner only: the token in it lets whoever reads it query inside this process.
    /// The file is created 0600 (a chmod afterwards would leave a moment in which another user could open it), and a
    /// temporary left behind by a crash is removed first, since creating over it would keep its old mode.
    /// </summary>
    public void Write(Workspace workspace)
    {
        var temp = workspace.OwnerFile + ".tmp";
        File.Delete(temp);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, this);
        }

        File.Move(temp, workspace.OwnerFile, overwrite: true);
    }

    public void Remove(Workspace workspace)
    {
        if (Read(workspace) is { } current && current.Pid == Pid && current.Token == Token)
        {
            File.Delete(workspace.OwnerFile);
        }
    }

    /// <summary>"customertrack run (pid 123, since 10:15:02 UTC)".</summary>
    public string Describe() => $"customertrack {Command} (pid {Pid}, since {StartedAt:yyyy-MM-dd HH:mm:ss} UTC)";

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
