namespace CustomerTrack.Contract;

/// <summary>
/// The canonical op names the ledger keeps: what a change does. Inserts and updates are both upserts under event-time
/// ordering. What a feed's values mean is its table's op mapping (<see cref="Tables.OpMapping"/>; the customer feed's is
/// <see cref="Tables.OpMapping.Standard"/>).
/// </summary>
internal static class ChangeOp
{
    public const string Upsert = "UPSERT";
    public const string Insert = "INSERT";
    public const string Update = "UPDATE";
    public const string Delete = "DELETE";
}
