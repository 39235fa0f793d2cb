using CustomerTrack.Warehouse.DuckDb;
using CustomerTrack.Warehouse.Postgres;

namespace CustomerTrack.Warehouse;

/// <summary>Opens the warehouse the settings name (<c>Warehouse:Engine</c>).</summary>
internal static class Warehouses
{
    public static bool IsPostgres(Workspace workspace) => workspace.Settings.Warehouse.Kind == Configuration.WarehouseEngine.Postgres;

    /// <summary>Where the warehouse is, for people (never with a password).</summary>
    public static string Describe(Workspace workspace) => IsPostgres(workspace)
        ? PostgresWarehouse.Describe(workspace.Settings.Warehouse.ConnectionString)
        : workspace.WarehousePath;

    /// <summary>Opens for writing (making the tables) or, with <paramref name="readOnly"/>, for queries only.</summary>
    public static IWarehouse Open(Workspace workspace, bool readOnly, Func<string?>? describeOwner = null, TimeProvider? time = null)
    {
        IEngine engine = IsPostgres(workspace)
            ? PostgresWarehouse.Open(workspace.Settings.Warehouse.ConnectionString, readOnly, workspace.Settings.Definitions, time)
            : DuckDbWarehouse.Open(workspace.WarehousePath, workspace.WarehousePath, readOnly, describeOwner,
                readOnly ? null : workspace.Settings.Warehouse.MemoryLimit, workspace.Settings.Definitions, time);
        IWarehouse warehouse = new TranslatedWarehouse(engine);
        warehouse.QueryLimits = workspace.Settings.Query;

        // Columns files added under SchemaEvolution: add are part of their tables from then on: the loader and the
        // task stage work from the tables as the warehouse holds them.
        foreach (var table in warehouse.Tables)
        {
            workspace.Settings.Replace(table);
        }

        return warehouse;
    }
}
