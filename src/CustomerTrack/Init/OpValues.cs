using CustomerTrack.Tables;

namespace CustomerTrack.Init;

/// <summary>
/// The op values feeds commonly use (Debezium's c/u/d/r, I/U/D, insert/update/delete, create/update/delete, …) and
/// what they mean. A column is an op column only when every value it holds is recognised here.
/// </summary>
internal static class OpValues
{
    /// <summary>Families of values that belong together: insert, update, delete, in one spelling.</summary>
    private static readonly string[][] Families =
    [
        ["i", "u", "d"],
        ["c", "u", "d"],
        ["insert", "update", "delete"],
        ["create", "update", "delete"],
        ["created", "updated", "deleted"],
        ["inserted", "updated", "deleted"],
        ["add", "update", "remove"],
        ["added", "updated", "removed"],
        ["new", "change", "delete"],
    ];

    private static readonly Dictionary<string, ChangeKind> Upserts = new(StringComparer.OrdinalIgnoreCase)
    {
        ["upsert"] = ChangeKind.Upsert,
        ["merge"] = ChangeKind.Upsert,
        ["r"] = ChangeKind.Upsert, // Debezium's snapshot read
        ["read"] = ChangeKind.Upsert,
        ["snapshot"] = ChangeKind.Upsert,
    };

    /// <summary>
    /// The mapping for a column holding <paramref name="found"/>, completed with the rest of each value's family (a
    /// sample with only inserts and updates still maps the feed's deletes); null when a value is not recognised.
    /// </summary>
    public static IReadOnlyList<(string Value, ChangeKind Kind)>? Map(IReadOnlyList<string> found)
    {
        var mapping = new List<(string, ChangeKind)>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        void Add(string value, ChangeKind kind)
        {
            if (seen.Add(value))
            {
                mapping.Add((value, kind));
            }
        }

        var values = found.Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
        if (values.Count == 0)
        {
            return null;
        }

        foreach (var value in values)
        {
            if (Upserts.TryGetValue(value, out var upsert))
            {
                Add(value, upsert);
                continue;
            }

            // The family that holds most of the values found: c, u, d is Debezium's, not i, u, d with a stray c.
            var family = Families.Where(f => f.Contains(value, StringComparer.OrdinalIgnoreCase))
                .MaxBy(f => values.Count(v => f.Contains(v, StringComparer.OrdinalIgnoreCase)));
            if (family is null)
            {
                return null;
            }

            var upper = value.Any(char.IsUpper) && !value.Any(char.IsLower);
            var title = !upper && char.IsUpper(value[0]);
            string Spell(string v) => upper ? v.ToUpperInvariant() : title ? char.ToUpperInvariant(v[0]) + v[1..] : v;
            Add(value, Kind(Array.IndexOf(family, value.ToLowerInvariant())));
            for (var k = 0; k < family.Length; k++)
            {
                Add(Spell(family[k]), Kind(k));
            }
        }

        return mapping;
    }

    private static ChangeKind Kind(int position) => position switch
    {
        0 => ChangeKind.Insert,
        1 => ChangeKind.Update,
        _ => ChangeKind.Delete,
    };
}
