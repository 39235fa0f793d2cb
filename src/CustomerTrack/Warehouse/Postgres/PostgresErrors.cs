using System.Net.Sockets;
using Npgsql;

namespace CustomerTrack.Warehouse.Postgres;

/// <summary>PostgreSQL's errors in CustomerTrack's terms: the one place that decides which of them a retry can cure.</summary>
internal static class PostgresErrors
{
    /// <summary>
    /// The translated error, or null when <paramref name="e"/> is not the server's or the driver's. Npgsql's own
    /// classification decides: a lost connection, a serialization failure (40001), a deadlock (40P01), a server
    /// shutting down or out of resources are transient; a constraint violation, a syntax error or a missing permission
    /// (42501) are not.
    /// </summary>
    public static WarehouseException? Translate(Exception e, string display) => e switch
    {
        PostgresException p => new WarehouseException($"{display}: {p.SqlState}: {p.MessageText}", p, p.IsTransient),
        NpgsqlException n => new WarehouseException($"{display}: {FirstLine(n.Message)}", n, n.IsTransient || n.InnerException is IOException or SocketException or TimeoutException),
        _ => null,
    };

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
