namespace CustomerTrack.Configuration;

/// <summary>Every setting, bound from customertrack.json, then CUSTOMERTRACK__Section__Key variables, then flags.</summary>
internal sealed class Settings
{
    public IngestSettings Ingest { get; set; } = new();
    public LoadSettings Load { get; set; } = new();
    public TasksSettings Tasks { get; set; } = new();
    public ScdSettings Scd { get; set; } = new();
    public WarehouseSettings Warehouse { get; set; } = new();
    public LakeSettings Lake { get; set; } = new();
    public DebugSettings Debug { get; set; } = new();
    public SnowflakeSettings Snowflake { get; set; } = new();
    public QuerySettings Query { get; set; } = new();

    /// <summary>The tables the pipeline keeps; empty means the one default table, customer.</summary>
    public Dictionary<string, TableSettings> Tables { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The checked table definitions (set by <see cref="Validate"/>).</summary>
    internal IReadOnlyList<Tables.TableDefinition> Definitions { get; private set; } = [];

    private readonly Lock _replacing = new();

    /// <summary>
    /// Takes <paramref name="table"/> in place of the definition of the same name: the table as the warehouse holds it,
    /// with the columns files brought under <c>SchemaEvolution: add</c>. The loader and the task stage read
    /// <see cref="Definitions"/> afresh for each file and run, so they see it from then on.
    /// </summary>
    internal void Replace(Tables.TableDefinition table)
    {
        lock (_replacing)
        {
            Definitions = Definitions.Select(t => t.Name == table.Name ? table : t).ToArray();
        }
    }

    /// <summary>The table that files directly in landing/ belong to, if any.</summary>
    internal Tables.TableDefinition? DefaultTable => Definitions.FirstOrDefault(t => t.IsDefault);

    /// <summary>The table a command takes when none is named: the one marked Default, or the only one; null when neither.</summary>
    internal Tables.TableDefinition? ImpliedTable => DefaultTable ?? (Definitions.Count == 1 ? Definitions[0] : null);

    /// <summary>The table named <paramref name="name"/>, or an error listing the tables there are.</summary>
    internal Tables.TableDefinition Table(string name) =>
        Definitions.FirstOrDefault(t => t.Name.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new CustomerTrackException($"no table '{name}'; the tables are {string.Join(", ", Definitions.Select(t => t.Name))}");
    public DashboardSettings Dashboard { get; set; } = new();

    /// <summary>
    /// Fails with a message naming the setting and what it allows; given <paramref name="problems"/> (<c>check</c>), each
    /// check's problem is added there instead and the checks go on, so that every problem is reported at once.
    /// </summary>
    public void Validate(IReadOnlyDictionary<string, IReadOnlyList<string>>? columnOrder = null, ICollection<SettingsException>? problems = null)
    {
        void Check(Action check) => SettingsProblems.Check(problems, check);
        Check(() => OneOf("Load:OnError", Load.OnError, LoadSettings.Policies.Keys));
        Check(() => OneOf("Scd:DeleteMode", Scd.DeleteMode, ScdSettings.DeleteModes.Keys));
        Check(() => OneOf("Warehouse:Engine", Warehouse.Engine, WarehouseSettings.Engines.Keys));
        Check(() =>
        {
            if (WarehouseSettings.Engines.ContainsKey(Warehouse.Engine) && Warehouse.Kind == WarehouseEngine.Postgres && string.IsNullOrWhiteSpace(Warehouse.ConnectionString))
            {
                throw new SettingsException("Warehouse:ConnectionString",
                    "is empty; the postgres engine needs one, e.g. Host=127.0.0.1;Port=5432;Username=ct;Database=ct (flag --connection)");
            }
        });
        if (problems is null || ScdSettings.DeleteModes.ContainsKey(Scd.DeleteMode))
        {
            Definitions = TableDefinitions.From(this, columnOrder, problems);
        }

        Check(() => AtLeast("Ingest:PollInterval", Ingest.PollInterval, MinPoll));
        Check(() => AtLeast("Load:PollInterval", Load.PollInterval, MinPoll));
        Check(() => AtLeast("Tasks:Interval", Tasks.Interval, MinPoll));
        Check(() => AtLeast("Load:ClaimLease", Load.ClaimLease, TimeSpan.FromSeconds(1)));
        Check(() =>
        {
            if (Ingest.MinFileAge.Value < TimeSpan.Zero)
            {
                throw new SettingsException("Ingest:MinFileAge", $"{Ingest.MinFileAge} must not be negative");
            }
        });

        Check(() => LakeUri(Lake.Uri));
        Check(() =>
        {
            if (!string.IsNullOrEmpty(Lake.S3.ServiceUrl)
                && !(System.Uri.TryCreate(Lake.S3.ServiceUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Host.Length > 0))
            {
                throw new SettingsException("Lake:S3:ServiceUrl", $"'{Lake.S3.ServiceUrl}' is not an http:// or https:// address (e.g. http://127.0.0.1:9000), or empty for AWS S3 itself");
            }
        });

        Check(() => Positive("Ingest:MaxInFlight", Ingest.MaxInFlight));
        Check(() => Positive("Tasks:MaxBatchRows", Tasks.MaxBatchRows));
        Check(() => Positive("Load:MaxFieldBytes", Load.MaxFieldBytes));
        Check(Dashboard.Validate);
        Check(() => Positive("Query:MaxRows", Query.MaxRows));
        Check(() => Positive("Query:Timeout", (long)Query.Timeout.Value.TotalMilliseconds));
    }

    /// <summary>A poll more often than this spins a core and finds nothing sooner: the stages also wake each other.</summary>
    private static readonly TimeSpan MinPoll = TimeSpan.FromMilliseconds(10);

    private static void AtLeast(string setting, Duration value, TimeSpan least)
    {
        if (value.Value < least)
        {
            throw new SettingsException(setting, $"{value} is too short; it allows {new Duration(least)} or more");
        }
    }

    /// <summary>A folder (relative to the workspace) or s3://bucket/prefix; nothing else, and never empty.</summary>
    private static void LakeUri(string uri)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            throw new SettingsException("Lake:Uri", "is empty; it allows a folder (default: lake, inside the workspace) or s3://bucket/prefix");
        }

        var scheme = uri.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0 && !uri.StartsWith("s3://", StringComparison.Ordinal))
        {
            throw new SettingsException("Lake:Uri", $"'{uri}' has the scheme {uri[..scheme]}://; it allows a folder or s3://bucket/prefix");
        }
    }

