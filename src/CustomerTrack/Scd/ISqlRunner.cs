
namespace CustomerTrack.Scd;

/// <summary>
/// Statements on one engine's open transaction. SQL names its parameters <c>$name</c>; an engine that spells them
/// otherwise translates (the one place the shared SQL meets an engine's parameter syntax).
/// </summary>
internal interface ISqlRunner
{
    void Execute(string sql, params (string Name, object? Value)[] args);

    object? Scalar(string sql, params (string Name, object? Value)[] args);

    /// <summary>Runs a plan step, binding exactly the parameters it declares; <see cref="Created"/> follows a step that makes a table.</summary>
    void Run(SqlStep step, IReadOnlyDictionary<string, object?> values)
    {
        Execute(step.Sql, Bind(step, values));
        if (step.Creates is { } table)
        {
            Created(table);
        }
    }

    /// <summary>A plan step's single value.</summary>
    object? Scalar(SqlStep step, IReadOnlyDictionary<string, object?> values) => Scalar(step.Sql, Bind(step, values));

    /// <summary>Called after a plan step made a working table (PostgreSQL analyses it: autovacuum never does).</summary>
    void Created(string table)
    {
    }

    private static (string, object?)[] Bind(SqlStep step, IReadOnlyDictionary<string, object?> values) =>
        step.Parameters.Select(p => (p, values[p])).ToArray();
}
