using CustomerTrack.Configuration;
using CustomerTrack.Formats;
using CustomerTrack.Scd;

namespace CustomerTrack.Warehouse;

/// <summary>
/// One load transaction of an engine, as the load rules (<c>Load/FileLoad</c>) use it: statements
/// (<see cref="ISqlRunner"/>), the engine's bulk path for a file's rows and rejects, the ledger range, a savepoint per
/// file, and the commit. Disposed without a commit, it rolls back. The rules (what a file already loaded, a duplicate, a
/// bad row under each <c>Load:OnError</c> do; the load_history row) are written once above it (docs/architecture.md,
/// "The engine boundary").
/// </summary>
internal interface ILoadTransaction : ISqlRunner, IAsyncDisposable
{
    /// <summary>
    /// Reads <paramref name="file"/> into the transaction before the ledger range is reserved (PostgreSQL: into staging
    /// tables, rows numbered 1..n, holding no lock another loader waits on). The one writer (DuckDB) reads it at
    /// <see cref="Publish"/>, straight into the ledger.
    /// </summary>
    void Stage(LakeFile file, LoadSettings settings, DateTime now);

    /// <summary>
    /// Reserves the ledger's <c>_seq</c> numbers for every row staged so far, as if every staged file loads (a range
    /// not used is a gap; <c>_seq</c> is monotonic, not dense). PostgreSQL: under the ledger lock, in a short transaction
    /// of its own; DuckDB: nothing (its one writer owns the ledger's end).
    /// </summary>
    void Reserve();

    /// <summary>The ledger's end as this transaction has moved it (the last <c>_seq</c> it wrote, or the end before it).</summary>
    long LastSeq { get; }

    /// <summary>
    /// Marks the point <see cref="UndoFile"/> returns to, before <paramref name="file"/>'s statements. PostgreSQL: a
    /// savepoint, and a lock on the file's name and content (two workers loading copies of one file wait for each other).
    /// </summary>
    void BeginFile(LakeFile file);

    /// <summary>
    /// Takes back what the transaction did since <see cref="BeginFile"/> (<c>skip_file</c>'s undo). DuckDB, which has no
    /// savepoint, rolls back and begins again: only a transaction of one file may undo.
    /// </summary>
    void UndoFile();

    /// <summary>
    /// Writes the staged <paramref name="file"/>'s rows to its ledger after <see cref="LastSeq"/> and its rejects to
    /// <c>load_rejects</c>; given <paramref name="rejectAll"/>, every row of the read is a reject with that reason instead
    /// (a file skipped whole, from the read that found its bad rows, not from a second read). Returns the read's summary.
    /// </summary>
    FileReadSummary Publish(LakeFile file, DateTime now, string? rejectAll);

    /// <summary>
    /// Commits, calling the warehouse's crash-test hook with <paramref name="stage"/> just before (null: no hook, a
    /// quarantine's commit). <paramref name="recorded"/> are the files whose load_history rows this transaction wrote:
    /// PostgreSQL adds its staging and ledger-lock times to them after the commit.
    /// </summary>
    Task CommitAsync(string? stage, IReadOnlyList<string> recorded, CancellationToken ct);
}
