using System.Globalization;
using Microsoft.Extensions.Logging;

namespace CustomerTrack.Cli.Logging;

/// <summary>Appends log lines to the workspace's logs/customertrack.log, one line per event, flushed as written.</summary>
internal sealed class FileLoggerProvider(string path, TimeProvider time) : ILoggerProvider
{
    private readonly Lock _lock = new();
    private StreamWriter? _writer;

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    private void Write(LogLevel level, string category, string message, Exception? error)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{time.GetUtcNow():yyyy-MM-dd HH:mm:ss.fff} {level.ToString()[..4].ToUpperInvariant()} [{Environment.ProcessId}] {category}: {message}");
        lock (_lock)
        {
            if (_writer is null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            }

            _writer.WriteLine(error is null ? line : $"{line} ({error.GetType().Name}: {error.Message})");
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _writer?.Dispose();
            _writer = null;
        }
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
