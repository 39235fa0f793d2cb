using CustomerTrack.Ingest;
using CustomerTrack.Lake;
using Microsoft.Extensions.Logging.Abstractions;

namespace CustomerTrack.Tests.Support;

/// <summary>The ingest stage alone on a test workspace with a folder lake, and files put into landing/ by hand.</summary>
internal static class IngestHarness
{
    public static (IngestStage Stage, FolderLake Lake, Workspace Ws) StartIngest(TempWorkspace tmp, TimeProvider time,
        Dictionary<string, string?>? flags = null)
    {
        var ws = tmp.Open(flags);
        var lake = new FolderLake(ws.LakeRoot);
        return (new IngestStage(ws, lake, time, NullLogger.Instance), lake, ws);
    }

    /// <summary>Writes a file straight into landing/ with the given modification time.</summary>
    public static string Put(TempWorkspace tmp, string name, string content, DateTime modified)
    {
        Directory.CreateDirectory(tmp.Landing);
        var path = Path.Combine(tmp.Landing, name);
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, modified);
        return path;
    }
}
