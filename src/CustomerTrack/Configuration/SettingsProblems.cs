namespace CustomerTrack.Configuration;

/// <summary>
/// How validation either stops at a problem (start-up) or collects every problem (<c>check</c>): a check throws its
/// <see cref="SettingsException"/>, and with a collection given it is added there instead and validation goes on.
/// </summary>
internal static class SettingsProblems
{
    public static void Check(ICollection<SettingsException>? problems, Action check)
    {
        if (problems is null)
        {
            check();
            return;
        }

        try
        {
            check();
        }
        catch (SettingsException e)
        {
            problems.Add(e);
        }
    }
}
