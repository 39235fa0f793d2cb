using CustomerTrack.Tables;

namespace CustomerTrack.Scd;

/// <summary>
/// One write transaction of an engine, as the rules above the engine use it: statements (<see cref="ISqlRunner"/>),
/// the warehouse's one task lock, the end of the ledger whose rows are all committed, and the commit. Disposed without
/// a commit, it rolls back. The engine brings only these (docs/architecture.md, "The engine boundary").
/// </summary>
internal interface IWriteTransaction : ISqlRunner, IAsyncDisposable
{
    /// <summary>
    /// Takes the one task lock for the rest of this transaction. With <paramref name="wait"/> false, another worker
    /// applying a stream now is no error: the answer is false.
    /// </summary>
    Task<bool> TryTakeTaskLockAsync(bool wait, CancellationToken ct);

    /// <summary>
    /// The highest <c>_seq</c> of <paramref name="table"/>'s ledger at or below which every row is committed or never
    /// will be (one sequence serves every table's ledger); <paramref name="from"/> when nothing above it is.
    /// </summary>
    Task<long> CommittedLedgerEndAsync(TableDefinition table, long from, CancellationToken ct);

    /// <summary>
    /// Commits, calling the warehouse's crash-test hook with <paramref name="stage"/> just before. Statements after it
    /// run on the same session outside any transaction (the task's working tables are the session's).
    /// </summary>
    Task CommitAsync(string stage, CancellationToken ct);
}
