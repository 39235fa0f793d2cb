using System.Diagnostics;
using System.Text.RegularExpressions;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Dashboard;

/// <summary>
/// Issue 23, "Shutdown": a dashboard tab's event stream open on a running <c>run</c> does not turn a normal stop into a
/// failure: Ctrl+C (SIGINT) and SIGTERM end the stream and the run exits 0, as without a tab.
/// </summary>
public sealed partial class ShutdownTests
{
    [GeneratedRegex(@"dashboard (http://\S+/)")]
    private static partial Regex DashboardUrl();

    [Theory]
    [InlineData(Engine.DuckDb, "INT")]
    [InlineData(Engine.DuckDb, "TERM")]
    [InlineData(Engine.Postgres, "INT")]
    [InlineData(Engine.Postgres, "TERM")]
    public async Task A_signal_with_an_event_stream_open_ends_the_stream_and_the_run_normally(Engine engine, string signal)
    {
        using var tmp = new TempWorkspace(engine);
        using var run = CliRunner.StartWatched(["run", "--set", "Dashboard:Port=0", .. tmp.CliArgs()]);
        try
        {
            string? url = null;
            await CliRunner.WaitUntilAsync(() => (url = run.Stdout.Select(l => DashboardUrl().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value) is not null
                || run.Process.HasExited, "the run's start line with the dashboard's address");
            Assert.False(run.Process.HasExited, string.Join("\n", run.Stderr));

            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            using var response = await http.GetAsync(url + "api/events", HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            using var events = new StreamReader(await response.Content.ReadAsStreamAsync());

            // The stream is open and has sent its first snapshot: a tab is watching.
            string? line;
            while ((line = await events.ReadLineAsync()) is not null && line != "event: snapshot")
            {
            }

            Assert.Equal("event: snapshot", line);

            using (var kill = Process.Start("kill", [$"-{signal}", run.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
                Assert.Equal(0, kill.ExitCode);
            }

            // The server ends the stream as it stops: reading it to its end returns. The guard bounds the wait, so a run
            // that never stops fails this test instead of holding the whole suite.
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                while (await events.ReadLineAsync(guard.Token) is not null)
                {
                }
            }
            catch (IOException)
            {
                // A connection reset once the process is gone ends it too.
            }

            await run.Process.WaitForExitAsync(guard.Token);
            Assert.True(run.Process.ExitCode == 0, $"exit {run.Process.ExitCode}\n{string.Join("\n", run.Stdout)}\n{string.Join("\n", run.Stderr)}");
            Assert.Contains(run.Stdout, l => l.StartsWith("run:", StringComparison.Ordinal));
        }
        finally
        {
            if (!run.Process.HasExited)
            {
                run.Process.Kill(entireProcessTree: true);
            }
        }
    }
}