    private static void OneOf(string setting, string value, IEnumerable<string> allowed)
    {
        if (!allowed.Contains(value, StringComparer.Ordinal))
        {
            throw new SettingsException(setting, $"'{value}' is not allowed; use one of {string.Join(", ", allowed)}");
        }
    }

    private static void Positive(string setting, long value)
    {
        if (value <= 0)
        {
            throw new SettingsException(setting, $"{value} must be a positive number");
        }
    }
}

internal sealed class IngestSettings
{
    /// <summary>How often landing/ is listed even without a file-system event.</summary>
    public Duration PollInterval { get; set; } = new(TimeSpan.FromSeconds(1));

    /// <summary>A file younger than this is left alone: it may still be being written by a writer that does not rename.</summary>
    public Duration MinFileAge { get; set; } = new(TimeSpan.FromMilliseconds(200));

    /// <summary>Files copied to the lake at once (back pressure).</summary>
    public int MaxInFlight { get; set; } = 4;
}

/// <summary>The warehouse engine (Warehouse:Engine).</summary>
internal enum WarehouseEngine
{
    /// <summary>A DuckDB file in the workspace, written by one process.</summary>
    DuckDb,

    /// <summary>A PostgreSQL server, written by several workers.</summary>
    Postgres,
}

/// <summary>What a bad row does to its file (Load:OnError), as Snowpipe's ON_ERROR.</summary>
internal enum OnError
{
    /// <summary>Load the good rows, reject the bad.</summary>
    Continue,

    /// <summary>Reject the whole file.</summary>
    SkipFile,

    /// <summary>Stop the pipeline.</summary>
    Abort,
}

internal sealed class LoadSettings
{
    /// <summary>The values <see cref="OnError"/> takes, in the order messages list them.</summary>
    internal static readonly IReadOnlyDictionary<string, OnError> Policies = new OrderedDictionary<string, OnError>(StringComparer.Ordinal)
    {
        ["continue"] = Configuration.OnError.Continue,
        ["skip_file"] = Configuration.OnError.SkipFile,
        ["abort"] = Configuration.OnError.Abort,
    };

    /// <summary>What a bad row does to its file, as Snowpipe's ON_ERROR.</summary>
    public string OnError { get; set; } = "continue";

    /// <summary><see cref="OnError"/> as the loader reads it.</summary>
    internal OnError Policy => Policies.GetValueOrDefault(OnError, Configuration.OnError.Continue);

    public Duration PollInterval { get; set; } = new(TimeSpan.FromSeconds(1));

    /// <summary>A field longer than this many bytes rejects its row.</summary>
    public int MaxFieldBytes { get; set; } = 1 << 20;

    /// <summary>
    /// Several workers: how long a worker's claim on the files it is loading holds. A worker that dies leaves its
    /// claims, and the others take them over when this has passed (PostgreSQL warehouse only).
    /// </summary>
    public Duration ClaimLease { get; set; } = new(TimeSpan.FromSeconds(30));
}

