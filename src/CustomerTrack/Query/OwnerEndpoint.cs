using System.Net;
using System.Security.Cryptography;
using CustomerTrack.Warehouse;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CustomerTrack.Query;

/// <summary>
/// The request a reader sends to the running owner: the statement and its parameters, each with its type and value
/// (<see cref="QueryParameter"/>), bound by the owner's driver as a local reader's are.
/// </summary>
internal sealed record QueryRequest(string Sql, IReadOnlyList<QueryParameter>? Parameters = null);

/// <summary>
/// The running owner's loopback endpoint: answers read-only queries from other processes on this machine,
/// which cannot open the DuckDB file while it is held for writing (docs/architecture.md, "One writer").
/// </summary>
internal sealed partial class OwnerEndpoint : IAsyncDisposable
{
    public const string TokenHeader = "X-CustomerTrack-Token";

    private readonly WebApplication _app;
    private readonly Workspace _workspace;

    private OwnerEndpoint(WebApplication app, Workspace workspace, OwnerRecord record)
    {
        _app = app;
        _workspace = workspace;
        Record = record;
    }

    public OwnerRecord Record { get; }

    public static async Task<OwnerEndpoint> StartAsync(Workspace workspace, IWarehouse warehouse, string command,
        TimeProvider time, ILogger logger, CancellationToken ct, string? dashboardUrl = null)
    {
        var app = Hosting.WebHosts.Builder(IPAddress.Loopback, 0).Build();
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var stopping = app.Lifetime.ApplicationStopping;
        app.MapPost("/query", (QueryRequest request, HttpRequest http) =>
        {
            if (http.Headers[TokenHeader] != token)
            {
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            }

            // A reader that goes away, or the owner shutting down, interrupts the statement in the engine.
            using var gone = CancellationTokenSource.CreateLinkedTokenSource(http.HttpContext.RequestAborted, stopping);
            try
            {
                return Results.Json(warehouse.Query(request.Sql, request.Parameters ?? [], gone.Token));
            }
            catch (CustomerTrackException e) when (gone.IsCancellationRequested)
            {
                LogStopped(logger, e.Message);
                return Results.Json(new { error = e.Message }, statusCode: StatusCodes.Status400BadRequest);
            }
            catch (CustomerTrackException e)
            {
                return Results.Json(new { error = e.Message }, statusCode: StatusCodes.Status400BadRequest);
            }
        });

        // Export is its own operation, not a query: the owner reads a table the catalog names and writes the file the
        // token's holder asked for, while the warehouse stays closed to the file system for every query.
        app.MapPost("/export", (ExportRequest request, HttpRequest http) =>
        {
            if (http.Headers[TokenHeader] != token)
            {
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            }

            using var gone = CancellationTokenSource.CreateLinkedTokenSource(http.HttpContext.RequestAborted, stopping);
            try
            {
                return Results.Json(TableExport.Run(warehouse, request, gone.Token));
            }
            catch (CustomerTrackException e)
            {
                return Results.Json(new { error = e.Message }, statusCode: StatusCodes.Status400BadRequest);
            }
        });
        var url = await Hosting.WebHosts.StartAsync(app, ct);
        var record = new OwnerRecord(Environment.ProcessId, url, token, command, time.GetUtcNow().UtcDateTime) { Dashboard = dashboardUrl };
        record.Write(workspace);
        return new OwnerEndpoint(app, workspace, record);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "owner endpoint: {Reason}")]
    private static partial void LogStopped(ILogger logger, string reason);

    public async ValueTask DisposeAsync()
    {
        Record.Remove(_workspace);
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
