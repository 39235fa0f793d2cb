using CustomerTrack.Ingest;
using CustomerTrack.Lake;
using CustomerTrack.Query;
using CustomerTrack.Tables;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Dashboard;

/// <summary>A queue between two stages: how many items wait, how old the oldest is, and its colour against thresholds.</summary>
internal sealed record FlowQueue(string From, string To, long Depth, double? OldestAgeSeconds, string State);

/// <summary>A stage over the last five minutes: files and rows in and out, and its errors.</summary>
internal sealed record FlowNode(string Id, long? Files, long? RowsIn, long? RowsOut, long Errors, string Note);

/// <summary>
/// One table as the top of the page shows it (Dagster's asset view): when its rows last changed, and whether files
/// become visible within <c>Dashboard:FreshnessTarget</c> (State: fresh, late, or idle when no file came in 5 minutes).
/// </summary>
internal sealed record TableTile(string Table, double? UpdatedSecondsAgo, long Files5m, double? P95Seconds, double? WaitingSeconds,
    double TargetSeconds, string State, long? DeletedByAbsence5m = null);

/// <summary>Everything the page shows of one table at one moment; sent at most once a second.</summary>
internal sealed record DashboardSnapshot(
    string At,
    string Table,
    IReadOnlyList<TableTile> Tiles,
    int BucketSeconds,
    TableStatus TableStatus,
    StatusReport Status,
    IReadOnlyList<FlowNode> Nodes,
    IReadOnlyList<FlowQueue> Queues,
    QueryResult Freshness,
    QueryResult Throughput,
    QueryResult Loads,
    QueryResult Tasks);

