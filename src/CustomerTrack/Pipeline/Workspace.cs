using CustomerTrack.Configuration;

namespace CustomerTrack.Pipeline;

/// <summary>The folder every stage shares: landing/, lake/, the warehouse file, logs and the owner record.</summary>
public sealed class Workspace
{
    private Workspace(string root, Settings settings)
    {
        Root = root;
        Settings = settings;
        Landing = Path.Combine(root, "landing");
        // An S3 lake has no folder; its downloads are staged under tmp/.
        LakeRoot = Lake.Lakes.IsS3(settings.Lake.Uri) ? Path.Combine(root, "tmp") : Path.GetFullPath(settings.Lake.Uri, root);
        WarehousePath = Path.GetFullPath(settings.Warehouse.Path, root);
        Logs = Path.Combine(root, "logs");
        OwnerFile = Path.Combine(root, "owner.json");
        ProvenanceFile = Path.Combine(root, "logs", "provenance.jsonl");
    }

    public string Root { get; }
    public Settings Settings { get; }
    public string Landing { get; }
    public string LakeRoot { get; }
    public string WarehousePath { get; }
    public string Logs { get; }
    public string OwnerFile { get; }
    public string ProvenanceFile { get; }

    /// <summary>Opens (and with <paramref name="create"/>, makes) the workspace at <paramref name="dir"/>.</summary>
    public static Workspace Open(string dir, bool create, IReadOnlyDictionary<string, string?>? flags = null)
    {
        var root = Path.GetFullPath(dir);
        if (!Directory.Exists(root))
        {
            if (!create)
            {
                throw new CustomerTrackException(
                    $"workspace {dir} does not exist; run './customertrack run' or 'demo' there first, or pass --workspace DIR");
            }

            Directory.CreateDirectory(root);
        }

        var ws = new Workspace(root, SettingsLoader.Load(root, flags));
        if (create)
        {
            Directory.CreateDirectory(ws.Landing);
            Directory.CreateDirectory(ws.LakeRoot);
            Directory.CreateDirectory(ws.Logs);
        }

        return ws;
    }

    /// <summary>A path relative to the workspace root, for messages.</summary>
    public string Show(string path) => Path.GetRelativePath(Path.GetDirectoryName(Root) ?? Root, path);
}
