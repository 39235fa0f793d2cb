using System.Security.Cryptography;
using CustomerTrack.Lake;
using CustomerTrack.Warehouse;
using Microsoft.Extensions.Logging;

namespace CustomerTrack.Load;

/// <summary>
/// Snowpipe's role: finds lake objects not in the load history and loads each, with its load-history row,
/// in one transaction. A file in the history is never loaded again.
/// </summary>
internal sealed partial class LoadStage(Workspace workspace, ILake lake, IWarehouse warehouse, TimeProvider time, ILogger logger)
{
    /// <summary>Set when rows reached the ledger.</summary>
    public Signal? Downstream { get; set; }

    /// <summary>Told of every file handled, as it commits (progress lines, the run's tally, metrics).</summary>
    public Action<LoadOutcome>? Loaded { get; set; }

    // Files committed together under Load:OnError = continue: one commit per group rather than per file.
    private const int GroupFiles = 64;
    private const long GroupBytes = 64L << 20;

    // Files claimed at a time with several workers: small enough that the work spreads over them.
    private const int ClaimFiles = 8;

    private readonly ColumnsFromFiles _columns = new(workspace, warehouse, time, logger);

    private readonly LoadedFiles _loaded = new(warehouse, time);

    private readonly LakeListing _listing = new(lake, time);

    private readonly SettingsEdits _edits = new(Path.Combine(workspace.Root, Configuration.SettingsLoader.FileName));

    // Files whose load met a bug of ours: left in the lake, unrecorded, until the next start (a fixed program) tries them.
    private readonly HashSet<string> _bugged = new(StringComparer.Ordinal);

    /// <summary>What is failing now; a file whose load met a bug of ours is recorded here for its table.</summary>
    public StageHealth? Health { get; set; }

    /// <summary>
    /// The tables this stage loads (<c>run --table</c>); null: every table. Another table's files, and files no table
    /// takes, wait in the lake for a run that loads them.
    /// </summary>
    public IReadOnlySet<string>? OnlyTables { get; init; }

    /// <summary>Loads every lake object not yet loaded; returns how many files it handled.</summary>
    public int RunOnce(CancellationToken ct)
    {
        SayEdits();
        var loaded = _loaded.Current();
        var settings = workspace.Settings.Load;
        var grouped = settings.Policy == Configuration.OnError.Continue;

        // A worker among several loads what it claimed before claiming more, so that the others get files too.
        var groupFiles = warehouse.SharedByWorkers ? ClaimFiles : GroupFiles;
        var group = new List<LakeFile>();
        var copies = new List<LakeCopy>();
        long groupBytes = 0;
        var handled = 0;
        try
        {
            foreach (var entry in Claimed(_listing.Waiting(e => !loaded.Contains(e.Key) && !_bugged.Contains(e.Key) && Chosen(e.Key), ct)))
            {
                ct.ThrowIfCancellationRequested();
                var copy = lake.CopyAsync(entry.Key, ct).GetAwaiter().GetResult();
                if (copy is null)
                {
                    continue;
                }

                copies.Add(copy);
                string sha;
                try
                {
                    sha = Sha256(copy.Path);
                }
                catch (FileNotFoundException)
                {
                    continue;
                }

                var (name, hashPrefix) = LakeKey.Parse(entry.Key);
                var (table, tableName) = Route(entry.Key);
                var file = new LakeFile(entry.Key, copy.Path, name, sha, entry.Bytes, copy.LandedAt ?? entry.LandedAt, table, tableName);
                if (hashPrefix is not null && !sha.StartsWith(hashPrefix, StringComparison.Ordinal))
                {
                    // Lake keys are content-addressed and objects immutable: a mismatch does not cure itself. Set it aside
                    // where status shows it, rather than meeting it again on every listing.
                    LogCorrupt(logger, entry.Key, sha);
                    Loaded?.Invoke(Quarantine(file, $"content (sha256 {sha}) does not match the hash in its key: the object was changed or damaged in the lake"));
                    handled++;
                    continue;
                }

                LakeFile prepared;
                try
                {
                    prepared = _columns.Prepare(file);
                }
                catch (CustomerTrackException e) when (Failures.IsPermanent(e))
                {
                    // Columns the table cannot take (past TableDefinition.MaxColumns): set aside, the other files go on.
                    LogQuarantined(logger, entry.Key, e.Message);
                    Loaded?.Invoke(Quarantine(file, e.Message));
                    handled++;
                    continue;
                }

                group.Add(prepared);
                groupBytes += entry.Bytes;
                if (!grouped || group.Count >= groupFiles || groupBytes >= GroupBytes)
                {
                    handled += Load(group);
                    group.Clear();
                    groupBytes = 0;
                    DisposeAll(copies);
                }
            }

            return handled + Load(group);
        }
        finally
        {
            DisposeAll(copies);
        }
    }

