using System.Net.Sockets;
using CustomerTrack.Configuration;
using CustomerTrack.Formats;
using CustomerTrack.Scd;
using CustomerTrack.Tables;
using Npgsql;
using NpgsqlTypes;

namespace CustomerTrack.Warehouse.Postgres;

/// <summary>
/// The server warehouse: the same tables and SCD statements as the embedded one, on PostgreSQL, written by any number
/// of workers at once (README, "On servers"; docs/architecture.md, "Many writers"). The warehouse's own locks do what ZooKeeper did for NiFi:
/// <list type="bullet">
/// <item>loaders reserve their ranges of <c>_seq</c> one after another on the one <c>ledger_state</c> row, each in a short
/// transaction of its own, and write and commit their rows outside that lock; the stream offset never passes a range
/// whose transaction is still running (<c>ledger_reservation</c>, checked with <c>pg_xact_status</c>, which a reader
/// cannot fake). A file already in <c>load_history</c> is skipped: its key is the table's primary key, and a row lock on
/// its content (<c>load_content</c>) makes a second copy wait for the first, so no file is loaded twice whatever the
/// claims say;</item>
/// <item>claims (<c>load_claim</c>) spread files over workers; a dead worker's claims expire and are taken over;</item>
/// <item>one task run at a time, by a row lock on <c>task_lock</c> (<c>FOR UPDATE</c>), which PostgreSQL releases when a
/// worker dies and which a reader cannot take: a read-only session may not lock rows (an advisory lock anyone may take,
/// and a reader holding it froze the task stage).</item>
/// </list>
/// </summary>
internal sealed class PostgresWarehouse : IEngine
{
    // Advisory locks are per database; keyed by the schema too, so pipelines in different schemas do not wait on each other.
    private const string SchemaLock = "SELECT pg_advisory_xact_lock(hashtext(current_schema()), hashtext('customertrack schema'))";
    private const string TaskLock = "SELECT id FROM task_lock WHERE id = 1 FOR UPDATE";
    private const string TryTaskLock = TaskLock + " SKIP LOCKED";

    private readonly NpgsqlDataSource _source;
    private NpgsqlDataSource? _readers;
    private readonly string _display;

    private readonly IReadOnlyList<TableDefinition> _tables;

    private PostgresWarehouse(NpgsqlDataSource source, string display, IReadOnlyList<TableDefinition> tables)
    {
        _source = source;
        _display = display;
        _tables = tables;
        Tables = tables;
    }

    public IReadOnlyList<TableDefinition> Tables { get; private set; }

    /// <summary>Under the schema lock, so that workers meeting the same new column at once add it once.</summary>
    public TableDefinition AddColumns(TableDefinition table, IReadOnlyList<string> columns, string fileKey, DateTime now)
    {
        using var conn = Connect(_source);
        using var tx = conn.BeginTransaction();
        var db = new Runner(conn, tx);
        db.Execute(SchemaLock);
        var current = LoadTimeColumns.Add(db, table, columns, fileKey, now);
        tx.Commit();
        return current;
    }

    public Action<string>? BeforeCommit { get; set; }

    public string? InvocationId { get; set; }

    public bool SharedByWorkers => true;

