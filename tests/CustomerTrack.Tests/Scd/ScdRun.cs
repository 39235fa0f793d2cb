using System.Globalization;
using System.Text;
using CustomerTrack.Contract;
using CustomerTrack.Pipeline;
using CustomerTrack.Scd;
using CustomerTrack.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Scd;

/// <summary>
/// One change as a feed file writes it, with the text forms it is written in: key number <paramref name="Key"/> and the
/// attributes' value numbers (0 is NULL), which <see cref="FeedTable"/> turns into a table's values.
/// </summary>
internal sealed record FeedRow(int Key, DateTime UpdatedAt, string Op, IReadOnlyList<int> Values, int TimeForm = 0, int OpForm = 0)
{
    public string UpdatedAtText()
    {
        var frac = UpdatedAt.Ticks % TimeSpan.TicksPerSecond == 0 ? "" : ".ffffff";
        return TimeForm switch
        {
            1 => UpdatedAt.ToString("yyyy-MM-dd HH:mm:ss" + frac, CultureInfo.InvariantCulture),
            2 => UpdatedAt.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss" + frac, CultureInfo.InvariantCulture) + "+02:00",
            _ => UpdatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss" + frac, CultureInfo.InvariantCulture) + "Z",
        };
    }

    /// <summary>The attributes as the warehouse shows them.</summary>
    public string?[] Shown(FeedTable table) => Values.Select((v, a) => table.Shown(a, v)).ToArray();
}

/// <summary>A feed file: event-time rows (event time and op), or rows without them in the original tutorial's form.</summary>
internal sealed record FeedFile(string Name, bool Tutorial, int ColumnRotation, IReadOnlyList<FeedRow> Rows)
{
    public string Csv(FeedTable table)
    {
        var columns = Tutorial ? table.PlainColumns : table.EventColumns;
        var order = Tutorial ? columns : [.. columns.Skip(ColumnRotation % columns.Length), .. columns.Take(ColumnRotation % columns.Length)];
        var keyColumns = table.Definition.Key.Select(k => k.Name).ToList();
        var attributeIndex = table.AttributeNames.Select((a, i) => (a, i)).ToDictionary(x => x.a, x => x.i);
        var csv = new StringBuilder();
        csv.AppendJoin(',', order).Append('\n');
        foreach (var row in Rows)
        {
            var key = table.Key(row.Key);
            csv.AppendJoin(',', order.Select(c => Quote(
                keyColumns.IndexOf(c) is var k and >= 0 ? key[k]
                : c == table.Definition.EventTime ? row.UpdatedAtText()
                : c == table.Definition.Op?.Column ? table.OpText(row.Op, row.OpForm)
                : table.Text(attributeIndex[c], row.Values[attributeIndex[c]])))).Append('\n');
        }

        return csv.ToString();
    }

    private static string Quote(string? value) =>
        value is null ? "" : value.Contains(',') || value.Contains('"') ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    /// <summary>As the customer table's file (for messages).</summary>
    public override string ToString() => ToString(FeedTable.Customer);

    public string ToString(FeedTable table) => $"--- {Name}{(Tutorial ? " (tutorial format)" : "")}\n{Csv(table)}";
}

/// <summary>
/// The real pipeline on a real warehouse (a DuckDB file, or a PostgreSQL schema) in a temporary workspace, driven file by file on a test clock, and the
/// ledger the landed files must give (so the model gets the same rows, in the same load order, as the warehouse).
/// </summary>
internal sealed class ScdRun : IAsyncDisposable
{
    private readonly TempWorkspace _tmp;
    private readonly FakeTimeProvider _time;
    private readonly TimeSpan _step;
    private readonly PipelineRunner _runner;
    private readonly List<FeedFile> _pending = [];
    private FeedTranslation? _translation;
    private long _seq;
    private bool _stopped;

    private ScdRun(TempWorkspace tmp, Workspace workspace, FakeTimeProvider time, TimeSpan step, PipelineRunner runner, FeedTable table)
    {
        _tmp = tmp;
        Table = table;
        Workspace = workspace;
        _time = time;
        _step = step;
        _runner = runner;
    }

    public Workspace Workspace { get; }

    /// <summary>The table the run's feed files are for.</summary>
    public FeedTable Table { get; }

    public string Dir => _tmp.Dir;

    /// <summary>The CLI's arguments for this run's workspace and warehouse, after <paramref name="command"/>.</summary>
    public string[] Cli(params string[] command) => [.. command, .. _tmp.CliArgs()];

    /// <summary>The ledger the landed files must have given, in load order.</summary>
    public List<LedgerRow> Ledger { get; } = [];

    /// <summary>Every task run, in order.</summary>
    public List<TaskRunOutcome> Runs { get; } = [];

