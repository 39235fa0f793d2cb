using System.Text.Json;

namespace CustomerTrack.Warehouse.DuckDb;

/// <summary>
/// The table functions a reader may call. DuckDB's table functions include ones that change the running database
/// (<c>enable_logging</c> switches every connection's log to a file and <c>lock_configuration</c> does not stop it;
/// <c>checkpoint</c>, <c>truncate_duckdb_logs</c>) and ones that run SQL given as text (<c>query</c>), which no
/// statement check could see into. So the reader gets a short list of generators and catalog views, and nothing else.
/// </summary>
internal static class ReaderTableFunctions
{
    private static readonly HashSet<string> Allowed = new(StringComparer.OrdinalIgnoreCase)
    {
        "range", "generate_series", "unnest", "json_each", "json_tree", "test_all_types",
        "duckdb_tables", "duckdb_columns", "duckdb_views", "duckdb_schemas", "duckdb_types", "duckdb_functions",
        "duckdb_keywords", "duckdb_constraints", "duckdb_indexes", "duckdb_databases", "duckdb_sequences",
        "duckdb_settings", "pragma_table_info", "pragma_show",
    };

    /// <summary>The first table function in a parsed statement (json_serialize_sql's tree) that a reader may not call.</summary>
    public static string? FirstRefused(JsonElement node)
    {
        switch (node.ValueKind)
        {
            case JsonValueKind.Object:
                if (node.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "TABLE_FUNCTION"
                    && node.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object
                    && function.TryGetProperty("function_name", out var name))
                {
                    var n = name.GetString() ?? "";
                    if (!Allowed.Contains(n))
                    {
                        return n;
                    }
                }

                foreach (var property in node.EnumerateObject())
                {
                    if (FirstRefused(property.Value) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Array:
                foreach (var item in node.EnumerateArray())
                {
                    if (FirstRefused(item) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }
}
