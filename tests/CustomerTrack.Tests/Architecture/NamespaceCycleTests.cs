using ArchUnitNET.Domain;
using ArchUnitNET.Fluent.Slices;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;

namespace CustomerTrack.Tests.Architecture;

/// <summary>
/// The library's namespaces form no cycle (issue "Your own feed", the shape of the code). A node is a top-level
/// namespace of the CustomerTrack assembly together with everything under it: <c>CustomerTrack.Warehouse.DuckDb</c> and
/// <c>CustomerTrack.Warehouse.Postgres</c> belong to <c>Warehouse</c> (the engines and the factory that picks one may use
/// each other), <c>CustomerTrack.Lake.S3</c> to <c>Lake</c>. A sub-namespace that needs a layer its parent does not
/// (as <c>init</c>'s inference needs DuckDB) is a top-level namespace of its own. The root namespace
/// <c>CustomerTrack</c> (the exceptions, <see cref="Failures"/>, <see cref="Signal"/>, <see cref="Workspace"/>) is the
/// shared kernel every namespace may use and is no node. Dependencies are every type reference ArchUnitNET finds in the
/// compiled assembly (fields, signatures, calls, generic arguments, attributes), not the <c>using</c> lines.
/// </summary>
public sealed class NamespaceCycleTests
{
    private const string Root = "CustomerTrack";

    private static readonly ArchUnitNET.Domain.Architecture Library =
        new ArchLoader().LoadAssemblies(typeof(Workspace).Assembly).Build();

    /// <summary>Fails with ArchUnitNET's "Cycle found:" report, which names each namespace of the cycle and the type references that make it.</summary>
    [Fact]
    public void Top_level_namespaces_form_no_cycle()
    {
        var slices = new SliceRuleCreator();
        slices.SetSliceAssignment(new SliceAssignment(TopLevel, $"top-level namespaces of {Root}"));
        new GivenSlices(slices).Should().BeFreeOfCycles().Check(Library);
    }

    /// <summary>The rule sees the namespaces it is about: a pattern that matched nothing would pass on any code.</summary>
    [Fact]
    public void Every_top_level_namespace_is_a_node()
    {
        var slices = new SliceRuleCreator();
        slices.SetSliceAssignment(new SliceAssignment(TopLevel, $"top-level namespaces of {Root}"));
        var names = slices.GetSlices(Library).Select(s => s.Description).ToHashSet();
        Assert.Contains("Warehouse", names);
        Assert.Contains("Load", names);
        Assert.Contains("Query", names);
        Assert.DoesNotContain("Warehouse.DuckDb", names);
    }

    private static SliceIdentifier TopLevel(IType type)
    {
        var name = type.Namespace?.FullName ?? "";
        if (!name.StartsWith(Root + ".", StringComparison.Ordinal))
        {
            return SliceIdentifier.Ignore();
        }

        var rest = name[(Root.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return SliceIdentifier.Of(dot < 0 ? rest : rest[..dot]);
    }
}
