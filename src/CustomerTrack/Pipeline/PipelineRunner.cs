using CustomerTrack.Dashboard;
using CustomerTrack.Ingest;
using CustomerTrack.Lake;
using CustomerTrack.Load;
using CustomerTrack.Query;
using CustomerTrack.Scd;
using CustomerTrack.Warehouse;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace CustomerTrack.Pipeline;

/// <summary>Which stages a process runs.</summary>
[Flags]
internal enum Stages
{
    Ingest = 1,
    Load = 2,
    Tasks = 4,
    All = Ingest | Load | Tasks,
}

/// <summary>What a drain did.</summary>
internal sealed record DrainSummary(int FilesIngested, int FilesLoaded, IReadOnlyList<TaskRunOutcome> TaskRuns);

/// <summary>
/// Runs the stages of one process: once (drain everything present, then return) or continuously, each stage
/// woken by the one upstream in-process and by its own poll, so that work left by another process or a
/// crash is found too. Owning the warehouse, it also answers other processes' queries over loopback.
/// </summary>
internal sealed partial class PipelineRunner : IAsyncDisposable
{
    private readonly Workspace _workspace;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Stages _stages;
    private readonly IWarehouse? _warehouse;
    private readonly IngestStage _ingest;
    private readonly LoadStage? _load;
    private readonly TaskStage? _tasks;
    private readonly Signal _ingestWake, _loadWake, _taskWake;
    private readonly ILake _lake;
    private OwnerEndpoint? _endpoint;
    private Dashboard.DashboardServer? _dashboard;

    private PipelineRunner(Workspace workspace, TimeProvider time, ILoggerFactory logs, Stages stages, IWarehouse? warehouse,
        IReadOnlySet<string>? onlyTables = null)
    {
        _workspace = workspace;
        _time = time;
        _stages = stages;
        _logger = logs.CreateLogger("CustomerTrack.Pipeline");
        _ingestWake = new Signal(time);
        _loadWake = new Signal(time);
        _taskWake = new Signal(time);
        Progress = new Signal(time);
        Health = new StageHealth(time);
        Metrics = new PipelineMetrics(time) { Health = Health };
        Generator = new Dashboard.GeneratorActivity(time);
        var lake = Lakes.Open(workspace, time);
        _lake = lake;
        RunId = Invocations.New(time);
        _ingest = new IngestStage(workspace, lake, time, logs.CreateLogger("CustomerTrack.Ingest"))
        {
            Downstream = _loadWake,
            SetAside = Tally.AddUnreadable,
            RunId = RunId,
        };
        _warehouse = warehouse;
        if (_warehouse is not null)
        {
            var debug = workspace.Settings.Debug;
            if (debug.StepDelay.Value > TimeSpan.Zero || debug.BugBeforeCommit.Length > 0)
            {
                _warehouse.BeforeCommit = stage =>
                {
                    if (debug.StepDelay.Value is var pause && pause > TimeSpan.Zero)
                    {
                        LogPausing(_logger, stage, pause.TotalMilliseconds);
                        Task.Delay(pause, time).Wait();
                    }

                    if (stage == debug.BugBeforeCommit)
                    {
                        throw new InvalidOperationException($"Debug:BugBeforeCommit={stage}");
                    }
                };
            }

            _load = new LoadStage(workspace, lake, _warehouse, time, logs.CreateLogger("CustomerTrack.Load"))
            {
                Downstream = _taskWake,
                Health = Health,
                Loaded = OnLoaded,
                OnlyTables = onlyTables,
            };
            _tasks = new TaskStage(workspace, _warehouse, time, logs.CreateLogger("CustomerTrack.Tasks")) { Downstream = Progress, Ran = OnTaskRun, Health = Health, OnlyTables = onlyTables };
        }

        (lake as FolderLake)?.SweepIncoming(time.GetUtcNow().UtcDateTime);
    }

    /// <summary>This process's run id, printed at start and stamped on what it writes (<see cref="Invocations"/>).</summary>
    public string RunId { get; }

    /// <summary>Set after every task run: a live view can refresh on it.</summary>
    public Signal Progress { get; }

    /// <summary>What is failing now, per stage and table (<c>/health</c>, the metrics and the exit code read it).</summary>
    public StageHealth Health { get; }

    /// <summary>What this process did since it started.</summary>
    public RunTally Tally { get; } = new();

    /// <summary>Its metrics, exported on the dashboard's /metrics.</summary>
    internal PipelineMetrics Metrics { get; }