    /// <summary>The test clock's reading at the last drain: load time, for files without updated_at.</summary>
    public DateTime Now => _time.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Opens a workspace with <paramref name="options"/> (as flags) or <paramref name="settingsJson"/> (as its
    /// customertrack.json, else <paramref name="table"/>'s); the clock starts at <paramref name="clock"/> and moves
    /// <paramref name="step"/> before each drain.
    /// </summary>
    /// <remarks>
    /// With <paramref name="customerFeed"/> and a <paramref name="table"/> other than customer, the files landed with
    /// <see cref="LandCsv"/> and the queries of <see cref="Rows"/> are the customer's, translated (<see cref="FeedTranslation"/>).
    /// </remarks>
    public static async Task<ScdRun> StartAsync(ScdOptions? options, DateTime clock, TimeSpan step, int maxBatchRows = 0,
        string? settingsJson = null, Engine engine = Engine.DuckDb, FeedTable? table = null, bool customerFeed = false, bool serveReaders = false)
    {
        table ??= FeedTable.Customer;
        var translation = customerFeed && table != FeedTable.Customer ? new FeedTranslation(table) : null;
        if (translation is not null)
        {
            options = options is null ? null : translation.Options(options);
            settingsJson = translation.Settings(settingsJson);
        }

        settingsJson ??= table.SettingsJson;
        var tmp = new TempWorkspace(engine);
        try
        {
            if (settingsJson is not null)
            {
                File.WriteAllText(Path.Combine(tmp.Dir, CustomerTrack.Configuration.SettingsLoader.FileName), settingsJson);
            }

            var flags = options?.Flags() ?? [];
            if (maxBatchRows > 0)
            {
                flags["Tasks:MaxBatchRows"] = maxBatchRows.ToString(CultureInfo.InvariantCulture);
            }

            var workspace = tmp.Open(flags);
            var time = new FakeTimeProvider(new DateTimeOffset(clock, TimeSpan.Zero));
            var runner = await PipelineRunner.StartAsync(workspace, time, NullLoggerFactory.Instance, Stages.All, "scd-test", CancellationToken.None, serveReaders: serveReaders);
            return new ScdRun(tmp, workspace, time, step, runner, table) { _translation = translation };
        }
        catch
        {
            tmp.Dispose();
            throw;
        }
    }

    /// <summary>Lands a file whose rows the run predicts into the ledger.</summary>
    public void Land(FeedFile file)
    {
        LandCsv(file.Name, file.Csv(Table));
        _pending.Add(file);
    }

    /// <summary>Lands hand-written CSV (its ledger rows are not predicted).</summary>
    public void LandCsv(string name, string csv)
    {
        var path = _tmp.Land(name, _translation?.Csv(csv) ?? csv);

        // Older than ingest's minimum age on the test clock, whatever the wall clock says.
        File.SetLastWriteTimeUtc(path, Now - TimeSpan.FromSeconds(5));
    }

    private DateTime _lastProcessing;

    /// <summary>As <c>run --once</c> at the next clock reading: ingest, load and the tasks, for everything landed.</summary>
    public async Task<DrainSummary> DrainAsync()
    {
        _time.Advance(_step);

        // One drain loads its files in lake-key order: the same ingest date, then the file name.
        foreach (var file in _pending.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            // The tutorial's files are sequenced by load time and position: line i + 2 (the header is line 1), in
            // microseconds, from the load time or, when a file loaded earlier already reached past it, from there.
            var processingBase = file.Tutorial && _lastProcessing > Now ? _lastProcessing : Now;
            for (var i = 0; i < file.Rows.Count; i++)
            {
                var row = file.Rows[i];
                var at = file.Tutorial ? processingBase.AddTicks((i + 2) * TimeSpan.TicksPerMicrosecond) : row.UpdatedAt;
                if (file.Tutorial)
                {
                    _lastProcessing = at;
                }

                Ledger.Add(new LedgerRow(++_seq, Table.Key(row.Key), at, file.Tutorial ? ChangeOp.Upsert : row.Op, row.Shown(Table)));
            }
        }

        _pending.Clear();
        var summary = await _runner.DrainAsync(CancellationToken.None);
        Runs.AddRange(summary.TaskRuns);
        return summary;
    }

    /// <summary>As <see cref="DrainAsync"/>, with the clock (the load time) at <paramref name="at"/>.</summary>
    public Task<DrainSummary> DrainAtAsync(DateTime at)
    {
        _time.SetUtcNow(new DateTimeOffset(at - _step, TimeSpan.Zero));
        return DrainAsync();
    }

    public TaskRunOutcome Rebuild() => Assert.Single(_runner.RebuildAsync().GetAwaiter().GetResult());

    /// <summary>Rows as "a|b|c" strings (NULL shown as <paramref name="nullText"/>), as <see cref="Db.Rows"/> shows them.</summary>
    public List<string> Rows(string sql, string nullText = "∅")
    {
        if (_translation is null)
        {
            return Query(sql, nullText);
        }

        var (translated, back) = _translation.Query(sql);
        return back(Query(translated, nullText), nullText);
    }

    private List<string> Query(string sql, string nullText) =>
        _runner.Query(sql).Rows.Select(r => string.Join("|", r.Select(v => v ?? nullText))).ToList();

    public ScdTables Tables() => new(Rows(Table.CurrentSql), Rows(Table.HistorySql));

    public List<string> LedgerRows() => Rows(Table.LedgerSql);

    /// <summary>Ends the pipeline (the warehouse file is free for the CLI); the workspace stays until disposal.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _runner.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _tmp.Dispose();
    }
}
