using System.Globalization;
using System.Text;
using CustomerTrack.Contract;
using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Support;
using CustomerTrack.Warehouse;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Scd;

/// <summary>One change as a feed file writes it, with the text forms it is written in.</summary>
internal sealed record FeedRow(long CustomerId, DateTime UpdatedAt, string Op, IReadOnlyList<string?> Attributes, int TimeForm = 0, int OpForm = 0)
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

    public string OpText() => OpForm switch
    {
        1 => Op.ToLowerInvariant(),
        2 => Op == ChangeOp.Upsert ? Op : Op[..1],
        3 => Op == ChangeOp.Upsert ? "" : Op,
        _ => Op,
    };
}

/// <summary>A feed file: event-time rows (updated_at and op), or the original tutorial's eight columns.</summary>
internal sealed record FeedFile(string Name, bool Tutorial, int ColumnRotation, IReadOnlyList<FeedRow> Rows)
{
    public string Csv()
    {
        string[] columns = Tutorial
            ? [Columns.CustomerId, .. Columns.Attributes]
            : [Columns.CustomerId, .. Columns.Attributes, Columns.UpdatedAt, Columns.Op];
        var order = Tutorial ? columns : [.. columns.Skip(ColumnRotation % columns.Length), .. columns.Take(ColumnRotation % columns.Length)];
        var csv = new StringBuilder();
        csv.AppendJoin(',', order).Append('\n');
        foreach (var row in Rows)
        {
            csv.AppendJoin(',', order.Select(c => Quote(c switch
            {
                Columns.CustomerId => row.CustomerId.ToString(CultureInfo.InvariantCulture),
                Columns.UpdatedAt => row.UpdatedAtText(),
                Columns.Op => row.OpText(),
                _ => row.Attributes[AttributeIndex[c]],
            }))).Append('\n');
        }

        return csv.ToString();
    }

    private static readonly Dictionary<string, int> AttributeIndex =
        Columns.Attributes.Select((a, i) => (a, i)).ToDictionary(x => x.a, x => x.i);

    private static string Quote(string? value) =>
        value is null ? "" : value.Contains(',') || value.Contains('"') ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    public override string ToString() => $"--- {Name}{(Tutorial ? " (tutorial format)" : "")}\n{Csv()}";
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
    private long _seq;
    private bool _stopped;

    private ScdRun(TempWorkspace tmp, Workspace workspace, FakeTimeProvider time, TimeSpan step, PipelineRunner runner)
    {
        _tmp = tmp;
        Workspace = workspace;
        _time = time;
        _step = step;
        _runner = runner;
    }

    public Workspace Workspace { get; }

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
    /// customertrack.json); the clock starts at <paramref name="clock"/> and moves <paramref name="step"/> before each drain.
    /// </summary>
    public static async Task<ScdRun> StartAsync(ScdOptions? options, DateTime clock, TimeSpan step, int maxBatchRows = 0,
        string? settingsJson = null, Engine engine = Engine.DuckDb)
    {
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
            var runner = await PipelineRunner.StartAsync(workspace, time, NullLoggerFactory.Instance, Stages.All, "scd-test", CancellationToken.None, serveReaders: false);
            return new ScdRun(tmp, workspace, time, step, runner);
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
        LandCsv(file.Name, file.Csv());
        _pending.Add(file);
    }

    /// <summary>Lands hand-written CSV (its ledger rows are not predicted).</summary>
    public void LandCsv(string name, string csv)
    {
        var path = _tmp.Land(name, csv);

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

                Ledger.Add(new LedgerRow(++_seq, row.CustomerId, at, file.Tutorial ? ChangeOp.Upsert : row.Op, row.Attributes));
            }
        }

        _pending.Clear();
        var summary = await _runner.DrainAsync(CancellationToken.None);
        Runs.AddRange(summary.TaskRuns);
        return summary;
    }

    public TaskRunOutcome Rebuild() => Assert.Single(_runner.Rebuild());

    /// <summary>Rows as "a|b|c" strings (NULL shown as <paramref name="nullText"/>), as <see cref="Db.Rows"/> shows them.</summary>
    public List<string> Rows(string sql, string nullText = "∅") =>
        _runner.Query(sql).Rows.Select(r => string.Join("|", r.Select(v => v ?? nullText))).ToList();

    public ScdTables Tables() => new(
        Rows($"SELECT {ScdModel.CustomerColumns} FROM customer ORDER BY customer_id"),
        Rows($"SELECT {ScdModel.HistoryColumns} FROM customer_history ORDER BY customer_id, start_time"));

    public List<string> LedgerRows() =>
        Rows($"SELECT _seq, customer_id, updated_at, op, {string.Join(", ", Columns.Attributes)} FROM customer_raw ORDER BY _seq");

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
