using CustomerTrack.Configuration;

namespace CustomerTrack;

/// <summary>The folder every stage shares: landing/, lake/, the warehouse file, logs and the owner record.</summary>
internal sealed class Workspace
{
    private Workspace(string root, Settings settings)
    {
        Root = root;
        Settings = settings;
        Landing = Path.Combine(root, "landing");
        // An S3 lake has no folder; its downloads are staged under tmp/.
        LakeRoot = settings.Lake.IsS3 ? Path.Combine(root, "tmp") : Path.GetFullPath(settings.Lake.Uri, root);
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
        if (string.IsNullOrWhiteSpace(dir))
        {
            throw new CustomerTrackException("--workspace is empty; it takes a folder, e.g. -w ./ctdata (the default)");
        }

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
        ws.CheckLakeApart();
        if (create)
        {
            Directory.CreateDirectory(ws.Landing);
            Directory.CreateDirectory(ws.LakeRoot);
            Directory.CreateDirectory(ws.Logs);

            // Each defined table's folder is there to drop files into (without a Tables section, files go into landing/).
            foreach (var table in ws.Settings.Tables.Count > 0 ? ws.Settings.Definitions : [])
            {
                Directory.CreateDirectory(Path.Combine(ws.Landing, table.Name));
            }
        }

        return ws;
    }

    /// <summary>
    /// A folder lake must be a folder of its own: the workspace itself, a folder holding it, or one of its landing/ or
    /// logs/ folders would make the loader take the workspace's own files (owner.json and its token among them).
    /// </summary>
    private void CheckLakeApart()
    {
        if (Settings.Lake.IsS3)
        {
            return;
        }

        static string Dir(string p) => Path.TrimEndingDirectorySeparator(p) + Path.DirectorySeparatorChar;
        var lake = Dir(LakeRoot);
        if (Dir(Root).StartsWith(lake, StringComparison.Ordinal) || new[] { Landing, Logs }.Any(d => lake.StartsWith(Dir(d), StringComparison.Ordinal)))
        {
            throw new SettingsException("Lake:Uri", $"'{Settings.Lake.Uri}' is {LakeRoot}, which holds the workspace or is inside its landing/ or logs/; it allows a folder of its own (default: lake) or s3://bucket/prefix");
        }
    }
}
