using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CustomerTrack.Snowflake;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CustomerTrack.Tests.Snowflake;

/// <summary>What the stand-in answers to one statement: rows, a failure, and how many polls it stays running for.</summary>
internal sealed record StandInReply(string[] Columns, string?[][] Rows, int Polls = 0, string? SqlState = null, string? Error = null)
{
    public static StandInReply Done(int polls = 0) => new([], [], polls);

    public static StandInReply Fail(string sqlState, string message) => new([], [], 0, sqlState, message);

    public static StandInReply Table(string[] columns, params string?[][] rows) => new(columns, rows);
}

/// <summary>One HTTP request the stand-in received.</summary>
internal sealed record StandInRequest(string Method, string Path, string? RequestId, bool Retry, string? Statement, JsonObject? Body);

/// <summary>
/// A loopback stand-in for the PROTOCOL of Snowflake's SQL API v2, built from its documentation: it is NOT Snowflake
/// and runs no SQL. It checks what a client must send (the headers, a key-pair JWT signed by the registered key with
/// the documented iss, sub and at most an hour of life, MULTI_STATEMENT_COUNT), and answers in the documented shapes:
/// 200 with a result set (in partitions when long), 200 with statementHandles for several statements, 202 with a
/// statementHandle while a statement "runs", 422 with sqlState when one fails, 401 for a bad token. The test decides,
/// per statement, what the answer is (<see cref="Answer"/>), and can refuse requests with 429 or 503 first.
/// </summary>
internal sealed class SqlApiStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RSA _publicKey;
    private readonly string _issuer;
    private readonly string _subject;
    private readonly ConcurrentDictionary<string, Pending> _handles = new();
    private readonly ConcurrentDictionary<string, (int Code, JsonObject Body)> _byRequestId = new();
    private readonly object _gate = new();

    private sealed class Pending(int polls, int code, JsonObject body)
    {
        public int Polls = polls;
        public int Code { get; } = code;
        public JsonObject Body { get; } = body;
    }

    private SqlApiStandIn(WebApplication app, RSA publicKey, string account, string user)
    {
        _app = app;
        _publicKey = publicKey;
        _subject = $"{SnowflakeJwt.AccountName(account)}.{user.ToUpperInvariant()}";
        _issuer = $"{_subject}.SHA256:{Convert.ToBase64String(SHA256.HashData(publicKey.ExportSubjectPublicKeyInfo()))}";
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>The answer to each statement the stand-in "runs"; by default it succeeds with no rows.</summary>
    public Func<string, StandInReply> Answer { get; set; } = _ => StandInReply.Done();

    /// <summary>Status codes to refuse the next requests with, before looking at them (429, 503).</summary>
    public ConcurrentQueue<int> Refusals { get; } = new();

    /// <summary>How many of the next POSTs are run but answered 503, as if the answer were lost on the way.</summary>
    public int LoseAnswers;

    /// <summary>Rows per result partition.</summary>
    public int PartitionRows { get; set; } = 1000;

    public ConcurrentQueue<StandInRequest> Requests { get; } = new();

    /// <summary>Every statement run, in order.</summary>
    public ConcurrentQueue<string> Ran { get; } = new();

    public static async Task<SqlApiStandIn> StartAsync(string publicKeyPemPath, string account, string user)
    {
        var app = CustomerTrack.Hosting.WebHosts.Builder(IPAddress.Loopback, 0).Build();
        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(publicKeyPemPath));
        var standIn = new SqlApiStandIn(app, rsa, account, user);
        app.MapPost("/api/v2/statements", standIn.PostAsync);
        app.MapGet("/api/v2/statements/{handle}", standIn.Get);
        standIn.Url = new Uri(await CustomerTrack.Hosting.WebHosts.StartAsync(app));
        return standIn;
    }

    private async Task<IResult> PostAsync(HttpRequest http)
    {
        var text = await new StreamReader(http.Body).ReadToEndAsync();
        var body = JsonNode.Parse(text) as JsonObject;
        var requestId = http.Query["requestId"].FirstOrDefault();
        var retry = http.Query["retry"].FirstOrDefault() == "true";
        Requests.Enqueue(new StandInRequest("POST", http.Path, requestId, retry, body?["statement"]?.GetValue<string>(), body));
        if (Refused() is { } refused)
        {
            return refused;
        }

        if (Unauthorized(http) is { } denied)
        {
            return denied;
        }

        if (http.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true || body?["statement"] is null)
        {
            return Error(400, "390142", null, "Incoming request does not contain a valid payload.");
        }

        // A resubmitted request (same requestId, retry=true) is not run again: its first answer is given.
        if (retry && requestId is not null && _byRequestId.TryGetValue(requestId, out var earlier))
        {
            return Results.Json(earlier.Body, statusCode: earlier.Code);
        }

        var statements = SqlScript.Split(body["statement"]!.GetValue<string>());
        var wanted = int.Parse(body["parameters"]?["MULTI_STATEMENT_COUNT"]?.GetValue<string>() ?? "1", CultureInfo.InvariantCulture);
        (int Code, JsonObject Body) answer;
        if (wanted != 0 && wanted != statements.Count)
        {
            answer = (422, ErrorBody("000008", "0A000", $"Actual statement count {statements.Count} did not match the desired statement count {wanted}."));
        }
        else
        {
            answer = Run(statements);
        }

        if (requestId is not null)
        {
            _byRequestId[requestId] = answer;
        }

        if (Interlocked.Decrement(ref LoseAnswers) >= 0)
        {
            return Error(503, "390400", null, "Service unavailable (stand-in: the statement ran, this answer is 'lost')");
        }

        return Results.Json(answer.Body, statusCode: answer.Code);
    }

    private (int, JsonObject) Run(IReadOnlyList<string> statements)
    {
        lock (_gate)
        {
            var handles = new JsonArray();
            var polls = 0;
            foreach (var statement in statements)
            {
                var reply = Answer(statement);
                Ran.Enqueue(statement);
                var handle = Guid.NewGuid().ToString();
                if (reply.Error is not null)
                {
                    // Snowflake stops a multi-statement request at the first failure; the request fails with it.
                    return (422, ErrorBody("002003", reply.SqlState!, reply.Error, handle));
                }

                _handles[handle] = new Pending(reply.Polls, 200, ResultBody(handle, reply.Columns, reply.Rows.Take(PartitionRows), reply.Rows.Length));
                _partitions[handle] = reply.Rows;
                handles.Add(handle);
                polls = Math.Max(polls, reply.Polls);
            }

            JsonObject final;
            string top;
            if (statements.Count == 1)
            {
                top = handles[0]!.GetValue<string>();
                final = _handles[top].Body;
            }
            else
            {
                top = Guid.NewGuid().ToString();
                final = ResultBody(top, ["multiple statement execution"], [["Multiple statements executed successfully."]], 1);
                final["statementHandles"] = handles;
                _handles[top] = new Pending(polls, 200, final);
            }

            // Polls counts the 202 answers: this one is the first.
            return Interlocked.Decrement(ref _handles[top].Polls) >= 0 ? (202, Accepted(top)) : (200, final);
        }
    }

    private readonly ConcurrentDictionary<string, string?[][]> _partitions = new();

    private IResult Get(string handle, HttpRequest http)
    {
        Requests.Enqueue(new StandInRequest("GET", http.Path, null, false, null, null));
        if (Refused() is { } refused)
        {
            return refused;
        }

        if (Unauthorized(http) is { } denied)
        {
            return denied;
        }

        if (!_handles.TryGetValue(handle, out var pending))
        {
            return Error(404, "333333", null, "Statement handle not found.");
        }

        if (http.Query["partition"].FirstOrDefault() is { } p)
        {
            var n = int.Parse(p, CultureInfo.InvariantCulture);
            var rows = _partitions[handle].Skip(n * PartitionRows).Take(PartitionRows);
            return Results.Json(new JsonObject { ["data"] = Data(rows) });
        }

        return Interlocked.Decrement(ref pending.Polls) >= 0
            ? Results.Json(Accepted(handle), statusCode: 202)
            : Results.Json(pending.Body, statusCode: pending.Code);
    }

    private IResult? Refused() =>
        Refusals.TryDequeue(out var code) ? Error(code, code == 429 ? "390500" : "390400", null, code == 429 ? "Too many requests." : "Service unavailable.") : null;

    /// <summary>Checks the documented headers and the JWT: signature by the registered key, iss, sub, and at most an hour.</summary>
    private IResult? Unauthorized(HttpRequest http)
    {
        var auth = http.Headers.Authorization.FirstOrDefault() ?? "";
        if (http.Headers["X-Snowflake-Authorization-Token-Type"] != "KEYPAIR_JWT" || !auth.StartsWith("Bearer ", StringComparison.Ordinal)
            || string.IsNullOrEmpty(http.Headers.UserAgent) || !http.Headers.Accept.ToString().Contains("application/json", StringComparison.Ordinal))
        {
            return Error(401, "390101", null, "Authorization header, token type, User-Agent or Accept missing.");
        }

        var parts = auth["Bearer ".Length..].Split('.');
        if (parts.Length != 3 || !_publicKey.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]),
                SnowflakeJwt.FromBase64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return Error(401, "390144", null, "JWT token is invalid.");
        }

        var claims = JsonNode.Parse(SnowflakeJwt.FromBase64Url(parts[1]))!;
        var iat = claims["iat"]!.GetValue<long>();
        var exp = claims["exp"]!.GetValue<long>();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (claims["iss"]?.GetValue<string>() != _issuer || claims["sub"]?.GetValue<string>() != _subject
            || exp - iat > 3600 || exp <= now || iat > now + 60)
        {
            return Error(401, "390144", null, "JWT token is invalid.");
        }

        return null;
    }

    private static JsonObject Accepted(string handle) => new()
    {
        ["code"] = "333334",
        ["message"] = "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
        ["statementHandle"] = handle,
        ["statementStatusUrl"] = $"/api/v2/statements/{handle}",
    };

    private JsonObject ResultBody(string handle, string[] columns, IEnumerable<string?[]> firstRows, int total) => new()
    {
        ["resultSetMetaData"] = new JsonObject
        {
            ["numRows"] = total,
            ["format"] = "jsonv2",
            ["rowType"] = new JsonArray(columns.Select(c => (JsonNode)new JsonObject { ["name"] = c, ["type"] = "text", ["nullable"] = true }).ToArray()),
            ["partitionInfo"] = new JsonArray(Enumerable.Range(0, Math.Max(1, (total + PartitionRows - 1) / PartitionRows)).Select(_ => (JsonNode)new JsonObject()).ToArray()),
        },
        ["data"] = Data(firstRows),
        ["code"] = "090001",
        ["sqlState"] = "00000",
        ["statementHandle"] = handle,
        ["message"] = "Statement executed successfully.",
    };

    private static JsonArray Data(IEnumerable<string?[]> rows) =>
        new(rows.Select(r => (JsonNode)new JsonArray(r.Select(c => c is null ? null : (JsonNode)JsonValue.Create(c)).ToArray())).ToArray());

    private static JsonObject ErrorBody(string code, string sqlState, string message, string? handle = null) => new()
    {
        ["code"] = code,
        ["message"] = message,
        ["sqlState"] = sqlState,
        ["statementHandle"] = handle,
    };

    private static IResult Error(int status, string code, string? sqlState, string message) =>
        Results.Json(ErrorBody(code, sqlState ?? "", message), statusCode: status);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _publicKey.Dispose();
    }
}
