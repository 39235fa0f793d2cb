using System.Globalization;
using System.Text.Json;
using CustomerTrack.Configuration;
using CustomerTrack.Formats;
using CustomerTrack.Scd;
using CustomerTrack.Tables;
using DuckDB.NET.Data;

namespace CustomerTrack.Warehouse.DuckDb;

/// <summary>
/// The embedded warehouse: one DuckDB file, written by the one process that opened it (docs/architecture.md, "One writer").
/// Writes are serialised on one connection; queries get connections of their own and see committed data.
/// </summary>
internal sealed class DuckDbWarehouse : IEngine, ISqlRunner
{
    private readonly DuckDBConnection _connection;
    private readonly FairLock _write = new();
    private readonly FairLock _taskWrite = new();
    private DuckDBConnection? _taskConnection;
    private readonly string _display;
    private long _lastSeq;
    private IReadOnlyList<TableDefinition> _tables = [];
    private readonly Dictionary<string, string[]> _rawOrder = new(StringComparer.Ordinal);
    private bool _checkpointDue;

    // The latest processing-time sequence committed: a later file's rows must come after it, even in the same instant.
    private DateTime _lastProcessingTime;
    private DateTime? _pendingProcessingTime;

    private DuckDbWarehouse(DuckDBConnection connection, string display)
    {
        _connection = connection;
        _display = display;
    }

    public bool ReadOnly { get; private init; }

    public string? InvocationId { get; set; }

    /// <summary>One process writes the file: nobody to share files with.</summary>
    public bool SharedByWorkers => false;

    public IReadOnlyList<string> Claim(IReadOnlyList<string> keys, string worker, DateTime now, TimeSpan lease) => keys;

    public void ReleaseClaims(IReadOnlyList<string> keys)
    {
    }

    /// <summary>Called inside each write transaction just before it commits, with the stage's name (crash tests aim here).</summary>
    public Action<string>? BeforeCommit { get; set; }

