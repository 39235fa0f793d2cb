using CustomerTrack.Pipeline;

namespace CustomerTrack.Tests.Support;

/// <summary>A fresh workspace folder per test, removed afterwards.</summary>
public sealed class TempWorkspace : IDisposable
{
    public TempWorkspace()
    {
        Dir = Path.Combine(Path.GetTempPath(), "ct-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Dir);
    }

    public string Dir { get; }

    public string Landing => Path.Combine(Dir, "landing");

    public Workspace Open(IReadOnlyDictionary<string, string?>? flags = null) => Workspace.Open(Dir, create: true, flags);

    /// <summary>Writes a file into landing/ the way a careful writer does: a temporary name, then a rename.</summary>
    public string Land(string name, string content)
    {
        Directory.CreateDirectory(Landing);
        var temp = Path.Combine(Landing, "." + name + ".tmp");
        File.WriteAllText(temp, content);
        var final = Path.Combine(Landing, name);
        File.Move(temp, final);

        // Old enough for ingest's minimum file age at once.
        File.SetLastWriteTimeUtc(final, DateTime.UtcNow.AddSeconds(-5));
        return final;
    }

    /// <summary>Copies files into landing/, old enough for ingest's minimum file age at once.</summary>
    public void LandCopies(IEnumerable<string> files)
    {
        Directory.CreateDirectory(Landing);
        foreach (var f in files)
        {
            var target = Path.Combine(Landing, Path.GetFileName(f));
            File.Copy(f, target);
            File.SetLastWriteTimeUtc(target, DateTime.UtcNow.AddSeconds(-5));
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
