using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace CustomerTrack.Warehouse.DuckDb;

/// <summary>DuckDB's errors in CustomerTrack's terms: the one place that decides which of them a retry can cure.</summary>
internal static class DuckDbErrors
{
    private static readonly HashSet<DuckDBErrorType> Transient =
    [
        DuckDBErrorType.Transaction,   // a write-write conflict between connections
        DuckDBErrorType.Io,            // a full disk, a file system gone read-only
        DuckDBErrorType.OutOfMemory,   // the memory limit, while other work holds memory
        DuckDBErrorType.Interrupt,
        DuckDBErrorType.Connection,
        DuckDBErrorType.Network,
    ];

    /// <summary>The translated error, or null when <paramref name="e"/> is not DuckDB's.</summary>
    public static WarehouseException? Translate(Exception e, string display) => e is DuckDBException d
        ? new WarehouseException($"{display}: {DuckDbWarehouse.FirstLine(d.Message)}", d, Transient.Contains(d.ErrorType))
        : null;
}
