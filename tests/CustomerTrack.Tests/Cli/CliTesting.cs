using System.Diagnostics;
using CustomerTrack.Tests.Support;

namespace CustomerTrack.Tests.Cli;

/// <summary>
/// Two customers with a small, hand-written history: 7 moves London → Paris, is deleted, and comes back in Rome;
/// 8 arrives once. Event times are fixed, so every instant of the history is known.
/// </summary>
internal static class Samples
{
    public const string First = """
        customer_id,first_name,last_name,email,city,updated_at,op
        7,Ada,Lovelace,ada@example.org,London,2026-03-01T09:00:00Z,INSERT
        8,Alan,Turing,,"Wilmslow, Cheshire",2026-03-01T12:00:00Z,INSERT
        7,Ada,Lovelace,ada@example.org,Paris,2026-03-02T09:00:00.5Z,UPDATE

        """;

    public const string Second = """
        customer_id,first_name,last_name,email,city,updated_at,op
        7,,,,,2026-03-03T09:00:00Z,DELETE
        7,Ada,King,ada.king@example.org,Rome,2026-03-05T09:00:00Z,INSERT

        """;

    /// <summary>customer and customer_history as one value, to compare whole tables.</summary>
    public const string Tables = """
        SELECT (SELECT string_agg(c::VARCHAR, chr(10) ORDER BY c::VARCHAR) FROM customer c)
            || '#' || (SELECT string_agg(h::VARCHAR, chr(10) ORDER BY h::VARCHAR) FROM customer_history h)
        """;

    /// <summary>Lands <see cref="First"/>, runs <c>run --once</c>, then the same for <see cref="Second"/> (on the workspace's engine).</summary>
    public static async Task LoadBothAsync(TempWorkspace tmp)
    {
        tmp.Land("first.csv", First);
        var first = await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]);
        Assert.True(first.Code == 0, first.ToString());
        tmp.Land("second.csv", Second);
        var second = await CliRunner.RunAsync(["run", "--once", .. tmp.CliArgs()]);
        Assert.True(second.Code == 0, second.ToString());
    }
}

/// <summary>A workspace holding <see cref="Samples"/>, made once and shared by the read-only tests of a class.</summary>
public sealed class SampleWorkspace : IAsyncLifetime, IDisposable
{
    private readonly TempWorkspace _tmp = new();

    public string Dir => _tmp.Dir;

    public Task InitializeAsync() => Samples.LoadBothAsync(_tmp);

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _tmp.Dispose();
}

internal static class CliAssert
{
    /// <summary>Output split into lines, without the final line break.</summary>
    public static string[] Lines(string text) => text.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');

    /// <summary>
    /// The error contract: a non-zero exit code, nothing on stdout, and exactly one line on stderr that starts
    /// with <c>customertrack: </c> and holds every fragment given.
    /// </summary>
    public static string OneLineError(CliResult result, params string[] fragments)
    {
        Assert.True(result.Out.Length == 0, result.ToString());
        return FailedRun(result, fragments);
    }

    /// <summary>
    /// The error contract of a stage command that failed while it worked: the progress it printed before the failure on
    /// stdout, and the error as exactly one line on stderr that starts with <c>customertrack: </c>.
    /// </summary>
    public static string FailedRun(CliResult result, params string[] fragments)
    {
        Assert.True(result.Code != 0, result.ToString());
        Assert.True(result.Code != 70, "reported as an internal error: " + result);
        var lines = Lines(result.Err);
        Assert.True(lines.Length == 1, result.ToString());
        Assert.StartsWith("customertrack: ", lines[0], StringComparison.Ordinal);
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, lines[0], StringComparison.Ordinal);
        }

        return lines[0];
    }

    /// <summary>Asserts success and returns stdout's lines.</summary>
    public static string[] Succeeded(CliResult result)
    {
        Assert.True(result.Code == 0 && result.Err.Length == 0, result.ToString());
        return Lines(result.Out);
    }

    /// <summary>Asserts success and returns the summary a stage command prints last.</summary>
    public static string Summary(CliResult result) => Succeeded(result)[^1];

    /// <summary>Runs a command until its answer satisfies <paramref name="until"/>, failing after <paramref name="seconds"/>.</summary>
    public static async Task<CliResult> PollAsync(Func<Task<CliResult>> run, Func<CliResult, bool> until, string what, int seconds = 10)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var result = await run();
            if (until(result))
            {
                return result;
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                throw new TimeoutException($"waited {seconds} s for {what}; last answer: {result}");
            }

            await Task.Delay(100);
        }
    }
}
