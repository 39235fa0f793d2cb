using CustomerTrack.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace CustomerTrack.Tests.Support;

/// <summary>Runs the real pipeline in this process.</summary>
internal static class Pipelines
{
    /// <summary>As <c>run --once</c>: everything in landing/ and the lake, through to both SCD tables.</summary>
    public static async Task<DrainSummary> DrainAsync(Workspace ws, TimeProvider? time = null, Stages stages = Stages.All)
    {
        await using var runner = await PipelineRunner.StartAsync(ws, time ?? TimeProvider.System, NullLoggerFactory.Instance, stages, "test", CancellationToken.None, serveReaders: false);
        return await runner.DrainAsync(CancellationToken.None);
    }
}
