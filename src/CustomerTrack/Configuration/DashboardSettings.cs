using System.Net;

namespace CustomerTrack.Configuration;

/// <summary>The live dashboard that <c>run</c> and <c>demo</c> serve (and its <c>/metrics</c> and <c>/health</c>).</summary>
internal sealed class DashboardSettings
{
    /// <summary>Whether <c>run</c> and <c>demo</c> serve it.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The port; 0 picks a free one. When it is taken, a free one is used (the URL is printed either way).</summary>
    public int Port { get; set; } = 8470;

    /// <summary>The address to listen on: loopback unless said otherwise.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>Required when <see cref="Bind"/> is not loopback: requests must carry it (<c>?token=</c>, then a cookie).</summary>
    public string Token { get; set; } = "";

    /// <summary>
    /// How soon a landed file should be visible in both SCD tables: each table's tile at the top of the page is fresh
    /// while the p95 of the last five minutes, and the oldest row still waiting, are within it.
    /// </summary>
    public Duration FreshnessTarget { get; set; } = new(TimeSpan.FromSeconds(1));

    /// <summary>Whether <see cref="Bind"/> is a loopback address.</summary>
    internal bool IsLoopback => IPAddress.TryParse(Bind, out var ip) && IPAddress.IsLoopback(ip);

    internal void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new SettingsException("Dashboard:Port", $"{Port} is not a port; use 0 (any free port) to 65535");
        }

        if (FreshnessTarget.Value <= TimeSpan.Zero)
        {
            throw new SettingsException("Dashboard:FreshnessTarget", $"{FreshnessTarget} is not a target; use a duration such as 1s or 500ms");
        }

        if (!IPAddress.TryParse(Bind, out _))
        {
            throw new SettingsException("Dashboard:Bind", $"'{Bind}' is not an IP address; use 127.0.0.1, or 0.0.0.0 with Dashboard:Token");
        }

        if (!IsLoopback && Token.Length < 16)
        {
            throw new SettingsException("Dashboard:Token",
                $"must be at least 16 characters when Dashboard:Bind ({Bind}) is not loopback: anyone who can reach the port would see the data");
        }
    }
}
