
namespace CustomerTrack.Scd;

/// <summary>
/// Statements on one engine's open transaction. SQL names its parameters <c>$name</c>; an engine that spells them
/// otherwise translates through its <see cref="Dialect"/> (the one place the shared SQL meets an engine's parameter syntax).
/// </summary>
internal interface ISqlRunner
{
    /// <summary>How this engine spells what the shared SQL leaves to it.</summary>
    ISqlDialect Dialect { get; }

    void Execute(string sql, params (string Name, object? Value)[] args);

    object? Scalar(string sql, params (string Name, object? Value)[] args);

    /// <summary>Every row of a query, each as its values (null for SQL NULL).</summary>
    IReadOnlyList<object?[]> Rows(string sql, params (string Name, object? Value)[] args);

    /// <summary>Runs a plan step, binding exactly the parameters it declares; <see cref="Created"/> follows a step that makes a table.</summary>
    void Run(SqlStep step, IReadOnlyDictionary<string, object?> values)
    {
        Execute(step.Sql, Bind(step, values));
        if (step.Creates is { } table)
        {
            Created(table);
        }
    }

    /// <summary>
    /// Runs plan steps in order, each as <see cref="Run"/> does. An engine whose statements each cost a round trip sends
    /// them together (PostgreSQL: one batch).
    /// </summary>
    void RunAll(IEnumerable<SqlStep> steps, IReadOnlyDictionary<string, object?> values)
    {
        foreach (var step in steps)
        {
            Run(step, values);
        }
    }

    /// <summary>A plan step's single value.</summary>
    object? Scalar(SqlStep step, IReadOnlyDictionary<string, object?> values) => Scalar(step.Sql, Bind(step, values));

    /// <summary>Called after a plan step made a working table (PostgreSQL analyses it: autovacuum never does).</summary>
    void Created(string table)
    {
    }

    internal static (string Name, object? Value)[] Bind(SqlStep step, IReadOnlyDictionary<string, object?> values) =>
        step.Parameters.Select(p => (p, values[p])).ToArray();
}