    /// <summary>Opens the file for writing (and makes its tables) or, with <paramref name="readOnly"/>, for reading.</summary>
    public static DuckDbWarehouse Open(string path, string display, bool readOnly, Func<string?>? describeOwner = null, string? memoryLimit = null,
        IReadOnlyList<TableDefinition>? tables = null, TimeProvider? time = null)
    {
        if (readOnly && !File.Exists(path))
        {
            throw new CustomerTrackException($"no warehouse at {display} yet; run './customertrack run --once' or 'demo' first");
        }

        var mode = readOnly ? ";ACCESS_MODE=READ_ONLY" : "";
        var connection = new DuckDBConnection($"Data Source={path}{mode}");
        try
        {
            connection.Open();
        }
        catch (DuckDBException e) when (e.Message.Contains("lock", StringComparison.OrdinalIgnoreCase))
        {
            connection.Dispose();
            var owner = describeOwner?.Invoke() ?? ProcessOf(e.Message);
            throw new WarehouseBusyException(
                $"{display} is held by another process ({owner}); stop it, or ask it: query, status, history and as-of reach a running owner by themselves", e);
        }
        catch (DuckDBException e)
        {
            connection.Dispose();
            throw new CustomerTrackException($"cannot open {display}: {FirstLine(e.Message)}", e);
        }

        var warehouse = new DuckDbWarehouse(connection, display) { ReadOnly = readOnly, Tables = tables ?? [TableDefinition.Customer(ScdOptions.Default)] };

        // DuckDB.NET shares one database per file within a process: opened again here (an in-process reader beside
        // the owner), its configuration is the owner's, already set and locked (SealFileSystem).
        var locked = Convert.ToBoolean(warehouse.Scalar("SELECT current_setting('lock_configuration')"), CultureInfo.InvariantCulture);
        if (!locked)
        {
            warehouse.Execute("SET autoinstall_known_extensions = false");
        }

        if (!locked && !string.IsNullOrWhiteSpace(memoryLimit))
        {
            try
            {
                warehouse.Execute($"SET memory_limit = '{memoryLimit.Replace("'", "''", StringComparison.Ordinal)}'");
            }
            catch (DuckDBException e)
            {
                warehouse.Dispose();
                throw new SettingsException("Warehouse:MemoryLimit", $"'{memoryLimit}' is not a size DuckDB takes (write it like 300MB or 2GB): {FirstLine(e.Message)}");
            }
        }

        if (!readOnly)
        {
            warehouse._tables = tables ?? [TableDefinition.Customer(ScdOptions.Default)];
            foreach (var sql in Schema.Statements(warehouse._tables, DuckDbDialect.Instance).Concat(SchemaSync.Statements()))
            {
                warehouse.Execute(sql);
            }

            using (var tx = connection.BeginTransaction())
            {
                warehouse.Tables = SchemaSync.Apply(warehouse, warehouse._tables, (time ?? TimeProvider.System).GetUtcNow().UtcDateTime);
                tx.Commit();
            }

            foreach (var table in warehouse._tables)
            {
                warehouse.ReadRawOrder(table);
            }

            warehouse._lastSeq = warehouse.MaxSeq();
            foreach (var table in warehouse._tables)
            {
                if (warehouse.Scalar($"SELECT max({Identifiers.Quote(table.SequenceColumn)}) FROM {Identifiers.Quote(table.RawTable)} WHERE NOT _event_time_given") is DateTime last
                    && last > warehouse._lastProcessingTime)
                {
                    warehouse._lastProcessingTime = last;
                }
            }
        }

        if (!locked)
        {
            warehouse.SealFileSystem();
        }

        return warehouse;
    }

    /// <summary>
    /// Closes the database to the file system for every connection, the readers' included: the owner answers queries
    /// from other local users (any holder of its token), and DuckDB would otherwise read and write any file this process
    /// may (read_text, read_csv, glob, COPY, logging to a file). Only the database file, its WAL and its temporary
    /// spill files stay reachable; the configuration is then locked so that no statement can open it again. The loader
    /// reads change files in .NET and appends them, so the pipeline itself needs no external access.
    /// </summary>
    private void SealFileSystem()
    {
        Execute("SET enable_external_access = false");
        Execute("SET lock_configuration = true");
    }

    /// <summary>The ledger's columns in table order: the appender writes by position, and a column added later stands after the ledger's own.</summary>
    private void ReadRawOrder(TableDefinition table)
    {
        var order = (string)Scalar("""
            SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = $table
            """, ("table", table.RawTable))!;
        _rawOrder[table.Name] = order.Split(',');
    }

    public IReadOnlyList<TableDefinition> Tables { get; private set; } = [];

    /// <summary>Under both locks: a task run on the task connection never meets a table altered under it.</summary>
    public TableDefinition AddColumns(TableDefinition table, IReadOnlyList<string> columns, string fileKey, DateTime now)
    {
        using (_taskWrite.Enter())
        using (_write.Enter())
        {
            using var tx = _connection.BeginTransaction();
            var current = LoadTimeColumns.Add(this, table, columns, fileKey, now);
            Commit(tx);
            ReadRawOrder(table);
            return current;
        }
    }

    private static string ProcessOf(string message)
    {
        var at = message.IndexOf("held in ", StringComparison.Ordinal);
        return at < 0 ? "another process" : message[(at + 8)..].Split(". ")[0];
    }

    internal static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>
    /// The first line of a DuckDB error and, when it gives one, its hint ("Candidate bindings: …", "Did you mean …"),
    /// which DuckDB puts on a line of its own: one line that says what is wrong and what to write instead.
    /// </summary>
    internal static string WithHint(string message)
    {
        var hint = message.Split('\n').Skip(1).Select(l => l.Trim())
            .FirstOrDefault(l => l.StartsWith("Candidate bindings", StringComparison.Ordinal) || l.StartsWith("Did you mean", StringComparison.Ordinal));
        return hint is null ? FirstLine(message) : $"{FirstLine(message).TrimEnd('!', '.')}; {hint}";
    }

    /// <summary>
    /// Commits; after a commit that failed (a full disk), the next one that succeeds is followed by a checkpoint, so the
    /// state is written to the database file and a torn tail the failure may have left in the WAL is never replayed.
    /// </summary>
    private void Commit(DuckDBTransaction tx)
    {
        try
        {
            tx.Commit();
        }
        catch (DuckDBException)
        {
            _checkpointDue = true;
            throw;
        }

        if (_checkpointDue)
        {
            try
            {
                Execute("CHECKPOINT");
                _checkpointDue = false;
            }
            catch (DuckDBException)
            {
                // Still no room: the next successful commit tries again.
            }
        }
    }

    /// <summary>
    /// Rolls back what a failure left open. A commit that failed (a full disk, say) has already ended the transaction,
    /// and the rollback's own complaint must not hide the error that matters.
    /// </summary>
    private static void RollBackQuietly(DuckDBTransaction tx)
    {
        try
        {
            tx.Rollback();
        }
        catch (Exception e) when (e is InvalidOperationException or DuckDBException)
        {
        }
    }

    /// <summary>
    /// Appends the file's rows and rejects; given <paramref name="rejectAll"/>, rejects every row of the read
    /// <paramref name="pass"/> recorded with it instead.
    /// </summary>
    private FileReadSummary Append(LakeFile file, TableDefinition table, LoadSettings settings, DateTime now, string? rejectAll, PassRecord pass)
    {
        using var raw = _connection.CreateAppender(table.RawTable);
        using var rejects = _connection.CreateAppender("load_rejects");
        // After the last processing-time sequence committed, and after any given to an earlier file of this transaction.
        var floor = _pendingProcessingTime is { } pending && pending > _lastProcessingTime ? pending : _lastProcessingTime;
        var sink = new AppenderSink(raw, rejects, file.Key, table, _rawOrder[table.Name], now, _lastSeq, rejectAll, now > floor ? now : floor);
        var summary = rejectAll is null ? pass.Read(file.LocalPath, table, settings.MaxFieldBytes, sink) : pass.Replay(sink);
        if (sink.Exact.Count > 0)
        {
            raw.Close();
            foreach (var (seq, column, digits) in sink.Exact)
            {
                Execute($"UPDATE {Identifiers.Quote(table.RawTable)} SET {column.Quoted} = CAST($digits AS {DuckDbDialect.Instance.Type(column.Type)}) WHERE _seq = $seq",
                    ("digits", digits), ("seq", seq));
            }
        }

        _lastSeq = sink.LastSeq;
        _pendingProcessingTime = sink.LastProcessingTime ?? _pendingProcessingTime;
        return summary;
    }

    /// <summary>
    /// The task's transaction, on a connection of its own beside the loader's (opened on first use), under the task
    /// lock until it is disposed: loading and the task write at the same time, never the same table.
    /// </summary>
    public Task<IWriteTransaction> BeginAsync(CancellationToken ct)
    {
        var writer = _taskWrite.Enter();
        try
        {
            if (_taskConnection is null)
            {
                _taskConnection = new DuckDBConnection(_connection.ConnectionString);
                _taskConnection.Open();
            }

            var conn = _taskConnection;
            return Task.FromResult<IWriteTransaction>(new Transaction(this, writer, conn, conn.BeginTransaction()));
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The loader's transaction, on the writing connection under the write lock until it is disposed. A file's rows go
    /// straight into the ledger through the appender when it is published (no staging: nothing else writes the ledger).
    /// </summary>
    public Task<ILoadTransaction> BeginLoadAsync(TimeProvider time, CancellationToken ct)
    {
        var writer = _write.Enter();
        try
        {
            _pendingProcessingTime = null;
            return Task.FromResult<ILoadTransaction>(new LoadTransaction(this, writer, _connection.BeginTransaction()));
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    public WarehouseException? TranslateError(Exception e, string display) => DuckDbErrors.Translate(e, display);

    /// <summary>A load on the writing connection, under the write lock; see <see cref="ILoadTransaction"/>.</summary>
    private sealed class LoadTransaction(DuckDbWarehouse owner, FairLock.Releaser writer, DuckDBTransaction tx) : ILoadTransaction
    {
        private readonly long _seqAtStart = owner._lastSeq;
        private readonly Dictionary<string, (PassRecord Pass, LoadSettings Settings)> _staged = new(StringComparer.Ordinal);
        private (long Seq, DateTime? Pending) _fileStart;
        private int _files;
        private DuckDBTransaction _tx = tx;
        private bool _open = true;

        public ISqlDialect Dialect => DuckDbDialect.Instance;

        public void Execute(string sql, params (string Name, object? Value)[] args) => owner.Execute(sql, args);

        public object? Scalar(string sql, params (string Name, object? Value)[] args) => owner.Scalar(sql, args);

        public IReadOnlyList<object?[]> Rows(string sql, params (string Name, object? Value)[] args) => owner.Rows(sql, args);

        public long LastSeq => owner._lastSeq;

        /// <summary>Nothing is read yet: the file is read once, at <see cref="Publish"/>, recorded for skip_file's rejects.</summary>
        public void Stage(LakeFile file, LoadSettings settings, DateTime now) =>
            _staged[file.Key] = (new PassRecord(keepRows: settings.Policy == OnError.SkipFile), settings);

        public void Reserve()
        {
        }

        public void BeginFile(LakeFile file)
        {
            _files++;
            _fileStart = (owner._lastSeq, owner._pendingProcessingTime);
        }

        public void UndoFile()
        {
            if (_files > 1)
            {
                throw new InvalidOperationException("DuckDB takes a file back by rolling back: only a transaction of one file may undo it");
            }

            _tx.Rollback();
            _tx.Dispose();
            (owner._lastSeq, owner._pendingProcessingTime) = _fileStart;
            _tx = owner._connection.BeginTransaction();
        }

        public FileReadSummary Publish(LakeFile file, DateTime now, string? rejectAll)
        {
            var (pass, settings) = _staged[file.Key];
            return owner.Append(file, file.Table!, settings, now, rejectAll, pass);
        }

        public Task CommitAsync(string? stage, IReadOnlyList<string> recorded, CancellationToken ct)
        {
            if (stage is not null)
            {
                owner.BeforeCommit?.Invoke(stage);
            }

            owner.Commit(_tx);
            _open = false;
            if (owner._pendingProcessingTime is { } processed && processed > owner._lastProcessingTime)
            {
                owner._lastProcessingTime = processed;
            }

            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            try
            {
                if (_open)
                {
                    RollBackQuietly(_tx);
                    owner._pendingProcessingTime = null;
                    if (owner._lastSeq != _seqAtStart)
                    {
                        owner._lastSeq = owner.MaxSeq();
                    }
                }
            }
            finally
            {
                _tx.Dispose();
                writer.Dispose();
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>The task's transaction on its own connection; the task lock is the one <see cref="BeginAsync"/> took for it.</summary>
    private sealed class Transaction(DuckDbWarehouse owner, FairLock.Releaser writer, DuckDBConnection conn, DuckDBTransaction tx) : IWriteTransaction
    {
        private bool _open = true;

        public ISqlDialect Dialect => DuckDbDialect.Instance;

        public void Execute(string sql, params (string Name, object? Value)[] args) => DuckDbWarehouse.Execute(conn, sql, args);

        public object? Scalar(string sql, params (string Name, object? Value)[] args) => DuckDbWarehouse.Scalar(conn, sql, args);

        public IReadOnlyList<object?[]> Rows(string sql, params (string Name, object? Value)[] args) => DuckDbWarehouse.Rows(conn, sql, args);

        public Task<bool> TryTakeTaskLockAsync(bool wait, CancellationToken ct) => Task.FromResult(true);

        /// <summary>
        /// The ledger's end in this transaction's snapshot: the loader commits one transaction at a time, in <c>_seq</c>
        /// order, so every row at or below it is committed (docs/architecture.md, "One writer").
        /// </summary>
        public Task<long> CommittedLedgerEndAsync(TableDefinition table, long from, CancellationToken ct) => Task.FromResult(MaxSeq(conn, table));

        public Task CommitAsync(string stage, CancellationToken ct)
        {
            owner.BeforeCommit?.Invoke(stage);
            _open = false;
            owner.Commit(tx);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            try
            {
                if (_open)
                {
                    RollBackQuietly(tx);
                }

                tx.Dispose();
            }
            finally
            {
                writer.Dispose();
            }

            return ValueTask.CompletedTask;
        }
    }

    public QuerySettings QueryLimits { get; set; } = new();

    /// <summary>
    /// Runs one read-only SELECT; anything that could write is refused before it runs. The answer is cut at
    /// <c>Query:MaxRows</c>, and the statement is interrupted in DuckDB when its reader goes away or
    /// <c>Query:Timeout</c> passes, so an abandoned query neither keeps a core nor holds the owner's shutdown.
    /// </summary>
    public QueryResult Query(string sql, IReadOnlyList<QueryParameter> parameters, CancellationToken ct = default)
    {
        // A second connection on the same file shares the open database (DuckDB.NET caches the instance per path).
        using var connection = new DuckDBConnection(_connection.ConnectionString);
        connection.Open();
        RefuseWrites(connection, sql);
        using var tx = connection.BeginTransaction();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = DuckDbDialect.Instance.ReaderParameters(sql, [.. parameters.Select(p => p.Name)]);
        BindReader(cmd, parameters);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(QueryLimits.Timeout);
        using var interrupt = limit.Token.Register(cmd.Cancel);
        try
        {
            (ResultColumn[] Columns, string Sql)? asText;
            using (var reader = cmd.ExecuteReader())
            {
                asText = DuckDbText.NeedsText(reader, sql);
                if (asText is null)
                {
                    return QueryResult.Read(reader, QueryLimits.MaxRows, limit.Token);
                }
            }

            cmd.CommandText = asText.Value.Sql;
            using var text = cmd.ExecuteReader();
            return QueryResult.Read(text, QueryLimits.MaxRows, limit.Token) with { Columns = asText.Value.Columns };
        }
        catch (Exception e) when (limit.IsCancellationRequested && e is DuckDBException or OperationCanceledException)
        {
            throw QueryStop.Because(ct, QueryLimits, e);
        }
        catch (DuckDBException e)
        {
            throw new CustomerTrackException($"SQL error: {WithHint(e.Message)}", e);
        }
        finally
        {
            // Belt and braces: whatever a statement did, nothing of it is kept.
            tx.Rollback();
        }
    }

    /// <summary>Reads the rows of export's own SQL in a transaction of its own and writes them to the file.</summary>
    public long Export(string sql, IReadOnlyList<QueryParameter> parameters, IReadOnlyList<ExportColumn> columns, string path, string format,
        CancellationToken ct = default)
    {
        using var connection = new DuckDBConnection(_connection.ConnectionString);
        connection.Open();
        using var tx = connection.BeginTransaction();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = DuckDbDialect.Instance.ReaderParameters(sql, [.. parameters.Select(p => p.Name)]);
        BindReader(cmd, parameters);
        using var interrupt = ct.Register(cmd.Cancel);
        try
        {
            using var reader = cmd.ExecuteReader();
            return DuckDbFileWriter.Write(reader, columns, path, format, ct);
        }
        finally
        {
            tx.Rollback();
        }
    }

    /// <summary>
    /// A reader's parameters by name, each as its type: DuckDB.NET binds a string as VARCHAR, a DateTime as TIMESTAMP,
    /// a long as BIGINT and a string array as VARCHAR[].
    /// </summary>
    private static void BindReader(DuckDBCommand cmd, IReadOnlyList<QueryParameter> parameters)
    {
        foreach (var p in parameters)
        {
            cmd.Parameters.Add(new DuckDBParameter(p.Name, p.Value is DateTime t ? DateTime.SpecifyKind(t, DateTimeKind.Unspecified) : p.Value));
        }
    }

    private static void RefuseWrites(DuckDBConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        // The text is itself a parameter: json_serialize_sql parses whatever string it is given, and nothing of it is SQL here.
        cmd.CommandText = "SELECT json_serialize_sql(CAST($sql AS VARCHAR))";
        cmd.Parameters.Add(new DuckDBParameter("sql", sql));
        using var doc = JsonDocument.Parse((string)cmd.ExecuteScalar()!);
        var root = doc.RootElement;
        if (root.GetProperty("error").GetBoolean())
        {
            var message = root.TryGetProperty("error_message", out var m) ? m.GetString() ?? "" : "";
            throw new CustomerTrackException(message.Contains("Only SELECT", StringComparison.Ordinal)
                ? "query is read-only: only a single SELECT (or WITH … SELECT) statement is allowed"
                : $"SQL error: {WithHint(message)}");
        }

        if (root.GetProperty("statements").GetArrayLength() != 1)
        {
            throw new CustomerTrackException("query takes one SELECT statement at a time");
        }

        if (ReaderTableFunctions.FirstRefused(root) is { } function)
        {
            throw new CustomerTrackException(
                $"query may not call the table function {function}(): a reader cannot reach files or change the database (generators such as range() and the duckdb_* catalog functions are allowed)");
        }
    }

    private void Execute(string sql, params (string Name, object? Value)[] args) => Execute(_connection, sql, args);

    private object? Scalar(string sql, params (string Name, object? Value)[] args) => Scalar(_connection, sql, args);

    private List<object?[]> Rows(string sql, (string Name, object? Value)[] args) => Rows(_connection, sql, args);

    /// <summary>The highest <c>_seq</c> of every table's ledger (0 when empty), as this connection sees it: one sequence serves all.</summary>
    private long MaxSeq() => _tables.Count == 0 ? 0 : Convert.ToInt64(Scalar("SELECT greatest(0, " +
        string.Join(", ", _tables.Select(t => $"(SELECT coalesce(max(_seq), 0) FROM {Identifiers.Quote(t.RawTable)})")) + ")"));

    /// <summary>The highest <c>_seq</c> of one table's ledger, as <paramref name="connection"/>'s transaction sees it.</summary>
    private static long MaxSeq(DuckDBConnection connection, TableDefinition table) =>
        Convert.ToInt64(Scalar(connection, $"SELECT coalesce(max(_seq), 0) FROM {Identifiers.Quote(table.RawTable)}", []));

    /// <summary>Statements on either connection (the loader's, the task's), <c>$name</c> parameters bound by name.</summary>
    private static DuckDBCommand Command(DuckDBConnection connection, string sql, (string Name, object? Value)[] args)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        Bind(cmd, args);
        return cmd;
    }

    private static void Execute(DuckDBConnection connection, string sql, (string Name, object? Value)[] args)
    {
        using var cmd = Command(connection, sql, args);
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(DuckDBConnection connection, string sql, (string Name, object? Value)[] args)
    {
        using var cmd = Command(connection, sql, args);
        return cmd.ExecuteScalar();
    }

    private static List<object?[]> Rows(DuckDBConnection connection, string sql, (string Name, object? Value)[] args)
    {
        using var cmd = Command(connection, sql, args);
        using var reader = cmd.ExecuteReader();
        return DbRows.Read(reader);
    }

    private static void Bind(DuckDBCommand cmd, (string Name, object? Value)[] args)
    {
        foreach (var (name, value) in args)
        {
            cmd.Parameters.Add(new DuckDBParameter(name, value));
        }
    }

    ISqlDialect ISqlRunner.Dialect => DuckDbDialect.Instance;

    void ISqlRunner.Execute(string sql, params (string Name, object? Value)[] args) => Execute(sql, args);

    object? ISqlRunner.Scalar(string sql, params (string Name, object? Value)[] args) => Scalar(sql, args);

    IReadOnlyList<object?[]> ISqlRunner.Rows(string sql, params (string Name, object? Value)[] args) => Rows(sql, args);

    public void Dispose()
    {
        using (_taskWrite.Enter())
        using (_write.Enter())
        {
            _taskConnection?.Dispose();
            _connection.Dispose();
        }
    }

    public override string ToString() => _display;
}