    /// <summary>
    /// Loads <paramref name="keys"/> again, each in a transaction of its own, although the load history holds them (the
    /// <c>reload</c> command, Snowflake's <c>COPY … FORCE</c>): each is routed by the definitions as they are now, and
    /// recorded as a new attempt (<see cref="Warehouse.LoadAttempts"/>). A file its last attempt loaded whole is left
    /// alone unless <paramref name="force"/>. Returns one outcome per key, in order.
    /// </summary>
    public IReadOnlyList<LoadOutcome> Reload(IReadOnlyList<string> keys, bool force, CancellationToken ct)
    {
        var outcomes = new List<LoadOutcome>(keys.Count);
        var told = Loaded;
        Loaded = outcome =>
        {
            outcomes.Add(outcome);
            told?.Invoke(outcome);
        };
        try
        {
            foreach (var key in keys)
            {
                ct.ThrowIfCancellationRequested();
                using var copy = lake.CopyAsync(key, ct).GetAwaiter().GetResult()
                    ?? throw new CustomerTrackException($"{key} is in the load history but not in the lake (removed from it?); it cannot be loaded again");
                var sha = Sha256(copy.Path);

                var (name, _) = LakeKey.Parse(key);
                var (table, tableName) = Route(key);
                var file = new LakeFile(key, copy.Path, name, sha, new FileInfo(copy.Path).Length, copy.LandedAt, table, tableName)
                {
                    Reload = new ReloadRequest(force),
                };
                var before = outcomes.Count;
                Load([_columns.Prepare(file)]);
                if (outcomes.Count == before)
                {
                    throw new CustomerTrackException($"{key} vanished from the lake while it was being loaded again");
                }
            }

            return outcomes;
        }
        finally
        {
            Loaded = told;
        }
    }

    /// <summary>
    /// The table a lake object belongs to: the one its key's folder names (landed in landing/&lt;table&gt;/), or the default
    /// table for a file landed directly in landing/. Null when no table takes it (the name asked for, or empty).
    /// </summary>
    private (Tables.TableDefinition? Table, string Name) Route(string key)
    {
        var settings = workspace.Settings;
        if (LakeKey.TableOf(key) is { } folder)
        {
            var table = settings.Definitions.FirstOrDefault(t => t.Name.Equals(folder, StringComparison.OrdinalIgnoreCase));
            return (table, table?.Name ?? folder);
        }

        return (settings.DefaultTable, settings.DefaultTable?.Name ?? "");
    }

    /// <summary>The content hash a file is known by in the load history (its lake key holds a prefix of it).</summary>
    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Whether the file <paramref name="key"/> is for a table this stage loads.</summary>
    private bool Chosen(string key) => OnlyTables is null || OnlyTables.Contains(Route(key).Name);

