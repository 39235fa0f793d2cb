using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Text;
using CustomerTrack.Contract;
using CustomerTrack.Scd;
using CustomerTrack.Tests.Support;
using CustomerTrack.Warehouse;
using DuckDB.NET.Data;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Identifiers = CustomerTrack.Tables.Identifiers;
using TableDefinition = CustomerTrack.Tables.TableDefinition;

namespace CustomerTrack.Tests.Scd;

/// <summary>
/// The ledger a feed's files give, drain by drain, as <see cref="ScdRun"/> predicts it: each drain's files in name
/// order, event-time rows with their own time, tutorial rows at the drain's load time plus their line's microseconds.
/// The full-pipeline feeds check that the files do give this ledger; the ledger-level feeds start from it.
/// </summary>
internal static class FeedLedger
{
    /// <summary>The rows each drain adds to the ledger (the final drain included), with the test clock at each drain.</summary>
    public static List<(DateTime Now, List<LedgerRow> Rows)> Drains(FeedPlan plan, FeedTable table)
    {
        var drains = new List<(DateTime, List<LedgerRow>)>();
        var now = FeedGen.EventBase;
        var lastProcessing = DateTime.MinValue;
        var seq = 0L;
        var pending = new List<FeedFile>();
        for (var i = 0; i <= plan.Files.Count; i++)
        {
            if (i < plan.Files.Count)
            {
                pending.Add(plan.Files[i]);
                if (!plan.DrainAfter[i])
                {
                    continue;
                }
            }

            now += FeedGen.DrainStep;
            var rows = new List<LedgerRow>();
            foreach (var file in pending.OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                var processingBase = file.Tutorial && lastProcessing > now ? lastProcessing : now;
                for (var r = 0; r < file.Rows.Count; r++)
                {
                    var row = file.Rows[r];
                    var at = file.Tutorial ? processingBase.AddTicks((r + 2) * TimeSpan.TicksPerMicrosecond) : row.UpdatedAt;
                    if (file.Tutorial)
                    {
                        lastProcessing = at;
                    }

                    rows.Add(new LedgerRow(++seq, table.Key(row.Key), at, file.Tutorial ? ChangeOp.Upsert : row.Op, row.Shown(table)));
                }
            }

            pending.Clear();
            drains.Add((now, rows));
        }

        return drains;
    }
}

/// <summary>
/// Long-lived warehouses for the ledger-level feeds: per engine and table, one warehouse (a DuckDB file, or a
/// PostgreSQL schema) for each feed running at the same time (CsCheck runs feeds on several threads), opened once with
/// the real schema and reused feed after feed. A class fixture: they are dropped when the class's tests end.
/// </summary>
public sealed class LedgerWarehouses : IDisposable
{
    private readonly ConcurrentDictionary<(Engine, string), ConcurrentBag<LedgerWarehouse>> _idle = new();
    private readonly ConcurrentBag<LedgerWarehouse> _all = [];

    internal LedgerWarehouse Take(Engine engine, FeedTable table)
    {
        if (_idle.GetOrAdd((engine, table.Name), _ => []).TryTake(out var warehouse))
        {
            return warehouse;
        }

        warehouse = new LedgerWarehouse(engine, table);
        _all.Add(warehouse);
        return warehouse;
    }

    /// <summary>
    /// Hands a warehouse back for the next feed; after <see cref="FeedsPerWarehouse"/> feeds it is closed instead: the
    /// deleted rows and task_run rows of every feed before it would otherwise pile up in it.
    /// </summary>
    internal void Return(LedgerWarehouse warehouse)
    {
        if (warehouse.Feeds >= FeedsPerWarehouse)
        {
            warehouse.Dispose();
            return;
        }

        _idle[(warehouse.Engine, warehouse.Table.Name)].Add(warehouse);
    }

    private const int FeedsPerWarehouse = 100;

    public void Dispose()
    {
        foreach (var warehouse in _all)
        {
            warehouse.Dispose();
        }
    }
}

/// <summary>
/// One warehouse the ledger-level feeds take turns on: the pipeline's own <see cref="IWarehouse"/> (its schema, its
/// <see cref="IWarehouse.RunTaskAsync"/> and <see cref="IWarehouse.RebuildAsync"/>, the real SCD plan), with the ledger written
/// directly by a second connection, as the loader's COPY would have left it.
/// </summary>
internal sealed class LedgerWarehouse : IDisposable
{
    private readonly TempWorkspace _tmp;
    private readonly Workspace _workspace;
    private readonly IWarehouse _warehouse;
    private readonly DbConnection _writer;
    private readonly Dictionary<string, TableDefinition> _definitions = [];
    private bool _closed;

    public LedgerWarehouse(Engine engine, FeedTable table)
    {
        Engine = engine;
        Table = table;
        _tmp = new TempWorkspace(engine);
        if (table.SettingsJson is not null)
        {
            File.WriteAllText(Path.Combine(_tmp.Dir, CustomerTrack.Configuration.SettingsLoader.FileName), table.SettingsJson);
        }

        _workspace = _tmp.Open();
        _warehouse = Warehouses.Open(_workspace, readOnly: false);

        // DuckDB.NET shares the open database per file within the process; PostgreSQL takes a second session.
        _writer = engine == Engine.DuckDb
            ? new DuckDBConnection($"Data Source={_workspace.WarehousePath}")
            : new NpgsqlConnection(_workspace.Settings.Warehouse.ConnectionString);
        _writer.Open();
    }

