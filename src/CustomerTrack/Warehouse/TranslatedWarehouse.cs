using CustomerTrack.Configuration;
using CustomerTrack.Scd;
using CustomerTrack.Tables;

namespace CustomerTrack.Warehouse;

/// <summary>
/// An engine's warehouse with its errors translated once, at the boundary, by the engine's own translator
/// (DuckDbErrors, PostgresErrors): past here, a database error is a <see cref="WarehouseException"/> that says whether
/// a retry can help, and nothing upstream knows which driver raised it.
/// </summary>
internal sealed class TranslatedWarehouse(IWarehouse inner, Func<Exception, string, WarehouseException?> translate) : IWarehouse
{
    private readonly string _display = inner.ToString() ?? "the warehouse";

    public Action<string>? BeforeCommit { get => inner.BeforeCommit; set => inner.BeforeCommit = value; }

    public string? InvocationId { get => inner.InvocationId; set => inner.InvocationId = value; }

    public bool SharedByWorkers => inner.SharedByWorkers;

    public QuerySettings QueryLimits { get => inner.QueryLimits; set => inner.QueryLimits = value; }

    public HashSet<string> LoadedKeys(DateTime? since = null) => Guard(() => inner.LoadedKeys(since));

    public (long Count, DateTime? Latest) LoadHistoryMark() => Guard(inner.LoadHistoryMark);

    public IReadOnlyList<string> Claim(IReadOnlyList<string> keys, string worker, DateTime now, TimeSpan lease) =>
        Guard(() => inner.Claim(keys, worker, now, lease));

    public IReadOnlyList<LoadOutcome> LoadFiles(IReadOnlyList<LakeFile> files, LoadSettings settings, TimeProvider time) =>
        Guard(() => inner.LoadFiles(files, settings, time));

    public LoadOutcome Quarantine(LakeFile file, string reason, DateTime now) => Guard(() => inner.Quarantine(file, reason, now));

    public IReadOnlyList<TableDefinition> Tables => inner.Tables;

    public TableDefinition AddColumns(TableDefinition table, IReadOnlyList<string> columns, string fileKey, DateTime now) =>
        Guard(() => inner.AddColumns(table, columns, fileKey, now));

    public TaskRunOutcome? RunTask(TableDefinition table, int maxRows, TimeProvider time) => Guard(() => inner.RunTask(table, maxRows, time));

    public TaskRunOutcome Rebuild(TableDefinition table, TimeProvider time) => Guard(() => inner.Rebuild(table, time));

    public QueryResult Query(string sql, CancellationToken ct = default) => Guard(() => inner.Query(sql, ct));

    public long Export(string sql, IReadOnlyList<ExportColumn> columns, string path, string format, CancellationToken ct = default) =>
        Guard(() => inner.Export(sql, columns, path, format, ct));

    private T Guard<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (translate(e, _display) is { } translated)
        {
            throw translated;
        }
    }

    public void Dispose() => inner.Dispose();

    public override string ToString() => _display;
}
