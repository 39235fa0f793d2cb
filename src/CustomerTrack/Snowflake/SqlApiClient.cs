using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly;
using Polly.Retry;

namespace CustomerTrack.Snowflake;

/// <summary>
/// Snowflake's SQL API v2 over <see cref="HttpClient"/>: <c>POST /api/v2/statements</c> with a key-pair JWT, one or
/// several statements a request (<c>MULTI_STATEMENT_COUNT</c>), statements still running (202) polled by their handle
/// until they finish, failures (422) reported with their SQLSTATE, and requests refused for load (429, 503, 504) sent
/// again with the same <c>requestId</c> and <c>retry=true</c>, so Snowflake runs them once.
/// </summary>
internal sealed class SqlApiClient
{
    private const string StatementsPath = "/api/v2/statements";

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly HttpClient _http;
    private readonly Uri _base;
    private readonly SnowflakeJwt _jwt;
    private readonly SnowflakeSession _session;
    private readonly TimeProvider _time;
    private readonly SqlApiOptions _options;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;

    public SqlApiClient(HttpClient http, Uri baseUrl, SnowflakeJwt jwt, SnowflakeSession session, TimeProvider time, SqlApiOptions? options = null)
    {
        _http = http;
        _base = baseUrl;
        _jwt = jwt;
        _session = session;
        _time = time;
        _options = options ?? new SqlApiOptions();
        _retry = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .HandleResult(r => r.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout)
                    .Handle<HttpRequestException>(),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryDelay,
                MaxRetryAttempts = _options.MaxRetries,
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .Build();
    }

    /// <summary>The warehouse the session runs in, or null (the user's default).</summary>
    public string? Warehouse => _session.Warehouse;

    /// <summary>
    /// The account's SQL API address, from <c>Snowflake:Account</c> as it appears in the account URL: <c>myorg-myaccount</c>,
    /// a locator with its region (<c>xy12345.us-east-1</c>), the global form (<c>xy12345-abcde.global</c>), or the host or
    /// URL pasted whole (<c>https://myorg-myaccount.snowflakecomputing.com/</c>), which is not doubled.
    /// </summary>
    public static Uri AccountUrl(string account) => new($"https://{SnowflakeJwt.AccountHost(account)}.snowflakecomputing.com");

    /// <summary>
    /// Runs a script: one request for all its statements (in order; Snowflake stops at the first that fails), and
    /// every statement's result.
    /// </summary>
    public async Task<IReadOnlyList<StatementResult>> ExecuteAsync(string script, CancellationToken ct)
    {
        // Comments never reach Snowflake: the SQL API splits a multi-statement request at its semicolons, and one in a
        // comment (the plan's comments say what each statement is for, in prose) would split a statement in two.
        var statements = SqlScript.Split(script).Select(SqlScript.WithoutComments).ToList();
        if (statements.Count == 0)
        {
            return [];
        }

        var body = new JsonObject
        {
            ["statement"] = statements.Count == 1 ? statements[0] : string.Join(";\n", statements),
            ["timeout"] = _options.StatementTimeoutSeconds,
        };
        AddIfSet(body, "role", _session.Role);
        AddIfSet(body, "warehouse", _session.Warehouse);
        AddIfSet(body, "database", _session.Database);
        AddIfSet(body, "schema", _session.Schema);
        if (statements.Count > 1)
        {
            body["parameters"] = new JsonObject { ["MULTI_STATEMENT_COUNT"] = statements.Count.ToString(CultureInfo.InvariantCulture) };
        }

        var requestId = Guid.NewGuid();
        var attempt = 0;
        var json = body.ToJsonString(Json);
        var first = await SendAsync(() =>
        {
            // A request sent again keeps its id and says so: Snowflake then runs it once, not twice.
            var query = $"?requestId={requestId}" + (attempt++ > 0 ? "&retry=true" : "");
            return new HttpRequestMessage(HttpMethod.Post, new Uri(_base, StatementsPath + query))
            {
                Content = new StringContent(json, Encoding.UTF8, "application/json"),
            };
        }, statements.Count == 1 ? statements[0] : null, ct);

        var done = await UntilDoneAsync(first, statements.Count == 1 ? statements[0] : null, ct);
        if (statements.Count == 1)
        {
            return [await ResultAsync(done, ct)];
        }

        var handles = done["statementHandles"]?.AsArray().Select(h => h!.GetValue<string>()).ToList()
            ?? throw new SnowflakeException("the SQL API answered a multi-statement request without statementHandles");
        var results = new List<StatementResult>();
        for (var i = 0; i < handles.Count; i++)
        {
            var one = await GetAsync(handles[i], null, ct);
            results.Add(await ResultAsync(await UntilDoneAsync(one, i < statements.Count ? statements[i] : null, ct), ct));
        }

        return results;
    }