    /// <summary>A generator running in this process (<c>demo</c>) reports here; the dashboard's generator box shows it.</summary>
    internal Dashboard.GeneratorActivity Generator { get; }

    /// <summary>Told of each file loaded (not of files found already loaded), on the loader's thread.</summary>
    internal event Action<LoadOutcome>? FileLoaded;

    /// <summary>Told of each task run, on the task's thread.</summary>
    public event Action<TaskRunOutcome>? TaskRan;

    private void OnLoaded(LoadOutcome outcome)
    {
        if (outcome.Status == LoadStatus.AlreadyLoaded)
        {
            return;
        }

        Tally.Add(outcome);
        Metrics.Loaded(outcome);
        FileLoaded?.Invoke(outcome);
    }

    private int Ingested(int files)
    {
        Metrics.Ingested(files);
        return Tally.AddIngested(files);
    }

    private void OnTaskRun(TaskRunOutcome run)
    {
        Tally.Add(run);
        Metrics.TaskRan(run);
        TaskRan?.Invoke(run);
    }

    /// <summary>
    /// Opens the stages; those that write the warehouse take the DuckDB file, and a second owner fails at once. With
    /// <c>serveReaders</c> (the default) other processes may query the warehouse through this one; embedders can turn it off.
    /// </summary>
    public static async Task<PipelineRunner> StartAsync(Workspace workspace, TimeProvider time, ILoggerFactory logs, Stages stages,
        string command, CancellationToken ct, bool serveReaders = true, bool serveDashboard = false, IReadOnlySet<string>? onlyTables = null)
    {
        var warehouse = (stages & (Stages.Load | Stages.Tasks)) != 0
            ? await OpenWarehouseAsync(workspace, time, logs.CreateLogger("CustomerTrack.Pipeline"), ct)
            : null;
        var runner = new PipelineRunner(workspace, time, logs, stages, warehouse, onlyTables);
        if (warehouse is not null)
        {
            warehouse.InvocationId = runner.RunId;
        }

        if (serveDashboard && warehouse is not null && workspace.Settings.Dashboard.Enabled)
        {
            await runner.ServeDashboardAsync(logs, ct);
        }

        // A PostgreSQL warehouse takes readers itself; only the embedded file needs its owner to answer for it. Its record
        // is written once, complete: a reader never sees one without the dashboard's URL.
        if (warehouse is not null && !Warehouses.IsPostgres(workspace) && serveReaders)
        {
            runner._endpoint = await OwnerEndpoint.StartAsync(workspace, warehouse, command, time, logs.CreateLogger("CustomerTrack.Query"), ct, runner.DashboardUrl);
        }

        return runner;
    }

