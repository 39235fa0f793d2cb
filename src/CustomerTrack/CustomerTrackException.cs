namespace CustomerTrack;

/// <summary>The root of every error CustomerTrack reports; its message is one line a person can act on.</summary>
internal class CustomerTrackException : Exception
{
    public CustomerTrackException(string message, Exception? inner = null, bool isTransient = false)
        : base(message, inner) => IsTransient = isTransient;

    /// <summary>Whether trying the same work again later can succeed (a lock held, a store away).</summary>
    public bool IsTransient { get; }
}

/// <summary>A setting has a value outside what it allows.</summary>
internal sealed class SettingsException(string setting, string message)
    : CustomerTrackException($"setting {setting}: {message}")
{
    public string Setting { get; } = setting;
}

/// <summary>A file broke the input contract and its error policy says stop the pipeline.</summary>
internal sealed class InputRejectedException(string file, long line, string field, string reason)
    : CustomerTrackException($"{file} line {line}, field {field}: {reason} (Load:OnError is abort; fix or remove the file, then run again)")
{
    public string File { get; } = file;
    public long Line { get; } = line;
    public string Field { get; } = field;
}

/// <summary>Another process holds the warehouse for writing.</summary>
internal sealed class WarehouseBusyException(string message, Exception? inner = null)
    : CustomerTrackException(message, inner, isTransient: true);

/// <summary>
/// A warehouse engine's error, translated once at the engine's boundary: whether it is transient (connection lost,
/// serialization failure, deadlock, I/O) or permanent (constraint, syntax, permission), in one line naming the engine.
/// </summary>
internal sealed class WarehouseException(string message, Exception inner, bool isTransient)
    : CustomerTrackException(message, inner, isTransient);