    public Engine Engine { get; }

    public FeedTable Table { get; }

    /// <summary>The feeds this warehouse has run (see <see cref="LedgerWarehouses.Return"/>).</summary>
    public int Feeds { get; private set; }

    /// <summary>The table's definition under <paramref name="options"/>, as a workspace with those settings has it.</summary>
    public TableDefinition Definition(ScdOptions options)
    {
        var name = $"{string.Join(",", options.TrackHistoryExcept)}|{options.IgnoreNullUpdates}|{options.DeleteMode}";
        if (!_definitions.TryGetValue(name, out var definition))
        {
            definition = _definitions[name] = _tmp.Open(options.Flags()).Settings.Table(Table.Name);
        }

        return definition;
    }

    /// <summary>Empties the table's ledger, SCD tables and keyed state, and puts its stream offset back to 0.</summary>
    public void Reset(TableDefinition t)
    {
        Execute($"""
            DELETE FROM {Q(t.RawTable)};
            DELETE FROM {Q(t.CurrentTable)};
            DELETE FROM {Q(t.HistoryTable)};
            DELETE FROM {Q(t.StateTable)};
            UPDATE stream_offset SET offset_seq = 0, advanced_at = NULL WHERE stream_name = '{t.StreamName}';
            {(Engine == Engine.Postgres ? "UPDATE ledger_state SET last_seq = 0 WHERE id = 1;" : "")}
            """);
        Feeds++;
    }

    /// <summary>Appends <paramref name="rows"/> to the ledger as loaded at <paramref name="now"/>.</summary>
    public void Append(TableDefinition t, IReadOnlyList<LedgerRow> rows, DateTime now)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var columns = string.Join(", ", ["_seq", "_file", "_line", "_loaded_at", .. t.Key.Select(k => k.Quoted), .. t.Attributes.Select(a => a.Quoted),
            Identifiers.Quote(t.SequenceColumn), Identifiers.Quote(t.OpColumn), "_event_time_given"]);
        var sql = new StringBuilder($"INSERT INTO {Q(t.RawTable)} ({columns}) VALUES ");
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            sql.Append(i == 0 ? "(" : ", (")
                .Append(r.Seq.ToString(CultureInfo.InvariantCulture)).Append(", 'feed', ").Append(r.Seq.ToString(CultureInfo.InvariantCulture))
                .Append(", ").Append(Time(now));
            for (var k = 0; k < t.Key.Count; k++)
            {
                sql.Append(", ").Append(Literal(r.Key[k], t.Key[k].Type.Sql));
            }

            for (var a = 0; a < t.Attributes.Count; a++)
            {
                sql.Append(", ").Append(Literal(r.Attributes[a], t.Attributes[a].Type.Sql));
            }

            sql.Append(", ").Append(Time(r.UpdatedAt)).Append(", '").Append(r.Op).Append("', true)");
        }

        // PostgreSQL's task reads the ledger up to the end loaders reserved (ledger_state): a load that committed says so.
        if (Engine == Engine.Postgres)
        {
            sql.Append($"; UPDATE ledger_state SET last_seq = {rows[^1].Seq.ToString(CultureInfo.InvariantCulture)} WHERE id = 1");
        }

        Execute(sql.ToString());
    }

    private static string Q(string name) => Identifiers.Quote(name);

    private static string Time(DateTime t) => $"CAST('{t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)}' AS TIMESTAMP)";

    private static string Literal(string? value, string type) =>
        value is null ? $"CAST(NULL AS {type})" : $"CAST('{value.Replace("'", "''", StringComparison.Ordinal)}' AS {type})";

    private void Execute(string sql)
    {
        using var cmd = _writer.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>As the task stage does after a drain: task runs until the stream is empty.</summary>
    public List<TaskRunOutcome> RunTasks(TableDefinition t, int maxRows, DateTime now)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(now, TimeSpan.Zero));
        var runs = new List<TaskRunOutcome>();
        while (_warehouse.RunTaskAsync(t, maxRows, time).GetAwaiter().GetResult() is { } run)
        {
            runs.Add(run);
        }

        return runs;
    }

    public TaskRunOutcome Rebuild(TableDefinition t, DateTime now) =>
        _warehouse.RebuildAsync(t, new FakeTimeProvider(new DateTimeOffset(now, TimeSpan.Zero))).GetAwaiter().GetResult();

    /// <summary>Rows as "a|b|c" strings (NULL shown as ∅), as <see cref="ScdRun.Rows"/> shows them.</summary>
    public List<string> Rows(string sql, IReadOnlyList<QueryParameter>? parameters = null) =>
        _warehouse.Query(sql, parameters ?? []).Rows.Select(r => string.Join("|", r.Select(v => v ?? "∅"))).ToList();

    public void Dispose()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        _writer.Dispose();
        _warehouse.Dispose();
        _tmp.Dispose();
    }
}
