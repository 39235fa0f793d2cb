using CustomerTrack.Pipeline;
using CustomerTrack.Scd;
using CustomerTrack.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Pipeline;

/// <summary>
/// A continuous run hands a file from stage to stage by itself: the landing folder's watcher wakes ingest, each stage
/// wakes the next. The clock is a fake one that never moves, so no poll interval, task interval or minimum file age can
/// pass; a file that arrives anyway was carried by the hand-offs alone.
/// </summary>
public sealed class HandOffTests
{
    private const string Csv = """
        customer_id,first_name,updated_at,op
        1,Ada,2026-11-27T10:00:00Z,INSERT
        2,Grace,2026-11-27T10:00:01Z,INSERT
        1,Ada B.,2026-11-27T10:00:02Z,UPDATE

        """;

    [Fact]
    public async Task A_file_renamed_into_landing_while_run_is_idle_reaches_both_tables_with_the_clock_standing_still()
    {
        using var tmp = new TempWorkspace();
        var ws = tmp.Open();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var runner = await PipelineRunner.StartAsync(ws, time, NullLoggerFactory.Instance, Stages.All, "test", CancellationToken.None,
            serveReaders: false);
        var applied = new TaskCompletionSource<TaskRunOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        runner.TaskRan += run => applied.TrySetResult(run);
        using var stop = new CancellationTokenSource();
        var running = runner.RunAsync(stop.Token);

        // The careful writer's way: a dot-named temporary file, then a rename. Its mtime is now, younger than the
        // minimum age, and on this clock it never gets older.
        var temp = Path.Combine(tmp.Landing, ".arriving.csv.tmp");
        await File.WriteAllTextAsync(temp, Csv);
        File.Move(temp, Path.Combine(tmp.Landing, "arriving.csv"));

        // A bound for a broken hand-off, not a measurement: on a working one this returns as soon as the task has run.
        var run = await applied.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(3, run.RowsRead);
        Assert.Equal("2", runner.Query("SELECT count(*) FROM customer").Scalar);
        Assert.Equal("3", runner.Query("SELECT count(*) FROM customer_history").Scalar);
        Assert.Equal("Ada B.", runner.Query("SELECT first_name FROM customer WHERE customer_id = 1").Scalar);
        Assert.Empty(Directory.GetFiles(tmp.Landing));

        await stop.CancelAsync();
        await running;
    }
}
