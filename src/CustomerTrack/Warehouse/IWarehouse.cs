using CustomerTrack.Configuration;
using CustomerTrack.Query;
using CustomerTrack.Scd;
using CustomerTrack.Tables;

namespace CustomerTrack.Warehouse;

/// <summary>
/// The warehouse as the stages use it (docs/architecture.md): the ledger and its load history, the stream offset, the SCD
/// tables, and read-only queries. <see cref="TranslatedWarehouse"/> builds it on an <see cref="IEngine"/>:
/// <see cref="DuckDb.DuckDbWarehouse"/> (embedded, one writing process) or PostgresWarehouse (a server, several workers).
/// </summary>
internal interface IWarehouse : IDisposable
{
    /// <summary>Called inside each write transaction just before it commits, with the stage's name (crash tests aim here).</summary>
    Action<string>? BeforeCommit { get; set; }

    /// <summary>The run id of the process writing through this warehouse (<see cref="Invocations"/>), stamped on its rows.</summary>
    string? InvocationId { get; set; }

    /// <summary>Whether several processes may write at once (the loader then claims files before loading them).</summary>
    bool SharedByWorkers { get; }

    /// <summary>
    /// Claims files for this worker until <paramref name="now"/> + <paramref name="lease"/>: returns the keys nobody else
    /// holds a live claim on. A claim ends when its file is loaded, or when its lease expires (its worker died).
    /// </summary>
    IReadOnlyList<string> Claim(IReadOnlyList<string> keys, string worker, DateTime now, TimeSpan lease);

    /// <summary>Ends this worker's claims on <paramref name="keys"/> (their load transaction is over, whatever its outcome).</summary>
    void ReleaseClaims(IReadOnlyList<string> keys);

    /// <summary>
    /// Runs <paramref name="work"/> in a load transaction of the engine (<c>Load/FileLoad</c> writes the load rules on
    /// it), the engine's errors translated; the transaction rolls back unless <paramref name="work"/> commits it.
    /// <paramref name="time"/> times the engine's own steps (PostgreSQL's staging and ledger lock).
    /// </summary>
    Task<T> InLoadTransactionAsync<T>(TimeProvider time, Func<ILoadTransaction, Task<T>> work, CancellationToken ct = default);

    /// <summary>
    /// The tables as this warehouse holds them: each definition with the columns files added under
    /// <c>SchemaEvolution: add</c> (read when the warehouse was opened for writing).
    /// </summary>
    IReadOnlyList<TableDefinition> Tables { get; }

    /// <summary>
    /// Adds <paramref name="columns"/>, which <paramref name="fileKey"/> brings and <paramref name="table"/> lacks, as
    /// nullable string attributes (<see cref="LoadTimeColumns"/>), in a transaction of its own that commits before the
    /// file loads; a column another worker added meanwhile is taken as it is. Returns the table as the warehouse now holds it.
    /// </summary>
    TableDefinition AddColumns(TableDefinition table, IReadOnlyList<string> columns, string fileKey, DateTime now);

    /// <summary>
    /// Applies the ledger rows of <paramref name="table"/> above its stream offset (at most <paramref name="maxRows"/>),
    /// advancing it in the same transaction; null when the stream is empty or another worker is applying it.
    /// </summary>
    Task<TaskRunOutcome?> RunTaskAsync(TableDefinition table, int maxRows, TimeProvider time);

    /// <summary>Recomputes both SCD tables of <paramref name="table"/> from its whole ledger up to the stream offset's end.</summary>
    Task<TaskRunOutcome> RebuildAsync(TableDefinition table, TimeProvider time);

    /// <summary>How long a reader's query may run and how many rows it may return.</summary>
    QuerySettings QueryLimits { get; set; }

    /// <summary>
    /// Runs one read-only SELECT; anything that could write is refused. Cancelling <paramref name="ct"/> (the reader went
    /// away) stops the statement in the engine, as does <see cref="QueryLimits"/>' timeout.
    /// </summary>
    QueryResult Query(string sql, CancellationToken ct = default) => Query(sql, QueryArgs.None, ct);

    /// <summary>
    /// As <see cref="Query(string, CancellationToken)"/>, with <paramref name="parameters"/> bound by the engine's driver
    /// where the text writes <c>$name</c>: values (a file name, a moment, a key) never become SQL text.
    /// </summary>
    QueryResult Query(string sql, IReadOnlyList<QueryParameter> parameters, CancellationToken ct = default);

    /// <summary>
    /// Writes the rows of <paramref name="sql"/> (built by <see cref="TableExport"/> from names the catalog knows, never
    /// a reader's text), with <paramref name="parameters"/> bound, to <paramref name="path"/> as Parquet or CSV; returns
    /// the number of rows.
    /// </summary>
    long Export(string sql, IReadOnlyList<QueryParameter> parameters, IReadOnlyList<ExportColumn> columns, string path, string format,
        CancellationToken ct = default);
}