    /// <summary>Where the warehouse is, for people: host, port and database, never the password.</summary>
    public static string Describe(string connectionString)
    {
        try
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            return $"PostgreSQL {b.Host}:{b.Port}/{b.Database ?? b.Username}";
        }
        catch (ArgumentException)
        {
            return "PostgreSQL (connection string not readable)";
        }
    }

    /// <summary>Connects (and unless <paramref name="readOnly"/>, makes the tables); fails in one line naming the server.</summary>
    public static PostgresWarehouse Open(string connectionString, bool readOnly, IReadOnlyList<TableDefinition>? tables = null, TimeProvider? time = null)
    {
        var display = Describe(connectionString);
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString) { Timezone = "UTC" };
        }
        catch (ArgumentException e)
        {
            throw new SettingsException("Warehouse:ConnectionString", $"is not a connection string Npgsql takes: {e.Message}");
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new SettingsException("Warehouse:ConnectionString", "names no Host; it allows an Npgsql connection string such as Host=127.0.0.1;Port=5432;Username=ct;Database=ct");
        }

        builder.ApplicationName ??= "customertrack";
        var source = NpgsqlDataSource.Create(builder);

        var warehouse = new PostgresWarehouse(source, display, tables ?? [TableDefinition.Customer(ScdOptions.Default)]);
        try
        {
            // Without an existing schema on its search path, PostgreSQL has nowhere to make or find the tables.
            if (!string.IsNullOrWhiteSpace(builder.SearchPath) && warehouse.Scalar("SELECT current_schema()") is null or DBNull)
            {
                throw new SettingsException("Warehouse:ConnectionString",
                    $"its Search Path '{builder.SearchPath}' names no schema that exists in {display}; create the schema (CREATE SCHEMA …) or name an existing one");
            }

            if (readOnly)
            {
                if (warehouse.Scalar("SELECT to_regclass('load_history') IS NOT NULL") is not true)
                {
                    throw new CustomerTrackException($"no warehouse at {display} yet; run './customertrack run --once' with this connection first");
                }
            }
            else
            {
                warehouse.MakeTables((time ?? TimeProvider.System).GetUtcNow().UtcDateTime);
            }

            // Queries log in as the reader role (ReaderRole), in sessions that cannot write besides.
            using (var conn = warehouse.Connect(source))
            {
                warehouse._readers = NpgsqlDataSource.Create(ReaderRole.Login(conn, builder, display));
            }

            if (!readOnly)
            {
                warehouse.CheckReaderLogin();
            }
        }
        catch
        {
            warehouse.Dispose();
            throw;
        }

        return warehouse;
    }

    // Every object the schema makes, the last made first: when they all exist there is nothing to do.
    private IEnumerable<string> Objects() =>
        ((string[])["load_attempt_rejects", "load_attempt", "task_lock", "table_key", "table_column", "load_claim", "ledger_state", "load_history_name", "schema_change", "task_run", "stream_offset", "load_rejects", "load_history"])
        .Concat(_tables.SelectMany(t => (string[])[t.RawTable + "_loaded", t.StateTable, t.HistoryTable + "_key", t.RawTable + "_key", t.RawTable + "_seq", t.HistoryTable, t.CurrentTable, t.RawTable]));

    private void MakeTables(DateTime now)
    {
        using var conn = Connect(_source);

        // DDL on a table being loaded waits for the load (CREATE INDEX IF NOT EXISTS locks the table before it looks):
        // a worker joining a running cluster must not, so it only makes what is missing.
        var check = "SELECT " + string.Join(" AND ", Objects().Select(o => $"to_regclass('{o}') IS NOT NULL")) +
            " AND EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'load_history' AND column_name = 'lock_ms')" +
            " AND (SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'invocation_id'" +
            " AND table_name IN ('load_history', 'load_attempt', 'task_run')) = 3";
        var streams = "SELECT " + string.Join(" AND ", _tables.Select(t => $"EXISTS (SELECT 1 FROM stream_offset WHERE stream_name = '{t.StreamName}')"));
        var complete = new Runner(conn, null).Scalar(check) is true && new Runner(conn, null).Scalar(streams) is true;
        using var tx = conn.BeginTransaction();
        var db = new Runner(conn, tx);

        // Workers starting together would race on CREATE TABLE IF NOT EXISTS: one at a time.
        db.Execute(SchemaLock);
        if (!complete)
        {
            foreach (var sql in Schema.Statements(_tables, PostgresDialect.Instance).Concat(Statements(_tables)).Concat(SchemaSync.Statements()))
            {
                db.Execute(sql);
            }
        }

        // A definition changed since the tables were made: only then does this take table locks.
        Tables = SchemaSync.Apply(db, _tables, now);
        ReaderRole.Ensure(conn, tx, _display);
        tx.Commit();
    }

    /// <summary>Readers must be able to log in as their role (pg_hba.conf, CONNECT on the database): found at start-up, not by the first reader.</summary>
    private void CheckReaderLogin()
    {
        try
        {
            using var conn = Readers.OpenConnection();
        }
        catch (NpgsqlException e)
        {
            throw new CustomerTrackException(
                $"readers cannot log in to {_display} as their role: {FirstLine(e.Message)}; allow it in pg_hba.conf (password login) and grant it CONNECT on the database", e);
        }
    }

    /// <summary>What the server engine adds: indexes the SCD statements probe by key, the ledger's end, the claims.</summary>
    private static IEnumerable<string> Statements(IReadOnlyList<TableDefinition> tables)
    {
        foreach (var t in tables)
        {
            var key = string.Join(", ", t.Key.Select(k => k.Quoted));
            yield return $"CREATE INDEX IF NOT EXISTS {Q(t.RawTable + "_seq")} ON {Q(t.RawTable)} (_seq)";
            yield return $"CREATE INDEX IF NOT EXISTS {Q(t.RawTable + "_key")} ON {Q(t.RawTable)} ({key}, _seq)";
            yield return $"CREATE INDEX IF NOT EXISTS {Q(t.HistoryTable + "_key")} ON {Q(t.HistoryTable)} ({key})";

            // --known-at (docs/semantics.md, rule 17) looks for the keys with a row loaded after the moment: a BRIN index
            // (a few pages, as the ledger is appended in load order, and next to nothing for a load to keep up) lets that
            // read the ledger's recent blocks only, not all of it; pages not yet summarised are always read, and they are
            // the newest. DuckDB's zone maps do the same for it without an index.
            yield return $"CREATE INDEX IF NOT EXISTS {Q(t.RawTable + "_loaded")} ON {Q(t.RawTable)} USING brin (_loaded_at)";
        }

        yield return "CREATE INDEX IF NOT EXISTS load_history_name ON load_history (file_name, sha256)";

        // Where a load's time went (the server path only): staging outside the ledger lock, and holding it.
        yield return "ALTER TABLE load_history ADD COLUMN IF NOT EXISTS stage_ms DOUBLE PRECISION";
        yield return "ALTER TABLE load_history ADD COLUMN IF NOT EXISTS lock_ms DOUBLE PRECISION";
        yield return """
            CREATE TABLE IF NOT EXISTS ledger_state (
                id INT PRIMARY KEY CHECK (id = 1), last_seq BIGINT NOT NULL, last_processing_time TIMESTAMP)
            """;
        yield return "INSERT INTO ledger_state VALUES (1, 0, NULL) ON CONFLICT (id) DO NOTHING";

        // Ranges of _seq reserved by load transactions still to commit (xid: the transaction's pg_current_xact_id), and
        // one row per file content ever loaded, whose row lock makes two copies of a file load one after the other.
        yield return "CREATE TABLE IF NOT EXISTS ledger_reservation (xid BIGINT PRIMARY KEY, first_seq BIGINT NOT NULL, last_seq BIGINT NOT NULL)";
        yield return """
            CREATE TABLE IF NOT EXISTS load_content (
                table_name VARCHAR NOT NULL, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
                PRIMARY KEY (table_name, file_name, sha256))
            """;
        yield return """
            CREATE TABLE IF NOT EXISTS load_claim (
                file_key VARCHAR PRIMARY KEY, worker VARCHAR NOT NULL, expires_at TIMESTAMP NOT NULL)
            """;

        // The task stage's lock: a row readers cannot lock (a read-only session may not SELECT … FOR UPDATE), where an
        // advisory lock could be taken by any reader and freeze the stage.
        yield return "CREATE TABLE IF NOT EXISTS task_lock (id INT PRIMARY KEY CHECK (id = 1))";
        yield return "INSERT INTO task_lock VALUES (1) ON CONFLICT (id) DO NOTHING";
    }

    public IReadOnlyList<string> Claim(IReadOnlyList<string> keys, string worker, DateTime now, TimeSpan lease)
    {
        if (keys.Count == 0)
        {
            return [];
        }

        using var conn = Connect(_source);
        using var cmd = new NpgsqlCommand("""
            -- Claims a worker left on files it loaded (it died between its commit and the release).
            DELETE FROM load_claim c
            WHERE c.expires_at < @now AND EXISTS (SELECT 1 FROM load_history h WHERE h.file_key = c.file_key);

            INSERT INTO load_claim (file_key, worker, expires_at)
            SELECT k, @worker, @expires FROM unnest(@keys) AS k
            WHERE NOT EXISTS (SELECT 1 FROM load_history h WHERE h.file_key = k)
            ON CONFLICT (file_key) DO UPDATE SET worker = excluded.worker, expires_at = excluded.expires_at
                WHERE load_claim.expires_at < @now OR load_claim.worker = excluded.worker
            RETURNING file_key
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = keys.ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter("worker", worker));
        cmd.Parameters.Add(new NpgsqlParameter("expires", NpgsqlDbType.Timestamp) { Value = Plain(now + lease) });
        cmd.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.Timestamp) { Value = Plain(now) });
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                claimed.Add(reader.GetString(0));
            }
        }

        // In the order asked for (lake-key order: the load order the semantics count ties by).
        return keys.Where(claimed.Contains).ToList();
    }

    /// <summary>
    /// Ends the files' claims once their transaction is over, not inside it: a claim row deleted by a transaction still
    /// open would make every other worker's claim on that file wait for it. Loaded, the load history is what counts;
    /// failed (Load:OnError = abort, a vanished file, a lost server), the next run, whichever worker it is, meets the
    /// file again as the embedded warehouse would, not a lease later.
    /// </summary>
    public void ReleaseClaims(IReadOnlyList<string> keys)
    {
        try
        {
            using var conn = Connect(_source);
            using var release = new NpgsqlCommand("DELETE FROM load_claim WHERE file_key = ANY(@keys)", conn);
            release.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = keys.ToArray() });
            release.ExecuteNonQuery();
        }
        catch (Exception e) when (e is CustomerTrackException or NpgsqlException)
        {
            // The server is gone: the claims expire with their lease instead.
        }
    }

    /// <summary>A load on a session of its own; see <see cref="ILoadTransaction"/> and <see cref="LoadTransaction"/>.</summary>
    public Task<ILoadTransaction> BeginLoadAsync(TimeProvider time, CancellationToken ct)
    {
        var conn = Connect(_source);
        try
        {
            return Task.FromResult<ILoadTransaction>(new LoadTransaction(this, conn, conn.BeginTransaction(), time));
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A load transaction: files read, checked and copied into staging tables of this transaction first, outside the
    /// ledger lock (other workers load meanwhile); then, in a short transaction of its own under the ledger lock, the
    /// <c>_seq</c> numbers (and the processing-time sequence) for every staged row are reserved for this transaction, and
    /// the reservation is committed. The task stage never passes a reservation whose transaction is still running
    /// (<see cref="LedgerEnd"/>), so a later range committed first waits for this one; a range this transaction does not
    /// use (a file already loaded, skipped, or the transaction rolled back) is a gap, which the ledger allows.
    /// </summary>
    private sealed class LoadTransaction(PostgresWarehouse owner, NpgsqlConnection conn, NpgsqlTransaction tx, TimeProvider time) : ILoadTransaction
    {
        private readonly Runner _db = new(conn, tx);
        private readonly Dictionary<string, Staged> _staged = new(StringComparer.Ordinal);
        private Ledger _ledger = new();
        private (long Seq, DateTime Processed) _fileStart;
        private long? _xid;
        private double _lockMs;
        private int _files;

        public ISqlDialect Dialect => _db.Dialect;

        public void Execute(string sql, params (string Name, object? Value)[] args) => _db.Execute(sql, args);

        public object? Scalar(string sql, params (string Name, object? Value)[] args) => _db.Scalar(sql, args);

        public IReadOnlyList<object?[]> Rows(string sql, params (string Name, object? Value)[] args) => _db.Rows(sql, args);

        public long LastSeq => _ledger.LastSeq;

        public void Stage(LakeFile file, LoadSettings settings, DateTime now) =>
            _staged[file.Key] = PostgresWarehouse.Stage(conn, file, settings, now, _staged.Count, time);

        public void Reserve()
        {
            // This transaction's id, so that its reservation names a transaction already running.
            _xid = Convert.ToInt64(_db.Scalar("SELECT pg_current_xact_id()::text::bigint"));
            (_ledger, _lockMs) = owner.Reserve(_staged.Values.ToList(), _xid.Value, time);
        }

        /// <summary>
        /// The file's savepoint, and a lock on its name and content: two copies of one file loaded by two workers at once,
        /// the second waits here for the first to commit, then finds it in load_history and is skipped, as one at a time would.
        /// </summary>
        public void BeginFile(LakeFile file)
        {
            _files++;
            _fileStart = (_ledger.LastSeq, _ledger.LastProcessingTime);
            tx.Save("file");
            _db.Execute("INSERT INTO load_content VALUES ($table, $name, $sha) ON CONFLICT DO NOTHING",
                ("table", file.TableName), ("name", file.FileName), ("sha", file.Sha256));
            _db.Execute("SELECT 1 FROM load_content WHERE table_name = $table AND file_name = $name AND sha256 = $sha FOR UPDATE",
                ("table", file.TableName), ("name", file.FileName), ("sha", file.Sha256));
            if (file.Table?.Mode == TableMode.Snapshot)
            {
                // A snapshot's deletes read the table's other snapshots: one snapshot file of a table loads at a time.
                _db.Execute("INSERT INTO load_content VALUES ($table, '', '') ON CONFLICT DO NOTHING", ("table", file.TableName));
                _db.Execute("SELECT 1 FROM load_content WHERE table_name = $table AND file_name = '' AND sha256 = '' FOR UPDATE", ("table", file.TableName));
            }
        }

        public void UndoFile()
        {
            tx.Rollback("file");
            (_ledger.LastSeq, _ledger.LastProcessingTime) = _fileStart;
        }

        public FileReadSummary Publish(LakeFile file, DateTime now, string? rejectAll) =>
            PostgresWarehouse.Publish(_db, _staged[file.Key], file.Table!, now, _ledger, rejectAll);

        public Task CommitAsync(string? stage, IReadOnlyList<string> recorded, CancellationToken ct)
        {
            if (_xid is { } xid)
            {
                _db.Execute("DELETE FROM ledger_reservation WHERE xid = $xid", ("xid", xid));
            }

            if (stage is not null)
            {
                owner.BeforeCommit?.Invoke(stage);
            }

            tx.Commit();
            owner.RecordTimes(recorded, _staged, _files == 0 ? 0 : _lockMs / _files);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            tx.Dispose();
            conn.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// Takes the ledger lock in a transaction of its own, moves the ledger's end past the staged rows (as if every file
    /// loads; <see cref="Publish"/> numbers from the same start by the same <see cref="Ledger.Pass"/>) and records the
    /// range as reserved by transaction <paramref name="xid"/>; returns the start, and how long the lock was held.
    /// </summary>
    private (Ledger Start, double LockMs) Reserve(IReadOnlyList<Staged> staged, long xid, TimeProvider time)
    {
        var start = new Ledger();
        var accepted = staged.Sum(s => s.Accepted);
        if (accepted == 0)
        {
            return (start, 0);
        }

        using var conn = Connect(_source);
        using var tx = conn.BeginTransaction();
        var db = new Runner(conn, tx);
        using (var read = new NpgsqlCommand("SELECT last_seq, last_processing_time FROM ledger_state WHERE id = 1 FOR UPDATE", conn, tx))
        using (var reader = read.ExecuteReader())
        {
            reader.Read();
            start.LastSeq = reader.GetInt64(0);
            start.LastProcessingTime = reader.IsDBNull(1) ? DateTime.MinValue : reader.GetDateTime(1);
        }

        var locked = time.GetTimestamp();
        var end = new Ledger { LastSeq = start.LastSeq, LastProcessingTime = start.LastProcessingTime };
        foreach (var file in staged)
        {
            end.Pass(file);
        }

        db.Execute("UPDATE ledger_state SET last_seq = $seq, last_processing_time = $processed WHERE id = 1",
            ("seq", end.LastSeq), ("processed", end.LastProcessingTime == DateTime.MinValue ? null : end.LastProcessingTime));
        db.Execute("INSERT INTO ledger_reservation (xid, first_seq, last_seq) VALUES ($xid, $first, $last)",
            ("xid", xid), ("first", start.LastSeq + 1), ("last", end.LastSeq));
        tx.Commit();
        return (start, time.GetElapsedTime(locked).TotalMilliseconds);
    }

    /// <summary>The ledger's end as this load transaction moves it.</summary>
    private sealed class Ledger
    {
        public long LastSeq;
        public DateTime LastProcessingTime;

        /// <summary>
        /// Moves the end past a staged file's rows, the one rule both the reservation and the numbering follow; returns
        /// the shift that sequences the file's rows without event time after the ledger's last such row.
        /// </summary>
        public TimeSpan Pass(Staged staged)
        {
            var shift = LastProcessingTime > staged.ProcessingBase ? LastProcessingTime - staged.ProcessingBase : TimeSpan.Zero;
            LastSeq += staged.Accepted;
            if (staged.LastProcessingTime is { } last)
            {
                LastProcessingTime = last + shift;
            }

            return shift;
        }
    }

    /// <summary>A file read into its staging tables: rows numbered 1..n, rejects beside them, and how long that took.</summary>
    private sealed record Staged(string Rows, string Rejects, int RejectCount, FileReadSummary Summary, long Accepted, DateTime? LastProcessingTime,
        DateTime ProcessingBase, double Ms);

    /// <summary>
    /// Reads <paramref name="file"/> into temporary tables dropped at commit: its accepted rows by binary COPY with
    /// <c>_seq</c> 1..n (renumbered under the lock), its rejects in a second COPY. Takes no lock another loader waits on.
    /// </summary>
    private static Staged Stage(NpgsqlConnection conn, LakeFile file, LoadSettings settings, DateTime now, int index, TimeProvider time)
    {
        var started = time.GetTimestamp();
        var table = file.Table!;
        var rows = $"_ct_stage_{index}";
        var rejects = $"_ct_stage_rejects_{index}";
        using (var create = new NpgsqlCommand(
            $"{PostgresDialect.Instance.TempTableLike(rows, Q(table.RawTable))};\n{PostgresDialect.Instance.TempTableLike(rejects, "load_rejects")}", conn))
        {
            create.ExecuteNonQuery();
        }

        FileReadSummary summary;
        CopySink sink;
        var raw = conn.BeginTextImport($"COPY {rows} ({RawColumns(table)}) FROM STDIN");
        try
        {
            sink = new CopySink(raw, file.Key, now, 0, null, now);
            summary = new PassRecord(keepRows: false).Read(file.LocalPath, table, settings.MaxFieldBytes, sink);
        }
        catch
        {
            // Disposing a text import ends the COPY with the rows so far; cancelled instead (the transaction is going
            // anyway), and not disposed after that, which would fail on the ended COPY and hide this exception.
            Cancel(raw);
            throw;
        }

        raw.Dispose();

        if (sink.Rejects.Count > 0)
        {
            using var copy = conn.BeginBinaryImport($"COPY {rejects} (file_key, line, field, reason, raw, rejected_at, table_name) FROM STDIN (FORMAT BINARY)");
            foreach (var (line, field, reason, text) in sink.Rejects)
            {
                copy.StartRow();
                copy.Write(file.Key, NpgsqlDbType.Varchar);
                copy.Write(line, NpgsqlDbType.Bigint);
                copy.Write(field, NpgsqlDbType.Varchar);
                copy.Write(reason, NpgsqlDbType.Varchar);
                copy.Write(text, NpgsqlDbType.Varchar);
                copy.Write(Plain(now), NpgsqlDbType.Timestamp);
                copy.Write(table.Name, NpgsqlDbType.Varchar);
            }

            copy.Complete();
        }

        return new Staged(rows, rejects, sink.Rejects.Count, summary, sink.LastSeq, sink.LastProcessingTime, now, time.GetElapsedTime(started).TotalMilliseconds);
    }

    private static void Cancel(NpgsqlCopyTextWriter copy)
    {
        try
        {
            copy.Cancel();
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
        {
            // The session is broken: the transaction fails with it.
        }
    }

    /// <summary>
    /// In the reserved range: the staged rows into the ledger, numbered on from where this transaction's files before
    /// them ended (rows without event time sequenced after the last such row), and the staged rejects into
    /// load_rejects. Given a reason, every staged row becomes a reject with it instead (a file skipped whole).
    /// </summary>
    private static FileReadSummary Publish(Runner db, Staged staged, TableDefinition table, DateTime now, Ledger ledger, string? rejectAll)
    {
        if (staged.RejectCount > 0)
        {
            db.Execute($"INSERT INTO load_rejects SELECT * FROM {staged.Rejects}");
        }

        if (rejectAll is not null)
        {
            db.Execute($"""
                INSERT INTO load_rejects (file_key, line, field, reason, raw, rejected_at, table_name)
                SELECT _file, _line, '(file)', $reason, NULL, $now, $table FROM {staged.Rows}
                """, ("reason", rejectAll), ("now", now), ("table", table.Name));
            return staged.Summary;
        }

        // The sequence of rows without event time was counted from the load time; it moves past the ledger's last one.
        var offset = ledger.LastSeq;
        var shift = ledger.Pass(staged);
        var sequence = Q(table.SequenceColumn);
        db.Execute($"""
            INSERT INTO {Q(table.RawTable)} ({RawColumns(table)})
            SELECT _seq + $base, _file, _line, _loaded_at, {string.Join(", ", table.Columns.Select(c => c.Quoted))},
                CASE WHEN _event_time_given THEN {sequence} ELSE {sequence} + $shift END, {Q(table.OpColumn)}, _event_time_given
            FROM {staged.Rows}
            """, ("base", offset), ("shift", shift));

        return staged.Summary;
    }

    /// <summary>
    /// After the commit, outside any lock: how long each file took to stage, and its share of the time the transaction
    /// held the ledger lock (from the lock granted to the reservation committed, split evenly over the files it loaded). Measured
    /// here with the injected clock; read by the bench as ledger_lock_share. Lost only if the server goes away now.
    /// </summary>
    private void RecordTimes(IReadOnlyList<string> files, Dictionary<string, Staged> staged, double lockMs)
    {
        if (files.Count == 0)
        {
            return;
        }

        try
        {
            using var conn = Connect(_source);
            using var cmd = new NpgsqlCommand("""
                UPDATE load_history h SET stage_ms = t.stage_ms, lock_ms = @lock
                FROM unnest(@keys, @stage) AS t(file_key, stage_ms)
                WHERE h.file_key = t.file_key
                """, conn);
            cmd.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = files.ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter("stage", NpgsqlDbType.Array | NpgsqlDbType.Double)
            {
                Value = files.Select(f => staged.TryGetValue(f, out var s) ? s.Ms : 0).ToArray(),
            });
            cmd.Parameters.Add(new NpgsqlParameter("lock", NpgsqlDbType.Double) { Value = lockMs });
            cmd.ExecuteNonQuery();
        }
        catch (Exception e) when (e is CustomerTrackException or NpgsqlException)
        {
            // Timings only: the load itself is committed.
        }
    }

    private static string RawColumns(TableDefinition table) =>
        $"_seq, _file, _line, _loaded_at, {string.Join(", ", table.Columns.Select(c => c.Quoted))}, {Q(table.SequenceColumn)}, {Q(table.OpColumn)}, _event_time_given";

    private static string Q(string name) => Identifiers.Quote(name);

    /// <summary>
    /// Rows to the table's ledger through the open COPY, in its text format (<see cref="CopyText"/>); rejects kept for a
    /// COPY of their own (one COPY at a time per session).
    /// </summary>
    private sealed class CopySink(NpgsqlCopyTextWriter raw, string fileKey, DateTime now, long lastSeq, string? rejectAll, DateTime processingBase)
        : LedgerSink(lastSeq, rejectAll, processingBase)
    {
        public List<(long Line, string Field, string Reason, string? Raw)> Rejects { get; } = [];

        protected override void WriteRow(long seq, ParsedChange change, DateTime sequence)
        {
            CopyText.Int64(raw, seq);
            raw.Write('\t');
            CopyText.String(raw, fileKey);
            raw.Write('\t');
            CopyText.Int64(raw, change.Line);
            raw.Write('\t');
            CopyText.Timestamp(raw, now);
            foreach (var value in change.Values)
            {
                raw.Write('\t');
                CopyText.Value(raw, value);
            }

            raw.Write('\t');
            CopyText.Timestamp(raw, sequence);
            raw.Write('\t');
            CopyText.String(raw, change.OpText);
            raw.Write('\t');
            CopyText.Bool(raw, change.EventTime is not null);
            raw.Write('\n');
        }

        protected override void WriteReject(long line, string field, string reason, string? raw) => Rejects.Add((line, field, reason, raw));
    }

    /// <summary>A session of its own with a transaction begun on it.</summary>
    public Task<IWriteTransaction> BeginAsync(CancellationToken ct)
    {
        var conn = Connect(_source);
        try
        {
            return Task.FromResult<IWriteTransaction>(new Transaction(this, conn, conn.BeginTransaction()));
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    public WarehouseException? TranslateError(Exception e, string display) => PostgresErrors.Translate(e, display);

    /// <summary>A transaction on a session of its own; after the commit, statements run on the session alone.</summary>
    private sealed class Transaction(PostgresWarehouse owner, NpgsqlConnection conn, NpgsqlTransaction tx) : IWriteTransaction
    {
        private Runner _db = new(conn, tx);

        public ISqlDialect Dialect => _db.Dialect;

        public void Execute(string sql, params (string Name, object? Value)[] args) => _db.Execute(sql, args);

        public object? Scalar(string sql, params (string Name, object? Value)[] args) => _db.Scalar(sql, args);

        public IReadOnlyList<object?[]> Rows(string sql, params (string Name, object? Value)[] args) => _db.Rows(sql, args);

        public void Created(string table) => _db.Created(table);

        public void RunAll(IEnumerable<SqlStep> steps, IReadOnlyDictionary<string, object?> values) => _db.RunAll(steps, values);

        /// <summary>A row lock on <c>task_lock</c>, which PostgreSQL releases when the worker dies and a reader cannot take.</summary>
        public Task<bool> TryTakeTaskLockAsync(bool wait, CancellationToken ct) => Task.FromResult(_db.Scalar(wait ? TaskLock : TryTaskLock) is not null);

        /// <summary>
        /// Committed rows only, and all of them up to here: below the first range a running load transaction reserved
        /// (<see cref="LedgerEnd"/>). One sequence serves every table's ledger: this table's end is its highest row below that.
        /// </summary>
        public Task<long> CommittedLedgerEndAsync(TableDefinition table, long from, CancellationToken ct)
        {
            _db.Execute($"DELETE FROM ledger_reservation WHERE {NotRunning}");
            return Task.FromResult(Convert.ToInt64(_db.Scalar(
                $"SELECT coalesce(max(_seq), 0) FROM {Q(table.RawTable)} WHERE _seq > $from AND _seq <= ({LedgerEnd})", ("from", from))));
        }

        public Task CommitAsync(string stage, CancellationToken ct)
        {
            owner.BeforeCommit?.Invoke(stage);
            tx.Commit();
            _db = new Runner(conn, null);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            tx.Dispose();
            conn.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A reservation whose transaction is over: committed (it deleted its own row), rolled back, or gone with its worker.</summary>
    private const string NotRunning = "pg_xact_status(xid::text::xid8) IS DISTINCT FROM 'in progress'";

    /// <summary>
    /// The end of the ledger that is complete: every <c>_seq</c> at or below it is committed, or never will be. Ranges
    /// are reserved in order under the ledger lock, so that is the reserved end, or just below the first range whose
    /// transaction is still running. A transaction that ends after this is read has its rows visible to the statements
    /// that follow (each statement takes a new snapshot), and one that rolled back leaves a gap.
    /// </summary>
    private const string LedgerEnd = """
        SELECT least(l.last_seq, coalesce((SELECT min(r.first_seq) - 1 FROM ledger_reservation r
                                           WHERE pg_xact_status(r.xid::text::xid8) = 'in progress'), l.last_seq))
        FROM ledger_state l WHERE l.id = 1
        """;

    public QuerySettings QueryLimits { get; set; } = new();

    /// <summary>Sessions logged in as the reader role, set by <see cref="Open"/>.</summary>
    private NpgsqlDataSource Readers => _readers ?? throw new InvalidOperationException("the warehouse was not opened");

    public QueryResult Query(string sql, IReadOnlyList<QueryParameter> parameters, CancellationToken ct = default)
    {
        using var conn = Connect(Readers);
        using var tx = conn.BeginTransaction();

        // The server's own clock bounds the statement; the text below cannot reset it (one statement, in a subquery).
        using (var limit = new NpgsqlCommand($"SET LOCAL statement_timeout = {(long)QueryLimits.Timeout.Value.TotalMilliseconds}", conn, tx))
        {
            limit.ExecuteNonQuery();
        }

        // Only a query expression fits in a subquery, and positional mode (unnamed parameters: the statement's own, $1…,
        // then one more that is always there) sends the text as one statement, so a second one is refused by the server;
        // the session itself is read-only besides.
        var body = PostgresDialect.Instance.ReaderParameters(sql, [.. parameters.Select(p => p.Name)]).TrimEnd().TrimEnd(';');
        var guard = $"${parameters.Count + 1} = 0";
        using var cmd = new NpgsqlCommand("SELECT * FROM (" + body + "\n) AS q WHERE " + guard, conn, tx);
        BindReader(cmd, parameters);
        cmd.Parameters.Add(new NpgsqlParameter { Value = 0 });
        using var cancel = ct.Register(cmd.Cancel);
        try
        {
            var numeric = ExactNumeric(cmd, body, guard);
            using var reader = cmd.ExecuteReader();
            var result = QueryResult.Read(reader, QueryLimits.MaxRows, ct);
            return numeric.Count == 0 ? result : result with
            {
                Columns = [.. result.Columns.Select((c, i) => numeric.Contains(i) ? c with { Kind = CellKind.Number } : c)],
            };
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled)
        {
            throw QueryStop.Because(ct, QueryLimits, e);
        }
        catch (Exception e) when (ct.IsCancellationRequested && e is NpgsqlException or OperationCanceledException)
        {
            throw QueryStop.Because(ct, QueryLimits, e);
        }
        catch (PostgresException e)
        {
            throw new CustomerTrackException(QueryRefusal.Message(sql, e), e);
        }
        finally
        {
            tx.Rollback();
        }
    }

    /// <summary>
    /// Makes <paramref name="cmd"/> read NUMERIC columns as the server's text: Npgsql reads them into .NET's decimal,
    /// which holds about 28 digits, and fails on more (a decimal(38,30) column); the text is exact. The statement is
    /// described first (not run); its columns are renamed by position, so names, order and duplicates stay. Returns the
    /// positions read as text, which are still numbers.
    /// </summary>
    private static HashSet<int> ExactNumeric(NpgsqlCommand cmd, string body, string guard)
    {
        var numeric = new HashSet<int>();
        var select = new List<string>();
        using (var described = cmd.ExecuteReader(System.Data.CommandBehavior.SchemaOnly))
        {
            for (var i = 0; i < described.FieldCount; i++)
            {
                var name = "\"" + described.GetName(i).Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
                if (described.GetDataTypeName(i).StartsWith("numeric", StringComparison.Ordinal))
                {
                    numeric.Add(i);
                    select.Add($"q.c{i}::text AS {name}");
                }
                else
                {
                    select.Add($"q.c{i} AS {name}");
                }
            }
        }

        if (numeric.Count > 0)
        {
            cmd.CommandText = $"SELECT {string.Join(", ", select)} FROM ({body}\n) AS q({string.Join(", ", select.Select((_, i) => $"c{i}"))}) WHERE {guard}";
        }

        return numeric;
    }

    /// <summary>Reads the rows of export's own SQL in a read-only transaction and writes them to the file with DuckDB.</summary>
    public long Export(string sql, IReadOnlyList<QueryParameter> parameters, IReadOnlyList<ExportColumn> columns, string path, string format,
        CancellationToken ct = default)
    {
        using var conn = Connect(Readers);
        using var tx = conn.BeginTransaction();
        using var cmd = new NpgsqlCommand(PostgresDialect.Instance.ReaderParameters(sql, [.. parameters.Select(p => p.Name)]), conn, tx);
        BindReader(cmd, parameters);
        using var cancel = ct.Register(cmd.Cancel);
        try
        {
            using var reader = cmd.ExecuteReader();
            return DuckDb.DuckDbFileWriter.Write(reader, columns, path, format, ct);
        }
        finally
        {
            tx.Rollback();
        }
    }

    /// <summary>A reader's parameters by position, in the order <see cref="PostgresDialect.ReaderParameters"/> numbered them, each typed.</summary>
    private static void BindReader(NpgsqlCommand cmd, IReadOnlyList<QueryParameter> parameters)
    {
        foreach (var p in parameters)
        {
            cmd.Parameters.Add(p.Value switch
            {
                DateTime t => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Timestamp, Value = Plain(t) },
                long l => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = l },
                string[] list => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = list },
                var text => new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = text },
            });
        }
    }

    private object? Scalar(string sql)
    {
        using var conn = Connect(_source);
        return new Runner(conn, null).Scalar(sql);
    }

    private NpgsqlConnection Connect(NpgsqlDataSource source)
    {
        try
        {
            return source.OpenConnection();
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            throw new CustomerTrackException($"cannot reach {_display}: {FirstLine(e.Message)}", e, isTransient: true);
        }
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>PostgreSQL's <c>timestamp</c> (without time zone) holds UTC here; Npgsql takes only unspecified kinds for it.</summary>
    private static DateTime Plain(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Unspecified);

    /// <summary>Statements on one session, <c>$name</c> parameters spelled as Npgsql's <c>@name</c>.</summary>
    private sealed class Runner(NpgsqlConnection conn, NpgsqlTransaction? tx) : ISqlRunner
    {
        public ISqlDialect Dialect => PostgresDialect.Instance;

        public void Execute(string sql, params (string Name, object? Value)[] args)
        {
            using var cmd = Command(sql, args);
            cmd.ExecuteNonQuery();
        }

        /// <summary>The planner knows nothing of a fresh temporary table (autovacuum never analyses them): tell it.</summary>
        public void Created(string table)
        {
            using var analyse = new NpgsqlCommand($"ANALYZE {table}", conn, tx);
            analyse.ExecuteNonQuery();
        }

        /// <summary>The steps as one batch (one round trip), each working table analysed right after the step that makes it.</summary>
        public void RunAll(IEnumerable<SqlStep> steps, IReadOnlyDictionary<string, object?> values)
        {
            using var batch = new NpgsqlBatch(conn, tx);
            foreach (var step in steps)
            {
                var command = new NpgsqlBatchCommand(Dialect.Parameters(step.Sql));
                foreach (var (name, value) in ISqlRunner.Bind(step, values))
                {
                    command.Parameters.Add(Parameter(name, value));
                }

                batch.BatchCommands.Add(command);
                if (step.Creates is { } table)
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand($"ANALYZE {table}"));
                }
            }

            batch.ExecuteNonQuery();
        }

        public object? Scalar(string sql, params (string Name, object? Value)[] args)
        {
            using var cmd = Command(sql, args);
            var value = cmd.ExecuteScalar();
            return value is DBNull ? null : value;
        }

        public IReadOnlyList<object?[]> Rows(string sql, params (string Name, object? Value)[] args)
        {
            using var cmd = Command(sql, args);
            using var reader = cmd.ExecuteReader();
            return DbRows.Read(reader);
        }

        private NpgsqlCommand Command(string sql, (string Name, object? Value)[] args)
        {
            var cmd = new NpgsqlCommand(Dialect.Parameters(sql), conn, tx);
            foreach (var (name, value) in args)
            {
                cmd.Parameters.Add(Parameter(name, value));
            }

            return cmd;
        }

        private static NpgsqlParameter Parameter(string name, object? value) => value switch
        {
            null => new NpgsqlParameter(name, DBNull.Value),
            DateTime t => new NpgsqlParameter(name, NpgsqlDbType.Timestamp) { Value = Plain(t) },
            _ => new NpgsqlParameter(name, value),
        };
    }

    public void Dispose()
    {
        _source.Dispose();
        _readers?.Dispose();
    }

    public override string ToString() => _display;
}
