namespace CustomerTrack.Tests.Support;

/// <summary>
/// Tests that set CUSTOMERTRACK__ variables: every workspace reads the environment, so these run alone,
/// after the parallel collections.
/// </summary>
[CollectionDefinition("environment", DisableParallelization = true)]
public sealed class EnvironmentCollection;
