using System.Globalization;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using CustomerTrack.Configuration;

namespace CustomerTrack.Lake.S3;

/// <summary>
/// The lake in an S3 bucket (AWS S3, MinIO, any S3-compatible store), through the AWS SDK. Credentials come from the
/// SDK's default chain (environment, profile, instance role) and are never printed. Only plain put, get and list are
/// used, so correctness never rests on conditional writes or notifications that compatible stores may lack.
/// </summary>
internal sealed class S3Lake : ILake, IDisposable
{
    private const string LandedAtMeta = "x-amz-meta-landed-at";

    private readonly AmazonS3Client _client;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly S3Settings _settings;
    private readonly string _downloads;
    private readonly TimeProvider _time;

    public S3Lake(string uri, S3Settings settings, string downloads, TimeProvider time)
    {
        (_bucket, _prefix) = Parse(uri);
        _settings = settings;
        _downloads = downloads;
        _time = time;
        var config = new AmazonS3Config
        {
            ForcePathStyle = settings.ForcePathStyle || settings.ServiceUrl.Length > 0,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            AuthenticationRegion = settings.Region,
        };
        if (settings.ServiceUrl.Length > 0)
        {
            config.ServiceURL = settings.ServiceUrl;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(settings.Region);
        }

        _client = new AmazonS3Client(config);
        Describe = $"s3://{_bucket}/{_prefix}" + (settings.ServiceUrl.Length > 0 ? $" at {settings.ServiceUrl}" : "");
    }

    public string Describe { get; }

    /// <summary>Splits <c>s3://bucket/prefix</c>; the prefix may be empty.</summary>
    public static (string Bucket, string Prefix) Parse(string uri)
    {
        if (!uri.StartsWith("s3://", StringComparison.Ordinal))
        {
            throw new SettingsException("Lake:Uri", $"'{uri}' is not s3://bucket/prefix");
        }

        var rest = uri[5..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (bucket.Length == 0)
        {
            throw new SettingsException("Lake:Uri", $"'{uri}' names no bucket; write s3://bucket/prefix");
        }

        return (bucket, prefix.Length == 0 ? "" : prefix + "/");
    }

    public string NewTempPath() => LocalPath(".upload");

    private string LocalPath(string extension)
    {
        Directory.CreateDirectory(_downloads);
        return Path.Combine(_downloads, Guid.NewGuid().ToString("N") + extension);
    }

    public async Task CommitAsync(string tempPath, string key, DateTime landedAt, CancellationToken ct)
    {
        await PutAsync(key, tempPath, landedAt, ct);
        File.Delete(tempPath);
    }

    public async Task PutAsync(string key, string localFile, DateTime landedAt, CancellationToken ct)
    {
        var request = new PutObjectRequest
        {
            BucketName = _bucket,
            Key = _prefix + key,
            FilePath = localFile,
            UseChunkEncoding = _settings.UseChunkEncoding,
        };
        request.Metadata.Add(LandedAtMeta, landedAt.ToString("O", CultureInfo.InvariantCulture));
        await Guard(() => _client.PutObjectAsync(request, ct));
    }

    public Task<IReadOnlyList<LakeEntry>> ListAsync(CancellationToken ct) => ListAfterAsync(null, ct);

    /// <summary>
    /// Keys begin with their ingest date, so a listing from a day starts after a marker just before it (Snowpipe learns
    /// of new objects by notification; a listing after a marker is what every S3-compatible store supports).
    /// </summary>
    public Task<IReadOnlyList<LakeEntry>> ListFromAsync(string day, CancellationToken ct) => ListAfterAsync(_prefix + day, ct);

    private async Task<IReadOnlyList<LakeEntry>> ListAfterAsync(string? startAfter, CancellationToken ct)
    {
        var startedAt = _time.GetUtcNow().UtcDateTime;
        var entries = new List<LakeEntry>();
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix, StartAfter = startAfter };
        ListObjectsV2Response response;
        do
        {
            response = await Guard(() => _client.ListObjectsV2Async(request, ct));
            foreach (var o in response.S3Objects ?? [])
            {
                var key = o.Key[_prefix.Length..];
                if (LakeKey.IsSafe(key))
                {
                    entries.Add(new LakeEntry(key, o.Size ?? 0, o.LastModified?.ToUniversalTime() ?? startedAt));
                }
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);

        entries.Sort((a, b) => LakeKey.Compare(a.Key, b.Key));
        return entries;
    }

    public async Task<LakeCopy?> CopyAsync(string key, CancellationToken ct)
    {
        var path = LocalPath(".csv");
        try
        {
            using var response = await Guard(() => _client.GetObjectAsync(_bucket, _prefix + key, ct));
            await response.WriteResponseStreamToFileAsync(path, append: false, ct);
            var landed = DateTime.TryParse(response.Metadata[LandedAtMeta], CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? t : (DateTime?)null;
            return new LakeCopy(path, landed, temporary: true);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            File.Delete(path);
            return null;
        }
    }

    /// <summary>Translates the SDK's errors once, at the lake boundary: where, what, and whether a retry can help.</summary>
    private async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // Callers decide what a missing object means.
            throw;
        }
        catch (AmazonS3Exception e)
        {
            var transient = (int)e.StatusCode >= 500 || e.StatusCode == HttpStatusCode.TooManyRequests;
            throw new CustomerTrackException($"lake {Describe}: {e.ErrorCode ?? e.StatusCode.ToString()}: {e.Message}", e, transient);
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException)
        {
            throw new CustomerTrackException($"lake {Describe} unreachable: {e.Message}", e, isTransient: true);
        }
    }

    public void Dispose() => _client.Dispose();
}
