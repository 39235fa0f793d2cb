using System.Collections.Concurrent;
using System.Diagnostics;
using CustomerTrack.Cli;

namespace CustomerTrack.Tests.Support;

/// <summary>What a command printed and returned.</summary>
internal sealed record CliResult(int Code, string Out, string Err)
{
    public override string ToString() => $"exit {Code}\n--- stdout\n{Out}\n--- stderr\n{Err}";
}

/// <summary>Runs the real command line: in this process, or as a child process of its own.</summary>
internal static class CliRunner
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await Program.RunAsync(args, output, error);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>
    /// The CLI as its own process (for what needs two processes, such as the DuckDB file lock). It starts through
    /// coreutils' <c>env --default-signal=INT</c>, which then becomes the CLI (same process id): a test host started in
    /// the background by a non-interactive shell has SIGINT ignored, a child inherits that, and .NET then leaves it
    /// ignored, so a test's Ctrl+C would never reach the run it stops (the run kept running and the test waited for ever).
    /// </summary>
    public static Process Start(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "CustomerTrack.Cli.dll");
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info)!;
    }

    /// <summary>The CLI as its own process, with every line it writes to stderr (its log) collected as it comes.</summary>
    public static WatchedProcess StartWatched(params string[] args)
    {
        var process = Start(args);
        var lines = new ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lines.Enqueue(line);
            }
        };
        process.BeginErrorReadLine();

        // Drained so that a run printing a line per file never blocks on a full pipe.
        var output = new ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                output.Enqueue(line);
            }
        };
        process.BeginOutputReadLine();
        return new WatchedProcess(process, lines) { Stdout = output };
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing after <paramref name="seconds"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 30)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                throw new TimeoutException($"waited {seconds} s for {what}");
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>A child process and the stderr lines it wrote so far.</summary>
internal sealed record WatchedProcess(Process Process, ConcurrentQueue<string> Stderr) : IDisposable
{
    /// <summary>The lines it wrote to stdout so far (its progress).</summary>
    public ConcurrentQueue<string> Stdout { get; init; } = new();

    public void Dispose() => Process.Dispose();
}