    private static void AddIfSet(JsonObject body, string name, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            body[name] = value;
        }
    }

    /// <summary>Polls a statement answered with 202 until it has finished (200) or failed (422).</summary>
    private async Task<JsonObject> UntilDoneAsync((HttpStatusCode Code, JsonObject Body) response, string? statement, CancellationToken ct)
    {
        var started = _time.GetUtcNow();
        while (response.Code == HttpStatusCode.Accepted)
        {
            var handle = response.Body["statementHandle"]?.GetValue<string>()
                ?? throw new SnowflakeException("the SQL API answered 202 without a statementHandle");
            if (_time.GetUtcNow() - started > _options.MaxWait)
            {
                throw new SnowflakeException($"statement {handle} still runs after {_options.MaxWait}; see it in Snowflake's query history", statement: statement, isTransient: true);
            }

            await Task.Delay(_options.PollInterval, _time, ct);
            response = await GetAsync(handle, null, ct);
        }

        return response.Body;
    }

    private Task<(HttpStatusCode, JsonObject)> GetAsync(string handle, int? partition, CancellationToken ct) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(_base,
            $"{StatementsPath}/{Uri.EscapeDataString(handle)}{(partition is { } p ? $"?partition={p}" : "")}")), null, ct);

    private async Task<StatementResult> ResultAsync(JsonObject body, CancellationToken ct)
    {
        var handle = body["statementHandle"]?.GetValue<string>() ?? "";
        var meta = body["resultSetMetaData"];
        var columns = meta?["rowType"]?.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList() ?? [];
        var rows = Rows(body["data"]);

        // A large result comes in partitions; the first is in the answer, the others are fetched by number.
        var partitions = meta?["partitionInfo"]?.AsArray().Count ?? 1;
        for (var p = 1; p < partitions; p++)
        {
            var (_, more) = await GetAsync(handle, p, ct);
            rows.AddRange(Rows(more["data"]));
        }

        return new StatementResult(handle, columns, rows);
    }

    private static List<IReadOnlyList<string?>> Rows(JsonNode? data) =>
        data is JsonArray rows
            ? rows.Select(r => (IReadOnlyList<string?>)(r as JsonArray ?? []).Select(c => c?.GetValue<string>()).ToList()).ToList()
            : [];

    private async Task<(HttpStatusCode, JsonObject)> SendAsync(Func<HttpRequestMessage> make, string? statement, CancellationToken ct)
    {
        using var response = await _retry.ExecuteAsync(async token =>
        {
            using var request = make();
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _jwt.Token());
            request.Headers.Add("X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("CustomerTrack", "1.0"));
            return await _http.SendAsync(request, token);
        }, ct);

        var text = await response.Content.ReadAsStringAsync(ct);
        JsonObject body;
        try
        {
            body = JsonNode.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text) as JsonObject ?? [];
        }
        catch (JsonException)
        {
            body = new JsonObject { ["message"] = text.Length > 200 ? text[..200] : text };
        }

        var message = body["message"]?.GetValue<string>() ?? response.ReasonPhrase ?? "";
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK or HttpStatusCode.Accepted:
                return (response.StatusCode, body);
            case HttpStatusCode.UnprocessableEntity:
                var state = body["sqlState"]?.GetValue<string>();
                throw new SnowflakeException(
                    $"Snowflake refused {Describe(statement)}: {message} (SQLSTATE {state})", state, statement);
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                throw new SnowflakeException(
                    $"Snowflake refused the key-pair login ({(int)response.StatusCode}: {message}); check Snowflake:Account and Snowflake:User, and that DESC USER shows RSA_PUBLIC_KEY_FP = {_jwt.Fingerprint}");
            case HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout:
                throw new SnowflakeException($"the SQL API is still busy after {_options.MaxRetries} retries ({(int)response.StatusCode}); try again later", isTransient: true);
            default:
                throw new SnowflakeException($"the SQL API answered {(int)response.StatusCode} to {Describe(statement)}: {message}", statement: statement);
        }
    }

    private static string Describe(string? statement)
    {
        if (statement is null)
        {
            return "the request";
        }

        var first = SqlScript.StripComments(statement).Split('\n')[0].Trim();
        return "'" + (first.Length > 100 ? first[..100] + "…" : first) + "'";
    }
}
