namespace CustomerTrack.Cli;

/// <summary>Exit codes a scheduler (cron, Airflow, systemd) can act on; the README lists them.</summary>
internal static class ExitCodes
{
    /// <summary>Everything done; every file of the run loaded whole.</summary>
    public const int Ok = 0;

    /// <summary>The pipeline or the command failed (an abort policy, a lock, a store away, a bad query).</summary>
    public const int Failed = 1;

    /// <summary>The command line or a setting cannot be used: an unknown command or flag, a value it cannot read.</summary>
    public const int Usage = 2;

    /// <summary>The run finished, but a file in it was LOAD_FAILED or had rejected rows (<c>--allow-rejects</c> makes it 0).</summary>
    public const int Rejects = 3;

    /// <summary>
    /// The run ended while a stage was failing (a table's task, a file's load meeting a bug, a store away): stderr and
    /// <c>/health</c> name the stage, the table and the failure. Whatever else the run did went on.
    /// </summary>
    public const int StageFailing = 4;

    /// <summary>An error CustomerTrack did not expect: a bug to report.</summary>
    public const int Internal = 70;

    /// <summary>Stopped by Ctrl+C before it finished.</summary>
    public const int Interrupted = 130;
}

/// <summary>A flag's value cannot be used; exits with <see cref="ExitCodes.Usage"/>.</summary>
internal sealed class UsageException(string message) : CustomerTrackException(message);
