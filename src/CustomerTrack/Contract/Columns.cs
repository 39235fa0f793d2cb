namespace CustomerTrack.Contract;

/// <summary>The input and table contract's column names (README, "Input files" and "Tables").</summary>
internal static class Columns
{
    public const string CustomerId = "customer_id";
    public const string UpdatedAt = "updated_at";
    public const string Op = "op";

    /// <summary>The seven attributes, in table order.</summary>
    public static readonly IReadOnlyList<string> Attributes =
        ["first_name", "last_name", "email", "street", "city", "state", "country"];

    /// <summary>The open end of the current version: the original tutorial's convention.</summary>
    public static readonly DateTime OpenEnd = new(9999, 12, 31, 0, 0, 0, DateTimeKind.Utc);
}
