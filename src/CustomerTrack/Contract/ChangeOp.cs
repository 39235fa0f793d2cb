namespace CustomerTrack.Contract;

/// <summary>The <c>op</c> column: what a change does. Inserts and updates are both upserts under event-time ordering.</summary>
public static class ChangeOp
{
    public const string Upsert = "UPSERT";
    public const string Insert = "INSERT";
    public const string Update = "UPDATE";
    public const string Delete = "DELETE";

    /// <summary>The canonical name for <paramref name="text"/>, or null when it is not an op. Empty means UPSERT.</summary>
    public static string? Normalize(ReadOnlySpan<char> text)
    {
        var t = text.Trim();
        if (t.IsEmpty)
        {
            return Upsert;
        }

        if (t.Length == 1)
        {
            return char.ToUpperInvariant(t[0]) switch
            {
                'I' => Insert,
                'U' => Update,
                'D' => Delete,
                _ => null,
            };
        }

        foreach (var op in (ReadOnlySpan<string>)[Upsert, Insert, Update, Delete])
        {
            if (t.Equals(op, StringComparison.OrdinalIgnoreCase))
            {
                return op;
            }
        }

        return null;
    }
}
