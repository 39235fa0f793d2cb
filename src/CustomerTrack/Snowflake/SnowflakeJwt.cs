using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CustomerTrack.Snowflake;

/// <summary>
/// Key-pair authentication for Snowflake's SQL API: a JWT signed with the user's RSA private key (RS256), with
/// <c>iss = ACCOUNT.USER.SHA256:&lt;fingerprint&gt;</c> and <c>sub = ACCOUNT.USER</c>, valid for less than the hour
/// Snowflake allows. The fingerprint is the base64 SHA-256 of the DER public key, as <c>DESC USER</c> shows it in
/// <c>RSA_PUBLIC_KEY_FP</c>. Only the BCL: NuGet has no Snowflake connector, and none is needed.
/// </summary>
internal sealed class SnowflakeJwt : IDisposable
{
    /// <summary>How long a token is valid; Snowflake refuses more than one hour.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(59);

    // A token is reused until this close to its expiry, so a long deploy never sends one that runs out on the way.
    private static readonly TimeSpan Renew = TimeSpan.FromMinutes(5);

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly RSA _key;
    private readonly TimeProvider _time;
    private string? _token;
    private DateTimeOffset _expires;

    private SnowflakeJwt(RSA key, string account, string user, TimeProvider time)
    {
        _key = key;
        _time = time;
        Fingerprint = "SHA256:" + Convert.ToBase64String(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
        Subject = $"{AccountName(account)}.{user.Trim().ToUpperInvariant()}";
    }

    /// <summary><c>SHA256:</c> and the base64 SHA-256 of the DER SubjectPublicKeyInfo (what <c>RSA_PUBLIC_KEY_FP</c> shows).</summary>
    public string Fingerprint { get; }

    /// <summary>ACCOUNT.USER, upper case.</summary>
    public string Subject { get; }

    public string Issuer => $"{Subject}.{Fingerprint}";

    /// <summary>
    /// The account as the JWT names it: upper case, up to the first dot. <c>Snowflake:Account</c> is written as in the
    /// account URL: <c>myorg-myaccount</c> (the preferred form) or a locator such as <c>xy12345.us-east-1</c>, whose region
    /// is not part of the name.
    /// </summary>
    public static string AccountName(string account)
    {
        var a = AccountHost(account);

        // The global form (locator-hash.global) names the account by its locator, before the hash.
        if (a.EndsWith(".global", StringComparison.OrdinalIgnoreCase))
        {
            var dash = a.IndexOf('-', StringComparison.Ordinal);
            return (dash > 0 ? a[..dash] : a[..a.IndexOf('.', StringComparison.Ordinal)]).ToUpperInvariant();
        }

        var dot = a.IndexOf('.', StringComparison.Ordinal);
        return (dot > 0 ? a[..dot] : a).ToUpperInvariant();
    }

    /// <summary>
    /// The account as the host names it, lower case: a pasted URL or host loses its scheme, path and
    /// <c>.snowflakecomputing.com</c>, so <c>https://myorg-myaccount.snowflakecomputing.com/</c> is <c>myorg-myaccount</c>.
    /// </summary>
    public static string AccountHost(string account)
    {
        var a = account.Trim().ToLowerInvariant();
        a = a.StartsWith("https://", StringComparison.Ordinal) ? a["https://".Length..] : a.StartsWith("http://", StringComparison.Ordinal) ? a["http://".Length..] : a;
        a = a.Split('/')[0];
        const string domain = ".snowflakecomputing.com";
        return a.EndsWith(domain, StringComparison.Ordinal) ? a[..^domain.Length] : a;
    }

    /// <summary>
    /// Reads an unencrypted PEM private key (PKCS#8 or PKCS#1). The file must be readable by its owner only, as ssh
    /// insists for its keys: a key others can read is a key others may have copied. Errors never show the key.
    /// </summary>
    public static SnowflakeJwt FromFile(string account, string user, string path, TimeProvider time)
    {
        if (string.IsNullOrWhiteSpace(account) || string.IsNullOrWhiteSpace(user))
        {
            throw new SnowflakeException("Snowflake:Account and Snowflake:User are both needed for key-pair authentication");
        }

        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            throw new SnowflakeException($"Snowflake:PrivateKeyPath '{path}' is not a file; point it at the PEM private key whose public key is set on the user (ALTER USER … SET RSA_PUBLIC_KEY)");
        }

        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
            if ((File.GetUnixFileMode(path) & others) != 0)
            {
                throw new SnowflakeException($"Snowflake:PrivateKeyPath '{path}' can be read by other users; make it readable by its owner only (chmod 600 '{path}')");
            }
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(File.ReadAllText(path));
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            throw new SnowflakeException($"Snowflake:PrivateKeyPath '{path}' holds no unencrypted RSA private key in PEM form (an encrypted key can be decrypted with 'openssl pkcs8 -in key.p8 -out key.pem')");
        }

        return new SnowflakeJwt(rsa, account, user, time);
    }

    /// <summary>A valid token: the one made before while it has more than a few minutes left, else a new one.</summary>
    public string Token()
    {
        var now = _time.GetUtcNow();
        if (_token is null || now >= _expires - Renew)
        {
            _expires = now + Lifetime;
            _token = Sign(now, _expires);
        }

        return _token;
    }

    private string Sign(DateTimeOffset issued, DateTimeOffset expires)
    {
        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "RS256", ["typ"] = "JWT" }, Json));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["sub"] = Subject,
            ["iat"] = issued.ToUnixTimeSeconds(),
            ["exp"] = expires.ToUnixTimeSeconds(),
        }, Json));
        var signed = header + "." + payload;
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signed + "." + Base64Url(signature);
    }

    public static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s + new string('=', (4 - (s.Length % 4)) % 4));
    }

    public void Dispose() => _key.Dispose();
}
