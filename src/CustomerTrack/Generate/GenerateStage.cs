using Microsoft.Extensions.Logging;

namespace CustomerTrack.Generate;

/// <summary>What <c>generate</c> makes.</summary>
internal sealed record GenerateOptions
{
    public int Keys { get; init; } = 1000;
    public int? Files { get; init; }
    public int RowsPerFile { get; init; } = 1000;
    public TimeSpan? Every { get; init; }
    public int Seed { get; init; } = 42;

    /// <summary>Event time of the first change; the clock's now when not given.</summary>
    public DateTime? Start { get; init; }
}

/// <summary>What <c>generate</c> made: files and the rows in them.</summary>
internal sealed record Generated(int Files, long Rows);

/// <summary>Writes generated files into landing/ atomically: a dot-named temporary file, then a rename.</summary>
internal sealed partial class GenerateStage(Workspace workspace, TimeProvider time, ILogger logger)
{
    /// <summary>
    /// Writes the files of <paramref name="options"/>, telling <paramref name="written"/> each file's path and rows as it lands: the customer feed into landing/, or with <paramref name="table"/>
    /// that table's feed into landing/&lt;table&gt;/ in its format (a snapshot table's: an extract a step, at the step's
    /// start, in one or more files).
    /// </summary>
    public async Task<Generated> RunAsync(GenerateOptions options, CancellationToken ct, Action<string, int>? written = null, Tables.TableDefinition? table = null)
    {
        IChangeFiles kind = table is null
            ? new CustomerFiles(workspace.Landing, new CustomerGenerator(options.Seed, options.Keys))
            : new TableFiles(workspace.Landing, table, new TableGenerator(table, options.Seed, options.Keys));
        var start = options.Start ?? time.GetUtcNow().UtcDateTime;
        var files = options.Files ?? (options.Every is null ? 1 : int.MaxValue);
        Directory.CreateDirectory(kind.Folder);
        var made = 0;
        var rows = 0L;
        for (var k = 0; k < files; k++)
        {
            ct.ThrowIfCancellationRequested();
            DateTime from, to;
            if (options.Every is { } every)
            {
                // Continuous: each file carries the changes of the interval that just passed.
                to = options.Start is null ? time.GetUtcNow().UtcDateTime : start + (every * (k + 1));
                from = to - every;
            }
            else
            {
                from = start.AddSeconds(k);
                to = from.AddSeconds(1);
            }

            foreach (var file in kind.Next(options.Seed, k + 1, options.RowsPerFile, from, to))
            {
                var final = Path.Combine(kind.Folder, file.Name);
                var temp = Path.Combine(kind.Folder, "." + file.Name + ".tmp");
                file.Write(temp);
                File.Move(temp, final, overwrite: true);
                made++;
                rows += file.Rows;
                LogWritten(logger, file.Name, file.Rows);
                written?.Invoke(final, file.Rows);
            }

            if (options.Every is { } wait && k + 1 < files)
            {
                await Task.Delay(wait, time, ct);
            }
        }

        return new Generated(made, rows);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "generate: wrote {File} ({Rows} rows)")]
    private static partial void LogWritten(ILogger logger, string file, int rows);
}
