using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CustomerTrack.Hosting;

/// <summary>
/// The one way this code base sets up Kestrel (the owner's endpoint, the dashboard, the tests' Snowflake stand-in): a
/// slim ASP.NET Core app on one address, logging through the process's own logger rather than ASP.NET Core's.
/// </summary>
internal static class WebHosts
{
    /// <summary>A builder listening on <paramref name="address"/>:<paramref name="port"/> (0: a free port).</summary>
    public static WebApplicationBuilder Builder(IPAddress address, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(address, port));
        return builder;
    }

    /// <summary>Starts <paramref name="app"/>; returns the address it listens on, with the port the system chose.</summary>
    public static async Task<string> StartAsync(WebApplication app, CancellationToken ct = default)
    {
        await app.StartAsync(ct);
        return app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }
}