internal sealed class TasksSettings
{
    /// <summary>The schedule: the task runs this often even when nothing signalled it.</summary>
    public Duration Interval { get; set; } = new(TimeSpan.FromSeconds(1));

    /// <summary>
    /// Ledger rows applied in one transaction at most. A stream caught up gives small batches whatever this says; a
    /// backlog (<c>run --once</c>, catching up after downtime, a burst) is taken in passes this large, which the
    /// warehouse's memory limit bounds (DuckDB spills a pass past <c>Warehouse:MemoryLimit</c> to disk).
    /// </summary>
    public int MaxBatchRows { get; set; } = 1_000_000;
}

internal sealed class ScdSettings
{
    /// <summary>The values <see cref="DeleteMode"/> (and a table's own Scd:DeleteMode) take.</summary>
    internal static readonly IReadOnlyDictionary<string, Tables.DeleteMode> DeleteModes = new OrderedDictionary<string, Tables.DeleteMode>(StringComparer.Ordinal)
    {
        ["close"] = Tables.DeleteMode.Close,
        ["tombstone-row"] = Tables.DeleteMode.TombstoneRow,
    };

    /// <summary>Attributes whose changes update the current version in place instead of opening a new one.</summary>
    public string[] TrackHistoryExcept { get; set; } = [];

    /// <summary>A NULL attribute in a change means "unchanged" (partial-update feeds).</summary>
    public bool IgnoreNullUpdates { get; set; }

    /// <summary><c>close</c> ends the current version; <c>tombstone-row</c> adds a final version with is_deleted = true.</summary>
    public string DeleteMode { get; set; } = "close";
}

internal sealed class WarehouseSettings
{
    /// <summary>The values <see cref="Engine"/> takes.</summary>
    internal static readonly IReadOnlyDictionary<string, WarehouseEngine> Engines = new OrderedDictionary<string, WarehouseEngine>(StringComparer.Ordinal)
    {
        ["duckdb"] = WarehouseEngine.DuckDb,
        ["postgres"] = WarehouseEngine.Postgres,
    };

    /// <summary><c>duckdb</c>: a file in the workspace, one writing process; <c>postgres</c>: a server, several workers.</summary>
    public string Engine { get; set; } = "duckdb";

    /// <summary><see cref="Engine"/> as the program reads it.</summary>
    internal WarehouseEngine Kind => Engines.GetValueOrDefault(Engine, WarehouseEngine.DuckDb);

    /// <summary>The PostgreSQL connection string (Npgsql's keys); the password is never printed. Only for <c>postgres</c>.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The DuckDB file; relative paths are taken from the workspace.</summary>
    public string Path { get; set; } = "warehouse.duckdb";

    /// <summary>DuckDB's memory_limit for the owning process: past it, large batches spill to disk instead of growing the process.</summary>
    public string MemoryLimit { get; set; } = "512MB";
}

internal sealed class LakeSettings
{
    /// <summary>The lake: a folder (relative paths are taken from the workspace) or <c>s3://bucket/prefix</c>.</summary>
    public string Uri { get; set; } = "lake";

    /// <summary>Whether the lake is on S3 (<c>s3://bucket/prefix</c>) rather than a folder.</summary>
    internal bool IsS3 => Uri.StartsWith("s3://", StringComparison.Ordinal);

    public S3Settings S3 { get; set; } = new();
}

internal sealed class S3Settings
{
    /// <summary>The endpoint of an S3-compatible store (MinIO, a test server); empty for AWS S3 itself.</summary>
    public string ServiceUrl { get; set; } = "";

    public string Region { get; set; } = "us-east-1";

    /// <summary>Path-style addressing (bucket in the path); always on when <see cref="ServiceUrl"/> is set.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>Signed aws-chunked uploads; stores that lack them (some emulators) need false.</summary>
    public bool UseChunkEncoding { get; set; } = true;
}

internal sealed class DebugSettings
{
    /// <summary>
    /// For crash tests: each stage pauses this long inside its critical window (ingest between the lake write and the
    /// landing delete, load and tasks just before their commit), so that a kill can be aimed there. 0 in production.
    /// </summary>
    public Duration StepDelay { get; set; } = new(TimeSpan.Zero);

    /// <summary>
    /// For failure tests: the stage (<c>load</c> or <c>tasks</c>) whose commit meets a bug of ours, an
    /// <see cref="InvalidOperationException"/> just before it, so that what the pipeline does with work a bug stopped
    /// can be seen (it is left for the next start, not set aside). Empty in production.
    /// </summary>
    public string BugBeforeCommit { get; set; } = "";
}
