namespace CustomerTrack.Warehouse;

/// <summary>
/// Statements on one engine's open transaction. SQL names its parameters <c>$name</c>; an engine that spells them
/// otherwise translates (the one place the shared SQL meets an engine's parameter syntax).
/// </summary>
internal interface ISqlRunner
{
    void Execute(string sql, params (string Name, object? Value)[] args);

    object? Scalar(string sql, params (string Name, object? Value)[] args);
}