    /// <summary>
    /// Takes the warehouse file. Held by another customertrack process, it fails at once naming that process; held by
    /// something else (a DuckDB shell, a backup tool), it says so and tries again with back-off until the file is free.
    /// </summary>
    private static async Task<IWarehouse> OpenWarehouseAsync(Workspace workspace, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        var retry = new ResiliencePipelineBuilder<IWarehouse> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<IWarehouse>
            {
                ShouldHandle = new PredicateBuilder<IWarehouse>().Handle<WarehouseBusyException>(_ => OwnerRecord.Read(workspace) is null),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(5),
                OnRetry = args =>
                {
                    LogLocked(logger, args.Outcome.Exception?.Message, args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        return await retry.ExecuteAsync(_ => ValueTask.FromResult(
            Warehouses.Open(workspace, readOnly: false, () => OwnerRecord.Read(workspace)?.Describe(), time)), ct);
    }

    /// <summary>
    /// Serves the live dashboard (Dashboard:* settings) for every defined table; returns the URL. <paramref name="extend"/> maps more endpoints on the same server.
    /// </summary>
    private async Task<string> ServeDashboardAsync(ILoggerFactory logs, CancellationToken ct,
        Action<Microsoft.AspNetCore.Builder.WebApplication>? extend = null)
    {
        if (_warehouse is null)
        {
            throw new InvalidOperationException("the dashboard reads the warehouse; this process does not open it");
        }

        // One view per defined table, the default one first (the page opens on it).
        var settings = _workspace.Settings;
        var tables = settings.Definitions.OrderBy(t => t == settings.DefaultTable ? 0 : 1)
            .Select(t => new Dashboard.DashboardData(_workspace, (sql, parameters) => _warehouse.Query(sql, parameters), _time, t, Generator)).ToList();
        _dashboard = await Dashboard.DashboardServer.StartAsync(settings.Dashboard, tables, _time, logs, Metrics, extend, ct);
        return _dashboard.Url;
    }

    /// <summary>The live dashboard's URL, when this process serves one.</summary>
    public string? DashboardUrl => _dashboard?.Url;

    /// <summary>A read-only query on the owned warehouse.</summary>
    public QueryResult Query(string sql) => Query(sql, QueryArgs.None);

    /// <summary>A read-only query on the owned warehouse, with <paramref name="parameters"/> bound where it writes <c>$name</c>.</summary>
    public QueryResult Query(string sql, IReadOnlyList<QueryParameter> parameters) =>
        (_warehouse ?? throw new InvalidOperationException("this process does not own the warehouse")).Query(sql, parameters);

    /// <summary>Processes everything present in landing/ and the lake, then returns.</summary>
    public async Task<DrainSummary> DrainAsync(CancellationToken ct)
    {
        var ingested = 0;
        if (_stages.HasFlag(Stages.Ingest))
        {
            ingested += Ingested(await _ingest.RunOnceAsync(ct));
            while (_ingest.NextDue is { } due)
            {
                // Young files are left to age (they may still be being written), then taken.
                var wait = due - _time.GetUtcNow().UtcDateTime;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, ct);
                }

                ingested += Ingested(await _ingest.RunOnceAsync(ct));
            }
        }

        if (_stages.HasFlag(Stages.Load) && _stages.HasFlag(Stages.Tasks))
        {
            // The task applies what each load transaction commits while the next files load (on DuckDB as on a server,
            // they write on connections of their own): a backlog costs about the longer of the two, not their sum.
            var loading = Task.Run(() => _load!.RunOnce(ct), ct);
            var applied = new List<TaskRunOutcome>();
            while (!loading.IsCompleted)
            {
                var some = await _tasks!.RunOnceAsync(ct);
                applied.AddRange(some);
                if (some.Count == 0)
                {
                    // Nothing committed yet: look again shortly, or as soon as the load is over.
                    await Task.WhenAny(loading, Task.Delay(TimeSpan.FromMilliseconds(100), _time, ct));
                }
            }

            var handled = await loading;
            applied.AddRange(await _tasks!.RunOnceAsync(ct));
            return new DrainSummary(ingested, handled, applied);
        }

        var loaded = _stages.HasFlag(Stages.Load) ? _load!.RunOnce(ct) : 0;
        var runs = _stages.HasFlag(Stages.Tasks) ? await _tasks!.RunOnceAsync(ct) : [];
        return new DrainSummary(ingested, loaded, runs);
    }

    /// <summary>Loads lake files again as new attempts (the <c>reload</c> command); see <see cref="LoadStage.Reload"/>.</summary>
    public IReadOnlyList<LoadOutcome> Reload(IReadOnlyList<string> keys, bool force, CancellationToken ct) =>
        (_load ?? throw new InvalidOperationException("this process does not load")).Reload(keys, force, ct);

    /// <summary>Applies whatever the stream holds.</summary>
    public Task<IReadOnlyList<TaskRunOutcome>> DrainTasksAsync(CancellationToken ct) =>
        (_tasks ?? throw new InvalidOperationException("this process does not run tasks")).RunOnceAsync(ct);

    /// <summary>Recomputes every table's SCD tables from its ledger up to its stream offset.</summary>
    public async Task<IReadOnlyList<TaskRunOutcome>> RebuildAsync()
    {
        var warehouse = _warehouse ?? throw new InvalidOperationException("this process does not own the warehouse");
        var runs = new List<TaskRunOutcome>();
        foreach (var table in _workspace.Settings.Definitions)
        {
            runs.Add(await warehouse.RebuildAsync(table, _time));
        }

        return runs;
    }

    /// <summary>Runs the stages until <paramref name="ct"/> is cancelled; an abort policy's error ends it.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var landingWatch = Watch(_workspace.Landing, _ingestWake, recursive: true, renamed: _ingest.Renamed);
        using var lakeWatch = _stages.HasFlag(Stages.Load) && _lake is FolderLake ? Watch(_workspace.LakeRoot, _loadWake, recursive: true) : null;
        var settings = _workspace.Settings;
        var loops = new List<Task>();
        if (_stages.HasFlag(Stages.Ingest))
        {
            loops.Add(Task.Run(() => LoopAsync("ingest", _ingestWake, IngestWait, async t => Ingested(await _ingest.RunOnceAsync(t)), ct), ct));
        }

        if (_stages.HasFlag(Stages.Load))
        {
            // Each loop on a thread of its own: load and tasks do synchronous database work and must not wait for each other to start.
            loops.Add(Task.Run(() => LoopAsync("load", _loadWake, () => settings.Load.PollInterval, t => Task.FromResult(_load!.RunOnce(t)), ct), ct));
        }

        if (_stages.HasFlag(Stages.Tasks))
        {
            loops.Add(Task.Run(() => LoopAsync("tasks", _taskWake, () => settings.Tasks.Interval, async t => (await _tasks!.RunOnceAsync(t)).Count, ct), ct));
        }

        try
        {
            await await Task.WhenAny(loops);
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private TimeSpan IngestWait()
    {
        var poll = _workspace.Settings.Ingest.PollInterval.Value;
        if (_ingest.NextDue is { } due)
        {
            var untilDue = due - _time.GetUtcNow().UtcDateTime;
            return untilDue < poll ? (untilDue > TimeSpan.Zero ? untilDue : TimeSpan.FromMilliseconds(1)) : poll;
        }

        return poll;
    }

    private async Task LoopAsync(string stage, Signal wake, Func<TimeSpan> wait, Func<CancellationToken, Task<int>> work, CancellationToken ct)
    {
        // A failing cycle (a lock, a full disk, a lake away) backs off and tries again; only an abort stops the loop. A
        // failure no retry cures (a permission, a statement the engine refuses) is reported once and tried again only
        // every PermanentRetry, so that fixing it by hand is noticed without the loop spinning on it.
        string? reported = null;
        var retry = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not InputRejectedException and not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(30),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is { } e && !Failures.IsTransient(e) ? PermanentRetry : (TimeSpan?)null),
                OnRetry = args =>
                {
                    var error = args.Outcome.Exception;

                    // A failure no retry cures is reported at once; a transient one once it keeps coming back.
                    if (error is not null && (!Failures.IsTransient(error) || args.AttemptNumber >= 2))
                    {
                        Health.Failed(stage, null, Failures.Reason(error), Failures.IsBug(error));
                    }

                    if (error is not null && !Failures.IsTransient(error))
                    {
                        if (reported != error.Message)
                        {
                            reported = error.Message;
                            LogPermanent(_logger, stage, Failures.Reason(error), PermanentRetry.TotalSeconds);
                        }
                    }
                    else
                    {
                        LogRetry(_logger, stage, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, error?.Message);
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        while (!ct.IsCancellationRequested)
        {
            await retry.ExecuteAsync(async t => await work(t), ct);
            Health.Succeeded(stage);
            await wake.WaitAsync(wait(), ct);
        }
    }

    /// <summary>Wakes <paramref name="wake"/> on any change in <paramref name="dir"/>; a rename is told to <paramref name="renamed"/> first.</summary>
    private FileSystemWatcher? Watch(string dir, Signal wake, bool recursive, Action<string, string>? renamed = null)
    {
        try
        {
            Directory.CreateDirectory(dir);
            var watcher = new FileSystemWatcher(dir) { IncludeSubdirectories = recursive, EnableRaisingEvents = false };
            watcher.Created += (_, _) => wake.Set();
            watcher.Renamed += (_, e) =>
            {
                renamed?.Invoke(e.OldFullPath, e.FullPath);
                wake.Set();
            };
            watcher.Changed += (_, _) => wake.Set();
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (IOException e)
        {
            // Out of inotify watches, say: polling alone still finds the work, a little later.
            LogNoWatch(_logger, dir, e.Message);
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
        }

        if (_endpoint is not null)
        {
            await _endpoint.DisposeAsync();
        }

        _warehouse?.Dispose();
        (_lake as IDisposable)?.Dispose();
        Metrics.Dispose();
    }

    /// <summary>How often a loop tries again after a failure that is not transient.</summary>
    internal static readonly TimeSpan PermanentRetry = TimeSpan.FromMinutes(1);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Stage}: {Error} (not transient: reported once, tried again every {Seconds:F0} s until it succeeds)")]
    private static partial void LogPermanent(ILogger logger, string stage, string error, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Stage}: attempt {Attempt} failed, retrying in {DelayMs:F0} ms: {Error}")]
    private static partial void LogRetry(ILogger logger, string stage, int attempt, double delayMs, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Stage}: pausing before commit ({Ms} ms, Debug:StepDelay)")]
    private static partial void LogPausing(ILogger logger, string stage, double ms);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Error}; it is not a customertrack process, so trying again in {DelayMs:F0} ms")]
    private static partial void LogLocked(ILogger logger, string? error, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot watch {Dir} ({Error}); relying on polling")]
    private static partial void LogNoWatch(ILogger logger, string dir, string error);
}
