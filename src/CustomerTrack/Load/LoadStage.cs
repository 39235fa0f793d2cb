using System.Security.Cryptography;
using CustomerTrack.Lake;
using CustomerTrack.Pipeline;
using CustomerTrack.Warehouse;
using CustomerTrack.Warehouse.DuckDb;
using Microsoft.Extensions.Logging;

namespace CustomerTrack.Load;

/// <summary>
/// Snowpipe's role: finds lake objects not in the load history and loads each, with its load-history row,
/// in one transaction. A file in the history is never loaded again.
/// </summary>
internal sealed partial class LoadStage(Workspace workspace, ILake lake, DuckDbWarehouse warehouse, TimeProvider time, ILogger logger)
{
    /// <summary>Set when rows reached the ledger.</summary>
    public Signal? Downstream { get; set; }

    /// <summary>Loads every lake object not yet loaded; returns how many files it handled.</summary>
    public int RunOnce(CancellationToken ct)
    {
        var loaded = warehouse.LoadedKeys();
        var handled = 0;
        // The loader runs on a thread of its own (PipelineRunner); waiting on the lake here blocks nothing else.
        foreach (var entry in lake.ListAsync(ct).GetAwaiter().GetResult())
        {
            ct.ThrowIfCancellationRequested();
            if (loaded.Contains(entry.Key))
            {
                continue;
            }

            using var copy = lake.CopyAsync(entry.Key, ct).GetAwaiter().GetResult();
            if (copy is null)
            {
                continue;
            }

            var path = copy.Path;
            string sha;
            try
            {
                using var stream = File.OpenRead(path);
                sha = Convert.ToHexStringLower(SHA256.HashData(stream));
            }
            catch (FileNotFoundException)
            {
                continue;
            }

            var (name, hashPrefix) = LakeKey.Parse(entry.Key);
            if (hashPrefix is not null && !sha.StartsWith(hashPrefix, StringComparison.Ordinal))
            {
                LogCorrupt(logger, entry.Key, sha);
                continue;
            }

            LoadOutcome outcome;
            try
            {
                outcome = warehouse.LoadFile(new LakeFile(entry.Key, path, name, sha, entry.Bytes, copy.LandedAt ?? entry.LandedAt),
                    workspace.Settings.Load, time.GetUtcNow().UtcDateTime);
            }
            catch (FileNotFoundException)
            {
                // Removed from the lake after it was hashed: its transaction rolled back, nothing of it is recorded.
                continue;
            }

            handled++;
            LogLoaded(logger, entry.Key, outcome.Status, outcome.RowsLoaded, outcome.RowsRejected);
            if (outcome.Error is not null)
            {
                LogFileError(logger, entry.Key, outcome.Error);
            }

            if (outcome.RowsLoaded > 0)
            {
                Downstream?.Set();
            }
        }

        return handled;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "load: {Key} {Status}: {Loaded} rows loaded, {Rejected} rejected")]
    private static partial void LogLoaded(ILogger logger, string key, string status, long loaded, long rejected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "load: {Key}: {Error}")]
    private static partial void LogFileError(ILogger logger, string key, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "load: {Key} does not match the hash in its key (content hash {Sha}); left unloaded")]
    private static partial void LogCorrupt(ILogger logger, string key, string sha);
}
