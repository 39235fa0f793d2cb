using System.Net.Http.Json;
using CustomerTrack.Warehouse;

namespace CustomerTrack.Query;

/// <summary>
/// Read-only access to the warehouse from any process: through the running owner's endpoint when one runs,
/// otherwise by opening the file read-only.
/// </summary>
internal sealed class WarehouseReader : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(5) };

    private readonly Workspace _workspace;
    private readonly OwnerRecord? _owner;
    private IWarehouse? _local;

    private WarehouseReader(Workspace workspace, OwnerRecord? owner)
    {
        _workspace = workspace;
        _owner = owner;
    }

    /// <summary>A PostgreSQL warehouse is asked directly; an embedded file through its running owner, if any.</summary>
    public static WarehouseReader Open(Workspace workspace) =>
        new(workspace, Warehouses.IsPostgres(workspace) ? null : OwnerRecord.Read(workspace));

    /// <summary>Where answers come from, for people: the owner process, the file or the server.</summary>
    public string Source => _owner is not null ? _owner.Describe() : Warehouses.Describe(_workspace);

    public Task<QueryResult> QueryAsync(string sql, CancellationToken ct = default) => QueryAsync(sql, QueryArgs.None, ct);

    /// <summary>
    /// One read-only statement with <paramref name="parameters"/> (<c>$name</c> in its text): sent to the running owner
    /// as they are, typed, in the request's JSON, or bound here by the engine's driver.
    /// </summary>
    public async Task<QueryResult> QueryAsync(string sql, IReadOnlyList<QueryParameter> parameters, CancellationToken ct = default)
    {
        if (_owner is not null)
        {
            return await AskOwnerAsync<QueryResult>("/query", JsonContent.Create(new QueryRequest(sql, [.. parameters])), ct);
        }

        _local ??= Warehouses.Open(_workspace, readOnly: true);
        return _local.Query(sql, parameters, ct);
    }

    /// <summary>
    /// Writes a table to a file: the running owner does it when there is one (DuckDB lets no other process open the
    /// file), otherwise this process reads the warehouse itself.
    /// </summary>
    public async Task<ExportResult> ExportAsync(ExportRequest export, CancellationToken ct = default)
    {
        if (_owner is null)
        {
            _local ??= Warehouses.Open(_workspace, readOnly: true);
            return TableExport.Run(_local, export, ct);
        }

        return await AskOwnerAsync<ExportResult>("/export", JsonContent.Create(export), ct);
    }

    private async Task<T> AskOwnerAsync<T>(string path, HttpContent content, CancellationToken ct)
    {
        var owner = _owner!;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(owner.Url), path)) { Content = content };
        request.Headers.Add(OwnerEndpoint.TokenHeader, owner.Token);
        HttpResponseMessage response;
        try
        {
            response = await Http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CustomerTrackException($"{owner.Describe()} holds the warehouse but did not answer at {owner.Url}: {e.Message}", e, isTransient: true);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return (await response.Content.ReadFromJsonAsync<T>(ct))!;
            }

            var error = await response.Content.ReadFromJsonAsync<ErrorBody>(ct);
            throw new CustomerTrackException(error?.Error ?? $"the owner answered {(int)response.StatusCode}");
        }
    }

    public void Dispose() => _local?.Dispose();

    private sealed record ErrorBody(string? Error);
}
