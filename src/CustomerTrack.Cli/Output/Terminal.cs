namespace CustomerTrack.Cli.Output;

/// <summary>How wide the terminal a table is printed on is: tables are cut to fit it, text piped elsewhere is not.</summary>
internal static class Terminal
{
    /// <summary>
    /// <c>COLUMNS</c> when it is set (shells export it; a script can set it), else the console's width when
    /// <paramref name="output"/> is the console and not redirected, else null: no limit (a file or a pipe gets whole rows).
    /// </summary>
    public static int? Width(TextWriter output)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var columns) && columns > 0)
        {
            return columns;
        }

        try
        {
            return ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && Console.WindowWidth > 0 ? Console.WindowWidth : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
