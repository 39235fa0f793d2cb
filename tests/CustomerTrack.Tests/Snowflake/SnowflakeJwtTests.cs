using System.Text;
using System.Text.Json;
using CustomerTrack.Snowflake;
using Microsoft.Extensions.Time.Testing;

namespace CustomerTrack.Tests.Snowflake;

public sealed class SnowflakeJwtTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private readonly SnowflakeKeys _keys = new();

    [Fact]
    public void Fingerprint_is_the_one_openssl_computes_from_the_public_key()
    {
        using var jwt = SnowflakeJwt.FromFile("myorg-myaccount", "ct_deployer", _keys.PrivateKey, new FakeTimeProvider(Start));

        Assert.Equal(_keys.OpenSslFingerprint(), jwt.Fingerprint);
    }

    [Fact]
    public void Token_signature_verifies_with_openssl_and_claims_name_account_user_and_one_hour_at_most()
    {
        using var jwt = SnowflakeJwt.FromFile("myorg-myaccount", "ct_deployer", _keys.PrivateKey, new FakeTimeProvider(Start));

        var parts = jwt.Token().Split('.');

        Assert.Equal(3, parts.Length);
        Assert.True(_keys.OpenSslVerifies(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), SnowflakeJwt.FromBase64Url(parts[2])));
        using var header = JsonDocument.Parse(SnowflakeJwt.FromBase64Url(parts[0]));
        Assert.Equal("RS256", header.RootElement.GetProperty("alg").GetString());
        using var claims = JsonDocument.Parse(SnowflakeJwt.FromBase64Url(parts[1]));
        var c = claims.RootElement;
        Assert.Equal($"MYORG-MYACCOUNT.CT_DEPLOYER.{_keys.OpenSslFingerprint()}", c.GetProperty("iss").GetString());
        Assert.Equal("MYORG-MYACCOUNT.CT_DEPLOYER", c.GetProperty("sub").GetString());
        Assert.Equal(Start.ToUnixTimeSeconds(), c.GetProperty("iat").GetInt64());
        var lifetime = c.GetProperty("exp").GetInt64() - c.GetProperty("iat").GetInt64();
        Assert.InRange(lifetime, 1, 3600);
    }

    [Fact]
    public void Token_is_reused_while_fresh_and_renewed_before_it_expires()
    {
        var time = new FakeTimeProvider(Start);
        using var jwt = SnowflakeJwt.FromFile("myorg-myaccount", "u", _keys.PrivateKey, time);
        var first = jwt.Token();

        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(first, jwt.Token());

        time.Advance(SnowflakeJwt.Lifetime);
        var renewed = jwt.Token();
        Assert.NotEqual(first, renewed);
        using var claims = JsonDocument.Parse(SnowflakeJwt.FromBase64Url(renewed.Split('.')[1]));
        Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds(), claims.RootElement.GetProperty("iat").GetInt64());
    }

    [Theory]
    [InlineData("myorg-myaccount", "MYORG-MYACCOUNT", "https://myorg-myaccount.snowflakecomputing.com/")]
    [InlineData("xy12345.us-east-1", "XY12345", "https://xy12345.us-east-1.snowflakecomputing.com/")]
    [InlineData("XY12345", "XY12345", "https://xy12345.snowflakecomputing.com/")]
    [InlineData("xy12345-abcdefgh.global", "XY12345", "https://xy12345-abcdefgh.global.snowflakecomputing.com/")]
    [InlineData("myorg-myaccount.snowflakecomputing.com", "MYORG-MYACCOUNT", "https://myorg-myaccount.snowflakecomputing.com/")]
    [InlineData(" https://MyOrg-MyAccount.snowflakecomputing.com/console ", "MYORG-MYACCOUNT", "https://myorg-myaccount.snowflakecomputing.com/")]
    [InlineData("https://xy12345.eu-west-1.snowflakecomputing.com", "XY12345", "https://xy12345.eu-west-1.snowflakecomputing.com/")]
    public void Account_is_named_upper_case_without_its_region_hash_or_pasted_host(string account, string jwtName, string url)
    {
        Assert.Equal(jwtName, SnowflakeJwt.AccountName(account));
        Assert.Equal(url, SqlApiClient.AccountUrl(account).ToString());
    }

    [Fact]
    public void A_key_file_others_can_read_is_refused_without_showing_the_key()
    {
        SnowflakeKeys.Chmod(_keys.PrivateKey, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var e = Assert.Throws<SnowflakeException>(() => SnowflakeJwt.FromFile("a", "u", _keys.PrivateKey, TimeProvider.System));

        Assert.Contains("chmod 600", e.Message);
        Assert.DoesNotContain("PRIVATE KEY", e.Message);
    }

    [Fact]
    public void A_file_without_a_key_is_refused_without_showing_its_content()
    {
        var path = Path.Combine(_keys.Dir, "not-a-key.pem");
        File.WriteAllText(path, "secret-looking-text");
        SnowflakeKeys.OwnerOnly(path);

        var e = Assert.Throws<SnowflakeException>(() => SnowflakeJwt.FromFile("a", "u", path, TimeProvider.System));

        Assert.DoesNotContain("secret-looking-text", e.Message);
    }

    public void Dispose() => _keys.Dispose();
}
