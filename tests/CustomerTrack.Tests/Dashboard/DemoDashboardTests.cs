using System.Text.Json;
using System.Text.RegularExpressions;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Dashboard;

/// <summary>The dashboard <c>demo</c> serves, whose generator runs in the same process.</summary>
public sealed class DemoDashboardTests
{
    [Fact]
    public async Task The_generator_box_shows_what_demos_generator_has_written_while_it_runs()
    {
        using var tmp = new TempWorkspace();

        // --for: the demo stops by itself even if this test dies before killing it.
        using var demo = CliRunner.StartWatched("demo", "--for", "3m", "-w", tmp.Dir, "--keys", "100", "--rows-per-file", "10", "--set", "Dashboard:Port=0");
        try
        {
            var owner = Path.Combine(tmp.Dir, "owner.json");
            await CliRunner.WaitUntilAsync(() => DashboardRun.DashboardUrl(owner) is not null || demo.Process.HasExited, "demo to record its dashboard", 60);
            var url = DashboardRun.DashboardUrl(owner) ?? throw new InvalidOperationException("demo exited: " + string.Join('\n', demo.Stderr));

            using var http = new HttpClient();
            JsonElement box = default;
            await CliRunner.WaitUntilAsync(() =>
            {
                var snapshot = JsonDocument.Parse(http.GetStringAsync(url + "api/snapshot").GetAwaiter().GetResult()).RootElement;
                box = snapshot.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == "generator");
                return box.GetProperty("files").ValueKind == JsonValueKind.Number && box.GetProperty("files").GetInt64() >= 2;
            }, "the generator box to count two files", 90);
            Assert.Matches(new Regex(@"^running in this process: [0-9]+ file\(s\) written, the last .+ [0-9.]+ s ago$"), box.GetProperty("note").GetString());
        }
        finally
        {
            if (!demo.Process.HasExited)
            {
                demo.Process.Kill(entireProcessTree: true);
                await demo.Process.WaitForExitAsync();
            }
        }
    }
}