    /// <summary>This worker's name in file claims: host, process and a random part (a pid can be reused).</summary>
    public string Worker { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>
    /// With several workers on one warehouse, the files this worker claimed, a few at a time (so that the files spread
    /// over the workers and a claim does not wait long for its load); alone, every file.
    /// </summary>
    private IEnumerable<LakeEntry> Claimed(IEnumerable<LakeEntry> entries)
    {
        if (!warehouse.SharedByWorkers)
        {
            foreach (var entry in entries)
            {
                yield return entry;
            }

            yield break;
        }

        foreach (var chunk in entries.Chunk(ClaimFiles))
        {
            var claimed = warehouse.Claim(chunk.Select(e => e.Key).ToList(), Worker, time.GetUtcNow().UtcDateTime,
                workspace.Settings.Load.ClaimLease.Value).ToHashSet(StringComparer.Ordinal);
            foreach (var entry in chunk.Where(e => claimed.Contains(e.Key)))
            {
                yield return entry;
            }
        }
    }

    /// <summary>Removes downloaded copies (a folder lake's are the objects themselves and stay).</summary>
    private static void DisposeAll(List<LakeCopy> copies)
    {
        foreach (var copy in copies)
        {
            copy.Dispose();
        }

        copies.Clear();
    }

    /// <summary>Says, once, that the settings file was edited since the run started (<see cref="SettingsEdits"/>).</summary>
    private void SayEdits()
    {
        if (_edits.Check() is { } edited)
        {
            LogSettingsEdited(logger, edited);
        }
    }

    /// <summary>Sets <paramref name="file"/> aside for good, with <paramref name="reason"/> (<see cref="FileLoad.QuarantineAsync"/>).</summary>
    private LoadOutcome Quarantine(LakeFile file, string reason) =>
        FileLoad.QuarantineAsync(warehouse, file, reason, time).GetAwaiter().GetResult();

    /// <summary>Loads a group in one transaction; when one of its files vanished, the rest are loaded one by one.</summary>
    private int Load(List<LakeFile> group)
    {
        if (group.Count == 0)
        {
            return 0;
        }

        // Again just before the files load: an edit made after this cycle began, and before a file it lists was landed,
        // is said before that file loads (the cycle's first look came too early for it).
        SayEdits();

        IReadOnlyList<LoadOutcome> outcomes;
        try
        {
            outcomes = FileLoad.LoadAsync(warehouse, group, workspace.Settings.Load, time).GetAwaiter().GetResult();
        }
        catch (FileNotFoundException) when (group.Count > 1)
        {
            return group.Sum(file => Load([file]));
        }
        catch (FileNotFoundException)
        {
            // Removed from the lake after it was hashed: its transaction rolled back, nothing of it is recorded.
            return 0;
        }
        catch (Exception e) when (Failures.IsPermanent(e) && group.Count > 1)
        {
            // One file of the group fails for good: the transaction rolled back; load them one by one to find it.
            return group.Sum(file => Load([file]));
        }
        catch (Exception e) when (Failures.IsBug(e))
        {
            // A bug of ours, not bad data: the file is not set aside for good. It stays in the lake, unrecorded, and is
            // tried again by the next start; meanwhile the other files go on and /health names it.
            var reason = Failures.Reason(e);
            _bugged.Add(group[0].Key);
            LogInternal(logger, group[0].Key, reason);
            Health?.Failed("load", group[0].TableName, $"{group[0].Key}: {reason}", isInternal: true);
            return 0;
        }
        catch (Exception e) when (Failures.IsPermanent(e))
        {
            // A failure no retry cures (a file the reader cannot take, a constraint): reported once, the file set aside.
            var reason = Failures.Reason(e);
            LogQuarantined(logger, group[0].Key, reason);
            Loaded?.Invoke(Quarantine(group[0], reason));
            return 1;
        }

        foreach (var outcome in outcomes)
        {
            LogLoaded(logger, outcome.Key, outcome.Status.Text(), outcome.RowsLoaded, outcome.RowsRejected);
            Loaded?.Invoke(outcome);
            if (outcome.Error is not null)
            {
                LogFileError(logger, outcome.Key, outcome.Error);
            }

            if (outcome.DroppedColumns.Count > 0)
            {
                LogDropped(logger, outcome.Key, string.Join(", ", outcome.DroppedColumns));
            }
        }

        if (outcomes.Any(o => o.RowsLoaded > 0))
        {
            Downstream?.Set();
        }

        return outcomes.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "load: {Key}: dropped columns {Columns}: the table does not define them")]
    private static partial void LogDropped(ILogger logger, string key, string columns);

    [LoggerMessage(Level = LogLevel.Warning, Message = "settings: {Line}")]
    private static partial void LogSettingsEdited(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Information, Message = "load: {Key} {Status}: {Loaded} rows loaded, {Rejected} rejected")]
    private static partial void LogLoaded(ILogger logger, string key, string status, long loaded, long rejected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "load: {Key}: {Error}")]
    private static partial void LogFileError(ILogger logger, string key, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "load: {Key}: cannot be loaded, set aside as LOAD_FAILED: {Reason}")]
    private static partial void LogQuarantined(ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "load: {Key}: internal error, please report it: {Reason}; the file is left in the lake and tried again on the next start")]
    private static partial void LogInternal(ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "load: {Key} does not match the hash in its key (content hash {Sha}); set aside as LOAD_FAILED")]
    private static partial void LogCorrupt(ILogger logger, string key, string sha);
}
