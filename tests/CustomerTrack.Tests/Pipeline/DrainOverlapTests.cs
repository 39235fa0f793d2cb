using CustomerTrack.Pipeline;
using CustomerTrack.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Pipeline;

/// <summary>
/// <c>run --once</c> (<see cref="PipelineRunner.DrainAsync"/>) loads the files ingest has stored while ingest is still
/// busy with the rest, rather than after it: the two stages overlap, and the result is the same.
/// </summary>
public sealed class DrainOverlapTests
{
    private static readonly DateTime Now = new(2031, 5, 6, 7, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Run_once_loads_a_stored_file_while_ingest_still_waits_for_a_young_one()
    {
        using var tmp = new TempWorkspace();
        var time = new FakeTimeProvider(Now);
        var old = tmp.Land("a.csv", "customer_id,first_name,updated_at\n1,Ann,2026-01-01T00:00:00Z\n");
        File.SetLastWriteTimeUtc(old, Now.AddMinutes(-1));

        // Written "now" on the injected clock: ingest leaves it to age for Ingest:MinFileAge, waiting on that clock.
        var young = tmp.Land("b.csv", "customer_id,first_name,updated_at\n2,Bo,2026-01-01T00:00:00Z\n");
        File.SetLastWriteTimeUtc(young, Now);

        await using var runner = await PipelineRunner.StartAsync(tmp.Open(), time, NullLoggerFactory.Instance, Stages.All, "test",
            CancellationToken.None, serveReaders: false);
        var youngWaiting = new List<bool>();
        runner.FileLoaded += _ =>
        {
            youngWaiting.Add(File.Exists(young));

            // Only the loader moves the clock on: had load waited for ingest to finish, nothing would, and the drain would never end.
            time.Advance(TimeSpan.FromSeconds(1));
        };

        var drain = runner.DrainAsync(CancellationToken.None);
        var first = await Task.WhenAny(drain, Task.Delay(TimeSpan.FromMinutes(2)));

        Assert.True(first == drain, "the drain did not end: load waited for ingest, which waited for a clock only the loader moves");
        var summary = await drain;
        Assert.Equal(2, summary.FilesIngested);
        Assert.Equal(2, summary.FilesLoaded);
        Assert.Equal([true, false], youngWaiting);
        Assert.Equal(["1|Ann", "2|Bo"], runner.Query("SELECT customer_id || '|' || first_name FROM customer ORDER BY customer_id").Rows.Select(r => r[0]));
    }
}