/// <summary>
/// Reads the dashboard's data through the process's read-only query path (<see cref="Warehouse.IWarehouse.Query(string, IReadOnlyList{QueryParameter}, CancellationToken)"/>), so it
/// shows the same on DuckDB and PostgreSQL, and on PostgreSQL the whole cluster of workers.
/// </summary>
/// <remarks>
/// Every count of a snapshot comes from one statement (<see cref="DashboardSql.Counts"/>), so the flow, the status table
/// and the tiles agree with each other and with <c>status</c> at that moment, however busy the pipeline is.
/// </remarks>
internal sealed class DashboardData(Workspace workspace, Func<string, IReadOnlyList<QueryParameter>, QueryResult> query, TimeProvider time, TableDefinition table,
    GeneratorActivity? generator = null) : IDisposable
{
    /// <summary>Queue ages past these are amber, then red.</summary>
    public static readonly TimeSpan Amber = TimeSpan.FromSeconds(5), Red = TimeSpan.FromSeconds(60);

    private readonly ILake _lake = Lakes.Open(workspace, time);

    public TableDefinition Table => table;

    public QueryResult Query(string sql, IReadOnlyList<QueryParameter> parameters) => query(sql, parameters);

    /// <summary>One statement built with its parameters: <paramref name="build"/> writes the text, adding each value to the args.</summary>
    private QueryResult Query(Func<QueryArgs, string> build)
    {
        var args = new QueryArgs();
        var sql = build(args);
        return query(sql, args);
    }

    public async Task<DashboardSnapshot> SnapshotAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var all = workspace.Settings.Definitions;
        var (landingFiles, landingOldest) = Landing();
        var lake = await _lake.ListAsync(ct);
        var counts = Query(args => DashboardSql.Counts(table, all, now, args));
        var status = StatusReport.From(workspace, Warehouse.Warehouses.Describe(workspace), landingFiles, lake.Count, counts);
        var mine = status.Tables.First(x => x.Table == table.Name);
        long R(string c) => counts.Long(0, c);

        // The lake holds every table's files: this table's view counts its own, as its load history does (Files).
        var lakeMine = lake.Where(e => IsMine(e.Key, all)).ToList();
        var lakePending = Math.Max(0, lakeMine.Count - R("files_known"));
        var lakeOldest = lakePending > 0 ? OldestUnloaded(lakeMine, lakePending) : null;
        var streamOldest = counts.Text(0, "stream_oldest") is { } s && Contract.EventTime.TryParse(s, out var t) ? t : (DateTime?)null;

        FlowQueue Queue(string from, string to, long depth, DateTime? oldest)
        {
            var age = depth > 0 && oldest is { } o ? Math.Max(0, (now - o).TotalSeconds) : (double?)null;
            var state = age is null ? "ok" : age >= Red.TotalSeconds ? "red" : age >= Amber.TotalSeconds ? "amber" : "ok";
            return new FlowQueue(from, to, depth, age is null ? null : Math.Round(age.Value, 1), state);
        }

        var generated = generator?.Read(now);
        FlowNode[] nodes =
        [
            new("generator", generated?.Files, null, null, 0, generated?.Note ?? $"change files into {LandingShown} (demo, generate, your feed)"),
            new("landing", landingFiles, null, null, 0, $"{landingFiles} file(s) waiting"),
            new("ingest", R("files_5m"), null, R("rows_in_5m"), 0, "files moved to the lake (seen by load, last 5 min)"),
            new("lake", lakeMine.Count, null, null, 0, $"{lakePending} not yet loaded"),
            new("load", R("files_5m"), R("rows_in_5m"), R("rows_loaded_5m"), R("rows_rejected_5m") + R("failed_5m"),
                $"{R("failed_5m")} file(s) LOAD_FAILED, {R("rows_rejected_5m")} row(s) rejected (last 5 min)"),
            new("stream", null, null, null, 0, $"offset {mine.StreamOffset}, lag {mine.StreamLag} row(s)"),
            new("tasks", R("runs_5m"), R("rows_applied_5m"), R("versions_5m"), 0, $"{R("runs_5m")} run(s), last 5 min"),
            new("tables", null, null, null, 0, $"{mine.CurrentRows} rows in {table.CurrentTable}, {mine.Versions} versions in {table.HistoryTable}"),
        ];
        FlowQueue[] queues =
        [
            Queue("landing", "ingest", landingFiles, landingOldest),
            Queue("lake", "load", lakePending, lakeOldest),
            Queue("stream", "tasks", mine.StreamLag, streamOldest),
        ];
        var hourAgo = now.AddHours(-1);
        return new DashboardSnapshot(now.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture), table.Name,
            Tiles(counts), DashboardSql.BucketSeconds, mine, status, nodes, queues,
            Query(args => DashboardSql.Freshness(table, all, hourAgo, args)), Query(args => DashboardSql.Throughput(table, all, hourAgo, args)),
            Query(args => DashboardSql.Loads(table, all, args)), Query(args => DashboardSql.Tasks(table, args)));
    }

    /// <summary>Each table's tile from its row of the counts: fresh while p95 and the oldest waiting row are within the target.</summary>
    private List<TableTile> Tiles(QueryResult counts)
    {
        var target = workspace.Settings.Dashboard.FreshnessTarget.Value.TotalSeconds;
        static double? Seconds(string? ms) => ms is null ? null : Math.Round(double.Parse(ms, System.Globalization.CultureInfo.InvariantCulture) / 1000, 1);
        return [.. Enumerable.Range(0, counts.Rows.Count).Select(i =>
        {
            var p95 = Seconds(counts.Text(i, "tile_p95_ms"));
            var waiting = Seconds(counts.Text(i, "tile_waiting_ms"));
            var files = counts.Long(i, "tile_files_5m");
            var state = p95 > target || waiting > target ? "late" : files > 0 ? "fresh" : "idle";
            var absent = counts.Text(i, "tile_absent_5m") is { } n ? long.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : (long?)null;
            return new TableTile(counts.Text(i, "table_name")!, Seconds(counts.Text(i, "tile_updated_ms_ago")), files, p95, waiting, target, state, absent);
        })];
    }

    /// <summary>Where this table's files land: landing/&lt;table&gt;/, and landing/ itself for the default table.</summary>
    private string LandingShown => table.IsDefault ? $"landing/ or landing/{table.Name}/" : $"landing/{table.Name}/";

    /// <summary>This table's files waiting in landing, listed as ingest lists them, and the oldest one's time.</summary>
    private (int Files, DateTime? Oldest) Landing()
    {
        List<FileInfo> files = Directory.Exists(workspace.Landing)
            ? [.. IngestStage.LandingFiles(workspace.Landing)
                .Where(f => (f.Table is null ? table.IsDefault : f.Table == table.Name) && IngestStage.IsCandidateName(f.File.Name))
                .Select(f => f.File)]
            : [];
        return (files.Count, files.Count > 0 ? files.Min(f => f.LastWriteTimeUtc) : null);
    }

    /// <summary>
    /// Whether a lake object is this table's: its key's folder names it, or no table at all (such a file is shown with
    /// every table, as <see cref="DashboardSql"/> shows its load history row), or it has no folder and this is the default table.
    /// </summary>
    private bool IsMine(string key, IReadOnlyList<TableDefinition> all) => LakeKey.TableOf(key) is { } folder
        ? folder.Equals(table.Name, StringComparison.OrdinalIgnoreCase) || !all.Any(t => t.Name.Equals(folder, StringComparison.OrdinalIgnoreCase))
        : table.IsDefault;

    /// <summary>The landing time of the oldest lake object not in the load history, among the most recent objects.</summary>
    private DateTime? OldestUnloaded(IReadOnlyList<LakeEntry> lake, long pending)
    {
        var recent = lake.OrderByDescending(e => e.LandedAt).Take((int)Math.Min(1000, pending + 200)).ToList();
        var known = query("SELECT file_key FROM load_history WHERE file_key = ANY($keys)", [QueryParameter.TextList("keys", recent.Select(e => e.Key))])
            .Rows.Select(r => r[0]).ToHashSet(StringComparer.Ordinal);
        return recent.Where(e => !known.Contains(e.Key)).Select(e => (DateTime?)e.LandedAt).Min();
    }

    public void Dispose() => (_lake as IDisposable)?.Dispose();
}
