using CustomerTrack.Configuration;
using CustomerTrack.Scd;
using CustomerTrack.Tables;

namespace CustomerTrack.Warehouse;

/// <summary>
/// One warehouse engine (<see cref="DuckDb.DuckDbWarehouse"/>, PostgresWarehouse) as <see cref="TranslatedWarehouse"/>
/// builds the warehouse on it (docs/architecture.md, "The engine boundary"). The boundary proper is the first part: a
/// write transaction with the task lock and the committed ledger's end, a load transaction with the bulk path, the
/// ledger range and a savepoint per file, and the translation of the driver's errors; the rules that run in them (the SCD
/// task run, a file's load) are written once, above the engine. The second part is what the engines still hold of the
/// warehouse (claims, schema changes under their lock, the query sandbox, export), each as IWarehouse describes it.
/// </summary>
internal interface IEngine : IDisposable
{
    /// <summary>Begins a write transaction (the one writer's, or a session of the server's).</summary>
    Task<IWriteTransaction> BeginAsync(CancellationToken ct);

    /// <summary>Begins a load transaction: its bulk path, ledger range and savepoints (<see cref="ILoadTransaction"/>).</summary>
    Task<ILoadTransaction> BeginLoadAsync(TimeProvider time, CancellationToken ct);

    /// <summary>The driver's error <paramref name="e"/> as a <see cref="WarehouseException"/>, or null when it is no database error.</summary>
    WarehouseException? TranslateError(Exception e, string display);

    /// <inheritdoc cref="IWarehouse.BeforeCommit"/>
    Action<string>? BeforeCommit { get; set; }

    /// <inheritdoc cref="IWarehouse.InvocationId"/>
    string? InvocationId { get; set; }

    /// <inheritdoc cref="IWarehouse.SharedByWorkers"/>
    bool SharedByWorkers { get; }

    /// <inheritdoc cref="IWarehouse.Claim"/>
    IReadOnlyList<string> Claim(IReadOnlyList<string> keys, string worker, DateTime now, TimeSpan lease);

    /// <inheritdoc cref="IWarehouse.ReleaseClaims"/>
    void ReleaseClaims(IReadOnlyList<string> keys);

    /// <inheritdoc cref="IWarehouse.Tables"/>
    IReadOnlyList<TableDefinition> Tables { get; }

    /// <inheritdoc cref="IWarehouse.AddColumns"/>
    TableDefinition AddColumns(TableDefinition table, IReadOnlyList<string> columns, string fileKey, DateTime now);

    /// <inheritdoc cref="IWarehouse.QueryLimits"/>
    QuerySettings QueryLimits { get; set; }

    /// <summary>
    /// <see cref="IWarehouse.Query(string, IReadOnlyList{QueryParameter}, CancellationToken)"/>: in the engine's reader
    /// session (sandboxed, read-only), the parameters bound by the driver as <see cref="ISqlDialect.ReaderParameters"/> spells them.
    /// </summary>
    QueryResult Query(string sql, IReadOnlyList<QueryParameter> parameters, CancellationToken ct = default);

    /// <inheritdoc cref="IWarehouse.Export"/>
    long Export(string sql, IReadOnlyList<QueryParameter> parameters, IReadOnlyList<ExportColumn> columns, string path, string format,
        CancellationToken ct = default);
}
