using CustomerTrack.Configuration;
using CustomerTrack.Scd;
using CustomerTrack.Tables;

namespace CustomerTrack.Warehouse;

/// <summary>
/// The warehouse built on one engine: its errors translated once, at the boundary, by the engine's own translator
/// (<see cref="IEngine.TranslateError"/>): past here, a database error is a <see cref="WarehouseException"/> that says
/// whether a retry can help, and nothing upstream knows which driver raised it. The SCD task runs here, the same on
/// every engine, in the engine's transaction (<see cref="ScdTask.RunAsync"/>); a load runs in the engine's load
/// transaction, the rules written once in <c>Load/FileLoad</c>.
/// </summary>
internal sealed class TranslatedWarehouse(IEngine inner) : IWarehouse
{
    private readonly string _display = inner.ToString() ?? "the warehouse";

    public Action<string>? BeforeCommit { get => inner.BeforeCommit; set => inner.BeforeCommit = value; }

    public string? InvocationId { get => inner.InvocationId; set => inner.InvocationId = value; }

    public bool SharedByWorkers => inner.SharedByWorkers;

    public QuerySettings QueryLimits { get => inner.QueryLimits; set => inner.QueryLimits = value; }

    public IReadOnlyList<string> Claim(IReadOnlyList<string> keys, string worker, DateTime now, TimeSpan lease) =>
        Guard(() => inner.Claim(keys, worker, now, lease));

    public void ReleaseClaims(IReadOnlyList<string> keys) => inner.ReleaseClaims(keys);

    public Task<T> InLoadTransactionAsync<T>(TimeProvider time, Func<ILoadTransaction, Task<T>> work, CancellationToken ct = default) =>
        GuardAsync(async () =>
        {
            await using var tx = await inner.BeginLoadAsync(time, ct);
            return await work(tx);
        });

    public IReadOnlyList<TableDefinition> Tables => inner.Tables;

    public TableDefinition AddColumns(TableDefinition table, IReadOnlyList<string> columns, string fileKey, DateTime now) =>
        Guard(() => inner.AddColumns(table, columns, fileKey, now));

    public Task<TaskRunOutcome?> RunTaskAsync(TableDefinition table, int maxRows, TimeProvider time) =>
        GuardAsync(() => ApplyStreamAsync(table, maxRows, rebuild: false, time));

    public async Task<TaskRunOutcome> RebuildAsync(TableDefinition table, TimeProvider time) =>
        (await GuardAsync(() => ApplyStreamAsync(table, int.MaxValue, rebuild: true, time)))!;

    /// <summary>
    /// The task run in the engine's transaction, awaited all the way up to the task stage and the commands. It is not
    /// cancelled midway (a stop waits for the run to commit or fail), as before it was awaited.
    /// </summary>
    private async Task<TaskRunOutcome?> ApplyStreamAsync(TableDefinition table, int maxRows, bool rebuild, TimeProvider time)
    {
        await using var tx = await inner.BeginAsync(CancellationToken.None);
        return await ScdTask.RunAsync(tx, table, maxRows, rebuild, time, inner.InvocationId);
    }

    public QueryResult Query(string sql, CancellationToken ct = default) => Query(sql, QueryArgs.None, ct);

    public QueryResult Query(string sql, IReadOnlyList<QueryParameter> parameters, CancellationToken ct = default) =>
        Guard(() => inner.Query(sql, parameters, ct));

    public long Export(string sql, IReadOnlyList<QueryParameter> parameters, IReadOnlyList<ExportColumn> columns, string path, string format,
        CancellationToken ct = default) =>
        Guard(() => inner.Export(sql, parameters, columns, path, format, ct));

    private async Task<T> GuardAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (inner.TranslateError(e, _display) is { } translated)
        {
            throw translated;
        }
    }

    private T Guard<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (inner.TranslateError(e, _display) is { } translated)
        {
            throw translated;
        }
    }

    public void Dispose() => inner.Dispose();

    public override string ToString() => _display;
}
