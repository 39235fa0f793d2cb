namespace CustomerTrack.Warehouse;

/// <summary>A column to export, with its type as the source engine's catalog gives it.</summary>
internal sealed record ExportColumn(string Name, string DataType, int? Precision, int? Scale)
{
    /// <summary>
    /// A DECIMAL past .NET's decimal (more than 28 digits): read as the engine's text and cast back by the file's writer,
    /// so every digit reaches the file.
    /// </summary>
    public bool Wide => Precision > 28 && (DataType.StartsWith("DECIMAL", StringComparison.OrdinalIgnoreCase)
        || DataType.Equals("NUMERIC", StringComparison.OrdinalIgnoreCase));
}
